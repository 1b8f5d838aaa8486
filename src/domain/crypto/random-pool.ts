import { randomFillSync } from 'node:crypto';

/**
 * Random values that are public once used (transaction ids, InputData
 * nonces, review ids), cut from a buffer that OpenSSL's CSPRNG refills 4 KiB
 * at a time: one call into it per ~90 transactions instead of three per
 * transaction (randomBytes was ~6 % of a sign_transaction profile). Secrets
 * (tokens, keys, salts, cipher nonces) never come from here: they draw
 * their own bytes.
 */
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

function take(length: number): number {
  if (offset + length > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += length;
  return at;
}

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}

/** A random 64-bit unsigned integer. */
export function randomUint64(): bigint {
  return pool.readBigUInt64BE(take(8));
}
