/**
 * Talks to a set of Vega core nodes over their REST API (vega-facts.md §2).
 *
 * Node selection
 *   All nodes are probed in parallel with GET /statistics; the result is kept
 *   for `healthTtlMs`. A node is healthy when it answered in time with a valid
 *   body. Among healthy nodes the client settles on the chain id reported by
 *   the largest group (a tie goes to the group holding the node listed first),
 *   and keeps the nodes of that group whose height is within `maxHeightLag` of
 *   the group's highest: those are the preferred nodes. Requests go round robin
 *   over them.
 *
 * Failures and retries
 *   A transport error, a timeout, HTTP 5xx, or a body that does not hold what
 *   the endpoint promises marks the node unhealthy until the next probe and the
 *   request moves on to another preferred node after an exponential, jittered
 *   pause, `retries` times at most. When marking leaves no preferred node, the
 *   nodes are probed again at once (a short outage then heals within a
 *   request). A 4xx answer, or a submit/check answer carrying a non-zero ABCI
 *   code, is the node's verdict on the request: it is returned (or thrown as
 *   NodeRejectedRequestError) and never asked again elsewhere.
 *
 *   Submitting is stricter: a transaction is only sent to another node when
 *   the previous attempt certainly never reached its node (the connection
 *   could not be opened). After a timeout, a broken connection, a 5xx or an
 *   unreadable answer the node may have taken the transaction, so the client
 *   stops with `transaction_failed` (its details carry the hash to look for)
 *   rather than sending the same bytes twice.
 *
 * Cancellation
 *   Each attempt runs under a cancellation of its own (a Lease) that follows
 *   the caller's signal, a per-request timeout and close(). A caller abort ends
 *   the call at once with the caller's reason: no retry, no further pause.
 *
 * Connections
 *   Requests go through node:http(s) with one keep-alive agent per scheme, so
 *   a node's connection is reused from one request to the next; close()
 *   destroys them. A GET that meets a pooled connection the node had closed
 *   while it sat idle is sent again once on a new connection (transport.ts);
 *   a POST never is.
 */
import { onAbort, untilAborted } from '../abort.js';
import { SharedRequests, usableFetchingAhead } from '../fetch-ahead.js';
import { transactionHash } from '../domain/vega/transaction.js';
import { LastBlockUnavailableError, NoHealthyNodeError, NodeClientClosedError, NodeRejectedRequestError, TransactionFailedError } from './errors.js';
import {
  parseCheckResult,
  parseLastBlock,
  parseSpamStatistics,
  parseStatistics,
  parseSubmitResult,
  ShapeError,
  type CheckResult,
  type LastBlock,
  type NodeStatistics,
  type SpamStatistics,
  type SubmitResult,
} from './responses.js';
import { exchangeJson, NodeAgents, NodeFailure, type Cancellation } from './transport.js';

export * from './errors.js';
export type { CheckResult, LastBlock, NodeStatistics, PowBlockState, SpamCounter, SpamStatistics, SubmitResult, VoteSpamCounters } from './responses.js';

export type SubmitType = 'TYPE_ASYNC' | 'TYPE_SYNC' | 'TYPE_COMMIT';
const SUBMIT_TYPES: ReadonlySet<string> = new Set<SubmitType>(['TYPE_ASYNC', 'TYPE_SYNC', 'TYPE_COMMIT']);

export interface VegaNodeClientOptions {
  /** Base URLs of core nodes' REST API, e.g. `https://api.n00.example.net`. */
  nodes: string[];
  /** Limit for one HTTP exchange, body included. Default 5000. */
  requestTimeoutMs?: number;
  /** How many times a failed request moves on to another node. Default 3. */
  retries?: number;
  /** First pause before a retry; doubles each time, with jitter. Default 100. */
  backoffMs?: number;
  /** How long a round of health probes is trusted. Default 2000. */
  healthTtlMs?: number;
  /** How many blocks a node may trail the highest node of its chain and still be used. Default 10. */
  maxHeightLag?: number;
}

