/**
 * Counts failed authentication attempts (unknown tokens, wrong passphrases,
 * wrong operator tokens) per source, and refuses a source that failed too
 * often within a window until its oldest failure leaves the window. Guessing
 * 256-bit tokens is hopeless anyway; passphrases are what this protects.
 */
export interface FailureLimits {
  /** Failures allowed per source within `windowMs`. */
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { maxFailures: 10, windowMs: 60_000 };

/** Sources kept at most; the oldest are forgotten first, so a flood of addresses cannot exhaust memory. */
const MAX_SOURCES = 10_000;

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: FailureLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `source` may try again; 0 when it may now. */
  retryAfterMs(source: string): number {
    const recent = this.recent(source);
    if (recent.length < this.limits.maxFailures) return 0;
    return (recent[recent.length - this.limits.maxFailures] as number) + this.limits.windowMs - this.now();
  }

  recordFailure(source: string): void {
    const recent = this.recent(source);
    recent.push(this.now());
    this.failures.delete(source);
    this.failures.set(source, recent);
    if (this.failures.size > MAX_SOURCES) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(source: string): number[] {
    const known = this.failures.get(source);
    // Every request asks; an address that never failed must cost no more than a map lookup.
    if (known === undefined) return [];
    const since = this.now() - this.limits.windowMs;
    const kept = known.filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(source);
    else this.failures.set(source, kept);
    return kept;
  }
}
