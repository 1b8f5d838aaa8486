import type { KeyObject } from 'node:crypto';
import { ed25519PrivateKeyObject } from '../crypto/ed25519.js';
import { WalletLockedError } from '../errors.js';
import { deriveKeyPair, type KeyDerivationVersion } from './hd.js';

interface Unlocked {
  /** The BIP-39 seed: everything else derives from it. */
  seed: Uint8Array;
  version: KeyDerivationVersion;
  idleMs: number;
  timer: NodeJS.Timeout;
  /** Private keys derived so far, by public key. */
  secretKeys: Map<string, Uint8Array>;
  /** node:crypto key objects of the keys that have signed, by public key; dropped on lock. */
  signingKeys: Map<string, KeyObject>;
}

/**
 * Decrypted wallets, in memory only. A wallet locks itself after `idleMs`
 * without use; locking wipes every buffer it held. Nothing here is ever
 * written anywhere.
 */
export class Keyring {
  private readonly unlocked = new Map<string, Unlocked>();

  /** Takes ownership of `seed`: it is wiped when the wallet locks. */
  unlock(wallet: string, seed: Uint8Array, version: KeyDerivationVersion, idleMs: number): void {
    this.lock(wallet);
    const entry: Unlocked = { seed, version, idleMs, timer: this.timer(wallet, idleMs), secretKeys: new Map(), signingKeys: new Map() };
    this.unlocked.set(wallet, entry);
  }

  isUnlocked(wallet: string): boolean {
    return this.unlocked.has(wallet);
  }

  lock(wallet: string): void {
    const entry = this.unlocked.get(wallet);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.seed.fill(0);
    for (const key of entry.secretKeys.values()) key.fill(0);
    entry.secretKeys.clear();
    // A KeyObject cannot be wiped from here; OpenSSL clears the key when the object is collected.
    entry.signingKeys.clear();
    this.unlocked.delete(wallet);
  }

  lockAll(): void {
    for (const wallet of [...this.unlocked.keys()]) this.lock(wallet);
  }

  rename(from: string, to: string): void {
    const entry = this.unlocked.get(from);
    if (!entry) return;
    this.unlocked.delete(from);
    clearTimeout(entry.timer);
    entry.timer = this.timer(to, entry.idleMs);
    this.unlocked.set(to, entry);
  }

  /**
   * Runs `use` with the wallet's seed and counts it as use (resetting the
   * idle timer). Throws WalletLockedError when the wallet is locked.
   */
  withSeed<T>(wallet: string, use: (seed: Uint8Array, version: KeyDerivationVersion) => T): T {
    const entry = this.touch(wallet);
    return use(entry.seed, entry.version);
  }

  /** The private key of the key at `index`, derived once and kept until the wallet locks. */
  secretKey(wallet: string, index: number, publicKey: string): Uint8Array {
    const entry = this.touch(wallet);
    let secret = entry.secretKeys.get(publicKey);
    if (!secret) {
      const pair = deriveKeyPair(entry.seed, entry.version, index);
      if (pair.publicKey !== publicKey) {
        pair.secretKey.fill(0);
        throw new Error(`key ${index} of wallet "${wallet}" does not derive to its stored public key`);
      }
      secret = pair.secretKey;
      entry.secretKeys.set(publicKey, secret);
    }
    return secret;
  }

  /**
   * The key at `index` as a node:crypto private key, made once and kept until the
   * wallet locks: making one costs about ten signatures, and a KeyObject made per
   * signature would leave one more copy of the key on the heap each time, until collected.
   */
  signingKey(wallet: string, index: number, publicKey: string): KeyObject {
    const entry = this.touch(wallet);
    let key = entry.signingKeys.get(publicKey);
    if (!key) {
      key = ed25519PrivateKeyObject(this.secretKey(wallet, index, publicKey));
      entry.signingKeys.set(publicKey, key);
    }
    return key;
  }

  private touch(wallet: string): Unlocked {
    const entry = this.unlocked.get(wallet);
    if (!entry) throw new WalletLockedError(wallet);
    entry.timer.refresh();
    return entry;
  }

  private timer(wallet: string, idleMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.lock(wallet), idleMs);
    // An unlocked wallet must not keep the process alive on its own.
    timer.unref();
    return timer;
  }
}
