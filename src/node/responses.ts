/**
 * What the gateway reads from a core node's REST answers, and the checks that
 * turn untrusted JSON into those values (vega-facts.md §2). Every parser throws
 * ShapeError on anything unexpected; the client treats that as a node failure.
 * Error texts name our own field paths only, never the values received.
 *
 * Protobuf JSON prints 64-bit integers as strings and 32-bit ones as numbers;
 * both forms are accepted for either, as the node's own parsers do.
 */

export class ShapeError extends Error {
  constructor(path: string, rule: string) {
    super(`${path} ${rule}`);
    this.name = 'ShapeError';
  }
}

/** GET /blockchain/height */
export interface LastBlock {
  height: bigint;
  /** 64 hex characters, exactly as the node sent them: the PoW input is case-sensitive. */
  hash: string;
  chainId: string;
  spamPowDifficulty: number;
  spamPowNumberOfPastBlocks: number;
  spamPowNumberOfTxPerBlock: number;
  spamPowIncreasingDifficulty: boolean;
  spamPowHashFunction: string;
}

/** GET /statistics (the fields a wallet uses). */
export interface NodeStatistics {
  blockHeight: bigint;
  blockHash: string;
  chainId: string;
  /** RFC 3339, as the node printed it. */
  vegaTime: string;
  appVersion: string;
}

/** A per-epoch spam counter; `null` in SpamStatistics when the node has no policy for the command. */
export interface SpamCounter {
  countForEpoch: bigint;
  maxForEpoch: bigint;
  bannedUntil?: string;
}

export interface VoteSpamCounters {
  /** The limit applies per proposal. */
  maxForEpoch: bigint;
  bannedUntil?: string;
  perProposal: { proposal: string; countForEpoch: bigint }[];
}

export interface PowBlockState {
  blockHeight: bigint;
  blockHash: string;
  transactionsSeen: number;
  /** Difficulty the party's next transaction against this block needs; absent when no more are allowed. */
  expectedDifficulty?: number;
  difficulty: number;
  txPerBlock: number;
  increasingDifficulty: boolean;
}

/** GET /statistics/spam/{party} */
export interface SpamStatistics {
  chainId: string;
  epochSeq: bigint;
  pow: {
    /** Sorted newest block first (the node sends them in no particular order). */
    blockStates: PowBlockState[];
    bannedUntil?: string;
    numberOfPastBlocks: number;
  };
  proposals: SpamCounter | null;
  delegations: SpamCounter | null;
  transfers: SpamCounter | null;
  votes: VoteSpamCounters | null;
  createReferralSet: SpamCounter | null;
  updateReferralSet: SpamCounter | null;
  applyReferralCode: SpamCounter | null;
}

/** POST /transaction/raw */
export interface SubmitResult {
  /** True whenever the broadcast call returned, whatever the code: look at `code`. */
  success: boolean;
  /** Upper-case hex SHA-256 of the submitted bytes. */
  txHash: string;
  /** ABCI result code, 0 = accepted (vega-facts.md §3). */
  code: number;
  /** The ABCI data as text (the node sends upper-case hex of UTF-8; decoded here). */
  data: string;
  log: string;
  /** Block height for TYPE_COMMIT, else 0. */
  height: bigint;
}

/** POST /transaction/raw/check */
export interface CheckResult {
  success: boolean;
  code: number;
  gasWanted: bigint;
  gasUsed: bigint;
  /** Plain text on this endpoint (not hex). */
  data: string;
  log: string;
  info: string;
}

// ---------------------------------------------------------------------------
// Field readers

type Json = Record<string, unknown>;

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function object(value: unknown, path: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ShapeError(path, 'must be an object');
  return value as Json;
}

function integer(value: unknown, path: string, min: bigint, max: bigint, what: string): bigint {
  let n: bigint | undefined;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) n = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  if (n === undefined || n < min || n > max) throw new ShapeError(path, `must be ${what}`);
  return n;
}

const u64 = (o: Json, key: string, path: string): bigint => integer(o[key], `${path}.${key}`, 0n, U64_MAX, 'an unsigned 64-bit integer');
const i64 = (o: Json, key: string, path: string): bigint => integer(o[key], `${path}.${key}`, I64_MIN, I64_MAX, 'a signed 64-bit integer');

