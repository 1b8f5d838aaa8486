import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { onAbort, signalOf, type LazySignal } from '../../abort.js';
import { randomHex } from '../crypto/random-pool.js';
import { leadingZeroBits, powHash, searchRange } from './pow-search.js';

export { leadingZeroBits, powHash, searchRange } from './pow-search.js';

export const MAX_POW_DIFFICULTY = 256;
/** Exclusive upper bound of the nonces a solver tries; Vega's Go solver also stops below 2^63. */
export const POW_NONCE_LIMIT = 1n << 63n;
const UINT64_LIMIT = 1n << 64n;

/** Up to here a solution takes about a thousand hashes (~1-2 ms), less than starting a worker. */
const MAIN_THREAD_MAX_DIFFICULTY = 10;
/**
 * Nonces per worker job. A worker cannot be interrupted inside a job, so this bounds how long an
 * aborted or superseded search keeps a thread busy: 2^15 hashes take about 10 ms on one thread
 * (30 ms without WebAssembly).
 */
const DEFAULT_CHUNK = 1 << 15;
const MAIN_THREAD_STEP = 1 << 16;

/** A transaction id for the proof of work: 64 lower-case hex characters, like the browser wallet's. */
export function newTid(): string {
  return randomHex(32);
}

function checkDifficulty(difficulty: number): void {
  if (!Number.isInteger(difficulty) || difficulty < 0 || difficulty > MAX_POW_DIFFICULTY) {
    throw new RangeError(`proof-of-work difficulty must be an integer from 0 to ${MAX_POW_DIFFICULTY}, got ${difficulty}`);
  }
}

/** True when `nonce` gives at least `difficulty` leading zero bits, i.e. what a Vega node checks. */
export function verifyProofOfWork(blockHash: string, tid: string, nonce: bigint, difficulty: number): boolean {
  checkDifficulty(difficulty);
  // A nonce the wire format (uint64) cannot carry can never be accepted.
  if (nonce < 0n || nonce >= UINT64_LIMIT) return false;
  return leadingZeroBits(powHash(blockHash, tid, nonce)) >= difficulty;
}

export interface ProofOfWorkSolverOptions {
  /** Worker threads to use at most; defaults to os.availableParallelism(). */
  threads?: number;
  /** Nonces per worker job (see DEFAULT_CHUNK). */
  chunk?: number;
}

interface Search {
  readonly blockHash: string;
  readonly tid: string;
  readonly difficulty: number;
  /** First nonce not handed out yet. */
  next: bigint;
  /** Smallest solution reported so far. */
  best: bigint | null;
  /** Start nonces of this search's chunks that workers are scanning right now. */
  readonly pending: Set<bigint>;
  settled: boolean;
  resolve(nonce: bigint): void;
  reject(reason: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  job: { search: Search; start: bigint } | null;
}

interface WorkerReply {
  found: string | null;
  start: string;
  error?: string;
}

const abortReason = (signal: AbortSignal): unknown => signal.reason ?? new DOMException('The proof-of-work search was aborted', 'AbortError');

/**
 * Finds the smallest nonce solving a Vega proof of work, spreading consecutive chunks of nonces
 * over a pool of long-lived worker threads. Returning the smallest solution (not just any) keeps
 * results reproducible and equal to what Vega's Go solver computes.
 *
 * Workers start on first use and are unref()ed whenever they have no live search to work for,
 * so an idle solver never keeps the process running. Several solve() calls may run at once;
 * free workers take chunks from the pending searches in turn.
 */
export class ProofOfWorkSolver {
  readonly threads: number;
  readonly chunk: number;
  #slots: Slot[] = [];
  #searches: Search[] = [];
  #turn = 0;

  constructor(options: ProofOfWorkSolverOptions = {}) {
    const threads = options.threads ?? os.availableParallelism();
    const chunk = options.chunk ?? DEFAULT_CHUNK;
    if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError(`chunk must be a positive integer, got ${chunk}`);
    this.threads = threads;
    this.chunk = chunk;
  }

  /** Worker threads currently alive (0 before the first worker-backed solve and after close()). */
  get workerCount(): number {
    return this.#slots.length;
  }

