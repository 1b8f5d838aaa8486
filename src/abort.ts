/**
 * Waits for `promise`, or rejects with the reason of the first of `signals`
 * to abort, whichever comes first. The promise itself is not cancelled: this
 * is how one caller stops waiting for work that others may still share.
 */
export function untilAborted<T>(promise: Promise<T>, signals: readonly (AbortSignal | undefined)[]): Promise<T> {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const aborted = live.find((s) => s.aborted);
  if (aborted) return Promise.reject(aborted.reason);
  if (live.length === 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const stop = (event: Event) => {
      cleanup();
      reject((event.target as AbortSignal).reason);
    };
    const cleanup = () => live.forEach((s) => s.removeEventListener('abort', stop));
    live.forEach((s) => s.addEventListener('abort', stop, { once: true }));
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/**
 * A signal, or a function that makes it. Work that often ends without waiting for anything (a
 * transaction signed against a known block, a review a policy rule decides) takes the function:
 * the signal, and its listeners, are then made only when something really waits.
 */
export type LazySignal = AbortSignal | (() => AbortSignal);

export function signalOf(signal: LazySignal): AbortSignal;
export function signalOf(signal: LazySignal | undefined): AbortSignal | undefined;
export function signalOf(signal: LazySignal | undefined): AbortSignal | undefined {
  return typeof signal === 'function' ? signal() : signal;
}

/** A controller whose signal also follows other signals, until released. */
export interface LinkedController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Stops following the sources (call it when the work is over, so that long-lived sources keep no listener). */
  release(): void;
}

/**
 * An AbortController that also aborts when any of `sources` does, with that
 * source's reason. Does what AbortSignal.any does, for a fraction of its cost
 * on Node 20 (~17 µs there per call: it records every combined signal in a
 * registry of each source), and without leaving anything on a source once
 * released.
 */
export function linkedController(sources: readonly (AbortSignal | undefined)[]): LinkedController {
  const controller = new AbortController();
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  const follow = (event: Event) => {
    release();
    controller.abort((event.target as AbortSignal).reason);
  };
  const release = () => {
    for (const source of live) source.removeEventListener('abort', follow);
  };
  const aborted = live.find((s) => s.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const source of live) source.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    abort: (reason?: unknown) => {
      release();
      controller.abort(reason);
    },
    release,
  };
}
