/**
 * Proof-of-work verification (facts §4 rows 7 and 9). A node only ever checks
 * one hash per transaction, so this stays a plain node:crypto call; solving is
 * the wallet's problem.
 */
import { createHash } from 'node:crypto';

/** The only hash function name Vega networks announce. */
export const POW_HASH_FUNCTION = 'sha3_24_rounds';

const PREFIX = Buffer.from('Vega_SPAM_PoW', 'ascii');

/** SHA3-256("Vega_SPAM_PoW" ‖ blockHash ‖ tid ‖ big-endian u64 nonce); the strings are hashed as written. */
export function powDigest(blockHash: string, tid: string, nonce: bigint): Buffer {
  const nonceBytes = Buffer.alloc(8);
  nonceBytes.writeBigUInt64BE(BigInt.asUintN(64, nonce));
  return createHash('sha3-256').update(PREFIX).update(blockHash, 'utf8').update(tid, 'utf8').update(nonceBytes).digest();
}

/** Number of leading zero bits of a digest: the "difficulty" a proof achieved. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export const achievedDifficulty = (blockHash: string, tid: string, nonce: bigint): number => leadingZeroBits(powDigest(blockHash, tid, nonce));

/**
 * With increasing difficulty, the k-th transaction of a party against one
 * block needs base + floor((k-1)/perBlock) bits, and what is checked is the
 * running total: the sum of achieved difficulties of the first k transactions
 * must reach the sum of these requirements (over-achieving early pays for later).
 */
export function requiredTotalDifficulty(base: number, perBlock: number, count: number): number {
  let total = 0;
  for (let k = 1; k <= count; k++) total += base + Math.floor((k - 1) / perBlock);
  return total;
}

/**
 * The difficulty a party's next transaction against a block must reach, as
 * reported in spam statistics; undefined when no further transaction is
 * allowed on that block (fixed difficulty and the per-block quota used up).
 */
export function nextTransactionDifficulty(base: number, perBlock: number, increasing: boolean, seen: number, observed: number): number | undefined {
  if (!increasing) return seen < perBlock ? base : undefined;
  // Never below base: CheckTx always demands the base difficulty, whatever was banked before.
  return Math.max(base, requiredTotalDifficulty(base, perBlock, seen + 1) - observed);
}
