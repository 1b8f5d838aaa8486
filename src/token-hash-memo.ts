import { sameString } from './constant-time.js';

/**
 * The hash of the last token one connection presented. A bot or a dApp sends the same token with
 * every request on its connection, and hashing it (a call into OpenSSL) was among the larger
 * costs of a session call under load. The memo belongs to the connection: the token it holds is
 * one its own peer sent, and it goes away with the connection. It only saves the hashing; the
 * session behind the hash is looked up and checked on every request as before.
 */
export class TokenHashMemo {
  #token: string | undefined = undefined;
  #hash = '';

  /**
   * `hash(token)`, worked out again unless `token` is the last one. Compared in constant time: one
   * HTTP connection may carry the requests of several callers (a proxy's pool), and the next one
   * must not learn, by timing, how much of its token matches the one before.
   */
  hashOf(token: string, hash: (token: string) => string): string {
    if (this.#token !== undefined && sameString(this.#token, token)) return this.#hash;
    this.#hash = hash(token);
    this.#token = token;
    return this.#hash;
  }
}
