/**
 * Response bodies of the core REST API, field for field in proto order (facts
 * §2.2–§2.7). Keys are lowerCamelCase; uint64/int64 are strings, uint32 are
 * numbers; unset proto3-optional fields are left out.
 */
import type { BlockInfo, Chain, CheckOutcome, FoundTransaction } from './chain.js';
import { POW_HASH_FUNCTION } from './pow.js';
import { POLICY_LIMITS, type PolicyName } from './spam-policies.js';

export interface NodeInfo {
  /** When this process started serving, Unix ns. */
  startedAt: bigint;
  appVersion: string;
  appVersionHash: string;
  chainVersion: string;
  /** Nominal block time, for the epoch expiry estimate. */
  blockTimeMs: number;
}

/**
 * RFC 3339 the way Go's time.RFC3339Nano prints it (Vega's vegatime.Format):
 * UTC, nanosecond fraction with trailing zeros dropped, no fraction at all on a whole second.
 */
export function formatTime(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = ns % 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = fraction === 0n ? '' : `.${fraction.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${digits}Z`;
}

/** GET /blockchain/height → LastBlockHeightResponse. */
export function lastBlockHeightView(chain: Chain) {
  const p = chain.params;
  return {
    height: chain.height.toString(),
    hash: chain.hash,
    spamPowHashFunction: POW_HASH_FUNCTION,
    spamPowDifficulty: p.difficulty,
    spamPowNumberOfPastBlocks: p.numberOfPastBlocks,
    spamPowNumberOfTxPerBlock: p.txPerBlock,
    spamPowIncreasingDifficulty: p.increasingDifficulty,
    chainId: p.chainId,
  };
}

/** GET /time → GetVegaTimeResponse: the last block's time. */
export const timeView = (chain: Chain) => ({ timestamp: chain.time.toString() });

/**
 * GET /statistics → StatisticsResponse. Market figures are zero: the dev node
 * executes no markets. Order totals count executed order commands.
 */
export function statisticsView(chain: Chain, info: NodeInfo, nowNs: bigint) {
  const last = chain.latestBlock;
  const lastBytes = last.txs.reduce((sum, tx) => sum + tx.bytes.length, 0);
  const created = chain.executedCount(1001);
  const epochLengthNs = BigInt(chain.params.epochLengthBlocks) * BigInt(info.blockTimeMs || 1000) * 1_000_000n;
  return {
    statistics: {
      blockHeight: chain.height.toString(),
      backlogLength: String(chain.mempoolSize),
      totalPeers: '0',
      genesisTime: formatTime(chain.genesisTime),
      currentTime: formatTime(nowNs),
      vegaTime: formatTime(chain.time),
      status: 'CHAIN_STATUS_CONNECTED',
      txPerBlock: String(last.txs.length),
      averageTxBytes: String(last.txs.length ? Math.round(lastBytes / last.txs.length) : 0),
      averageOrdersPerBlock: '0',
      tradesPerSecond: '0',
      ordersPerSecond: '0',
      totalMarkets: '0',
      totalAmendOrder: String(chain.executedCount(1003)),
      totalCancelOrder: String(chain.executedCount(1002)),
      totalCreateOrder: String(created),
      totalOrders: String(created),
      totalTrades: '0',
      orderSubscriptions: 0,
      tradeSubscriptions: 0,
      candleSubscriptions: 0,
      marketDepthSubscriptions: 0,
      positionsSubscriptions: 0,
      accountSubscriptions: 0,
      marketDataSubscriptions: 0,
      appVersionHash: info.appVersionHash,
      appVersion: info.appVersion,
      chainVersion: info.chainVersion,
      blockDuration: chain.blockDuration.toString(),
      uptime: formatTime(info.startedAt),
      chainId: chain.params.chainId,
      marketDepthUpdatesSubscriptions: 0,
      blockHash: chain.hash,
      epochSeq: chain.epochSeq.toString(),
      epochStartTime: formatTime(chain.epochStartTime),
      epochExpiryTime: formatTime(chain.epochStartTime + epochLengthNs),
      eventCount: '0',
      eventsPerSecond: '0',
    },
  };
}

