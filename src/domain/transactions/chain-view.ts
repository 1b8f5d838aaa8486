import { signalOf, untilAborted, type LazySignal } from '../../abort.js';
import { SharedRequests, usableFetchingAhead } from '../../fetch-ahead.js';
import type { LastBlock, SpamStatistics } from '../../node/responses.js';
import type { NodeClient } from '../network/networks.js';

export interface ChainViewOptions {
  /** Longest time the last block fetched is built on before the node is asked again. Default 1000. */
  blockMaxAgeMs?: number;
  /** Longest time a key's spam statistics are used. Default 2000. */
  spamMaxAgeMs?: number;
  /** Milliseconds, monotonic. */
  now?: () => number;
}

interface Dated<T> {
  value: T;
  /** When the request that brought it was sent. */
  at: number;
}

/** Keys' statistics kept at most; past this, stale entries are dropped on the next insert. */
const MAX_SPAM_ENTRIES = 10_000;

/**
 * What the gateway knows of one network's chain, shared by every transaction
 * signed for it: the last block (proof of work and the signed block height
 * are built on it) and each key's spam statistics.
 *
 * Asking the node for both on every transaction made two node requests per
 * signature, most of the gateway's cost per transaction. A block stays usable
 * for proof of work while it is among the network's last
 * `spamPowNumberOfPastBlocks` blocks, so the view builds on the block it
 * fetched last for up to `blockMaxAgeMs`, and less on a fast chain (a quarter
 * of the window, from the block rate it observes). When a key has used up
 * what the network allows it on that block, `newerBlock` asks for the next one.
 *
 * Both are fetched again ahead of time: a use past half of the longest age
 * starts a request in the background and is answered with what is known, so
 * a key in steady use does not wait for the node (a bot signing with many
 * keys made one such request per key and second, each waited for). Only what
 * is older than the longest age, or not known yet, is waited for. Concurrent
 * callers share one request, which no single caller's signal ends (the
 * client has its own timeout).
 */
export class ChainView {
  readonly #blockMaxAgeMs: number;
  readonly #spamMaxAgeMs: number;
  readonly #now: () => number;
  #block: Dated<LastBlock> | undefined;
  readonly #blockRequest = new SharedRequests<LastBlock>();
  /** Estimated time between blocks, from the heights seen; undefined until the height has moved once. */
  #msPerBlock: number | undefined;
  readonly #spam = new Map<string, Dated<SpamStatistics>>();
  readonly #spamRequests = new SharedRequests<SpamStatistics, string>();

  constructor(
    private readonly client: NodeClient,
    options: ChainViewOptions = {},
  ) {
    this.#blockMaxAgeMs = options.blockMaxAgeMs ?? 1000;
    this.#spamMaxAgeMs = options.spamMaxAgeMs ?? 2000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The last block, as fetched at most a block-age ago. */
  block(signal?: LazySignal): Promise<LastBlock> {
    const known = this.#block;
    if (known && this.#usable(known, this.#maxBlockAge(known.value), () => this.#fetchBlock())) return Promise.resolve(known.value);
    return untilAborted(this.#fetchBlock(), [signalOf(signal)]);
  }

  /** A block higher than `height` when the node has one; the same block again when it has not. */
  newerBlock(height: bigint, signal?: LazySignal): Promise<LastBlock> {
    const known = this.#block;
    if (known && known.value.height > height) return Promise.resolve(known.value);
    return untilAborted(this.#fetchBlock(), [signalOf(signal)]);
  }

  /** The key's spam statistics, as fetched at most `spamMaxAgeMs` ago. A new fetch gives a new object. */
  spamStatistics(key: string, signal?: LazySignal): Promise<SpamStatistics> {
    const known = this.#spam.get(key);
    if (known && this.#usable(known, this.#spamMaxAgeMs, () => this.#fetchSpam(key))) return Promise.resolve(known.value);
    return untilAborted(this.#fetchSpam(key), [signalOf(signal)]);
  }

  /** Whether `known` may still be used; past half of `maxAge` it is fetched again meanwhile. */
  #usable(known: Dated<unknown>, maxAge: number, fetch: () => Promise<unknown>): boolean {
    return usableFetchingAhead(this.#now() - known.at, maxAge, () => void fetch());
  }

  #fetchBlock(): Promise<LastBlock> {
    return this.#blockRequest.run(() => {
      const at = this.#now();
      return this.client.lastBlock().then((block) => {
        this.#learnRate(block, at);
        this.#block = { value: block, at };
        return block;
      });
    });
  }

  #fetchSpam(key: string): Promise<SpamStatistics> {
    return this.#spamRequests.run(() => {
      const at = this.#now();
      return this.client.spamStatistics(key).then((value) => {
        this.#spam.delete(key);
        if (this.#spam.size >= MAX_SPAM_ENTRIES) this.#dropStaleSpam();
        // Insertion order is then fetch order: the first entry is the oldest.
        this.#spam.set(key, { value, at });
        return value;
      });
    }, key);
  }

  #learnRate(block: LastBlock, at: number): void {
    const previous = this.#block;
    if (!previous || block.height <= previous.value.height) return;
    const sample = (at - previous.at) / Number(block.height - previous.value.height);
    this.#msPerBlock = this.#msPerBlock === undefined ? sample : 0.75 * this.#msPerBlock + 0.25 * sample;
  }

  #maxBlockAge(block: LastBlock): number {
    if (this.#msPerBlock === undefined) return this.#blockMaxAgeMs;
    return Math.min(this.#blockMaxAgeMs, (this.#msPerBlock * block.spamPowNumberOfPastBlocks) / 4);
  }

  #dropStaleSpam(): void {
    const now = this.#now();
    for (const [key, entry] of this.#spam) if (now - entry.at >= this.#spamMaxAgeMs) this.#spam.delete(key);
    // All fresh (more keys than the cap within one max age): forget the oldest.
    if (this.#spam.size >= MAX_SPAM_ENTRIES) this.#spam.delete(this.#spam.keys().next().value as string);
  }
}
