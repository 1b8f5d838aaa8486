/**
 * Passphrase encryption at rest: scrypt stretches the passphrase into an
 * AES-256-GCM key; the caller's `aad` (e.g. the wallet's name or row id)
 * is authenticated but not stored, so a box cannot be moved to another row.
 *
 * Box layout: nonce (12 bytes) || ciphertext || GCM tag (16 bytes).
 * Messages never include the passphrase, the key or the plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { StoreIntegrityError, WrongPassphraseError } from '../errors.js';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * Cost that production code must pass (it is also the default). This module
 * does not enforce a minimum so that tests can use a cheaper cost explicitly.
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/** Stored next to each box so the cost of new boxes can be raised without breaking old ones. */
export interface KdfParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64 of 16 random bytes */
  salt: string;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
/** scrypt needs about 128 * N * r bytes; anything above this is taken as a corrupted or hostile row. */
const MAX_SCRYPT_MEMORY = 2 ** 30;

/** Returns what is wrong with a cost, or null if it is usable. */
function costProblem(cost: unknown): string | null {
  if (typeof cost !== 'object' || cost === null) return 'scrypt parameters are missing';
  const { N, r, p } = cost as Record<string, unknown>;
  if (typeof N !== 'number' || !Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 30) {
    return 'scrypt N must be a power of two greater than 1';
  }
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 1024) return 'scrypt r must be a positive integer';
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 1024) return 'scrypt p must be a positive integer';
  if (128 * N * r > MAX_SCRYPT_MEMORY) return 'scrypt N * r needs more memory than allowed';
  return null;
}

function deriveKey(passphrase: string, salt: Uint8Array, cost: ScryptCost): Promise<Buffer> {
  // The callback form runs on libuv's thread pool, so the event loop keeps serving other requests.
  return new Promise((resolve, reject) => {
    scrypt(passphrase, salt, KEY_LENGTH, { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function requirePassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string') throw new TypeError('the passphrase must be a string');
}

function requireBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
}

export async function seal(
  plaintext: Uint8Array,
  passphrase: string,
  aad: Uint8Array,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<{ kdf: KdfParams; box: Uint8Array }> {
  requireBytes(plaintext, 'the plaintext');
  requirePassphrase(passphrase);
  requireBytes(aad, 'the additional data');
  const problem = costProblem(cost);
  if (problem) throw new RangeError(problem);

  const salt = randomBytes(SALT_LENGTH);
  const key = await deriveKey(passphrase, salt, cost);
  try {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aad);
    const box = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      kdf: { algorithm: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: salt.toString('base64') },
      // Copy out: small Buffers may be views into Node's shared allocation pool.
      box: Uint8Array.from(box),
    };
  } finally {
    key.fill(0);
  }
}

/** Decodes the stored salt, insisting on canonical base64 of the expected length. */
function decodeSalt(salt: unknown): Buffer | null {
  if (typeof salt !== 'string') return null;
  const bytes = Buffer.from(salt, 'base64');
  return bytes.length === SALT_LENGTH && bytes.toString('base64') === salt ? bytes : null;
}

export async function open(box: Uint8Array, passphrase: string, kdf: KdfParams, aad: Uint8Array): Promise<Uint8Array> {
  requirePassphrase(passphrase);
  requireBytes(aad, 'the additional data');
  if (!(box instanceof Uint8Array) || box.length < NONCE_LENGTH + TAG_LENGTH) {
    throw new StoreIntegrityError('the encrypted box is truncated');
  }
  if (typeof kdf !== 'object' || kdf === null || kdf.algorithm !== 'scrypt') {
    throw new StoreIntegrityError('the key derivation parameters are not scrypt');
  }
  const problem = costProblem(kdf);
  if (problem) throw new StoreIntegrityError(`the stored ${problem}`);
  const salt = decodeSalt(kdf.salt);
  if (!salt) throw new StoreIntegrityError(`the stored scrypt salt is not ${SALT_LENGTH} base64-encoded bytes`);

  const key = await deriveKey(passphrase, salt, kdf);
  try {
    const nonce = box.subarray(0, NONCE_LENGTH);
    const tag = box.subarray(box.length - TAG_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(box.subarray(NONCE_LENGTH, box.length - TAG_LENGTH));
    let tail: Buffer;
    try {
      tail = decipher.final();
    } catch {
      // GCM cannot tell a wrong key from altered bytes; both mean "not this passphrase for this row".
      head.fill(0);
      throw new WrongPassphraseError();
    }
    const plaintext = new Uint8Array(head.length + tail.length);
    plaintext.set(head);
    plaintext.set(tail, head.length);
    head.fill(0);
    return plaintext;
  } finally {
    key.fill(0);
  }
}
