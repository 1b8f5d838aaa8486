/**
 * The in-memory keyring on its own: what a locked wallet refuses, that locking
 * (by hand, by idle timer, by lockAll) really zeroes the buffers it held, and
 * that its timers neither fire early nor keep the process running.
 * Real timers with short waits; no fakes.
 */
import { describe, expect, it } from '@jest/globals';
import { Keyring } from '../../src/domain/wallet/keyring.js';
import { deriveKeyPair, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { sleep } from '../helpers/time.js';

const SEED_PHRASE =
  'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render';
// vega-facts.md §5.1: m/1789'/0'/1' of the phrase above.
const V2_KEY1_PUBLIC = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const V2_KEY1_SECRET = '0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const allZero = (bytes: Uint8Array) => bytes.length > 0 && bytes.every((b) => b === 0);

/** A fresh copy of the reference seed each time: the keyring takes ownership of (and later wipes) what it is given. */
const referenceSeed = () => recoveryPhraseToSeed(SEED_PHRASE);
const KEY2_PUBLIC = (() => {
  const pair = deriveKeyPair(referenceSeed(), 2, 2);
  pair.secretKey.fill(0);
  return pair.publicKey;
})();

/** The error a call throws, or a failure when it does not throw. */
function thrown(call: () => unknown): { name?: string; reason?: string; message?: string } {
  try {
    call();
  } catch (error) {
    return error as { name?: string; reason?: string; message?: string };
  }
  throw new Error('the call did not throw');
}

/** The timer the keyring holds for a wallet (private state, read only to check it is unref'd). */
function timerOf(keyring: Keyring, wallet: string): NodeJS.Timeout | undefined {
  return (keyring as unknown as { unlocked: Map<string, { timer: NodeJS.Timeout }> }).unlocked.get(wallet)?.timer;
}

describe('Keyring', () => {
  it('refuses withSeed and secretKey for a wallet that is not unlocked', () => {
    const keyring = new Keyring();
    expect(keyring.isUnlocked('w')).toBe(false);
    for (const call of [() => keyring.withSeed('w', () => 1), () => keyring.secretKey('w', 1, V2_KEY1_PUBLIC)]) {
      expect(thrown(call)).toMatchObject({ name: 'WalletLockedError', reason: 'wallet_locked', message: 'the wallet is locked' });
    }

    // The same after a lock.
    keyring.unlock('w', referenceSeed(), 2, 60_000);
    expect(keyring.withSeed('w', (_seed, version) => version)).toBe(2);
    keyring.lock('w');
    expect(keyring.isUnlocked('w')).toBe(false);
    expect(thrown(() => keyring.secretKey('w', 1, V2_KEY1_PUBLIC))).toMatchObject({ reason: 'wallet_locked' });
    expect(thrown(() => keyring.withSeed('w', () => 1))).toMatchObject({ reason: 'wallet_locked' });
  });

  it('derives the reference private key and zeroes the seed and every derived key on lock', () => {
    const keyring = new Keyring();
    const seed = referenceSeed();
    keyring.unlock('w', seed, 2, 60_000);

    const key1 = keyring.secretKey('w', 1, V2_KEY1_PUBLIC);
    expect(hex(key1)).toBe(V2_KEY1_SECRET);
    const key2 = keyring.secretKey('w', 2, KEY2_PUBLIC);
    expect(key2).toHaveLength(32);
    expect(allZero(key2)).toBe(false);
    // The seed handed over is the one in use, not a copy left behind unwiped.
    expect(keyring.withSeed('w', (s) => s)).toBe(seed);

    keyring.lock('w');
    expect(allZero(seed)).toBe(true);
    expect(allZero(key1)).toBe(true);
    expect(allZero(key2)).toBe(true);
    // Locking twice, or a wallet that was never unlocked, is harmless.
    keyring.lock('w');
    keyring.lock('never-unlocked');
  });

  it('unlocking again replaces the old state and wipes its buffers', () => {
    const keyring = new Keyring();
    const first = referenceSeed();
    keyring.unlock('w', first, 2, 60_000);
    const firstKey = keyring.secretKey('w', 1, V2_KEY1_PUBLIC);
    const second = referenceSeed();
    keyring.unlock('w', second, 2, 60_000);
    expect(allZero(first)).toBe(true);
    expect(allZero(firstKey)).toBe(true);
    expect(hex(keyring.secretKey('w', 1, V2_KEY1_PUBLIC))).toBe(V2_KEY1_SECRET);
    keyring.lockAll();
  });

  it('refuses a key whose stored public key is not what its index derives to, and keeps nothing of it', () => {
    const keyring = new Keyring();
    keyring.unlock('w', referenceSeed(), 2, 60_000);
    // Index 2 does not derive to key 1's public key (a corrupted or tampered key row).
    const error = thrown(() => keyring.secretKey('w', 2, V2_KEY1_PUBLIC));
    expect(error.message).toMatch(/does not derive to its stored public key/);
    expect(error.message).not.toContain(V2_KEY1_SECRET);
    // Nothing was cached under that public key: asking again still refuses.
    expect(thrown(() => keyring.secretKey('w', 2, V2_KEY1_PUBLIC)).message).toMatch(/does not derive/);
    // A v1 wallet's key 1 is not the v2 one either.
    keyring.unlock('v1', referenceSeed(), 1, 60_000);
    expect(thrown(() => keyring.secretKey('v1', 1, V2_KEY1_PUBLIC)).message).toMatch(/does not derive/);
    // The right index still works.
    expect(hex(keyring.secretKey('w', 1, V2_KEY1_PUBLIC))).toBe(V2_KEY1_SECRET);
    keyring.lockAll();
  });

  it('locks itself after idleMs without use and wipes what it held', async () => {
    const keyring = new Keyring();
    const seed = referenceSeed();
    keyring.unlock('w', seed, 2, 50);
    const key1 = keyring.secretKey('w', 1, V2_KEY1_PUBLIC);
    expect(keyring.isUnlocked('w')).toBe(true);
    await sleep(150);
    expect(keyring.isUnlocked('w')).toBe(false);
    expect(allZero(seed)).toBe(true);
    expect(allZero(key1)).toBe(true);
    expect(thrown(() => keyring.secretKey('w', 1, V2_KEY1_PUBLIC))).toMatchObject({ reason: 'wallet_locked' });
  });

  it('counts secretKey and withSeed as use: each postpones the idle lock', async () => {
    const keyring = new Keyring();
    keyring.unlock('by-key', referenceSeed(), 2, 200);
    keyring.unlock('by-seed', referenceSeed(), 2, 200);
    keyring.unlock('unused', referenceSeed(), 2, 200);
    await sleep(120);
    keyring.secretKey('by-key', 1, V2_KEY1_PUBLIC);
    keyring.withSeed('by-seed', () => undefined);
    // 250 ms after unlocking, 130 ms after the last use.
    await sleep(130);
    expect(keyring.isUnlocked('unused')).toBe(false);
    expect(keyring.isUnlocked('by-key')).toBe(true);
    expect(keyring.isUnlocked('by-seed')).toBe(true);
    // Without further use they lock in turn.
    await sleep(200);
    expect(keyring.isUnlocked('by-key')).toBe(false);
    expect(keyring.isUnlocked('by-seed')).toBe(false);
  });

  it('rename moves the unlocked state, its keys and its idle timer to the new name', async () => {
    const keyring = new Keyring();
    const seed = referenceSeed();
    keyring.unlock('old', seed, 2, 200);
    const key1 = keyring.secretKey('old', 1, V2_KEY1_PUBLIC);
    keyring.rename('old', 'new');
    expect(keyring.isUnlocked('old')).toBe(false);
    expect(keyring.isUnlocked('new')).toBe(true);
    expect(thrown(() => keyring.withSeed('old', () => 1))).toMatchObject({ reason: 'wallet_locked' });
    expect(keyring.secretKey('new', 1, V2_KEY1_PUBLIC)).toBe(key1);
    expect(keyring.withSeed('new', (s, version) => [s, version])).toEqual([seed, 2]);
    // A wallet unlocked later under the old name is not locked by the moved wallet's timer, and vice versa.
    keyring.unlock('old', referenceSeed(), 2, 60_000);
    await sleep(300);
    expect(keyring.isUnlocked('new')).toBe(false);
    expect(allZero(seed)).toBe(true);
    expect(allZero(key1)).toBe(true);
    expect(keyring.isUnlocked('old')).toBe(true);
    // Renaming a locked wallet is a no-op.
    keyring.rename('nothing', 'else');
    expect(keyring.isUnlocked('else')).toBe(false);
    keyring.lockAll();
  });

  it('lockAll locks every wallet and wipes every buffer', () => {
    const keyring = new Keyring();
    const seeds = [referenceSeed(), referenceSeed(), referenceSeed()];
    const names = ['a', 'b', 'c'];
    names.forEach((name, i) => keyring.unlock(name, seeds[i] as Uint8Array, 2, 60_000));
    const keys = [keyring.secretKey('a', 1, V2_KEY1_PUBLIC), keyring.secretKey('b', 1, V2_KEY1_PUBLIC), keyring.secretKey('b', 2, KEY2_PUBLIC)];
    keyring.lockAll();
    expect(names.map((name) => keyring.isUnlocked(name))).toEqual([false, false, false]);
    expect(seeds.map(allZero)).toEqual([true, true, true]);
    expect(keys.map(allZero)).toEqual([true, true, true]);
  });

  it("its idle timers are unref'd, so an unlocked wallet does not keep the process alive", () => {
    const keyring = new Keyring();
    keyring.unlock('w', referenceSeed(), 2, 60_000);
    const timer = timerOf(keyring, 'w');
    expect(timer).toBeDefined();
    expect(timer?.hasRef()).toBe(false);
    // Still unref'd after use refreshed it and after a rename replaced it.
    keyring.withSeed('w', () => undefined);
    expect(timerOf(keyring, 'w')?.hasRef()).toBe(false);
    keyring.rename('w', 'v');
    expect(timerOf(keyring, 'v')?.hasRef()).toBe(false);
    keyring.lockAll();
  });
});
