import type { KeyRecord, WalletStore } from '../../store/store.js';
import { StoreIntegrityError, WalletAlreadyExistsError, WalletNotFoundError, WrongPassphraseError } from '../errors.js';
import {
  deriveKeyPair,
  deriveWalletId,
  generateRecoveryPhrase,
  normalizeRecoveryPhrase,
  recoveryPhraseToSeed,
  type KeyDerivationVersion,
} from './hd.js';
import type { Keyring } from './keyring.js';
import { DEFAULT_SCRYPT_COST, open, seal, type ScryptCost } from './secret-box.js';

export const WALLET_TYPE = 'HD Wallet';
export const KEY_ALGORITHM = { name: 'vega/ed25519', version: 1 } as const;

/** What is sealed under the passphrase. Versioned so the layout can change later. */
interface WalletSecret {
  format: 1;
  recoveryPhrase: string;
}

export interface KeyView {
  publicKey: string;
  algorithm: typeof KEY_ALGORITHM;
  meta: { key: string; value: string }[];
}

export interface WalletsOptions {
  /** scrypt cost for newly sealed secrets; wallets keep the cost they were sealed with. */
  scryptCost?: ScryptCost;
  now?: () => Date;
}

/** The secret is bound to the wallet's public identity, so a sealed box cannot be moved to another wallet row. */
const secretAad = (walletId: string) => new TextEncoder().encode(`wallet-gateway/wallet-secret/${walletId}`);

export const defaultKeyName = (wallet: string, index: number) => `${wallet} key ${index}`;

export function keyView(key: KeyRecord): KeyView {
  return {
    publicKey: key.publicKey,
    algorithm: { ...KEY_ALGORITHM },
    meta: [{ key: 'name', value: key.name }, ...key.metadata],
  };
}

/** A wallet decrypted by Wallets.openForUnlock: put in the keyring, or wiped. */
export interface OpenedWallet {
  unlock(idleMs: number): void;
  discard(): void;
}

/**
 * HD wallets: creation, import, description, listing and removal. Secrets
 * are decrypted only for the duration of a call and wiped after use where
 * they live in buffers (JavaScript strings cannot be wiped).
 */
export class Wallets {
  private readonly scryptCost: ScryptCost;
  private readonly now: () => Date;

  constructor(
    private readonly store: WalletStore,
    private readonly keyring: Keyring,
    options: WalletsOptions = {},
  ) {
    this.scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
    this.now = options.now ?? (() => new Date());
  }

  async create(name: string, passphrase: string) {
    const recoveryPhrase = generateRecoveryPhrase();
    const { key } = await this.save(name, passphrase, recoveryPhrase, 2);
    return { wallet: { name, version: 2 as const, recoveryPhrase }, key };
  }

  async import(name: string, passphrase: string, recoveryPhrase: string, version: KeyDerivationVersion) {
    return this.save(name, passphrase, normalizeRecoveryPhrase(recoveryPhrase), version);
  }

  async describe(name: string, passphrase: string) {
    const wallet = await this.requireWallet(name);
    // Opening the box is how the passphrase is checked; the secret itself is not needed here.
    const plaintext = await open(wallet.secret, passphrase, wallet.kdf, secretAad(wallet.walletId));
    plaintext.fill(0);
    const keyCount = await this.store.countKeys(name);
    return { name: wallet.name, version: wallet.keyDerivationVersion, type: WALLET_TYPE, id: wallet.walletId, keyCount };
  }

  /** Decrypts the wallet into the keyring; it locks itself after `idleMs` without use. */
  async unlock(name: string, passphrase: string, idleMs: number): Promise<void> {
    (await this.openForUnlock(name, passphrase)).unlock(idleMs);
  }

  /**
   * The slow half of unlock (the passphrase checked, the seed decrypted), for a caller that must
   * check something else afterwards, at the moment the wallet unlocks: `unlock` puts the seed in
   * the keyring, synchronously; `discard` wipes it instead. One of the two must be called.
   */
  async openForUnlock(name: string, passphrase: string): Promise<OpenedWallet> {
    const { seed, version, walletId } = await this.openSeed(name, passphrase);
    try {
      await this.requireUnchanged(name, walletId, version);
    } catch (error) {
      seed.fill(0);
      throw error;
    }
    return {
      unlock: (idleMs) => this.keyring.unlock(name, seed, version, idleMs),
      discard: () => seed.fill(0),
    };
  }

  async lock(name: string): Promise<void> {
    await this.requireWallet(name);
    this.keyring.lock(name);
  }

  async rename(from: string, to: string): Promise<void> {
    if (!(await this.store.renameWallet(from, to))) throw new WalletNotFoundError(from);
    this.keyring.rename(from, to);
  }

