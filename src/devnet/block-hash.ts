import { createHash } from 'node:crypto';

/**
 * Block hashes of the dev node are not hashes of block contents: they are
 * derived from a seed and the height alone. That keeps them reproducible, so
 * a transaction whose proof of work was computed offline (e.g. the §5.5
 * vectors, seed "facts-sheet") stays valid against a fresh node, and a
 * restarted node reports the same hashes it reported before.
 *
 * hash(height) = lower-case hex SHA3-256 of ASCII `${seed} block ${height}`.
 * Lower case matters: wallets feed this exact string into the PoW hash.
 */
export function blockHashFor(seed: string, height: bigint): string {
  return createHash('sha3-256').update(`${seed} block ${height}`, 'utf8').digest('hex');
}
