/**
 * The chain itself: committed blocks, the mempool, and the two gates every
 * transaction passes (decode/signature → 60, spam/replay → 89). Pure state:
 * no timers, no sockets, no files — DevNode drives it, the REST layer reads it.
 *
 * Heights are bigint throughout because they are uint64 on the wire and the
 * chain may start anywhere (e.g. 1234567 to replay the facts-sheet vectors).
 */
import { transactionHash } from '../domain/vega/transaction.js';
import { blockHashFor } from './block-hash.js';
import { CODE_OK, spam, TxRejection } from './codes.js';
import { commandName } from './commands.js';
import { decodeAndValidate, parseTransaction, type DecodeRules, type NodeTransaction } from './decode.js';
import { SpamGuard, type ChainView, type PartyBlockState, type PowParams } from './spam-guard.js';
import { EpochPolicies, policyKeyOf, samePolicy, type PolicyKey } from './spam-policies.js';

export interface ChainParams extends PowParams, DecodeRules {
  blockHashSeed: string;
  /** Height of the first block; nothing below it exists. */
  startHeight: bigint;
  /** Blocks per epoch; spam-policy counters reset when the epoch changes. */
  epochLengthBlocks: number;
}

/** A transaction as included in a block, with its execution result. */
export interface BlockTx {
  hash: string;
  bytes: Uint8Array;
  code: number;
  /** Error text when code ≠ 0, else empty. */
  data: string;
}

export interface Block {
  height: bigint;
  hash: string;
  /** Block time, Unix nanoseconds. */
  time: bigint;
  txs: BlockTx[];
}

export interface FoundTransaction {
  hash: string;
  height: bigint;
  blockHash: string;
  blockTime: bigint;
  /** Position inside the block. */
  index: number;
  code: number;
  data: string;
  party: string;
  command: string;
}

/** A committed block as the block lookup shows it; `time` is undefined when nobody kept it (see Chain.blockAt). */
export interface BlockInfo {
  height: bigint;
  hash: string;
  time: bigint | undefined;
  txs: BlockTx[];
}

export interface CheckOutcome {
  code: number;
  /** Error text when rejected, else empty. */
  data: string;
  /** Upper-case hex SHA-256 of the submitted bytes. */
  hash: string;
}

/** What is persisted; blocks without transactions are not kept (their hash is derived, their time unimportant). */
export interface ChainSnapshot {
  chainId: string;
  blockHashSeed: string;
  startHeight: bigint;
  genesisTime: bigint;
  height: bigint;
  time: bigint;
  previousTime: bigint;
  epochStartTime: bigint;
  blocks: Block[];
}

/** How many empty blocks keep their time in memory: a day's worth at the default block time. */
const EMPTY_BLOCK_TIMES_KEPT = 86_400;

interface Pending {
  tx: NodeTransaction;
  policy: PolicyKey | undefined;
}

export class Chain {
  private head: bigint;
  private headTime: bigint;
  private previousTime: bigint;
  private epochStart: bigint;
  private readonly guard: SpamGuard;
  private readonly policies: EpochPolicies;
  private mempool: Pending[] = [];
  private readonly mempoolHashes = new Set<string>();
  private readonly blocks: Block[] = [];
  /** The same blocks (those holding transactions) by height, for the block lookup. */
  private readonly blocksByHeight = new Map<bigint, Block>();
  /** When the recent empty blocks were made; they are not stored anywhere else. */
  private readonly emptyBlockTimes = new Map<bigint, bigint>();
  private readonly index = new Map<string, { block: Block; index: number; tx: NodeTransaction }>();
  /** Executed commands by field number, for the order totals of /statistics. */
  private readonly executedByCommand = new Map<number, number>();
  private lastBlock: Block;

  private constructor(
    readonly params: ChainParams,
    readonly genesisTime: bigint,
  ) {
    this.head = params.startHeight;
    this.headTime = genesisTime;
    this.previousTime = genesisTime;
    this.epochStart = genesisTime;
    this.guard = new SpamGuard(params);
    this.policies = new EpochPolicies(this.epochOf(this.head));
    this.lastBlock = { height: this.head, hash: this.hashAt(this.head), time: genesisTime, txs: [] };
  }