/** A small non-negative integer, returned as a number. */
function small(o: Json, key: string, path: string, min: number, max: number): number {
  return Number(integer(o[key], `${path}.${key}`, BigInt(min), BigInt(max), `an integer from ${min} to ${max}`));
}

function bool(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ShapeError(`${path}.${key}`, 'must be a boolean');
  return v;
}

function string(o: Json, key: string, path: string, pattern?: RegExp): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ShapeError(`${path}.${key}`, 'must be a string');
  if (pattern && !pattern.test(v)) throw new ShapeError(`${path}.${key}`, 'has an unexpected format');
  return v;
}

/** Absent, null, or a string matching `pattern`. */
function optionalString(o: Json, key: string, path: string, pattern: RegExp): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : string(o, key, path, pattern);
}

const HASH = /^[0-9a-fA-F]{64}$/;
/** CometBFT chain ids: at most 50 characters; we also insist on printable ASCII. */
const CHAIN_ID = /^[\x21-\x7e]{1,50}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const SHORT_TEXT = /^[\x20-\x7e]{0,100}$/;
const HASH_FUNCTION = /^[\x21-\x7e]{1,64}$/;
const PARTY_OR_PROPOSAL = /^[0-9a-fA-F]{64}$/;
const EVEN_HEX = /^(?:[0-9a-fA-F]{2})*$/;
/** Past PoW block states are bounded by spam.pow.numberOfPastBlocks (at most 500). */
const MAX_BLOCK_STATES = 1000;
const MAX_VOTE_ENTRIES = 10_000;

// ---------------------------------------------------------------------------
// Endpoint parsers

export function parseLastBlock(body: unknown): LastBlock {
  const o = object(body, 'body');
  const path = 'body';
  return {
    height: u64(o, 'height', path),
    hash: string(o, 'hash', path, HASH),
    chainId: string(o, 'chainId', path, CHAIN_ID),
    spamPowDifficulty: small(o, 'spamPowDifficulty', path, 0, 256),
    spamPowNumberOfPastBlocks: small(o, 'spamPowNumberOfPastBlocks', path, 1, 0xffffffff),
    spamPowNumberOfTxPerBlock: small(o, 'spamPowNumberOfTxPerBlock', path, 1, 0xffffffff),
    spamPowIncreasingDifficulty: bool(o, 'spamPowIncreasingDifficulty', path),
    spamPowHashFunction: string(o, 'spamPowHashFunction', path, HASH_FUNCTION),
  };
}

export function parseStatistics(body: unknown): NodeStatistics {
  const s = object(object(body, 'body').statistics, 'body.statistics');
  const path = 'body.statistics';
  return {
    blockHeight: u64(s, 'blockHeight', path),
    blockHash: string(s, 'blockHash', path, HASH),
    chainId: string(s, 'chainId', path, CHAIN_ID),
    vegaTime: string(s, 'vegaTime', path, RFC3339),
    appVersion: string(s, 'appVersion', path, SHORT_TEXT),
  };
}

function counter(parent: Json, key: string, path: string): SpamCounter | null {
  if (parent[key] === undefined || parent[key] === null) return null;
  const c = object(parent[key], `${path}.${key}`);
  const at = `${path}.${key}`;
  const bannedUntil = optionalString(c, 'bannedUntil', at, SHORT_TEXT);
  return { countForEpoch: u64(c, 'countForEpoch', at), maxForEpoch: u64(c, 'maxForEpoch', at), ...(bannedUntil ? { bannedUntil } : {}) };
}

function votes(parent: Json, path: string): VoteSpamCounters | null {
  if (parent.votes === undefined || parent.votes === null) return null;
  const at = `${path}.votes`;
  const v = object(parent.votes, at);
  const list = v.statistics ?? [];
  if (!Array.isArray(list) || list.length > MAX_VOTE_ENTRIES) throw new ShapeError(`${at}.statistics`, 'must be a list');
  const perProposal = list.map((entry, i) => {
    const e = object(entry, `${at}.statistics[${i}]`);
    return { proposal: string(e, 'proposal', `${at}.statistics[${i}]`, PARTY_OR_PROPOSAL), countForEpoch: u64(e, 'countForEpoch', `${at}.statistics[${i}]`) };
  });
  const bannedUntil = optionalString(v, 'bannedUntil', at, SHORT_TEXT);
  return { maxForEpoch: u64(v, 'maxForEpoch', at), perProposal, ...(bannedUntil ? { bannedUntil } : {}) };
}

