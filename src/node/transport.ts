/**
 * One HTTP exchange with one node, and the vocabulary for what went wrong.
 *
 * A `NodeFailure` means "this node did not give us a usable answer": the
 * client marks the node unhealthy and may try another one. A 4xx answer is not
 * a failure of the node but a verdict on the request; the client turns it into
 * a NodeRejectedRequestError and does not ask anyone else.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { NodeRejectedRequestError } from './errors.js';

/** Largest response body read from a node; anything bigger is treated as garbage. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type FailureKind =
  /** The connection could not be opened: the request certainly never reached the node. */
  | 'unreachable'
  /** No complete answer within the per-request timeout. */
  | 'timeout'
  /** The connection broke after it was opened (reset, closed mid-response...). */
  | 'transport'
  /** HTTP 5xx. */
  | 'server_error'
  /** An HTTP status that is neither 2xx, 4xx nor 5xx (redirects included). */
  | 'bad_status'
  /** A 2xx answer whose body is not what the endpoint promises. */
  | 'garbage'
  /** A well-formed answer about another chain than the one the client settled on. */
  | 'wrong_chain';

export class NodeFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'NodeFailure';
  }

  /** Whether the node may have received the request (only 'unreachable' rules it out). */
  get possiblyDelivered(): boolean {
    return this.kind !== 'unreachable';
  }
}

/**
 * Error codes of node:net / node:dns that mean a connection could not be
 * opened. They only count as such while the socket never connected: some
 * (EHOSTUNREACH, ETIMEDOUT...) can also break a connection that was open.
 */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT']);

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  HPE_HEADER_OVERFLOW: 'response headers too large',
};

function codesOf(error: unknown): string[] {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  if (cause instanceof AggregateError) return cause.errors.map((e) => String((e as { code?: unknown })?.code ?? ''));
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? [code] : [];
}

/**
 * Turns whatever a request (or reading its answer) failed with into a
 * NodeFailure, without echoing foreign text. `connected`: whether the socket
 * was connected at some point.
 */
export function failureFromError(error: unknown, cancelled: boolean, timeoutMs: number, connected: boolean): NodeFailure {
  if (error instanceof NodeFailure) return error;
  // Whoever cancelled (timeout, caller, close), the client sorts it out; from here it looks like a timeout.
  if (cancelled) return new NodeFailure('timeout', `no answer within ${timeoutMs} ms`);
  const codes = codesOf(error);
  if (!connected && codes.length > 0 && codes.every((c) => NOT_CONNECTED.has(c))) return new NodeFailure('unreachable', WORDS[codes[0]!] ?? 'could not connect');
  const word = codes.map((c) => WORDS[c]).find(Boolean);
  return new NodeFailure('transport', word ?? 'the connection failed');
}

/** Keeps printable ASCII, folds whitespace, and cuts to `max` characters. */
export function sanitise(text: string, max = 160): string {
  const clean = text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * A short summary of a node's error body. Only a gRPC-gateway JSON error
 * (`{code, message, details:[{message, inner}]}`) yields text; anything else
 * (an HTML page from a proxy, plain text) yields nothing.
 */
export function summariseErrorBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return '';
  }
  if (!parsed || typeof parsed !== 'object') return '';
  const { message, details } = parsed as { message?: unknown; details?: unknown };
  const parts: string[] = [];
  if (typeof message === 'string' && message) parts.push(message);
  if (Array.isArray(details)) {
    for (const d of details.slice(0, 3)) {
      if (!d || typeof d !== 'object') continue;
      const { message: m, inner } = d as { message?: unknown; inner?: unknown };
      if (typeof m === 'string' && m) parts.push(typeof inner === 'string' && inner ? `${m} (${inner})` : m);
    }
  }
  return sanitise(parts.join(': '));
}

/** Idle keep-alive sockets are closed after this long (undici's fetch did the same), or sooner when the node announces less. */
const IDLE_SOCKET_MS = 4000;

/**
 * The connection pools of one client: a keep-alive agent per scheme, so that
 * consecutive requests to a node reuse its TCP (and TLS) connection.
 */
export class NodeAgents {
  readonly http = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
  readonly https = new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