/** GET /statistics/spam/{party_id} → GetSpamStatisticsResponse. */
export function spamStatisticsView(chain: Chain, party: string) {
  const policies = chain.spamPolicies;
  const counter = (name: PolicyName) => {
    const { count, max } = policies.counter(party, name);
    return { countForEpoch: String(count), maxForEpoch: String(max), minTokensRequired: '0' };
  };
  const p = chain.params;
  return {
    chainId: p.chainId,
    statistics: {
      proposals: counter('proposals'),
      delegations: counter('delegations'),
      transfers: counter('transfers'),
      nodeAnnouncements: counter('nodeAnnouncements'),
      votes: {
        statistics: policies.votesOf(party).map((v) => ({ proposal: v.proposal, countForEpoch: String(v.count), minTokensRequired: '0' })),
        maxForEpoch: String(POLICY_LIMITS.votes),
      },
      pow: {
        blockStates: chain.powStates(party).map((s) => ({
          blockHeight: s.height.toString(),
          blockHash: s.hash,
          transactionsSeen: String(s.seen),
          ...(s.expectedDifficulty === undefined ? {} : { expectedDifficulty: String(s.expectedDifficulty) }),
          hashFunction: POW_HASH_FUNCTION,
          difficulty: String(p.difficulty),
          txPerBlock: String(p.txPerBlock),
          increasingDifficulty: p.increasingDifficulty,
        })),
        numberOfPastBlocks: String(p.numberOfPastBlocks),
      },
      issueSignatures: counter('issueSignatures'),
      epochSeq: chain.epochSeq.toString(),
      createReferralSet: counter('createReferralSet'),
      updateReferralSet: counter('updateReferralSet'),
      applyReferralCode: counter('applyReferralCode'),
    },
  };
}

const hexOfText = (text: string) => Buffer.from(text, 'utf8').toString('hex').toUpperCase();

/**
 * POST /transaction/raw → SubmitRawTransactionResponse. `success` only says
 * the broadcast call returned; `data` is the hex of the error text.
 */
export const submitRawView = (hash: string, code: number, data: string, height: bigint) => ({
  success: true,
  txHash: hash,
  code,
  data: hexOfText(data),
  log: '',
  height: height.toString(),
});

/** POST /transaction → SubmitTransactionResponse: success means code 0, data is plain text, height always "0". */
export const submitJsonView = (outcome: CheckOutcome) => ({
  success: outcome.code === 0,
  txHash: outcome.hash,
  code: outcome.code,
  data: outcome.data,
  log: '',
  height: '0',
});

/** POST /transaction/raw/check and /transaction/check → CheckRawTransactionResponse / CheckTransactionResponse. */
export const checkView = (outcome: CheckOutcome) => ({
  success: outcome.code === 0,
  code: outcome.code,
  // Vega charges a flat gas of 1 for commands without a specific estimate; nothing is used by a check.
  gasWanted: outcome.code === 0 ? '1' : '0',
  gasUsed: '0',
  data: outcome.data,
  log: '',
  // Decoding failures (60) repeat their text here; spam rejections (89) leave it empty.
  info: outcome.code === 60 ? outcome.data : '',
});

/*
 * The two lookups below are extensions of the development node, for people
 * finding their way around it: a core node's REST API has neither
 * GET /transactions/{hash} nor GET /blocks/{height} (on a real network that is
 * the job of a data node or a block explorer). The shapes follow the
 * conventions above (uint64 as strings, lowerCamelCase, every field printed),
 * and times are RFC 3339 like those of /statistics.
 */

/** GET /transactions/{hash}: a transaction included in a block, with the result of its execution. */
export const transactionView = (found: FoundTransaction) => ({
  transaction: {
    hash: found.hash,
    blockHeight: found.height.toString(),
    blockHash: found.blockHash,
    blockTime: formatTime(found.blockTime),
    /** Position inside the block. */
    index: found.index,
    code: found.code,
    /** Plain error text when code is not 0, else empty (not hex, unlike POST /transaction/raw). */
    data: found.data,
    party: found.party,
    command: found.command,
  },
});

/** GET /blocks/{height}: a block and the hashes of its transactions in execution order; no time when it is not known. */
export const blockView = (block: BlockInfo) => ({
  block: {
    height: block.height.toString(),
    hash: block.hash,
    ...(block.time === undefined ? {} : { time: formatTime(block.time) }),
    transactions: block.txs.map((tx) => tx.hash),
  },
});