function blockState(value: unknown, path: string): PowBlockState {
  const b = object(value, path);
  const expected = b.expectedDifficulty === undefined || b.expectedDifficulty === null ? undefined : small(b, 'expectedDifficulty', path, 0, Number.MAX_SAFE_INTEGER);
  return {
    blockHeight: u64(b, 'blockHeight', path),
    blockHash: string(b, 'blockHash', path, HASH),
    transactionsSeen: small(b, 'transactionsSeen', path, 0, Number.MAX_SAFE_INTEGER),
    ...(expected === undefined ? {} : { expectedDifficulty: expected }),
    difficulty: small(b, 'difficulty', path, 0, 256),
    txPerBlock: small(b, 'txPerBlock', path, 1, Number.MAX_SAFE_INTEGER),
    increasingDifficulty: bool(b, 'increasingDifficulty', path),
  };
}

export function parseSpamStatistics(body: unknown): SpamStatistics {
  const o = object(body, 'body');
  const chainId = string(o, 'chainId', 'body', CHAIN_ID);
  const path = 'body.statistics';
  const s = object(o.statistics, path);
  const p = object(s.pow, `${path}.pow`);
  const states = p.blockStates ?? [];
  if (!Array.isArray(states) || states.length > MAX_BLOCK_STATES) throw new ShapeError(`${path}.pow.blockStates`, 'must be a list');
  const blockStates = states.map((b, i) => blockState(b, `${path}.pow.blockStates[${i}]`)).sort((a, b) => (a.blockHeight === b.blockHeight ? 0 : a.blockHeight > b.blockHeight ? -1 : 1));
  const powBannedUntil = optionalString(p, 'bannedUntil', `${path}.pow`, SHORT_TEXT);
  return {
    chainId,
    epochSeq: u64(s, 'epochSeq', path),
    pow: {
      blockStates,
      ...(powBannedUntil ? { bannedUntil: powBannedUntil } : {}),
      numberOfPastBlocks: small(p, 'numberOfPastBlocks', `${path}.pow`, 1, 0xffffffff),
    },
    proposals: counter(s, 'proposals', path),
    delegations: counter(s, 'delegations', path),
    transfers: counter(s, 'transfers', path),
    votes: votes(s, path),
    createReferralSet: counter(s, 'createReferralSet', path),
    updateReferralSet: counter(s, 'updateReferralSet', path),
    applyReferralCode: counter(s, 'applyReferralCode', path),
  };
}

/** Decodes the raw submit endpoint's `data`: upper-case (or any case) hex of UTF-8 text. */
export function decodeHexText(hex: string): string {
  if (!EVEN_HEX.test(hex)) throw new ShapeError('body.data', 'must be hex');
  return Buffer.from(hex, 'hex').toString('utf8');
}

/** `expectedTxHash` is what the client computed from the bytes it sent; a different hash is an answer about something else. */
export function parseSubmitResult(body: unknown, expectedTxHash: string): SubmitResult {
  const o = object(body, 'body');
  const txHash = string(o, 'txHash', 'body', HASH).toUpperCase();
  if (txHash !== expectedTxHash.toUpperCase()) throw new ShapeError('body.txHash', 'does not match the submitted transaction');
  return {
    success: bool(o, 'success', 'body'),
    txHash,
    code: small(o, 'code', 'body', 0, 0xffffffff),
    data: decodeHexText(string(o, 'data', 'body')),
    log: string(o, 'log', 'body'),
    height: i64(o, 'height', 'body'),
  };
}

export function parseCheckResult(body: unknown): CheckResult {
  const o = object(body, 'body');
  return {
    success: bool(o, 'success', 'body'),
    code: small(o, 'code', 'body', 0, 0xffffffff),
    gasWanted: i64(o, 'gasWanted', 'body'),
    gasUsed: i64(o, 'gasUsed', 'body'),
    data: string(o, 'data', 'body'),
    log: string(o, 'log', 'body'),
    info: string(o, 'info', 'body'),
  };
}
