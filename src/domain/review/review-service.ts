import { EventEmitter } from 'node:events';
import { onAbort, signalOf, type LazySignal } from '../../abort.js';
import { handled } from '../../awaitable.js';
import type { AuditOutcome, ReviewKind } from '../../../generated/types.js';
import type { AuditStore, PolicyStore } from '../../store/store.js';
import { randomHex } from '../crypto/random-pool.js';
import { ReviewClosedError, ReviewInterruptedError, ReviewNotFoundError, ReviewRejectedError } from '../errors.js';
import { ASK_EVERYTHING, evaluatePolicy, type Policy, type PolicySubject } from './policy.js';

export interface ReviewRequest extends PolicySubject {
  /** What is asked, shown to the reviewer. */
  details: Record<string, unknown>;
  /**
   * For a connection: whether a wallet exists. A policy rule that approves a
   * connection with a wallet that is gone (removed or renamed since) then
   * leaves the choice to a person, as a rule naming no wallet does.
   */
  walletExists?: (wallet: string) => Promise<boolean>;
}

export interface Review {
  id: string;
  kind: ReviewKind;
  hostname: string;
  wallet: string | null;
  details: Record<string, unknown>;
  receivedAt: string;
  expiresAt: string;
}

/** What an approval carries beyond "yes". */
export interface Approval {
  /** For a connection: the wallet to connect. */
  wallet?: string;
  /** For permissions: the only keys the application may see (null: all). */
  keys?: string[] | null;
}

export interface ReviewEnded {
  id: string;
  outcome: AuditOutcome;
  decidedBy: string;
}

interface Pending {
  review: Review;
  subject: PolicySubject;
  resolve: (approval: Approval) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

export interface ReviewServiceOptions {
  timeoutMs: number;
  now?: () => Date;
  /** Told when an ending could not be written to the audit log (the caller still gets its answer). */
  onAuditFailure?: (error: unknown) => void;
}

/**
 * Requests that wait for the owner: connections, permission changes and
 * transactions. The first of these ends a review: a policy rule (at once),
 * a decision (from any reviewer: terminal, web console, any operator-door
 * client), the timeout, the caller going away, or shutdown. Every ending is
 * announced ("ended") and written to the audit log. Pending reviews live in
 * memory only.
 */
export class ReviewService extends EventEmitter<{ requested: [Review]; ended: [ReviewEnded] }> {
  private readonly pending = new Map<string, Pending>();
  private policy: Policy = ASK_EVERYTHING;
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly policies: PolicyStore,
    private readonly audit: AuditStore,
    private readonly options: ReviewServiceOptions,
  ) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the stored policy; call once at start. */
  async load(): Promise<void> {
    this.policy = (await this.policies.getPolicy()) ?? ASK_EVERYTHING;
  }

  getPolicy(): Policy {
    return this.policy;
  }

  async setPolicy(policy: Policy): Promise<void> {
    await this.policies.setPolicy(policy);
    this.policy = policy;
  }

  list(): Review[] {
    return [...this.pending.values()].map((p) => p.review);
  }

  find(id: string): Review | undefined {
    return this.pending.get(id)?.review;
  }

  /**
   * Waits for a decision, and for it to be on record. Resolves with the
   * approval; rejects with ReviewRejectedError (3001), ReviewInterruptedError
   * (-32001), ReviewClosedError (3000), or the audit store's error when a
   * rule's approval could not be recorded.
   */
  async request(request: ReviewRequest, lazySignal: LazySignal): Promise<Approval> {
    const { approval, recorded } = await this.decision(request, lazySignal);
    await recorded;
    return approval;
  }