  /** A fresh chain whose first block (at startHeight) is committed at genesisTime. */
  static create(params: ChainParams, genesisTime: bigint): Chain {
    return new Chain(params, genesisTime);
  }

  /** Continues a persisted chain: replays its stored blocks to rebuild the replay and spam state. */
  static restore(params: ChainParams, snapshot: ChainSnapshot): Chain {
    const chain = new Chain(params, snapshot.genesisTime);
    chain.head = snapshot.height;
    chain.headTime = snapshot.time;
    chain.previousTime = snapshot.previousTime;
    chain.epochStart = snapshot.epochStartTime;
    chain.policies.startEpoch(chain.epochOf(snapshot.height));
    const view = chain.view();
    for (const block of snapshot.blocks) {
      const sameEpoch = chain.epochOf(block.height) === chain.policies.epoch;
      block.txs.forEach((blockTx, i) => {
        const tx = parseTransaction(blockTx.bytes);
        chain.guard.replay(tx, blockTx.code === CODE_OK, view);
        if (blockTx.code === CODE_OK) {
          if (sameEpoch) chain.policies.record(tx.party, policyKeyOf(tx.commandField, tx.command));
          chain.countExecuted(tx);
        }
        chain.index.set(blockTx.hash, { block, index: i, tx });
      });
      chain.blocks.push(block);
      chain.blocksByHeight.set(block.height, block);
    }
    chain.guard.commit(view);
    const last = snapshot.blocks.at(-1);
    chain.lastBlock = last && last.height === snapshot.height ? last : { height: chain.head, hash: chain.hashAt(chain.head), time: chain.headTime, txs: [] };
    return chain;
  }

  get height(): bigint {
    return this.head;
  }
  get hash(): string {
    return this.hashAt(this.head);
  }
  /** Time of the last block, Unix nanoseconds: the node's "vega time". */
  get time(): bigint {
    return this.headTime;
  }
  /** Nanoseconds between the last two blocks. */
  get blockDuration(): bigint {
    return this.headTime - this.previousTime;
  }
  get epochSeq(): bigint {
    return this.policies.epoch;
  }
  get epochStartTime(): bigint {
    return this.epochStart;
  }
  get mempoolSize(): number {
    return this.mempool.length;
  }
  get latestBlock(): Block {
    return this.lastBlock;
  }

  hashAt(height: bigint): string {
    return blockHashFor(this.params.blockHashSeed, height);
  }

  /**
   * CheckTx. With `keep`, an accepted transaction enters the mempool (submit);
   * without, it is only judged (the check endpoints) — though, as on a real
   * node, its tid still counts as seen until the next block.
   */
  checkTx(bytes: Uint8Array, keep: boolean): CheckOutcome {
    let tx: NodeTransaction | undefined;
    try {
      tx = decodeAndValidate(bytes, this.params);
      if (keep && this.mempoolHashes.has(tx.hash)) throw spam('transaction already in the mempool');
      this.guard.checkTx(tx, this.view());
      const policy = policyKeyOf(tx.commandField, tx.command);
      const party = tx.party;
      const pending = this.mempool.filter((p) => p.tx.party === party && samePolicy(p.policy, policy)).length;
      this.policies.check(party, policy, pending);
      if (keep) {
        this.mempool.push({ tx, policy });
        this.mempoolHashes.add(tx.hash);
      }
      return { code: CODE_OK, data: '', hash: tx.hash };
    } catch (error) {
      if (!(error instanceof TxRejection)) throw error;
      // Bytes that did not decode still get a hash: a node hashes whatever it was given.
      return { code: error.code, data: error.message, hash: tx?.hash ?? transactionHash(bytes) };
    }
  }

  isPending(hash: string): boolean {
    return this.mempoolHashes.has(hash.toUpperCase());
  }