export interface NodeHealth {
  url: string;
  /** Answered GET /statistics in time with a valid body, and has not failed a request since. */
  ok: boolean;
  /** Healthy, on the majority chain and close enough to the top: requests go here. */
  preferred: boolean;
  chainId: string | null;
  height: bigint | null;
  latencyMs: number | null;
  /** Our own one-line description of why the node is not ok. */
  error: string | null;
}

interface Snapshot {
  takenAt: number;
  nodes: NodeHealth[];
  chainId: string | null;
  preferred: string[];
  /** Set when failures emptied `preferred`: the next request probes again instead of waiting for the TTL. */
  exhausted: boolean;
}

interface Operation<T> {
  /** Mutating requests that must not reach two nodes. */
  submit: boolean;
  call(url: string, cancellation: Cancellation, chainId: string): Promise<T>;
  /** The error when every try failed (at least one attempt was made). */
  giveUp(last: NodeFailure, attempts: number): Error;
}

const MAX_BACKOFF_MS = 10_000;

function positiveInteger(value: number | undefined, fallback: number, name: string, min = 0): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer of at least ${min}`);
  return v;
}

function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError('a node URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('a node URL must use http or https');
  if (url.username || url.password || url.search || url.hash) throw new TypeError('a node URL must not carry credentials, a query or a fragment');
  return url.href.replace(/\/+$/, '');
}

function pause(ms: number, signals: AbortSignal[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return untilAborted(slept, signals).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  if (error instanceof NodeFailure) return error.message;
  if (error instanceof NodeRejectedRequestError) return `HTTP ${error.status}`;
  return 'unexpected error';
}

/** Picks the majority chain, then the nodes close to its top. Marks `preferred` on the entries. */
function choose(nodes: NodeHealth[], maxHeightLag: number): { chainId: string | null; preferred: string[] } {
  const groups = new Map<string, NodeHealth[]>();
  for (const node of nodes) {
    if (!node.ok || node.chainId === null) continue;
    const group = groups.get(node.chainId) ?? [];
    group.push(node);
    groups.set(node.chainId, group);
  }
  let best: [string, NodeHealth[]] | undefined;
  for (const entry of groups) if (!best || entry[1].length > best[1].length) best = entry;
  if (!best) return { chainId: null, preferred: [] };
  const [chainId, group] = best;
  const top = group.reduce((max, n) => (n.height! > max ? n.height! : max), 0n);
  const preferred = group.filter((n) => top - n.height! <= BigInt(maxHeightLag));
  for (const n of preferred) n.preferred = true;
  return { chainId, preferred: preferred.map((n) => n.url) };
}

/**
 * One exchange's cancellation: its timeout, the caller's signal and close() (which cancels every
 * lease in flight). Not an AbortController: making one per request, linked to the caller's
 * signal, cost more than the rest of the client's own work (see Cancellation). The client-wide
 * close signal is never followed: anything listening on it would have to be removed again on
 * every request.
 */
class Lease implements Cancellation {
  #cancelled = false;
  readonly #listeners: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #stopFollowing: (() => void) | undefined;
  readonly #inflight: Set<Lease>;

  constructor(timeoutMs: number, caller: AbortSignal | undefined, inflight: Set<Lease>) {
    this.#inflight = inflight;
    inflight.add(this);
    this.#timer = setTimeout(() => this.cancel(), timeoutMs);
    this.#timer.unref();
    if (caller?.aborted) this.cancel();
    else if (caller) this.#stopFollowing = onAbort(caller, () => this.cancel());
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  onCancel(listener: () => void): () => void {
    if (this.#cancelled) return () => {};
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.release();
    for (const listener of this.#listeners.splice(0)) listener();
  }

  /** The exchange is over: stops the timer and following the caller. */
  release(): void {
    clearTimeout(this.#timer);
    this.#stopFollowing?.();
    this.#inflight.delete(this);
  }
}

export class VegaNodeClient {
  readonly #urls: string[];
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #ttlMs: number;
  readonly #maxLag: number;
  /** Keep-alive connection pools, destroyed by close(). */
  readonly #agents = new NodeAgents();
  /** Aborted by close(); leases in flight are cancelled one by one (see Lease). */
  readonly #closer = new AbortController();
  /** The exchanges in flight, so that close() can stop them all. */
  readonly #inflight = new Set<Lease>();
  #snapshot: Snapshot | null = null;
  /** The round of probes in progress: one at a time, shared by whoever asks. */
  readonly #probes = new SharedRequests<Snapshot>();
  #turn = 0;

  constructor(options: VegaNodeClientOptions) {
    if (!Array.isArray(options.nodes) || options.nodes.length === 0) throw new TypeError('at least one node URL is needed');
    this.#urls = [...new Set(options.nodes.map(normaliseUrl))];
    this.#timeoutMs = positiveInteger(options.requestTimeoutMs, 5000, 'requestTimeoutMs', 1);
    this.#retries = positiveInteger(options.retries, 3, 'retries');
    this.#backoffMs = positiveInteger(options.backoffMs, 100, 'backoffMs');
    this.#ttlMs = positiveInteger(options.healthTtlMs, 2000, 'healthTtlMs');
    this.#maxLag = positiveInteger(options.maxHeightLag, 10, 'maxHeightLag');
  }

  /** GET /blockchain/height: the block to build proof of work on, and the spam parameters. */
  lastBlock(signal?: AbortSignal): Promise<LastBlock> {
    return this.#run(
      {
        submit: false,
        call: async (url, s, chainId) => {
          let body: unknown;
          try {
            body = await this.#get(url, '/blockchain/height', s);
          } catch (error) {
            // A 4xx here is not worth asking anyone else either, but the caller only needs to know there is no block.
            if (error instanceof NodeRejectedRequestError) throw new LastBlockUnavailableError({ status: error.status });
            throw error;
          }
          return this.#sameChain(parse(parseLastBlock, body), chainId);
        },
        giveUp: (last, attempts) => new LastBlockUnavailableError({ attempts, cause: last.message }),
      },
      signal,
    );
  }

  /** GET /statistics */
  statistics(signal?: AbortSignal): Promise<NodeStatistics> {
    return this.#run(
      {
        submit: false,
        call: async (url, s, chainId) => this.#sameChain(parse(parseStatistics, await this.#get(url, '/statistics', s)), chainId),
        giveUp: (last, attempts) => new NoHealthyNodeError({ attempts, cause: last.message }),
      },
      signal,
    );
  }

  /** The chain id the preferred nodes agree on (from the health probes; no extra request when they are fresh). */
  async chainId(signal?: AbortSignal): Promise<string> {
    this.#assertOpen();
    signal?.throwIfAborted();
    const snapshot = await this.#current(signal);
    if (snapshot.chainId === null || snapshot.preferred.length === 0) throw new NoHealthyNodeError();
    return snapshot.chainId;
  }

  /** The chain id when fresh health probes agree on one; undefined when finding out needs a request (then use chainId()). */
  knownChainId(): string | undefined {
    const s = this.#freshSnapshot();
    if (s === null || s.chainId === null || s.preferred.length === 0) return undefined;
    return s.chainId;
  }

  /** GET /statistics/spam/{party} */
  async spamStatistics(party: string, signal?: AbortSignal): Promise<SpamStatistics> {
    if (typeof party !== 'string' || !/^[0-9a-fA-F]{64}$/.test(party)) throw new TypeError('party must be a 64-character hex public key');
    return this.#run(
      {
        submit: false,
        call: async (url, s, chainId) => this.#sameChain(parse(parseSpamStatistics, await this.#get(url, `/statistics/spam/${party}`, s)), chainId),
        giveUp: (last, attempts) => new NoHealthyNodeError({ attempts, cause: last.message }),
      },
      signal,
    );
  }

  /** POST /transaction/raw. A non-zero `code` is a result, not an error. */
  async submitRaw(bytes: Uint8Array, type: SubmitType, signal?: AbortSignal): Promise<SubmitResult> {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('the transaction bytes are empty');
    if (!SUBMIT_TYPES.has(type)) throw new TypeError('type must be TYPE_ASYNC, TYPE_SYNC or TYPE_COMMIT');
    const txHash = transactionHash(bytes);
    const body = JSON.stringify({ tx: Buffer.from(bytes).toString('base64'), type });
    return this.#run(
      {
        submit: true,
        call: async (url, s) => parse((b) => parseSubmitResult(b, txHash), await this.#post(url, '/transaction/raw', body, s)),
        giveUp: (last, attempts) => new TransactionFailedError({ txHash, attempts, cause: last.message, possiblyDelivered: last.possiblyDelivered }),
      },
      signal,
    );
  }

  /** POST /transaction/raw/check: CheckTx only, nothing is broadcast. A non-zero `code` is a result. */
  async checkRaw(bytes: Uint8Array, signal?: AbortSignal): Promise<CheckResult> {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new TypeError('the transaction bytes are empty');
    const body = JSON.stringify({ tx: Buffer.from(bytes).toString('base64') });
    return this.#run(
      {
        submit: false,
        call: async (url, s) => parse(parseCheckResult, await this.#post(url, '/transaction/raw/check', body, s)),
        giveUp: (last, attempts) => new NoHealthyNodeError({ attempts, cause: last.message }),
      },
      signal,
    );
  }

  /** The state of every configured node, probing them first when the last probes are stale. */
  async health(): Promise<NodeHealth[]> {
    this.#assertOpen();
    const snapshot = await this.#current();
    return snapshot.nodes.map((n) => ({ ...n }));
  }

  /** Stops every request in flight (they reject with node_client_closed) and refuses new ones. */
  close(): void {
    if (!this.#closer.signal.aborted) this.#closer.abort(new NodeClientClosedError());
    // Each lease leaves the set as it is cancelled.
    for (const lease of this.#inflight) lease.cancel();
    this.#agents.destroy();
    this.#snapshot = null;
  }

  // -------------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closer.signal.aborted) throw new NodeClientClosedError();
  }

  #signals(caller?: AbortSignal): AbortSignal[] {
    return caller ? [caller, this.#closer.signal] : [this.#closer.signal];
  }

  /** The cancellation of one exchange: see Lease. */
  #lease(caller?: AbortSignal): Lease {
    const lease = new Lease(this.#timeoutMs, caller, this.#inflight);
    if (this.#closer.signal.aborted) lease.cancel();
    return lease;
  }

  #get(url: string, path: string, cancellation: Cancellation): Promise<unknown> {
    return exchangeJson({ agents: this.#agents, url: url + path, method: 'GET', cancellation, timeoutMs: this.#timeoutMs });
  }

  #post(url: string, path: string, body: string, cancellation: Cancellation): Promise<unknown> {
    return exchangeJson({ agents: this.#agents, url: url + path, method: 'POST', body, cancellation, timeoutMs: this.#timeoutMs });
  }

  #sameChain<T extends { chainId: string }>(value: T, chainId: string): T {
    if (value.chainId !== chainId) throw new NodeFailure('wrong_chain', 'the node answered for another chain than the other nodes');
    return value;
  }

  /**
   * The cached snapshot while fresh and not exhausted, else null. Once it is past half its life,
   * the next round of probes starts in the background: while requests keep coming, none of them
   * waits for one (on a remote network, every request of the moment the cache ran out used to
   * wait a round trip to each node).
   */
  #freshSnapshot(): Snapshot | null {
    const s = this.#snapshot;
    if (s === null || s.exhausted) return null;
    return usableFetchingAhead(Date.now() - s.takenAt, this.#ttlMs, this.#probeAhead) ? s : null;
  }

  /** Made once: knownChainId() runs on every session.get_chain_id. */
  readonly #probeAhead = (): void => {
    if (!this.#closer.signal.aborted) void this.#probeAll();
  };

  /** The health snapshot to pick from: the cached one when fresh and not exhausted, else a new round of probes. */
  async #current(caller?: AbortSignal): Promise<Snapshot> {
    return this.#freshSnapshot() ?? untilAborted(this.#probeAll(), this.#signals(caller));
  }

  /** A round of probes of every node: the one in progress, or a new one. */
  #probeAll(): Promise<Snapshot> {
    return this.#probes.run(() => this.#probeRound());
  }

  async #probeRound(): Promise<Snapshot> {
    const nodes = await Promise.all(this.#urls.map((url) => this.#probe(url)));
    const { chainId, preferred } = choose(nodes, this.#maxLag);
    const snapshot: Snapshot = { takenAt: Date.now(), nodes, chainId, preferred, exhausted: false };
    if (!this.#closer.signal.aborted) this.#snapshot = snapshot;
    return snapshot;
  }

  async #probe(url: string): Promise<NodeHealth> {
    const started = performance.now();
    const lease = this.#lease();
    try {
      const stats = parse(parseStatistics, await this.#get(url, '/statistics', lease));
      const latencyMs = Math.round(performance.now() - started);
      return { url, ok: true, preferred: false, chainId: stats.chainId, height: stats.blockHeight, latencyMs, error: null };
    } catch (error) {
      return { url, ok: false, preferred: false, chainId: null, height: null, latencyMs: null, error: describe(error) };
    } finally {
      lease.release();
    }
  }

  #markFailed(url: string, failure: NodeFailure): void {
    const s = this.#snapshot;
    if (!s) return;
    const node = s.nodes.find((n) => n.url === url);
    if (node) Object.assign(node, { ok: false, preferred: false, error: failure.message });
    s.preferred = s.preferred.filter((u) => u !== url);
    if (s.preferred.length === 0) s.exhausted = true;
  }

  #backoff(attempt: number): number {
    const full = Math.min(this.#backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
    return Math.round(full / 2 + (Math.random() * full) / 2);
  }

  /** Throws the caller's reason, or node_client_closed, when either has aborted. */
  #stopIfAborted(caller?: AbortSignal): void {
    if (caller?.aborted) throw caller.reason;
    if (this.#closer.signal.aborted) throw new NodeClientClosedError();
  }

  async #run<T>(op: Operation<T>, caller?: AbortSignal): Promise<T> {
    this.#stopIfAborted(caller);
    let attempts = 0;
    let last: NodeFailure | undefined;
    for (;;) {
      const snapshot = await this.#current(caller);
      const url = snapshot.preferred.length > 0 ? snapshot.preferred[this.#turn++ % snapshot.preferred.length]! : undefined;
      if (url === undefined || snapshot.chainId === null) throw last ? op.giveUp(last, attempts) : new NoHealthyNodeError();
      const lease = this.#lease(caller);
      try {
        return await op.call(url, lease, snapshot.chainId);
      } catch (error) {
        this.#stopIfAborted(caller);
        if (!(error instanceof NodeFailure)) throw error;
        attempts += 1;
        last = error;
        this.#markFailed(url, error);
        if (op.submit && error.possiblyDelivered) throw op.giveUp(error, attempts);
        if (attempts > this.#retries) throw op.giveUp(error, attempts);
      } finally {
        lease.release();
      }
      try {
        await pause(this.#backoff(attempts), this.#signals(caller));
      } catch {
        this.#stopIfAborted(caller);
      }
    }
  }
}

/** Runs a response parser; a shape problem becomes a node failure. */
function parse<T>(parser: (body: unknown) => T, body: unknown): T {
  try {
    return parser(body);
  } catch (error) {
    if (error instanceof ShapeError) throw new NodeFailure('garbage', `invalid response: ${error.message}`);
    throw error;
  }
}
