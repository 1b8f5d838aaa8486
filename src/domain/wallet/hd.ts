/**
 * Hierarchical deterministic keys as Vega wallets derive them: a BIP-39
 * recovery phrase, SLIP-10 for ed25519 (hardened children only), the wallet
 * node at m/1789' and one of two historical layouts for the signing keys.
 *
 * Pure functions: no storage, no I/O. Errors never echo the phrase or keys.
 */
import { createHmac, createPublicKey } from 'node:crypto';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { InvalidRecoveryPhraseError, UnsupportedKeyDerivationVersionError } from '../errors.js';
import { ed25519PrivateKeyObject } from '../crypto/ed25519.js';

export type KeyDerivationVersion = 1 | 2;

/** Vega's purpose-like first path element; m/1789' is the wallet node. */
const WALLET_NODE = 1789;
const HARDENED_OFFSET = 0x8000_0000;

/** 24 words = 256 bits of entropy, the length the Vega wallets generate. */
export function generateRecoveryPhrase(): string {
  return generateMnemonic(wordlist, 256);
}

/** Makes phrases typed by people (extra spaces, line breaks, capitals) compare equal. */
export function normalizeRecoveryPhrase(phrase: string): string {
  if (typeof phrase !== 'string') throw new TypeError('the recovery phrase must be a string');
  return phrase.trim().toLowerCase().split(/\s+/u).join(' ');
}

/**
 * Any valid BIP-39 English phrase is accepted (12, 15, 18, 21 or 24 words):
 * phrases made by other wallets must be importable, only generation is fixed at 24.
 */
export function isValidRecoveryPhrase(phrase: string): boolean {
  if (typeof phrase !== 'string') return false;
  return validateMnemonic(normalizeRecoveryPhrase(phrase), wordlist);
}

/** The 64-byte BIP-39 seed, with an empty BIP-39 passphrase as Vega wallets use. */
export function recoveryPhraseToSeed(phrase: string): Uint8Array {
  if (!isValidRecoveryPhrase(phrase)) throw new InvalidRecoveryPhraseError();
  return mnemonicToSeedSync(normalizeRecoveryPhrase(phrase), '');
}

function hmacSha512(key: Uint8Array | string, data: Uint8Array): Buffer {
  return createHmac('sha512', key).update(data).digest();
}

/**
 * SLIP-10 ed25519 derivation. Indices are given without the hardened bit
 * (ed25519 has no non-hardened derivation, so every step is hardened).
 */
export function deriveHardenedPath(seed: Uint8Array, path: readonly number[]): { key: Uint8Array; chainCode: Uint8Array } {
  if (!(seed instanceof Uint8Array) || seed.length < 16 || seed.length > 64) {
    throw new RangeError('the seed must be 16 to 64 bytes');
  }
  let node = hmacSha512('ed25519 seed', seed);
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED_OFFSET) {
      throw new RangeError(`path index ${String(index)} must be an integer in [0, 2^31)`);
    }
    // data = 0x00 || parent key || ser32(index + 2^31)
    const data = Buffer.alloc(37);
    node.copy(data, 1, 0, 32);
    data.writeUInt32BE(index + HARDENED_OFFSET, 33);
    const child = hmacSha512(node.subarray(32), data);
    data.fill(0);
    node.fill(0);
    node = child;
  }
  const result = { key: Uint8Array.from(node.subarray(0, 32)), chainCode: Uint8Array.from(node.subarray(32)) };
  node.fill(0);
  return result;
}

/** Path (without hardened bits) of the index-th signing key, counting from 1. */
export function keyPath(version: KeyDerivationVersion, index: number): number[] {
  if (version !== 1 && version !== 2) throw new UnsupportedKeyDerivationVersionError(version);
  // v1 puts keys beside the wallet node offset by 1789, so its last index is smaller.
  const maxIndex = version === 1 ? HARDENED_OFFSET - 1 - WALLET_NODE : HARDENED_OFFSET - 1;
  if (!Number.isInteger(index) || index < 1 || index > maxIndex) {
    throw new RangeError(`key index must be an integer between 1 and ${maxIndex}`);
  }
  return version === 2 ? [WALLET_NODE, 0, index] : [WALLET_NODE, WALLET_NODE + index];
}

/** The Ed25519 public key of a 32-byte secret seed (the SLIP-10 key). */
export function publicKeyFromSeed(secret32: Uint8Array): Uint8Array {
  // Export from the public KeyObject: a private JWK would copy the secret into an unerasable string.
  const jwk = createPublicKey(ed25519PrivateKeyObject(secret32)).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('node:crypto returned an Ed25519 JWK without x');
  return Uint8Array.from(Buffer.from(jwk.x, 'base64url'));
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The wallet ID is the public key of the wallet node m/1789' (also the wallet's master key). */
export function deriveWalletId(seed: Uint8Array): string {
  const { key, chainCode } = deriveHardenedPath(seed, [WALLET_NODE]);
  try {
    return toHex(publicKeyFromSeed(key));
  } finally {
    key.fill(0);
    chainCode.fill(0);
  }
}

export function deriveKeyPair(
  seed: Uint8Array,
  version: KeyDerivationVersion,
  index: number,
): { index: number; publicKey: string; secretKey: Uint8Array } {
  const { key, chainCode } = deriveHardenedPath(seed, keyPath(version, index));
  chainCode.fill(0);
  return { index, publicKey: toHex(publicKeyFromSeed(key)), secretKey: key };
}