  /**
   * The smallest nonce in [0, 2^63) solving `difficulty`. Rejects with the signal's reason (an
   * AbortError by default) as soon as `signal` aborts; other searches carry on unaffected.
   * Difficulty 0 needs no search: any nonce does, and the signal is not looked at.
   */
  async solve(blockHash: string, tid: string, difficulty: number, lazySignal?: LazySignal): Promise<bigint> {
    if (typeof blockHash !== 'string' || typeof tid !== 'string') throw new TypeError('blockHash and tid must be strings');
    if (tid === '') throw new RangeError('tid must not be empty');
    checkDifficulty(difficulty);
    if (difficulty === 0) return 0n;
    const signal = signalOf(lazySignal);
    if (signal?.aborted) throw abortReason(signal);
    if (difficulty <= MAIN_THREAD_MAX_DIFFICULTY) return this.#solveHere(blockHash, tid, difficulty);

    return new Promise<bigint>((resolve, reject) => {
      let stopWaiting = () => {};
      const search: Search = {
        blockHash,
        tid,
        difficulty,
        next: 0n,
        best: null,
        pending: new Set(),
        settled: false,
        resolve: (nonce) => {
          stopWaiting();
          resolve(nonce);
        },
        reject: (reason) => {
          stopWaiting();
          reject(reason);
        },
      };
      if (signal) stopWaiting = onAbort(signal, () => this.#finish(search, { error: abortReason(signal) }));
      this.#searches.push(search);
      this.#dispatch();
    });
  }

  /**
   * Terminates the workers and rejects any search still running. The solver stays usable:
   * a later worker-backed solve() starts new workers.
   */
  async close(): Promise<void> {
    const slots = this.#slots;
    // Forget the slots first so their 'exit' events are not mistaken for crashes.
    this.#slots = [];
    for (const search of [...this.#searches]) this.#finish(search, { error: new Error('the proof-of-work solver was closed') });
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** Low difficulties finish in about a millisecond, cheaper here than a round trip to a worker. */
  #solveHere(blockHash: string, tid: string, difficulty: number): bigint {
    for (let start = 0n; start < POW_NONCE_LIMIT; start += BigInt(MAIN_THREAD_STEP)) {
      const found = searchRange(blockHash, tid, difficulty, start, MAIN_THREAD_STEP);
      if (found !== null) return found;
    }
    throw new Error(`no proof-of-work nonce below 2^63 reaches difficulty ${difficulty}`);
  }

  /** Hands out chunks while there are both idle (or not yet started) workers and searches needing work. */
  #dispatch(): void {
    for (;;) {
      const search = this.#nextSearch();
      if (!search) return;
      const slot = this.#idleSlot();
      if (!slot) return;
      const start = search.next;
      const remaining = POW_NONCE_LIMIT - start;
      const count = remaining < BigInt(this.chunk) ? Number(remaining) : this.chunk;
      search.next = start + BigInt(count);
      search.pending.add(start);
      slot.job = { search, start };
      // Keep the process alive while a caller is waiting on this worker's answer.
      slot.worker.ref();
      slot.worker.postMessage({ blockHash: search.blockHash, tid: search.tid, difficulty: search.difficulty, start: start.toString(), count });
    }
  }

  /** Round-robin over searches that still need chunks, so concurrent solves share the workers. */
  #nextSearch(): Search | undefined {
    const n = this.#searches.length;
    for (let k = 0; k < n; k++) {
      const i = (this.#turn + k) % n;
      const search = this.#searches[i]!;
      // Once a solution is known, chunks above it cannot improve on it: hand out no more.
      if (search.best === null && search.next < POW_NONCE_LIMIT) {
        this.#turn = i + 1;
        return search;
      }
    }
    return undefined;
  }

  #idleSlot(): Slot | undefined {
    const idle = this.#slots.find((slot) => slot.job === null);
    if (idle) return idle;
    if (this.#slots.length >= this.threads) return undefined;
    const worker = new Worker(new URL('./pow-worker.js', import.meta.url));
    worker.unref();
    const slot: Slot = { worker, job: null };
    worker.on('message', (reply: WorkerReply) => this.#onReply(slot, reply));
    worker.on('error', (err) => this.#onWorkerGone(slot, err));
    worker.on('exit', (code) => this.#onWorkerGone(slot, new Error(`a proof-of-work worker exited unexpectedly (code ${code})`)));
    this.#slots.push(slot);
    return slot;
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    const job = slot.job;
    slot.job = null;
    if (job && !job.search.settled) {
      const search = job.search;
      search.pending.delete(job.start);
      if (reply.error !== undefined) {
        this.#finish(search, { error: new Error(`proof-of-work worker failed: ${reply.error}`) });
      } else {
        if (reply.found !== null) {
          const nonce = BigInt(reply.found);
          if (search.best === null || nonce < search.best) search.best = nonce;
        }
        this.#settleIfDone(search);
      }
    }
    this.#dispatch();
    if (slot.job === null) slot.worker.unref();
  }

  /**
   * Done once a solution is known and every chunk below it has come back (one of them may hold
   * a smaller solution); chunks above it are left to finish unobserved.
   */
  #settleIfDone(search: Search): void {
    if (search.best !== null) {
      for (const start of search.pending) if (start < search.best) return;
      this.#finish(search, { nonce: search.best });
    } else if (search.next >= POW_NONCE_LIMIT && search.pending.size === 0) {
      this.#finish(search, { error: new Error(`no proof-of-work nonce below 2^63 reaches difficulty ${search.difficulty}`) });
    }
  }

  #onWorkerGone(slot: Slot, err: unknown): void {
    const i = this.#slots.indexOf(slot);
    if (i < 0) return; // already handled ('error' is followed by 'exit'), or closed on purpose
    this.#slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    // Fail the search rather than retrying: a chunk that crashed a worker would likely do it again.
    if (job) this.#finish(job.search, { error: err });
    this.#dispatch();
  }

  #finish(search: Search, outcome: { nonce: bigint } | { error: unknown }): void {
    if (search.settled) return;
    search.settled = true;
    const i = this.#searches.indexOf(search);
    if (i >= 0) {
      this.#searches.splice(i, 1);
      if (this.#turn > i) this.#turn--;
    }
    // Workers still scanning this search's chunks no longer have anyone waiting on them.
    for (const slot of this.#slots) if (slot.job?.search === search) slot.worker.unref();
    if ('nonce' in outcome) search.resolve(outcome.nonce);
    else search.reject(outcome.error);
  }
}
