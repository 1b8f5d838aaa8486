/**
 * Vega signing rules: pure Ed25519 (RFC 8032) applied to the SHA3-256 digest
 * of the message, never to the raw message and never Ed25519ph.
 *
 * Everything goes through node:crypto. Building a private KeyObject from raw
 * bytes costs about ten signatures (OpenSSL 3 decodes the DER and derives the
 * public key), so signers that sign often keep one: see Keyring.signingKey,
 * which drops it when the wallet locks (OpenSSL clears the key when it frees it).
 */
import { createPrivateKey, hash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

const SECRET_KEY_LENGTH = 32;
const PUBLIC_KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;

// node:crypto cannot import raw Ed25519 keys, only DER. These are the fixed
// ASN.1 headers (RFC 8410) that precede the 32 raw bytes.
const PKCS8_PREFIX = Uint8Array.from(Buffer.from('302e020100300506032b657004220420', 'hex'));
const SPKI_PREFIX = Uint8Array.from(Buffer.from('302a300506032b6570032100', 'hex'));

function requireBytes(value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    // Only the expected size is reported: the value itself may be secret.
    throw new RangeError(`${what} must be ${length} bytes`);
  }
}

/** Wraps a 32-byte Ed25519 seed in a private KeyObject. The caller must not keep it longer than needed. */
export function ed25519PrivateKeyObject(secretKey: Uint8Array): KeyObject {
  requireBytes(secretKey, SECRET_KEY_LENGTH, 'an Ed25519 secret key');
  const der = new Uint8Array(PKCS8_PREFIX.length + SECRET_KEY_LENGTH);
  der.set(PKCS8_PREFIX);
  der.set(secretKey, PKCS8_PREFIX.length);
  try {
    return createPrivateKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'pkcs8' });
  } finally {
    // The KeyObject holds its own copy; the DER scratch buffer would otherwise linger on the heap.
    der.fill(0);
  }
}

/** Wraps a 32-byte Ed25519 public key in a public KeyObject. */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  requireBytes(publicKey, PUBLIC_KEY_LENGTH, 'an Ed25519 public key');
  const der = Buffer.concat([SPKI_PREFIX, publicKey]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

function sha3(message: Uint8Array): Buffer {
  return hash('sha3-256', message, 'buffer');
}

/** Vega signature: Ed25519 over SHA3-256(message). Returns the 64-byte signature. */
export function signMessage(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new TypeError('the message must be a Uint8Array');
  return signMessageWithKey(ed25519PrivateKeyObject(secretKey), message);
}

/** signMessage with a private KeyObject made earlier (ed25519PrivateKeyObject). */
export function signMessageWithKey(key: KeyObject, message: Uint8Array): Uint8Array {
  if (!(message instanceof Uint8Array)) throw new TypeError('the message must be a Uint8Array');
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('the key must be a private Ed25519 key');
  return new Uint8Array(sign(null, sha3(message), key));
}

/** Checks a Vega signature. Any malformed input simply yields false. */
export function verifyMessage(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    return verify(null, sha3(message), ed25519PublicKeyObject(publicKey), signature);
  } catch {
    // e.g. bytes that do not decode to a curve point
    return false;
  }
}

/**
 * The bytes a TX_VERSION_V3 transaction signs: UTF-8(chainId) || 0x00 || inputData.
 * The separator is what binds the signature to one chain, so a chain id that
 * is empty or contains NUL itself is refused as ambiguous.
 */
export function transactionSigningMessage(chainId: string, inputData: Uint8Array): Uint8Array {
  if (typeof chainId !== 'string' || chainId.length === 0 || chainId.includes('\0')) {
    throw new TypeError('the chain id must be a non-empty string without NUL characters');
  }
  if (!(inputData instanceof Uint8Array)) throw new TypeError('the input data must be a Uint8Array');
  const chainLength = Buffer.byteLength(chainId, 'utf8');
  const out = Buffer.allocUnsafe(chainLength + 1 + inputData.length);
  out.write(chainId, 0, 'utf8');
  out[chainLength] = 0x00;
  out.set(inputData, chainLength + 1);
  return out;
}
