/**
 * One HTTP exchange with one node, and the vocabulary for what went wrong.
 *
 * A `NodeFailure` means "this node did not give us a usable answer": the
 * client marks the node unhealthy and may try another one. A 4xx answer is not
 * a failure of the node but a verdict on the request; the client turns it into
 * a NodeRejectedRequestError and does not ask anyone else.
 */
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

/** Error codes (from node:net / undici) that mean the TCP connection was never established. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

const WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the node',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
};

function codesOf(error: unknown): string[] {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  if (cause instanceof AggregateError) return cause.errors.map((e) => String((e as { code?: unknown })?.code ?? ''));
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? [code] : [];
}

/** Turns whatever fetch (or reading its body) threw into a NodeFailure, without echoing foreign text. */
export function failureFromError(error: unknown, signal: AbortSignal, timeoutMs: number): NodeFailure {
  if (error instanceof NodeFailure) return error;
  // Whoever aborted (timeout, caller, close), the client sorts it out; from here it looks like a timeout.
  if (signal.aborted) return new NodeFailure('timeout', `no answer within ${timeoutMs} ms`);
  const codes = codesOf(error);
  if (codes.length > 0 && codes.every((c) => NOT_CONNECTED.has(c))) return new NodeFailure('unreachable', WORDS[codes[0]!] ?? 'could not connect');
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

export interface Exchange {
  fetch: typeof fetch;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  signal: AbortSignal;
  timeoutMs: number;
}

async function readCapped(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new NodeFailure('garbage', 'response body too large');
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new NodeFailure('garbage', 'response body too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Sends one request and returns the parsed JSON of a 2xx answer.
 * Throws NodeFailure (node problem), NodeRejectedRequestError (4xx).
 */
export async function exchangeJson(x: Exchange): Promise<unknown> {
  let status: number;
  let bytes: Uint8Array;
  try {
    const response = await x.fetch(x.url, {
      method: x.method,
      headers: x.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      ...(x.body === undefined ? {} : { body: x.body }),
      signal: x.signal,
      redirect: 'manual',
    });
    status = response.status;
    bytes = await readCapped(response);
  } catch (error) {
    throw failureFromError(error, x.signal, x.timeoutMs);
  }
  if (status >= 400 && status < 500) {
    throw new NodeRejectedRequestError(status, summariseErrorBody(decodeLoosely(bytes)));
  }
  if (status >= 500 && status < 600) throw new NodeFailure('server_error', `HTTP ${status}`);
  if (status < 200 || status >= 300) throw new NodeFailure('bad_status', `unexpected HTTP status ${status}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
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