  /**
   * request(), resolving as soon as the approval is decided: `recorded` settles
   * once it is on record, and rejects as request() would when it could not be
   * written. A caller may prepare its work meanwhile, but must not let anything
   * out of the gateway before `recorded` resolves. Only a rule's approval is
   * recorded after it resolves: a rejection, and a person's decision, are on
   * record first as with request(). A caller that fails before it awaits
   * `recorded` leaves no unhandled rejection behind.
   */
  async decision(request: ReviewRequest, lazySignal: LazySignal): Promise<{ approval: Approval; recorded: Promise<void> }> {
    if (this.closed) throw new ReviewClosedError();
    const receivedAt = this.now();
    const review: Review = {
      id: randomHex(16),
      kind: request.kind,
      hostname: request.hostname,
      wallet: request.wallet,
      details: request.details,
      receivedAt: receivedAt.toISOString(),
      expiresAt: new Date(receivedAt.getTime() + this.options.timeoutMs).toISOString(),
    };
    const subject: PolicySubject = { kind: request.kind, hostname: request.hostname, wallet: request.wallet };
    if (request.commandType !== undefined) subject.commandType = request.commandType;
    if (request.publicKey !== undefined) subject.publicKey = request.publicKey;

    let verdict = evaluatePolicy(this.policy, subject);
    if (verdict.action === 'approve' && verdict.wallet !== undefined && request.walletExists && !(await request.walletExists(verdict.wallet))) {
      verdict = { action: 'ask', decidedBy: verdict.decidedBy };
    }
    if (verdict.action === 'approve') {
      const recorded = handled(this.record(review, 'approved', verdict.decidedBy, verdict.wallet ?? review.wallet));
      return { approval: verdict.wallet === undefined ? {} : { wallet: verdict.wallet }, recorded };
    }
    if (verdict.action === 'reject') {
      await this.record(review, 'rejected', verdict.decidedBy);
      throw new ReviewRejectedError(verdict.decidedBy);
    }
    // Only a review that waits for a person needs to know when the caller leaves.
    const signal = signalOf(lazySignal);
    if (signal.aborted) {
      await this.record(review, 'interrupted', 'caller');
      throw new ReviewInterruptedError('caller');
    }

    const approval = new Promise<Approval>((resolve, reject) => {
      const timer = setTimeout(() => void this.end(review.id, 'timed_out', 'timeout', new ReviewInterruptedError('timeout')), this.options.timeoutMs);
      timer.unref();
      // A WebSocket connection's signal is shared by every review its requests have open.
      const stopWaiting = onAbort(signal, () => void this.end(review.id, 'interrupted', 'caller', new ReviewInterruptedError('caller')));
      this.pending.set(review.id, {
        review,
        subject,
        resolve,
        reject,
        timer,
        cleanup: () => {
          clearTimeout(timer);
          stopWaiting();
        },
      });
      this.emit('requested', review);
    });
    return { approval: await approval, recorded: Promise.resolve() };
  }

  /**
   * The operator's decision, by `reviewer` when one is named: the record and the other reviewers
   * see "operator (<reviewer>)", the application only "operator". Throws ReviewNotFoundError when
   * the review has already ended.
   */
  decide(id: string, approved: boolean, approval: Approval, reviewer?: string): void {
    if (!this.pending.has(id)) throw new ReviewNotFoundError(id);
    const decidedBy = reviewer === undefined ? 'operator' : `operator (${reviewer})`;
    if (approved) void this.end(id, 'approved', decidedBy, undefined, approval);
    else void this.end(id, 'rejected', decidedBy, new ReviewRejectedError('operator'));
  }

  /** Shutdown: every waiting caller gets 3000 and no new review starts. Resolves once all of them have been told. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending.keys()].map((id) => this.end(id, 'closed', 'gateway', new ReviewClosedError())));
  }

  private async end(id: string, outcome: AuditOutcome, decidedBy: string, error?: Error, approval: Approval = {}): Promise<void> {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    pending.cleanup();
    this.emit('ended', { id, outcome, decidedBy });
    // The caller learns the outcome once it is on record.
    try {
      await this.record(pending.review, outcome, decidedBy, approval.wallet ?? pending.review.wallet);
    } catch (failure) {
      this.options.onAuditFailure?.(failure);
    }
    if (error) pending.reject(error);
    else pending.resolve(approval);
  }

  private async record(review: Review, outcome: AuditOutcome, decidedBy: string, wallet: string | null = review.wallet): Promise<void> {
    await this.audit.appendAuditEvent({
      at: this.now().toISOString(),
      reviewId: review.id,
      kind: review.kind,
      hostname: review.hostname,
      wallet,
      outcome,
      decidedBy,
      details: review.details,
    });
  }
}
