/**
 * SpamTracker's per-epoch limits: what the node's statistics say, plus what this gateway signed,
 * across statistics read again and across epochs. Statistics are values as the node client parses them.
 */
import { describe, expect, it } from '@jest/globals';
import { SpamLimitError } from '../../src/domain/errors.js';
import { SpamTracker } from '../../src/domain/transactions/spam-tracker.js';
import type { SpamStatistics } from '../../src/node/responses.js';

const KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const OTHER_KEY = '30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371';
const HEIGHT = 100n;

/** Statistics as the node sends them: `transfers` of `max` per epoch, `inBlocks` of them already in blocks. */
function stats(epochSeq: bigint, inBlocks: bigint, max = 3n): SpamStatistics {
  return {
    chainId: 'test-chain',
    epochSeq,
    pow: { blockStates: [], numberOfPastBlocks: 100 },
    proposals: null,
    delegations: null,
    transfers: { countForEpoch: inBlocks, maxForEpoch: max },
    votes: null,
    createReferralSet: null,
    updateReferralSet: null,
    applyReferralCode: null,
  };
}

const transfer = { type: 'transfer', decoded: {} };

/** Checks, then records, as Transactions does for each transaction it signs. */
function sign(tracker: SpamTracker, key: string, s: SpamStatistics): void {
  tracker.checkLimits(key, s, transfer);
  tracker.record(key, HEIGHT, s, transfer);
}

describe('SpamTracker: per-epoch limits', () => {
  it('counts what it signed since the statistics were read on top of what the node has in blocks', () => {
    const tracker = new SpamTracker();
    // Another signer's transfer is in a block already.
    const s = stats(1n, 1n);
    sign(tracker, KEY, s);
    sign(tracker, KEY, s);
    expect(() => tracker.checkLimits(KEY, s, transfer)).toThrow(SpamLimitError);
  });

  it('keeps counting what it signed this epoch when statistics read again do not have it yet', () => {
    const tracker = new SpamTracker();
    sign(tracker, KEY, stats(1n, 0n));
    sign(tracker, KEY, stats(1n, 0n));
    // Read again while both wait for a block: the node still counts none.
    const again = stats(1n, 0n);
    sign(tracker, KEY, again);
    expect(() => tracker.checkLimits(KEY, again, transfer)).toThrow(/the most transfer commands/);
    // Another key has its own count.
    expect(() => tracker.checkLimits(OTHER_KEY, again, transfer)).not.toThrow();
  });

  it('starts afresh in a new epoch, and statistics of an older epoch do not undo that', () => {
    const tracker = new SpamTracker();
    for (let i = 0; i < 3; i++) sign(tracker, KEY, stats(1n, 0n));
    expect(() => tracker.checkLimits(KEY, stats(1n, 0n), transfer)).toThrow(SpamLimitError);
    const next = stats(2n, 0n);
    sign(tracker, KEY, next);
    // Statistics of epoch 1 read before the new epoch began, still in use by another transaction.
    tracker.record(KEY, HEIGHT, stats(1n, 0n), transfer);
    const later = stats(2n, 0n);
    sign(tracker, KEY, later);
    expect(() => tracker.checkLimits(KEY, later, transfer)).not.toThrow();
    sign(tracker, KEY, later);
    expect(() => tracker.checkLimits(KEY, stats(2n, 0n), transfer)).toThrow(SpamLimitError);
  });
});