  /** Seals the same secret under the new passphrase, with a fresh salt and today's cost. */
  async updatePassphrase(name: string, passphrase: string, newPassphrase: string): Promise<void> {
    const wallet = await this.requireWallet(name);
    const plaintext = await open(wallet.secret, passphrase, wallet.kdf, secretAad(wallet.walletId));
    try {
      const { kdf, box } = await seal(plaintext, newPassphrase, secretAad(wallet.walletId), this.scryptCost);
      // The name may have moved to another wallet, or the passphrase changed, during the two scrypt runs:
      // the write only lands on the very box that was opened.
      if (!(await this.store.replaceSecret(name, wallet.secret, kdf, box))) {
        await this.requireUnchanged(name, wallet.walletId, wallet.keyDerivationVersion);
        throw new WrongPassphraseError();
      }
    } finally {
      plaintext.fill(0);
    }
  }

  /** The wallet's BIP-39 seed, decrypted with the passphrase. The caller wipes it. */
  async openSeed(name: string, passphrase: string): Promise<{ seed: Uint8Array; version: KeyDerivationVersion; walletId: string }> {
    const { recoveryPhrase, version, walletId } = await this.unseal(name, passphrase);
    return { seed: recoveryPhraseToSeed(recoveryPhrase), version, walletId };
  }

  /**
   * Opening a wallet takes a while (scrypt), and meanwhile its name can be
   * renamed away, removed, or given to another wallet. Before applying what
   * was opened under `name`, callers check here that the name still belongs
   * to that wallet (same ID and key derivation version), and act right after.
   */
  async requireUnchanged(name: string, walletId: string, version: KeyDerivationVersion) {
    const current = await this.store.findWallet(name);
    if (!current || current.walletId !== walletId || current.keyDerivationVersion !== version) throw new WalletNotFoundError(name);
    return current;
  }

  /**
   * Wallet names in code-point order. Without `limit`, all of them (those after
   * `after` when given). With it, one page of at most `limit` names and, when
   * more follow, `nextAfter`: the page's last name, where the next page starts.
   */
  async list(page: { limit?: number; after?: string } = {}): Promise<{ wallets: string[]; nextAfter?: string }> {
    const { limit, after } = page;
    if (limit === undefined) return { wallets: await this.store.listWalletNames(after) };
    // One row beyond the page tells whether another page follows, without counting.
    const wallets = await this.store.listWalletNames(after, limit + 1);
    if (wallets.length <= limit) return { wallets };
    wallets.length = limit;
    return { wallets, nextAfter: wallets[limit - 1] as string };
  }

  async remove(name: string): Promise<void> {
    if (!(await this.store.removeWallet(name))) throw new WalletNotFoundError(name);
    this.keyring.lock(name);
  }

  async keys(name: string): Promise<KeyRecord[]> {
    await this.requireWallet(name);
    return this.store.listKeys(name);
  }

  /** Decrypts the wallet's recovery phrase. */
  async unseal(name: string, passphrase: string): Promise<{ recoveryPhrase: string; version: KeyDerivationVersion; walletId: string }> {
    const wallet = await this.requireWallet(name);
    const plaintext = await open(wallet.secret, passphrase, wallet.kdf, secretAad(wallet.walletId));
    try {
      const secret = JSON.parse(new TextDecoder().decode(plaintext)) as WalletSecret;
      if (secret.format !== 1 || typeof secret.recoveryPhrase !== 'string') {
        throw new StoreIntegrityError(`the secret of wallet "${name}" has an unknown layout`);
      }
      return { recoveryPhrase: secret.recoveryPhrase, version: wallet.keyDerivationVersion, walletId: wallet.walletId };
    } finally {
      plaintext.fill(0);
    }
  }

  private async requireWallet(name: string) {
    const wallet = await this.store.findWallet(name);
    if (!wallet) throw new WalletNotFoundError(name);
    return wallet;
  }

  private async save(name: string, passphrase: string, recoveryPhrase: string, version: KeyDerivationVersion) {
    // Checked before the costly key stretching; the store's unique constraint still settles races.
    if (await this.store.walletExists(name)) throw new WalletAlreadyExistsError(name);
    const seed = recoveryPhraseToSeed(recoveryPhrase);
    let walletId: string;
    let first: KeyRecord;
    try {
      walletId = deriveWalletId(seed);
      const pair = deriveKeyPair(seed, version, 1);
      pair.secretKey.fill(0);
      first = { index: 1, publicKey: pair.publicKey, name: defaultKeyName(name, 1), metadata: [], tainted: false };
    } finally {
      seed.fill(0);
    }
    const secret: WalletSecret = { format: 1, recoveryPhrase };
    const plaintext = new TextEncoder().encode(JSON.stringify(secret));
    const { kdf, box } = await seal(plaintext, passphrase, secretAad(walletId), this.scryptCost);
    plaintext.fill(0);
    await this.store.insertWallet(
      { name, walletId, keyDerivationVersion: version, kdf, secret: box, createdAt: this.now().toISOString() },
      [first],
    );
    return { wallet: { name, version }, key: keyView(first) };
  }
}