  /** Closes every socket, idle or in use. */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * How an exchange learns that it must stop (its timeout, the caller gone, the client closed):
 * what it needs of an AbortSignal, without one. The client makes one per request; an
 * AbortController linked to the caller's signal, and the exchange's listener on it, cost ~7 µs
 * of the ~60 µs of CPU a request took in all.
 */
export interface Cancellation {
  readonly cancelled: boolean;
  /** Calls `listener` when cancelled (once; never if it already is); returns what stops that. */
  onCancel(listener: () => void): () => void;
}

export interface Exchange {
  agents: NodeAgents;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  cancellation: Cancellation;
  timeoutMs: number;
}

interface Answer {
  status: number;
  bytes: Buffer;
}

const GET_HEADERS = { accept: 'application/json' };
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Errors a socket gives when the other end closed it under us. */
const isReset = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
};

/** Destroys the idle sockets of `agent`, so that its next request opens a new connection. */
function dropIdleSockets(agent: HttpAgent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/**
 * One request and its whole answer, body capped at MAX_BODY_BYTES. Rejects with a NodeFailure.
 *
 * `retryStale`: when the request went out on a pooled socket that turns out to
 * have been closed by the node while it sat idle (a reset before a single byte
 * of answer came back), send it once more on a new connection. Only for
 * requests that are safe to repeat.
 */
function roundTrip(x: Exchange, retryStale: boolean): Promise<Answer> {
  const { cancellation } = x;
  if (cancellation.cancelled) return Promise.reject(failureFromError(undefined, true, x.timeoutMs, false));
  const target = new URL(x.url);
  const secure = target.protocol === 'https:';
  const agent = secure ? x.agents.https : x.agents.http;
  const headers =
    x.body === undefined ? GET_HEADERS : { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(x.body) };

  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    /** Whether the TCP connection was ever established (a pooled socket always was). */
    let connected = false;
    let socket: Socket | undefined;
    let bytesReadBefore = 0;
    let stopListening = (): void => {};

    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      stopListening();
      return true;
    };
    const fail = (error: unknown) => {
      if (!settle()) return;
      // Whatever went wrong, this socket is not going back into the pool.
      req.destroy();
      const stale = retryStale && req.reusedSocket && socket !== undefined && socket.bytesRead === bytesReadBefore && isReset(error) && !cancellation.cancelled;
      if (stale) {
        // The other idle sockets to the node were probably closed at the same time: do not hand them out either.
        dropIdleSockets(agent);
        roundTrip(x, false).then(resolve, reject);
        return;
      }
      reject(failureFromError(error, cancellation.cancelled, x.timeoutMs, connected));
    };

    const req = (secure ? httpsRequest : httpRequest)(target, { method: x.method, headers, agent });
    // The cancellation covers the whole exchange, connecting included; it reads as a timeout.
    stopListening = cancellation.onCancel(() => fail(undefined));
    req.on('socket', (s: Socket) => {
      socket = s;
      bytesReadBefore = s.bytesRead;
      if (req.reusedSocket || !s.connecting) connected = true;
      else s.once('connect', () => (connected = true));
    });
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      if (Number(res.headers['content-length']) > MAX_BODY_BYTES) return fail(new NodeFailure('garbage', 'response body too large'));
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > MAX_BODY_BYTES) return fail(new NodeFailure('garbage', 'response body too large'));
        chunks.push(chunk);
      });
      res.on('end', () => {
        if (settle()) resolve({ status: res.statusCode ?? 0, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) });
      });
      res.on('error', fail);
      // A close without 'end' first: the node went away in the middle of its answer.
      res.on('close', () => {
        if (!settled) fail(new NodeFailure('transport', 'the connection closed before the answer was complete'));
      });
    });
    req.end(x.body);
  });
}

/**
 * Sends one request and returns the parsed JSON of a 2xx answer.
 * Throws NodeFailure (node problem), NodeRejectedRequestError (4xx).
 * Redirects are never followed: they count as an unexpected status.
 */
export async function exchangeJson(x: Exchange): Promise<unknown> {
  // Only a GET may be sent twice; a POST may be a transaction that must not reach the node twice.
  const { status, bytes } = await roundTrip(x, x.method === 'GET');
  if (status >= 400 && status < 500) {
    throw new NodeRejectedRequestError(status, summariseErrorBody(decodeLoosely(bytes)));
  }
  if (status >= 500 && status < 600) throw new NodeFailure('server_error', `HTTP ${status}`);
  if (status < 200 || status >= 300) throw new NodeFailure('bad_status', `unexpected HTTP status ${status}`);
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new NodeFailure('garbage', 'response body is not UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new NodeFailure('garbage', 'response body is not JSON');
  }
}

const decodeLoosely = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes.subarray(0, 64 * 1024));
