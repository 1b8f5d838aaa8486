import type { KeyRecord, MetadataEntry, WalletStore } from '../../store/store.js';
import { signMessageWithKey, verifyMessage } from '../crypto/ed25519.js';
import { InvalidParamError, KeyNotFoundError, KeyTaintStateError, KeyTaintedError, WalletNotFoundError } from '../errors.js';
import { deriveKeyPair } from './hd.js';
import type { Keyring } from './keyring.js';
import { KEY_ALGORITHM, defaultKeyName, type Wallets } from './wallets.js';

export interface KeyDescription {
  publicKey: string;
  name: string;
  index: number;
  algorithm: typeof KEY_ALGORITHM;
  metadata: MetadataEntry[];
  tainted: boolean;
}

const NAME = 'name';

export function describeKey(key: KeyRecord): KeyDescription {
  return {
    publicKey: key.publicKey,
    name: key.name,
    index: key.index,
    algorithm: { ...KEY_ALGORITHM },
    metadata: [{ key: NAME, value: key.name }, ...key.metadata],
    tainted: key.tainted,
  };
}

/** Splits caller metadata into the key's name (if it names one) and the rest; keys must be distinct. */
function splitMetadata(metadata: MetadataEntry[], path: string): { name: string | undefined; rest: MetadataEntry[] } {
  const seen = new Set<string>();
  metadata.forEach((entry, i) => {
    if (seen.has(entry.key)) throw new InvalidParamError(`${path}/${i}/key`, 'uniqueKeys', `the metadata key "${entry.key}" appears more than once`);
    seen.add(entry.key);
  });
  const named = metadata.find((entry) => entry.key === NAME);
  if (named && named.value.trim() === '') {
    throw new InvalidParamError(`${path}/${metadata.indexOf(named)}/value`, 'minLength', 'a key name cannot be empty');
  }
  return { name: named?.value, rest: metadata.filter((entry) => entry.key !== NAME) };
}

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Keys of wallets: derivation of new ones, metadata, taint, signing and export. */
export class Keys {
  constructor(
    private readonly store: WalletStore,
    private readonly wallets: Wallets,
    private readonly keyring: Keyring,
  ) {}

  async list(wallet: string): Promise<KeyRecord[]> {
    return this.wallets.keys(wallet);
  }

  async describe(wallet: string, publicKey: string): Promise<KeyDescription> {
    return describeKey(await this.require(wallet, publicKey));
  }

  /**
   * Derives the next key. An unlocked wallet needs no passphrase; otherwise
   * the passphrase opens the wallet for this call only.
   */
  async generate(wallet: string, passphrase: string | undefined, metadata: MetadataEntry[] = []): Promise<KeyDescription> {
    const { name, rest } = splitMetadata(metadata, '/metadata');
    if (!(await this.store.walletExists(wallet))) throw new WalletNotFoundError(wallet);
    const make = (seed: Uint8Array, version: 1 | 2) => (index: number): KeyRecord => {
      const pair = deriveKeyPair(seed, version, index);
      pair.secretKey.fill(0);
      return { index, publicKey: pair.publicKey, name: name ?? defaultKeyName(wallet, index), metadata: rest, tainted: false };
    };
    if (passphrase === undefined || this.keyring.isUnlocked(wallet)) {
      // Throws WalletLockedError when there is neither an unlocked wallet nor a passphrase.
      const maker = this.keyring.withSeed(wallet, make);
      return describeKey(await this.store.insertNextKey(wallet, maker));
    }
    const seed = await this.wallets.openSeed(wallet, passphrase);
    try {
      // Only into the wallet that was opened, should its name have moved meanwhile.
      await this.wallets.requireUnchanged(wallet, seed.walletId, seed.version);
      return describeKey(await this.store.insertNextKey(wallet, make(seed.seed, seed.version)));
    } finally {
      seed.seed.fill(0);
    }
  }

  async annotate(wallet: string, publicKey: string, metadata: MetadataEntry[]): Promise<KeyDescription> {
    const { name, rest } = splitMetadata(metadata, '/metadata');
    await this.require(wallet, publicKey);
    await this.store.updateKey(wallet, publicKey, { metadata: rest, ...(name === undefined ? {} : { name }) });
    return this.describe(wallet, publicKey);
  }

  async setTainted(wallet: string, publicKey: string, tainted: boolean): Promise<KeyDescription> {
    const key = await this.require(wallet, publicKey);
    if (key.tainted === tainted) throw new KeyTaintStateError(wallet, publicKey, tainted);
    await this.store.updateKey(wallet, publicKey, { tainted });
    return describeKey({ ...key, tainted });
  }

  /** Vega's message signature: ed25519 over SHA3-256 of the bytes. The wallet must be unlocked. */
  async sign(wallet: string, publicKey: string, encodedMessage: string): Promise<string> {
    const key = await this.require(wallet, publicKey);
    if (key.tainted) throw new KeyTaintedError(wallet, publicKey);
    return toBase64(signMessageWithKey(this.keyring.signingKey(wallet, key.index, publicKey), fromBase64(encodedMessage)));
  }

  /** The 64-byte private key (seed then public key) in hex, for the owner's backup. */
  async export(wallet: string, publicKey: string, passphrase: string): Promise<{ publicKey: string; privateKey: string }> {
    const key = await this.require(wallet, publicKey);
    const { seed, version } = await this.wallets.openSeed(wallet, passphrase);
    try {
      const pair = deriveKeyPair(seed, version, key.index);
      const privateKey = Buffer.from(pair.secretKey).toString('hex') + pair.publicKey;
      pair.secretKey.fill(0);
      return { publicKey, privateKey };
    } finally {
      seed.fill(0);
    }
  }

  private async require(wallet: string, publicKey: string): Promise<KeyRecord> {
    const key = await this.store.findKey(wallet, publicKey);
    if (key) return key;
    if (!(await this.store.walletExists(wallet))) throw new WalletNotFoundError(wallet);
    throw new KeyNotFoundError(wallet, publicKey);
  }
}

export function verify(publicKey: string, encodedMessage: string, encodedSignature: string): boolean {
  return verifyMessage(Buffer.from(publicKey, 'hex'), fromBase64(encodedMessage), fromBase64(encodedSignature));
}
