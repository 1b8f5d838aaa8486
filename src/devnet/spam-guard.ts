/**
 * The node's second gate (code 89): proof of work and replay protection, with
 * the per-block quota applied when blocks are built. It mirrors how a Vega
 * node keeps this state: everything is keyed by the block height a
 * transaction *references* (InputData.block_height), and forgotten once that
 * height leaves the window — such a transaction fails the height check anyway,
 * so nothing older needs remembering.
 */
import { spam, TxRejection } from './codes.js';
import { needsProofOfWork } from './commands.js';
import type { NodeTransaction } from './decode.js';
import { achievedDifficulty, nextTransactionDifficulty, requiredTotalDifficulty } from './pow.js';

export interface PowParams {
  /** Base difficulty (leading zero bits), spam.pow.difficulty. */
  difficulty: number;
  /** spam.pow.numberOfPastBlocks: how far back block_height may point. */
  numberOfPastBlocks: number;
  /** spam.pow.numberOfTxPerBlock: per party and referenced block. */
  txPerBlock: number;
  /** spam.pow.increaseDifficulty. */
  increasingDifficulty: boolean;
}

export interface ChainView {
  /** Height of the last committed block. */
  current: bigint;
  /** Lowest height the node has ever had; nothing below it is known. */
  first: bigint;
  hashAt(height: bigint): string;
}

/** One entry of pow.blockStates in GetSpamStatistics. */
export interface PartyBlockState {
  height: bigint;
  hash: string;
  seen: number;
  expectedDifficulty?: number;
}

interface PartyState {
  seen: number;
  /** Sum of the difficulties actually achieved by the counted transactions. */
  observed: number;
}

interface Remembered {
  hashes: string[];
  tids: string[];
  nonces: string[];
}

const nonceKey = (party: string, nonce: bigint) => `${party}:${nonce}`;

export class SpamGuard {
  private readonly seenHashes = new Set<string>();
  private readonly seenTids = new Set<string>();
  private readonly seenNonces = new Set<string>();
  /** Referenced height → what to forget when it leaves the window. */
  private readonly byHeight = new Map<bigint, Remembered>();
  /** Referenced height → party → quota use. */
  private readonly parties = new Map<bigint, Map<string, PartyState>>();
  /**
   * tids this node's CheckTx saw since the last block, including from
   * check-only calls and from transactions that then failed. Cleared at every
   * block: that is the window in which a resent tid is caught before any block holds it.
   */
  private readonly mempoolTids = new Set<string>();

  constructor(readonly params: PowParams) {}

  /** CheckTx: may the transaction enter the mempool? Throws a TxRejection (89). */
  checkTx(tx: NodeTransaction, chain: ChainView): void {
    if (needsProofOfWork(tx.commandField)) {
      if (!tx.pow) throw spam(`proof of work is missing (every user command needs one)`);
      if (this.mempoolTids.has(tx.pow.tid)) throw spam('proof of work tid already seen by this node since the last block');
      // Remembered even if a later check fails, as a real node does.
      this.mempoolTids.add(tx.pow.tid);
    }
    this.verify(tx, chain);
  }

  /**
   * Block building: re-verifies against the new height, then applies the
   * per-party quota. Every transaction that lands in a block is remembered,
   * whatever its result, so its bytes, tid and nonce cannot be replayed.
   * Returns the rejection, or undefined when the transaction executes.
   */
  deliver(tx: NodeTransaction, chain: ChainView): TxRejection | undefined {
    let achieved: number;
    try {
      achieved = this.verify(tx, chain);
    } catch (error) {
      this.remember(tx);
      if (error instanceof TxRejection) return error;
      throw error;
    }
    this.remember(tx);
    if (!needsProofOfWork(tx.commandField)) return undefined;

    const { difficulty: base, txPerBlock, increasingDifficulty } = this.params;
    const state = this.partyState(tx.blockHeight, tx.party);
    if (state.seen >= txPerBlock) {
      if (!increasingDifficulty) {
        return spam(`too many transactions from this party against block ${tx.blockHeight}: the limit is ${txPerBlock} per block`);
      }
      const needed = requiredTotalDifficulty(base, txPerBlock, state.seen + 1);
      if (state.observed + achieved < needed) {
        return spam(
          `proof of work too weak for transaction ${state.seen + 1} of this party against block ${tx.blockHeight}: ` +
            `it needs ${needed - state.observed} bits, it has ${achieved}`,
        );
      }
    }
    state.seen += 1;
    state.observed += achieved;
    return undefined;
  }

