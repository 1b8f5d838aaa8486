import type { KdfParams } from '../domain/wallet/secret-box.js';
import type { KeyDerivationVersion } from '../domain/wallet/hd.js';

/** A wallet as stored: public facts in clear, secrets only inside `secret`. */
export interface WalletRecord {
  name: string;
  /** Public key of m/1789' (hex). */
  walletId: string;
  keyDerivationVersion: KeyDerivationVersion;
  kdf: KdfParams;
  /** The sealed secret: nonce || ciphertext || tag. */
  secret: Uint8Array;
  createdAt: string;
}

export interface MetadataEntry {
  key: string;
  value: string;
}

export interface KeyRecord {
  index: number;
  publicKey: string;
  name: string;
  metadata: MetadataEntry[];
  tainted: boolean;
}

/**
 * Wallet persistence. Async so that a networked store (Postgres) fits the
 * same interface as the embedded SQLite one.
 */
export interface WalletStore {
  /** Inserts a wallet with its first keys atomically; throws WalletAlreadyExistsError on a taken name. */
  insertWallet(wallet: WalletRecord, keys: KeyRecord[]): Promise<void>;
  findWallet(name: string): Promise<WalletRecord | undefined>;
  walletExists(name: string): Promise<boolean>;
  /** Names in code-point order. */
  listWalletNames(): Promise<string[]>;
  /** Deletes the wallet and everything attached to it; false when there was none. */
  removeWallet(name: string): Promise<boolean>;
  listKeys(walletName: string): Promise<KeyRecord[]>;
  countKeys(walletName: string): Promise<number>;
  findKey(walletName: string, publicKey: string): Promise<KeyRecord | undefined>;
  /**
   * Adds the key at the next free index, in one transaction so that two
   * callers never get the same index. `make` derives the key for that index.
   */
  insertNextKey(walletName: string, make: (index: number) => KeyRecord): Promise<KeyRecord>;
  /** Changes a key's name, metadata or taint; false when the key does not exist. */
  updateKey(walletName: string, publicKey: string, changes: Partial<Pick<KeyRecord, 'name' | 'metadata' | 'tainted'>>): Promise<boolean>;
  /** Throws WalletAlreadyExistsError when `to` is taken; false when `from` does not exist. */
  renameWallet(from: string, to: string): Promise<boolean>;
  /** Replaces the sealed secret and its KDF parameters in one write; false when the wallet does not exist. */
  replaceSecret(walletName: string, kdf: WalletRecord['kdf'], secret: Uint8Array): Promise<boolean>;
}

export interface Store {
  readonly wallets: WalletStore;
  close(): Promise<void>;
}
