import { handled } from './awaitable.js';

/**
 * Requests shared by whoever asks: while one runs for a key, asking again gets that one; once it
 * has settled, the next ask starts another. A request may have nobody waiting for it (one started
 * ahead of time, or one whose callers all gave up), so its rejection is marked handled (see
 * handled()); whoever does wait still gets it.
 */
export class SharedRequests<T, K = undefined> {
  readonly #running = new Map<K | undefined, Promise<T>>();

  run(start: () => Promise<T>, key?: K): Promise<T> {
    let running = this.#running.get(key);
    if (running === undefined) {
      running = handled(
        start().finally(() => {
          this.#running.delete(key);
        }),
      );
      this.#running.set(key, running);
    }
    return running;
  }
}

/**
 * Whether data fetched `age` ago may still be used, when it is kept at most `maxAge`. Past half of
 * that, `refresh` is called to fetch it again in the background: callers in steady use are
 * answered with what is known and never wait; only data past `maxAge` is waited for.
 */
export function usableFetchingAhead(age: number, maxAge: number, refresh: () => void): boolean {
  if (age >= maxAge) return false;
  if (age >= maxAge / 2) refresh();
  return true;
}
