import type { TokenHashMemo } from '../token-hash-memo.js';

/** Which door a request came through: the application door or the operator door. */
export type Door = 'application' | 'operator';

/** What a handler may know about the request beyond its params. */
export interface RequestContext {
  readonly door: Door;
  readonly transport: 'http' | 'ws';
  /** The Origin header, when a browser sent the request. */
  readonly origin: string | undefined;
  readonly remoteAddress: string | undefined;
  /** Aborted when the caller goes away (HTTP connection or WebSocket closed). */
  readonly signal: AbortSignal;
  /** The hash of the last token this request's connection presented (one memo per connection); none for a one-off caller. */
  readonly tokenHashes: TokenHashMemo | undefined;
  /** Pushes a notification to this caller; only WebSocket callers can receive them. */
  readonly notify: ((method: string, params: unknown) => void) | undefined;
}
