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