  /** Commits the next block with everything in the mempool, in arrival order. */
  mine(time: bigint): Block {
    const height = this.head + 1n;
    // The new height is current while the block executes, as on a real node.
    const view: ChainView = { current: height, first: this.params.startHeight, hashAt: (h) => this.hashAt(h) };
    const epoch = this.epochOf(height);
    if (epoch !== this.policies.epoch) {
      this.policies.startEpoch(epoch);
      this.epochStart = time;
    }

    const block: Block = { height, hash: this.hashAt(height), time, txs: [] };
    for (const { tx, policy } of this.mempool) {
      const rejection = this.guard.deliver(tx, view);
      if (!rejection) {
        this.policies.record(tx.party, policy);
        this.countExecuted(tx);
      }
      this.index.set(tx.hash, { block, index: block.txs.length, tx });
      block.txs.push({ hash: tx.hash, bytes: tx.bytes, code: rejection?.code ?? CODE_OK, data: rejection?.message ?? '' });
    }
    this.mempool = [];
    this.mempoolHashes.clear();

    this.head = height;
    this.previousTime = this.headTime;
    this.headTime = time;
    this.guard.commit(view);
    if (block.txs.length > 0) {
      this.blocks.push(block);
      this.blocksByHeight.set(height, block);
    } else {
      this.emptyBlockTimes.set(height, time);
      // Insertion order is height order: the first key is the oldest.
      if (this.emptyBlockTimes.size > EMPTY_BLOCK_TIMES_KEPT) this.emptyBlockTimes.delete(this.emptyBlockTimes.keys().next().value as bigint);
    }
    this.lastBlock = block;
    return block;
  }

  /** A transaction included in a block, by its hash (either case). */
  find(hash: string): FoundTransaction | undefined {
    const found = this.index.get(hash.toUpperCase());
    if (!found) return undefined;
    const { block, index, tx } = found;
    const result = block.txs[index] as BlockTx;
    return {
      hash: result.hash,
      height: block.height,
      blockHash: block.hash,
      blockTime: block.time,
      index,
      code: result.code,
      data: result.data,
      party: tx.party,
      command: commandName(tx.commandField),
    };
  }

  /**
   * A committed block by height, or undefined outside [startHeight, height].
   * Blocks with transactions are kept whole (and persisted). An empty block
   * is only its derived hash; its time is known for the first block, the
   * last one, and the last EMPTY_BLOCK_TIMES_KEPT empty blocks made by this
   * process — older ones, and those made before a restart, have no time.
   */
  blockAt(height: bigint): BlockInfo | undefined {
    if (height < this.params.startHeight || height > this.head) return undefined;
    const stored = this.blocksByHeight.get(height) ?? (height === this.head ? this.lastBlock : undefined);
    if (stored) return { height, hash: stored.hash, time: stored.time, txs: stored.txs };
    const time = height === this.params.startHeight ? this.genesisTime : this.emptyBlockTimes.get(height);
    return { height, hash: this.hashAt(height), time, txs: [] };
  }

  powStates(party: string): PartyBlockState[] {
    return this.guard.blockStates(party, this.view());
  }

  get spamPolicies(): EpochPolicies {
    return this.policies;
  }

  executedCount(commandField: number): number {
    return this.executedByCommand.get(commandField) ?? 0;
  }

  snapshot(): ChainSnapshot {
    return {
      chainId: this.params.chainId,
      blockHashSeed: this.params.blockHashSeed,
      startHeight: this.params.startHeight,
      genesisTime: this.genesisTime,
      height: this.head,
      time: this.headTime,
      previousTime: this.previousTime,
      epochStartTime: this.epochStart,
      blocks: this.blocks,
    };
  }

  private view(): ChainView {
    return { current: this.head, first: this.params.startHeight, hashAt: (h) => this.hashAt(h) };
  }

  private epochOf(height: bigint): bigint {
    return 1n + (height - this.params.startHeight) / BigInt(this.params.epochLengthBlocks);
  }

  private countExecuted(tx: NodeTransaction): void {
    this.executedByCommand.set(tx.commandField, (this.executedByCommand.get(tx.commandField) ?? 0) + 1);
  }
}