  /** Rebuilds state from a stored block transaction without judging it again. */
  replay(tx: NodeTransaction, executed: boolean, chain: ChainView): void {
    this.remember(tx);
    if (!executed || !needsProofOfWork(tx.commandField) || !tx.pow) return;
    const state = this.partyState(tx.blockHeight, tx.party);
    state.seen += 1;
    state.observed += achievedDifficulty(chain.hashAt(tx.blockHeight), tx.pow.tid, tx.pow.nonce);
  }

  /** After a block: the mempool tid set starts afresh and heights that left the window are forgotten. */
  commit(chain: ChainView): void {
    this.mempoolTids.clear();
    for (const [height, remembered] of this.byHeight) {
      if (this.inWindow(height, chain)) continue;
      for (const h of remembered.hashes) this.seenHashes.delete(h);
      for (const t of remembered.tids) this.seenTids.delete(t);
      for (const n of remembered.nonces) this.seenNonces.delete(n);
      this.byHeight.delete(height);
    }
    for (const height of this.parties.keys()) if (!this.inWindow(height, chain)) this.parties.delete(height);
  }

  /**
   * pow.blockStates for a party: each block in the window it has used, plus
   * the current block (nothing seen, base difficulty) when it has not used
   * that one yet. Newest first, which is what wallets pick from.
   */
  blockStates(party: string, chain: ChainView): PartyBlockState[] {
    const { difficulty: base, txPerBlock, increasingDifficulty } = this.params;
    const states: PartyBlockState[] = [];
    for (const [height, byParty] of this.parties) {
      const state = byParty.get(party);
      if (!state || !this.inWindow(height, chain)) continue;
      const expected = nextTransactionDifficulty(base, txPerBlock, increasingDifficulty, state.seen, state.observed);
      states.push({ height, hash: chain.hashAt(height), seen: state.seen, ...(expected === undefined ? {} : { expectedDifficulty: expected }) });
    }
    if (!states.some((s) => s.height === chain.current)) {
      states.push({ height: chain.current, hash: chain.hashAt(chain.current), seen: 0, expectedDifficulty: base });
    }
    return states.sort((a, b) => (a.height > b.height ? -1 : a.height < b.height ? 1 : 0));
  }

  /** The window rule: block_height + numberOfPastBlocks must exceed the current height. */
  private inWindow(height: bigint, chain: ChainView): boolean {
    return height + BigInt(this.params.numberOfPastBlocks) > chain.current;
  }

  /** Checks shared by CheckTx and block building. Returns the achieved difficulty (0 for PoW-exempt commands). */
  private verify(tx: NodeTransaction, chain: ChainView): number {
    if (this.seenHashes.has(tx.hash)) throw spam('transaction hash already used: these exact bytes are already in a recent block');

    const height = tx.blockHeight;
    if (height > chain.current || height < chain.first || !this.inWindow(height, chain)) {
      const lowest = chain.current - BigInt(this.params.numberOfPastBlocks) + 1n;
      const from = lowest > chain.first ? lowest : chain.first;
      throw spam(`unknown block height ${height}: transactions must reference a block from ${from} to ${chain.current}`);
    }
    if (!needsProofOfWork(tx.commandField)) return 0;

    const pow = tx.pow;
    if (!pow) throw spam('proof of work is missing (every user command needs one)');
    if (pow.tid === '') throw spam('proof of work tid is empty');
    if (this.seenTids.has(pow.tid)) throw spam('proof of work tid already used in a recent block');
    if (this.seenNonces.has(nonceKey(tx.party, tx.nonce))) throw spam(`nonce ${tx.nonce} already used by this party in a recent block`);

    const achieved = achievedDifficulty(chain.hashAt(height), pow.tid, pow.nonce);
    if (achieved < this.params.difficulty) {
      throw spam(`proof of work too weak: it has ${achieved} leading zero bits, block ${height} needs ${this.params.difficulty}`);
    }
    return achieved;
  }

  private remember(tx: NodeTransaction): void {
    let entry = this.byHeight.get(tx.blockHeight);
    if (!entry) {
      entry = { hashes: [], tids: [], nonces: [] };
      this.byHeight.set(tx.blockHeight, entry);
    }
    this.seenHashes.add(tx.hash);
    entry.hashes.push(tx.hash);
    if (!needsProofOfWork(tx.commandField)) return;
    const key = nonceKey(tx.party, tx.nonce);
    this.seenNonces.add(key);
    entry.nonces.push(key);
    if (tx.pow) {
      this.seenTids.add(tx.pow.tid);
      entry.tids.push(tx.pow.tid);
    }
  }

  private partyState(height: bigint, party: string): PartyState {
    let byParty = this.parties.get(height);
    if (!byParty) {
      byParty = new Map();
      this.parties.set(height, byParty);
    }
    let state = byParty.get(party);
    if (!state) {
      state = { seen: 0, observed: 0 };
      byParty.set(party, state);
    }
    return state;
  }
}
