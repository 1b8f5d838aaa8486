/**
 * Options of the dev node and their defaults. Checked up front so a typo in a
 * config fails at start-up instead of producing a chain no wallet can use.
 */
import { silentLogger, type Logger } from '../logger.js';

export interface DevNodeOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Default "wallet-gateway-devnet". */
  chainId?: string;
  /** Time between blocks; default 1000. 0 = blocks only on mineBlock(). */
  blockTimeMs?: number;
  /**
   * Base PoW difficulty in leading zero bits; default 2. Not 0, so wallets
   * really run their solver against the dev node, and small enough that a
   * proof takes microseconds (real networks use 15+).
   */
  powDifficulty?: number;
  /** How many blocks back a transaction may reference; default 100 (Vega accepts 5–500). */
  numberOfPastBlocks?: number;
  /** Transactions per party and referenced block before the quota applies; default 2. */
  txPerBlock?: number;
  /** Past the quota, demand more PoW instead of dropping; default false. */
  increasingDifficulty?: boolean;
  /** Seed of the deterministic block hashes; default: the chain id. */
  blockHashSeed?: string;
  /** Height of the first block; default 1. */
  startHeight?: bigint;
  /** Keep the chain in this JSON file; a restart continues it. Default: memory only. */
  dataFile?: string;
  /** Blocks per epoch (spam-policy counters reset each epoch); default 3600. */
  epochLengthBlocks?: number;
  /** How long TYPE_COMMIT waits for a block; default 10000, like CometBFT's broadcast_tx_commit. */
  commitTimeoutMs?: number;
  /** Start with block production paused; default false. */
  paused?: boolean;
  /** Full command decoder, once one exists: called for every transaction, throwing rejects it with code 60. */
  decodeCommand?: (field: number, bytes: Uint8Array) => void;
  logger?: Logger;
  /** Reported as statistics.appVersion; default v0.79.0, the core release the facts were read from. */
  appVersion?: string;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  chainId: string;
  blockTimeMs: number;
  powDifficulty: number;
  numberOfPastBlocks: number;
  txPerBlock: number;
  increasingDifficulty: boolean;
  blockHashSeed: string;
  startHeight: bigint;
  dataFile: string | undefined;
  epochLengthBlocks: number;
  commitTimeoutMs: number;
  paused: boolean;
  decodeCommand: ((field: number, bytes: Uint8Array) => void) | undefined;
  logger: Logger;
  appVersion: string;
}

export const DEFAULT_CHAIN_ID = 'wallet-gateway-devnet';

function integer(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`devnet option ${name} must be an integer from ${min} to ${max}, got ${value}`);
  return v;
}

export function resolveOptions(options: DevNodeOptions): ResolvedOptions {
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
  // The chain id is followed by a 0x00 separator in V3 signing messages, so it cannot contain one.
  if (typeof chainId !== 'string' || chainId === '' || chainId.includes('\0')) throw new TypeError('devnet option chainId must be a non-empty string without NUL');
  const startHeight = options.startHeight ?? 1n;
  if (typeof startHeight !== 'bigint' || startHeight < 1n || startHeight >= 1n << 63n) throw new RangeError('devnet option startHeight must be a bigint from 1 to 2^63-1');
  const blockHashSeed = options.blockHashSeed ?? chainId;
  if (typeof blockHashSeed !== 'string') throw new TypeError('devnet option blockHashSeed must be a string');
  return {
    host: options.host ?? '127.0.0.1',
    port: integer(options.port, 0, 0, 65535, 'port'),
    chainId,
    blockTimeMs: integer(options.blockTimeMs, 1000, 0, 24 * 3600 * 1000, 'blockTimeMs'),
    // Ranges of the matching network parameters.
    powDifficulty: integer(options.powDifficulty, 2, 0, 256, 'powDifficulty'),
    numberOfPastBlocks: integer(options.numberOfPastBlocks, 100, 5, 500, 'numberOfPastBlocks'),
    txPerBlock: integer(options.txPerBlock, 2, 1, 1_000_000, 'txPerBlock'),
    increasingDifficulty: options.increasingDifficulty ?? false,
    blockHashSeed,
    startHeight,
    dataFile: options.dataFile,
    epochLengthBlocks: integer(options.epochLengthBlocks, 3600, 1, Number.MAX_SAFE_INTEGER, 'epochLengthBlocks'),
    commitTimeoutMs: integer(options.commitTimeoutMs, 10_000, 1, 3600 * 1000, 'commitTimeoutMs'),
    paused: options.paused ?? false,
    decodeCommand: options.decodeCommand,
    logger: options.logger ?? silentLogger,
    appVersion: options.appVersion ?? 'v0.79.0',
  };
}
