/**
 * A value, or a promise of it. The hot reads (a token's session, a wallet's public keys, the chain
 * id) are answered from memory most of the time; returned this way they reach the caller without
 * a promise and the turns of the microtask queue that each one costs. Code that does not care
 * simply awaits it. The promise is a native Promise (what async functions and current database
 * drivers return): `then` below and the dispatcher tell the two apart with `instanceof`, and
 * would take a thenable of another kind for a value.
 */
export type Awaitable<T> = T | Promise<T>;

/** Applies `next` to the value now when there is one, or when the promise settles. */
export function then<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * `promise` itself, marked as handled: when it rejects and nobody is waiting for it (a request
 * started in the background, or one whose callers all gave up), Node does not treat the
 * rejection as unhandled and end the process. Whoever awaits it still gets the rejection.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
