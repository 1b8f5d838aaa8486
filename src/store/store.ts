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
}

export interface Store {
  readonly wallets: WalletStore;
  close(): Promise<void>;
}
