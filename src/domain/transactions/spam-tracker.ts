import type { LastBlock, SpamStatistics } from '../../node/responses.js';
import { SpamLimitError } from '../errors.js';

/**
 * How many transactions each key has sent against each recent block, to
 * choose the proof-of-work difficulty the network's spam rules ask for
 * (vega-facts §4 row 9): the first `txPerBlock` transactions of a key
 * against one block need the base difficulty; past that the node drops them,
 * unless the network raises the difficulty instead, by one for every further
 * `txPerBlock`. The node's own count (spam statistics) is taken when it is
 * higher, e.g. after a restart or with a second gateway.
 */
export class SpamTracker {
  private readonly sent = new Map<string, Map<bigint, number>>();

  difficultyFor(key: string, block: LastBlock, stats: SpamStatistics): number {
    const local = this.sent.get(key)?.get(block.height) ?? 0;
    const state = stats.pow.blockStates.find((s) => s.blockHeight === block.height);
    const k = Math.max(local, state?.transactionsSeen ?? 0) + 1;
    const perBlock = Math.max(1, block.spamPowNumberOfTxPerBlock);
    if (k > perBlock && !block.spamPowIncreasingDifficulty) {
      throw new SpamLimitError(`the key has sent the most transactions the network allows in block ${block.height}; wait for the next block`);
    }
    const ours = block.spamPowDifficulty + (block.spamPowIncreasingDifficulty ? Math.floor((k - 1) / perBlock) : 0);
    return Math.max(ours, state?.expectedDifficulty ?? 0);
  }

  record(key: string, height: bigint): void {
    let blocks = this.sent.get(key);
    if (!blocks) this.sent.set(key, (blocks = new Map()));
    blocks.set(height, (blocks.get(height) ?? 0) + 1);
    // Blocks far behind can no longer be used for proof of work (the node keeps at most 500).
    for (const h of blocks.keys()) if (h + 500n < height) blocks.delete(h);
  }
}
