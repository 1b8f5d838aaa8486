import type { LastBlock, PowBlockState, SpamCounter, SpamStatistics } from '../../node/responses.js';
import { SpamLimitError } from '../errors.js';

/** What the tracker needs of a command: its type and, for votes, the proposal. */
export interface CountedCommand {
  type: string;
  decoded: Record<string, unknown>;
}

const perBlock = (block: LastBlock) => Math.max(1, block.spamPowNumberOfTxPerBlock);

type CounterName = 'delegations' | 'transfers' | 'applyReferralCode';

const COUNTERS: Record<string, CounterName> = {
  delegateSubmission: 'delegations',
  undelegateSubmission: 'delegations',
  transfer: 'transfers',
  applyReferralCode: 'applyReferralCode',
};

/** The per-epoch limit a command counts against, as a key into the local tally; null when none applies. */
function tallyKey(command: CountedCommand): string | null {
  if (command.type === 'voteSubmission') return `vote:${(command.decoded.proposalId as string | undefined) ?? ''}`;
  return COUNTERS[command.type] ?? null;
}

/**
 * What the network's spam rules allow each key, from the node's statistics
 * and what this gateway signed since:
 *
 * - proof-of-work difficulty (vega-facts §4 row 9): the first `txPerBlock`
 *   transactions of a key against one block need the base difficulty; past
 *   that the node drops them, unless the network raises the difficulty
 *   instead, by one for every further `txPerBlock`. The node's own count is
 *   taken when it is higher, e.g. after a restart or with a second gateway.
 * - per-epoch limits on delegations, transfers, referral codes and votes per
 *   proposal; going past them gets the key banned, so they are refused first.
 *   The node counts a command once it is in a block, so the count checked is
 *   the higher of the node's count plus the commands signed here since those
 *   statistics were fetched (another signer's commands in blocks count), and
 *   all the commands signed here this epoch (statistics fetched again while
 *   ours wait for a block do not count those).
 */
export class SpamTracker {
  private readonly sent = new Map<string, Map<bigint, number>>();
  /** Limited commands signed since each statistics snapshot was fetched, by tally key. */
  private readonly since = new WeakMap<SpamStatistics, Map<string, number>>();
  /** Limited commands each key signed here in the epoch of its last one, by tally key. */
  private readonly thisEpoch = new Map<string, { epoch: bigint; counts: Map<string, number> }>();

  /** Throws SpamLimitError when the key is banned or the command's epoch limit is reached. */
  checkLimits(key: string, stats: SpamStatistics, command: CountedCommand): void {
    if (stats.pow.bannedUntil) throw new SpamLimitError(`the network has banned this key from sending until ${stats.pow.bannedUntil}`);
    const tally = tallyKey(command);
    if (tally === null) return;
    const since = BigInt(this.since.get(stats)?.get(tally) ?? 0);
    const epoch = this.thisEpoch.get(key);
    const ours = BigInt(epoch?.epoch === stats.epochSeq ? (epoch.counts.get(tally) ?? 0) : 0);
    const count = (nodeCount: bigint) => (nodeCount + since > ours ? nodeCount + since : ours);
    if (command.type === 'voteSubmission') {
      const votes = stats.votes;
      if (!votes) return;
      const proposal = (command.decoded.proposalId as string | undefined) ?? '';
      const seen = votes.perProposal.find((v) => v.proposal === proposal)?.countForEpoch ?? 0n;
      if (votes.bannedUntil || count(seen) >= votes.maxForEpoch) throw new SpamLimitError('the key has voted on this proposal as often as the network allows this epoch');
      return;
    }
    const counter: SpamCounter | null = stats[COUNTERS[command.type] as CounterName];
    if (counter && (counter.bannedUntil || count(counter.countForEpoch) >= counter.maxForEpoch)) {
      throw new SpamLimitError(`the key has sent the most ${command.type} commands the network allows this epoch`);
    }
  }

  /** The proof-of-work difficulty the key's next transaction on `block` needs; throws SpamLimitError when the block allows no more. */
  difficultyFor(key: string, block: LastBlock, stats: SpamStatistics): number {
    const { seen, state } = this.seenOn(key, block, stats);
    if (!this.room(seen, block)) {
      throw new SpamLimitError(`the key has sent the most transactions the network allows in block ${block.height}; wait for the next block`);
    }
    const ours = block.spamPowDifficulty + (block.spamPowIncreasingDifficulty ? Math.floor(seen / perBlock(block)) : 0);
    return Math.max(ours, state?.expectedDifficulty ?? 0);
  }

  /** Whether the key may send another transaction against `block` at all. */
  hasRoomOn(key: string, block: LastBlock, stats: SpamStatistics): boolean {
    return this.room(this.seenOn(key, block, stats).seen, block);
  }

  /** Counts a transaction signed by `key` against the block at `height`. */
  record(key: string, height: bigint, stats: SpamStatistics, command: CountedCommand): void {
    let blocks = this.sent.get(key);
    if (!blocks) this.sent.set(key, (blocks = new Map()));
    blocks.set(height, (blocks.get(height) ?? 0) + 1);
    // Blocks far behind can no longer be used for proof of work (the node keeps at most 500).
    for (const h of blocks.keys()) if (h + 500n < height) blocks.delete(h);
    const tally = tallyKey(command);
    if (tally !== null) {
      let counts = this.since.get(stats);
      if (!counts) this.since.set(stats, (counts = new Map()));
      counts.set(tally, (counts.get(tally) ?? 0) + 1);
      let epoch = this.thisEpoch.get(key);
      if (epoch === undefined || epoch.epoch < stats.epochSeq) this.thisEpoch.set(key, (epoch = { epoch: stats.epochSeq, counts: new Map() }));
      // Statistics older than the epoch already counted in say nothing about it.
      if (epoch.epoch === stats.epochSeq) epoch.counts.set(tally, (epoch.counts.get(tally) ?? 0) + 1);
    }
  }

  /** The key's transactions on `block` so far (ours or the node's count, the higher), and the node's state of that block. */
  private seenOn(key: string, block: LastBlock, stats: SpamStatistics): { seen: number; state: PowBlockState | undefined } {
    const local = this.sent.get(key)?.get(block.height) ?? 0;
    const state = stats.pow.blockStates.find((s) => s.blockHeight === block.height);
    return { seen: Math.max(local, state?.transactionsSeen ?? 0), state };
  }

  private room(seen: number, block: LastBlock): boolean {
    return block.spamPowIncreasingDifficulty || seen < perBlock(block);
  }
}
