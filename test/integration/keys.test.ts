/**
 * Keys and signing over HTTP against a live gateway (real SQLite file in a
 * temporary directory): unlocking and locking, key generation, metadata,
 * taint, renaming, passphrase rotation and export. Every signature the
 * gateway makes here is checked again with an independent implementation
 * (@noble/ed25519 over the SHA3-256 digest).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePath } from '../../src/config.js';
import { deriveKeyPair, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type RpcReply, type TestGateway } from '../helpers/gateway.js';
import { sleep } from '../helpers/time.js';

// noble's synchronous API needs a SHA-512 implementation plugged in.
ed.hashes.sha512 = (message: Uint8Array) => sha512(message);

// vega-facts.md §5.1 and §5.2.
const V2_KEY1 = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const V2_KEY1_SECRET = '0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2';
const V1_KEY1 = '30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371';
const WALLET_ID = '9df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e';
const MESSAGE = "Je ne connaîtrai pas la peur car la peur tue l'esprit.";
const REFERENCE_SIGNATURE = 'StH82RHxjQ3yTeaSN25b6sJwAyLiq1CDvPWf0X4KIf/WTIjkunkWKn1Gq9ntCoGBfBZIyNfpPtGx0TSZsSrbCA==';

const utf8 = (text: string) => new TextEncoder().encode(text);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fromB64 = (text: string) => Uint8Array.from(Buffer.from(text, 'base64'));
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

/** Public key of the index-th key of the reference phrase, computed here without the gateway. */
function expectedKey(version: 1 | 2, index: number): string {
  const seed = recoveryPhraseToSeed(SEED_PHRASE);
  const pair = deriveKeyPair(seed, version, index);
  pair.secretKey.fill(0);
  seed.fill(0);
  return pair.publicKey;
}

/** Ed25519 over SHA3-256(message), checked by noble rather than by the gateway. */
const nobleVerifies = (publicKey: string, message: Uint8Array, signature: string) =>
  ed.verify(fromB64(signature), sha3_256(message), fromHex(publicKey));

interface KeyDescription {
  publicKey: string;
  name: string;
  index: number;
  algorithm: { name: string; version: number };
  metadata: { key: string; value: string }[];
  tainted: boolean;
}

describe('keys and signing through the operator door', () => {
  let dir: string;
  let gw: TestGateway;
  let id = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-keys-'));
    gw = await startTestGateway({}, dir);
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: string, params: unknown): Promise<RpcReply> => gw.admin({ jsonrpc: '2.0', id: ++id, method, params });
  const call = <T = unknown>(method: string, params: unknown) => gw.call(method, params) as Promise<T>;
  /** The error of a call that must fail, with its code and data. */
  const failure = async (method: string, params: unknown) => {
    const reply = await send(method, params);
    expect(reply.body.result).toBeUndefined();
    expect(reply.body.error).toBeDefined();
    return reply.body.error as { code: number; message: string; data: { reason?: string; message?: string; path?: string; rule?: string } };
  };
  const reasonOf = async (method: string, params: unknown) => {
    const error = await failure(method, params);
    expect(error.code).toBe(2000);
    return error.data.reason;
  };

  const importSeed = (wallet: string, version: 1 | 2 = 2, passphrase = SEED_PASSPHRASE) =>
    call('admin.import_wallet', { wallet, passphrase, recoveryPhrase: SEED_PHRASE, version });
  const unlock = (wallet: string, extra: Record<string, unknown> = {}, passphrase = SEED_PASSPHRASE) =>
    call<{ idleTimeout: number }>('admin.unlock_wallet', { wallet, passphrase, ...extra });
  /** Signs MESSAGE (or another) and checks the signature independently before returning it. */
  const sign = async (wallet: string, publicKey: string, message = utf8(MESSAGE)) => {
    const { encodedSignature } = await call<{ encodedSignature: string }>('admin.sign_message', { wallet, publicKey, encodedMessage: b64(message) });
    expect(nobleVerifies(publicKey, message, encodedSignature)).toBe(true);
    return encodedSignature;
  };
  const signReason = (wallet: string, publicKey: string) =>
    reasonOf('admin.sign_message', { wallet, publicKey, encodedMessage: b64(utf8(MESSAGE)) });
  const verify = async (publicKey: string, message: Uint8Array, encodedSignature: string) =>
    (await call<{ isValid: boolean }>('admin.verify_message', { publicKey, encodedMessage: b64(message), encodedSignature })).isValid;
  const listKeys = async (wallet: string) => (await call<{ keys: { publicKey: string; name: string; index: number; tainted: boolean }[] }>('admin.list_keys', { wallet })).keys;
  const keyCount = async (wallet: string, passphrase = SEED_PASSPHRASE) =>
    (await call<{ keyCount: number }>('admin.describe_wallet', { wallet, passphrase })).keyCount;

  describe('signing needs an unlocked wallet', () => {
    it('refuses while locked, then signs the reference vector once unlocked, and verify_message agrees', async () => {
      await importSeed('signer');

      const locked = await failure('admin.sign_message', { wallet: 'signer', publicKey: V2_KEY1, encodedMessage: b64(utf8(MESSAGE)) });
      expect(locked).toMatchObject({ code: 2000, data: { reason: 'wallet_locked', message: 'the wallet is locked' } });

      // Without idleTimeout, the gateway's default applies (300 s unless configured).
      expect(await unlock('signer')).toEqual({ idleTimeout: 300 });
      const signature = await sign('signer', V2_KEY1);
      expect(signature).toBe(REFERENCE_SIGNATURE);
      // The independent check is a real one: it rejects the signature for another message.
      expect(nobleVerifies(V2_KEY1, utf8('hello world'), signature)).toBe(false);
      // Deterministic: the same message signs the same again.
      expect(await sign('signer', V2_KEY1)).toBe(REFERENCE_SIGNATURE);

      expect(await verify(V2_KEY1, utf8(MESSAGE), signature)).toBe(true);
      const flipped = fromB64(signature);
      flipped[10] = (flipped[10] as number) ^ 0x01;
      expect(await verify(V2_KEY1, utf8(MESSAGE), b64(flipped))).toBe(false);
      expect(await verify(V2_KEY1, utf8(`${MESSAGE}!`), signature)).toBe(false);
      expect(await verify(V2_KEY1, utf8(MESSAGE.slice(0, -1)), signature)).toBe(false);
      // The same message under another key of the same wallet.
      expect(await verify(expectedKey(2, 2), utf8(MESSAGE), signature)).toBe(false);
      expect(await verify(V1_KEY1, utf8(MESSAGE), signature)).toBe(false);

      // Other messages, including the empty one and binary bytes, sign and verify too.
      for (const message of [new Uint8Array(0), Uint8Array.from([0, 255, 1, 254]), utf8('hello world')]) {
        const other = await sign('signer', V2_KEY1, message);
        expect(await verify(V2_KEY1, message, other)).toBe(true);
        expect(other).not.toBe(signature);
      }

      // lock_wallet wipes it again.
      expect(await call('admin.lock_wallet', { wallet: 'signer' })).toEqual({});
      expect(await signReason('signer', V2_KEY1)).toBe('wallet_locked');
      // Locking a locked wallet is fine; an unknown one is not.
      expect(await call('admin.lock_wallet', { wallet: 'signer' })).toEqual({});
      expect(await reasonOf('admin.lock_wallet', { wallet: 'nobody' })).toBe('wallet_not_found');
    });

    it('refuses to unlock with a wrong passphrase and stays locked', async () => {
      await importSeed('wrong-unlock');
      expect(await reasonOf('admin.unlock_wallet', { wallet: 'wrong-unlock', passphrase: `${SEED_PASSPHRASE}x` })).toBe('wrong_passphrase');
      expect(await signReason('wrong-unlock', V2_KEY1)).toBe('wallet_locked');
      expect(await reasonOf('admin.unlock_wallet', { wallet: 'nobody', passphrase: 'x' })).toBe('wallet_not_found');
      // The idle timeout is 1 to 86400 seconds.
      for (const idleTimeout of [0, 86401, 1.5]) {
        const error = await failure('admin.unlock_wallet', { wallet: 'wrong-unlock', passphrase: SEED_PASSPHRASE, idleTimeout });
        expect(error).toMatchObject({ code: -32602, data: { path: '/idleTimeout' } });
      }
      expect(await signReason('wrong-unlock', V2_KEY1)).toBe('wallet_locked');
    });

    it('locks itself after idleTimeout seconds without use; signing postpones it', async () => {
      await importSeed('idle');
      expect(await unlock('idle', { idleTimeout: 1 })).toEqual({ idleTimeout: 1 });
      await sleep(600);
      await sign('idle', V2_KEY1);
      await sleep(600);
      // 1.2 s after unlocking but 0.6 s after the last signature: still unlocked.
      await sign('idle', V2_KEY1);
      await sleep(1300);
      expect(await signReason('idle', V2_KEY1)).toBe('wallet_locked');
    });
  });

  describe('generate_key', () => {
    it('needs the passphrase while locked, derives the next index on the v2 path, and leaves the wallet locked', async () => {
      await importSeed('my-wallet');
      expect(await keyCount('my-wallet')).toBe(1);

      expect(await reasonOf('admin.generate_key', { wallet: 'my-wallet' })).toBe('wallet_locked');
      expect(await reasonOf('admin.generate_key', { wallet: 'my-wallet', passphrase: 'not-it' })).toBe('wrong_passphrase');
      expect(await keyCount('my-wallet')).toBe(1);

      const key = await call<KeyDescription>('admin.generate_key', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
      expect(key).toEqual({
        publicKey: expectedKey(2, 2),
        name: 'my-wallet key 2',
        index: 2,
        algorithm: { name: 'vega/ed25519', version: 1 },
        metadata: [{ key: 'name', value: 'my-wallet key 2' }],
        tainted: false,
      });
      expect(await keyCount('my-wallet')).toBe(2);
      // The passphrase opened the wallet for that call only.
      expect(await signReason('my-wallet', key.publicKey)).toBe('wallet_locked');
      expect(await call('admin.describe_key', { wallet: 'my-wallet', publicKey: key.publicKey })).toEqual(key);

      // Unlocked: no passphrase needed; metadata name=... names the key, the rest is kept in order.
      await unlock('my-wallet');
      const named = await call<KeyDescription>('admin.generate_key', {
        wallet: 'my-wallet',
        metadata: [
          { key: 'role', value: 'market-maker' },
          { key: 'name', value: 'bot' },
          { key: 'desk', value: '' },
        ],
      });
      expect(named).toMatchObject({
        publicKey: expectedKey(2, 3),
        name: 'bot',
        index: 3,
        tainted: false,
        metadata: [
          { key: 'name', value: 'bot' },
          { key: 'role', value: 'market-maker' },
          { key: 'desk', value: '' },
        ],
      });
      expect(await keyCount('my-wallet')).toBe(3);
      // The new keys sign, and the signatures are theirs.
      for (const publicKey of [key.publicKey, named.publicKey]) {
        const signature = await sign('my-wallet', publicKey);
        expect(signature).not.toBe(REFERENCE_SIGNATURE);
        expect(await verify(publicKey, utf8(MESSAGE), signature)).toBe(true);
        expect(await verify(V2_KEY1, utf8(MESSAGE), signature)).toBe(false);
      }

      expect(await listKeys('my-wallet')).toEqual([
        { publicKey: V2_KEY1, name: 'my-wallet key 1', index: 1, tainted: false },
        { publicKey: expectedKey(2, 2), name: 'my-wallet key 2', index: 2, tainted: false },
        { publicKey: expectedKey(2, 3), name: 'bot', index: 3, tainted: false },
      ]);
      await call('admin.lock_wallet', { wallet: 'my-wallet' });

      expect(await reasonOf('admin.generate_key', { wallet: 'nobody', passphrase: 'x' })).toBe('wallet_not_found');
      expect(await reasonOf('admin.generate_key', { wallet: 'nobody' })).toBe('wallet_not_found');
    });

    it('ten concurrent calls on an unlocked wallet get ten distinct, consecutive indexes', async () => {
      await importSeed('busy');
      await unlock('busy');
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => send('admin.generate_key', { wallet: 'busy', metadata: [{ key: 'n', value: String(i) }] })));
      expect(replies.map((r) => r.body.error)).toEqual(Array(10).fill(undefined));
      const keys = replies.map((r) => r.body.result as KeyDescription);
      const indexes = keys.map((k) => k.index).sort((a, b) => a - b);
      expect(indexes).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      for (const key of keys) expect(key.publicKey).toBe(expectedKey(2, key.index));
      expect(new Set(keys.map((k) => k.publicKey)).size).toBe(10);

      const listed = await listKeys('busy');
      expect(listed.map((k) => k.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(await keyCount('busy')).toBe(11);
      await call('admin.lock_wallet', { wallet: 'busy' });
    });

    it("a v1 wallet's keys follow the v1 path", async () => {
      const imported = await importSeed('legacy', 1);
      expect(imported).toMatchObject({ wallet: { name: 'legacy', version: 1 }, key: { publicKey: V1_KEY1 } });
      const second = await call<KeyDescription>('admin.generate_key', { wallet: 'legacy', passphrase: SEED_PASSPHRASE });
      expect(second).toMatchObject({ index: 2, publicKey: expectedKey(1, 2), name: 'legacy key 2' });
      expect(second.publicKey).not.toBe(expectedKey(2, 2));
      await unlock('legacy');
      const third = await call<KeyDescription>('admin.generate_key', { wallet: 'legacy' });
      expect(third).toMatchObject({ index: 3, publicKey: expectedKey(1, 3) });
      // Its keys sign (v1 key 1 included).
      for (const publicKey of [V1_KEY1, second.publicKey, third.publicKey]) await sign('legacy', publicKey);
      await call('admin.lock_wallet', { wallet: 'legacy' });
    });
  });

  describe('annotate_key', () => {
    it('replaces the metadata, keeps the name unless name=... renames it, and refuses bad metadata without changing anything', async () => {
      await importSeed('notes');
      const described = () => call<KeyDescription>('admin.describe_key', { wallet: 'notes', publicKey: V2_KEY1 });
      const annotate = (metadata: unknown) => call<KeyDescription>('admin.annotate_key', { wallet: 'notes', publicKey: V2_KEY1, metadata });

      let key = await annotate([
        { key: 'desk', value: 'rates' },
        { key: 'owner', value: 'ops' },
      ]);
      expect(key.name).toBe('notes key 1');
      expect(key.metadata).toEqual([
        { key: 'name', value: 'notes key 1' },
        { key: 'desk', value: 'rates' },
        { key: 'owner', value: 'ops' },
      ]);
      expect(await described()).toEqual(key);

      // Replaced, not merged.
      key = await annotate([{ key: 'desk', value: 'fx' }]);
      expect(key.metadata).toEqual([
        { key: 'name', value: 'notes key 1' },
        { key: 'desk', value: 'fx' },
      ]);

      key = await annotate([
        { key: 'name', value: 'x' },
        { key: 'desk', value: 'fx' },
      ]);
      expect(key).toMatchObject({ name: 'x', index: 1, publicKey: V2_KEY1 });
      expect(key.metadata).toEqual([
        { key: 'name', value: 'x' },
        { key: 'desk', value: 'fx' },
      ]);
      expect((await listKeys('notes'))[0]?.name).toBe('x');

      const before = await described();
      const duplicate = await failure('admin.annotate_key', {
        wallet: 'notes',
        publicKey: V2_KEY1,
        metadata: [
          { key: 'desk', value: 'a' },
          { key: 'desk', value: 'b' },
        ],
      });
      expect(duplicate).toMatchObject({ code: -32602, data: { path: '/metadata/1/key' } });
      const emptyName = await failure('admin.annotate_key', { wallet: 'notes', publicKey: V2_KEY1, metadata: [{ key: 'name', value: '' }] });
      expect(emptyName.code).toBe(-32602);
      expect(emptyName.data.path).toMatch(/^\/metadata\/0/);
      const blankName = await failure('admin.annotate_key', { wallet: 'notes', publicKey: V2_KEY1, metadata: [{ key: 'name', value: '   ' }] });
      expect(blankName.code).toBe(-32602);
      // generate_key refuses the same and adds no key.
      const count = await keyCount('notes');
      const dupGenerate = await failure('admin.generate_key', {
        wallet: 'notes',
        passphrase: SEED_PASSPHRASE,
        metadata: [
          { key: 'a', value: '1' },
          { key: 'a', value: '2' },
        ],
      });
      expect(dupGenerate).toMatchObject({ code: -32602, data: { path: '/metadata/1/key' } });
      expect(await keyCount('notes')).toBe(count);
      expect(await described()).toEqual(before);

      // An empty list clears the metadata but not the name.
      key = await annotate([]);
      expect(key.metadata).toEqual([{ key: 'name', value: 'x' }]);

      expect(await reasonOf('admin.annotate_key', { wallet: 'notes', publicKey: '00'.repeat(32), metadata: [] })).toBe('key_not_found');
      expect(await reasonOf('admin.annotate_key', { wallet: 'nobody', publicKey: V2_KEY1, metadata: [] })).toBe('wallet_not_found');
      expect(await reasonOf('admin.describe_key', { wallet: 'notes', publicKey: V1_KEY1 })).toBe('key_not_found');
    });
  });

  describe('taint_key / untaint_key', () => {
    it('a tainted key cannot sign until it is untainted; repeating either is an error', async () => {
      await importSeed('tainting');
      await unlock('tainting');
      const second = await call<KeyDescription>('admin.generate_key', { wallet: 'tainting' });

      const tainted = await call<KeyDescription>('admin.taint_key', { wallet: 'tainting', publicKey: V2_KEY1 });
      expect(tainted).toMatchObject({ publicKey: V2_KEY1, tainted: true, name: 'tainting key 1' });
      expect(await signReason('tainting', V2_KEY1)).toBe('key_tainted');
      // Other keys of the wallet are not affected.
      await sign('tainting', second.publicKey);
      expect(await listKeys('tainting')).toEqual([
        { publicKey: V2_KEY1, name: 'tainting key 1', index: 1, tainted: true },
        { publicKey: second.publicKey, name: 'tainting key 2', index: 2, tainted: false },
      ]);
      expect(await call('admin.describe_key', { wallet: 'tainting', publicKey: V2_KEY1 })).toMatchObject({ tainted: true });

      expect(await reasonOf('admin.taint_key', { wallet: 'tainting', publicKey: V2_KEY1 })).toBe('key_already_tainted');

      const untainted = await call<KeyDescription>('admin.untaint_key', { wallet: 'tainting', publicKey: V2_KEY1 });
      expect(untainted).toMatchObject({ publicKey: V2_KEY1, tainted: false });
      expect(await sign('tainting', V2_KEY1)).toBe(REFERENCE_SIGNATURE);
      expect(await reasonOf('admin.untaint_key', { wallet: 'tainting', publicKey: V2_KEY1 })).toBe('key_not_tainted');
      expect((await listKeys('tainting')).map((k) => k.tainted)).toEqual([false, false]);

      // Taint is stored, not held in memory: it applies to a locked wallet and survives locking.
      await call('admin.lock_wallet', { wallet: 'tainting' });
      await call('admin.taint_key', { wallet: 'tainting', publicKey: second.publicKey });
      await unlock('tainting');
      expect(await signReason('tainting', second.publicKey)).toBe('key_tainted');
      await call('admin.lock_wallet', { wallet: 'tainting' });

      expect(await reasonOf('admin.taint_key', { wallet: 'tainting', publicKey: V1_KEY1 })).toBe('key_not_found');
      expect(await reasonOf('admin.untaint_key', { wallet: 'nobody', publicKey: V2_KEY1 })).toBe('wallet_not_found');
    });
  });

  describe('rename_wallet', () => {
    it('moves the wallet, its keys and its unlocked state to the new name', async () => {
      await importSeed('before');
      const extra = await call<KeyDescription>('admin.generate_key', { wallet: 'before', passphrase: SEED_PASSPHRASE });
      await unlock('before');
      const keysBefore = await listKeys('before');

      expect(await call('admin.rename_wallet', { wallet: 'before', newName: 'after' })).toEqual({});
      const { wallets } = await call<{ wallets: string[] }>('admin.list_wallets', {});
      expect(wallets).toContain('after');
      expect(wallets).not.toContain('before');

      // Still unlocked, under the new name only.
      expect(await sign('after', V2_KEY1)).toBe(REFERENCE_SIGNATURE);
      await sign('after', extra.publicKey);
      expect(await reasonOf('admin.sign_message', { wallet: 'before', publicKey: V2_KEY1, encodedMessage: b64(utf8(MESSAGE)) })).toBe('wallet_not_found');
      expect(await reasonOf('admin.describe_wallet', { wallet: 'before', passphrase: SEED_PASSPHRASE })).toBe('wallet_not_found');
      expect(await reasonOf('admin.list_keys', { wallet: 'before' })).toBe('wallet_not_found');

      // Same passphrase, same wallet, same keys (their names are kept as they were).
      expect(await call('admin.describe_wallet', { wallet: 'after', passphrase: SEED_PASSPHRASE })).toEqual({
        name: 'after',
        version: 2,
        type: 'HD Wallet',
        ID: WALLET_ID,
        keyCount: 2,
      });
      expect(await listKeys('after')).toEqual(keysBefore);
      // New keys take their default name from the new wallet name.
      expect(await call('admin.generate_key', { wallet: 'after' })).toMatchObject({ index: 3, name: 'after key 3' });

      // After a rename, lock_wallet under the new name really locks it.
      await call('admin.lock_wallet', { wallet: 'after' });
      expect(await signReason('after', V2_KEY1)).toBe('wallet_locked');
    });

    it('refuses to rename onto an existing name or from an unknown one, and nothing changes', async () => {
      await importSeed('first');
      await importSeed('second', 1);
      await unlock('first');
      const before = await call<{ wallets: string[] }>('admin.list_wallets', {});

      expect(await reasonOf('admin.rename_wallet', { wallet: 'first', newName: 'second' })).toBe('wallet_already_exists');
      expect(await reasonOf('admin.rename_wallet', { wallet: 'nobody', newName: 'third' })).toBe('wallet_not_found');

      expect(await call('admin.list_wallets', {})).toEqual(before);
      expect(before.wallets).not.toContain('third');
      expect(await call('admin.describe_wallet', { wallet: 'first', passphrase: SEED_PASSPHRASE })).toMatchObject({ name: 'first', version: 2 });
      expect(await call('admin.describe_wallet', { wallet: 'second', passphrase: SEED_PASSPHRASE })).toMatchObject({ name: 'second', version: 1 });
      expect((await listKeys('second')).map((k) => k.publicKey)).toEqual([V1_KEY1]);
      // 'first' is still unlocked, 'second' still locked.
      expect(await sign('first', V2_KEY1)).toBe(REFERENCE_SIGNATURE);
      expect(await signReason('second', V1_KEY1)).toBe('wallet_locked');
      await call('admin.lock_wallet', { wallet: 'first' });
    });
  });

  describe('update_passphrase', () => {
    const kdfOf = (wallet: string) => {
      const db = new Database(databasePath(dir), { readonly: true });
      try {
        return JSON.parse(db.prepare('SELECT kdf FROM wallets WHERE name = ?').pluck().get(wallet) as string) as { salt: string };
      } finally {
        db.close();
      }
    };

    it('re-seals under the new passphrase with a fresh salt; the old one stops working', async () => {
      await importSeed('rotating');
      const oldKdf = kdfOf('rotating');

      expect(await call('admin.update_passphrase', { wallet: 'rotating', passphrase: SEED_PASSPHRASE, newPassphrase: 'a-brand-new-passphrase' })).toEqual({});
      expect(await reasonOf('admin.describe_wallet', { wallet: 'rotating', passphrase: SEED_PASSPHRASE })).toBe('wrong_passphrase');
      expect(await reasonOf('admin.unlock_wallet', { wallet: 'rotating', passphrase: SEED_PASSPHRASE })).toBe('wrong_passphrase');
      expect(await keyCount('rotating', 'a-brand-new-passphrase')).toBe(1);
      const newKdf = kdfOf('rotating');
      expect(newKdf.salt).not.toBe(oldKdf.salt);
      expect(Buffer.from(newKdf.salt, 'base64')).toHaveLength(16);

      // The new passphrase opens the same wallet: same keys, same signatures.
      await unlock('rotating', {}, 'a-brand-new-passphrase');
      expect(await sign('rotating', V2_KEY1)).toBe(REFERENCE_SIGNATURE);
      await call('admin.lock_wallet', { wallet: 'rotating' });
      expect(await call('admin.export_key', { wallet: 'rotating', publicKey: V2_KEY1, passphrase: 'a-brand-new-passphrase' })).toMatchObject({
        privateKey: V2_KEY1_SECRET + V2_KEY1,
      });
    });

    it('two concurrent changes of one passphrase: only one is accepted, and its new passphrase is the one that works', async () => {
      await importSeed('contested');
      // One batch: both calls read the wallet before either has re-sealed it.
      const reply = await gw.admin(
        ['first-new', 'second-new'].map((newPassphrase, i) => ({
          jsonrpc: '2.0',
          id: i + 1,
          method: 'admin.update_passphrase',
          params: { wallet: 'contested', passphrase: SEED_PASSPHRASE, newPassphrase },
        })),
      );
      const answers = (reply.body as { id: number; result?: unknown; error?: { data?: { reason?: string } } }[]).sort((a, b) => a.id - b.id);
      const accepted = answers.filter((a) => a.result !== undefined).map((a) => (a.id === 1 ? 'first-new' : 'second-new'));
      expect(accepted).toHaveLength(1);
      expect(answers.find((a) => a.error)?.error?.data?.reason).toBe('wrong_passphrase');
      expect(await keyCount('contested', accepted[0])).toBe(1);
      for (const passphrase of [SEED_PASSPHRASE, 'first-new', 'second-new'].filter((p) => p !== accepted[0])) {
        expect(await reasonOf('admin.describe_wallet', { wallet: 'contested', passphrase })).toBe('wrong_passphrase');
      }
    });

    it('with a wrong current passphrase changes nothing', async () => {
      await importSeed('steady');
      const before = kdfOf('steady');
      expect(await reasonOf('admin.update_passphrase', { wallet: 'steady', passphrase: 'not-the-passphrase', newPassphrase: 'whatever-new' })).toBe('wrong_passphrase');
      expect(kdfOf('steady')).toEqual(before);
      expect(await keyCount('steady')).toBe(1);
      expect(await reasonOf('admin.describe_wallet', { wallet: 'steady', passphrase: 'whatever-new' })).toBe('wrong_passphrase');
      expect(await reasonOf('admin.update_passphrase', { wallet: 'nobody', passphrase: 'a', newPassphrase: 'b' })).toBe('wallet_not_found');
    });
  });

  describe('export_key', () => {
    it('gives the reference private key with the right passphrase only, and never writes it anywhere', async () => {
      await importSeed('exporting');
      const exported = await send('admin.export_key', { wallet: 'exporting', publicKey: V2_KEY1, passphrase: SEED_PASSPHRASE });
      expect(exported.body.result).toEqual({ publicKey: V2_KEY1, privateKey: V2_KEY1_SECRET + V2_KEY1 });
      // The exported key is a working ed25519 key: its seed half gives its public half and signs the reference vector.
      expect(Buffer.from(ed.getPublicKey(fromHex(V2_KEY1_SECRET))).toString('hex')).toBe(V2_KEY1);
      expect(b64(ed.sign(sha3_256(utf8(MESSAGE)), fromHex(V2_KEY1_SECRET)))).toBe(REFERENCE_SIGNATURE);

      const second = await call<KeyDescription>('admin.generate_key', { wallet: 'exporting', passphrase: SEED_PASSPHRASE });
      const exportedSecond = await call<{ publicKey: string; privateKey: string }>('admin.export_key', {
        wallet: 'exporting',
        publicKey: second.publicKey,
        passphrase: SEED_PASSPHRASE,
      });
      expect(exportedSecond.privateKey.slice(64)).toBe(second.publicKey);
      expect(Buffer.from(ed.getPublicKey(fromHex(exportedSecond.privateKey.slice(0, 64)))).toString('hex')).toBe(second.publicKey);

      const wrong = await send('admin.export_key', { wallet: 'exporting', publicKey: V2_KEY1, passphrase: 'guess' });
      expect(wrong.body.result).toBeUndefined();
      expect(wrong.body.error).toMatchObject({ code: 2000, data: { reason: 'wrong_passphrase' } });
      expect(wrong.text).not.toContain(V2_KEY1_SECRET);
      expect(await reasonOf('admin.export_key', { wallet: 'exporting', publicKey: V1_KEY1, passphrase: SEED_PASSPHRASE })).toBe('key_not_found');

      // Not in the gateway's log (debug level), and not on disk.
      const secrets = [V2_KEY1_SECRET, exportedSecond.privateKey.slice(0, 64)];
      const log = gw.logs.join('\n');
      expect(log).toContain('admin.export_key');
      const disk = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
      for (const secret of secrets) {
        expect(log).not.toContain(secret);
        expect(disk.includes(Buffer.from(secret))).toBe(false);
        expect(disk.includes(Buffer.from(secret, 'hex'))).toBe(false);
        expect(disk.includes(Buffer.from(Buffer.from(secret, 'hex').toString('base64')))).toBe(false);
      }
    });
  });

  describe('calls that race a rename (production scrypt cost, so that opening a wallet takes a while)', () => {
    let slow: TestGateway;
    beforeAll(async () => {
      // No scryptCost override: the gateway's default cost, as `serve` runs it (~0.4 s per seal or open).
      slow = await startTestGateway({ scryptCost: undefined });
    });
    afterAll(async () => {
      await slow?.close();
    });
    const slowCall = (method: string, params: unknown) => slow.admin({ jsonrpc: '2.0', id: ++id, method, params });
    const settle = async (reply: Promise<RpcReply>) => (await reply).body as { result?: unknown; error?: { data?: { reason?: string } } };

    it('unlock, generate_key and update_passphrase still opening a wallet that is renamed away act on no other wallet', async () => {
      // 'race' is the reference phrase; 'other' is another wallet (its own phrase and passphrase).
      const [, created] = await Promise.all([
        slow.call('admin.import_wallet', { wallet: 'race', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 }),
        slow.call('admin.create_wallet', { wallet: 'other', passphrase: 'other-passphrase' }) as Promise<{ key: { publicKey: string } }>,
      ]);
      const otherKey = created.key.publicKey;
      const otherId = ((await slow.call('admin.describe_wallet', { wallet: 'other', passphrase: 'other-passphrase' })) as { ID: string }).ID;

      // All three start opening 'race' (scrypt); meanwhile 'race' moves away and 'other' takes its name.
      const unlocking = settle(slowCall('admin.unlock_wallet', { wallet: 'race', passphrase: SEED_PASSPHRASE }));
      const generating = settle(slowCall('admin.generate_key', { wallet: 'race', passphrase: SEED_PASSPHRASE }));
      const rotating = settle(slowCall('admin.update_passphrase', { wallet: 'race', passphrase: SEED_PASSPHRASE, newPassphrase: 'rotated' }));
      await sleep(100);
      expect(await slow.call('admin.rename_wallet', { wallet: 'race', newName: 'moved' })).toEqual({});
      expect(await slow.call('admin.rename_wallet', { wallet: 'other', newName: 'race' })).toEqual({});
      const [unlocked, generated, rotated] = await Promise.all([unlocking, generating, rotating]);

      // The wallet now called 'race' is untouched: its own key only, its own passphrase, still locked.
      const raceKeys = (await slow.call('admin.list_keys', { wallet: 'race' })) as { keys: { publicKey: string }[] };
      expect(raceKeys.keys.map((k) => k.publicKey)).toEqual([otherKey]);
      expect(await slow.call('admin.describe_wallet', { wallet: 'race', passphrase: 'other-passphrase' })).toMatchObject({ ID: otherId, keyCount: 1 });
      expect((await slowCall('admin.generate_key', { wallet: 'race' })).body.error?.data?.reason).toBe('wallet_locked');
      const signRace = await slowCall('admin.sign_message', { wallet: 'race', publicKey: otherKey, encodedMessage: b64(utf8(MESSAGE)) });
      expect(signRace.body.error?.data?.reason).toBe('wallet_locked');

      // Whatever the three calls answered is true of the wallet they opened, now 'moved'.
      const moved = (await slow.call('admin.list_keys', { wallet: 'moved' })) as { keys: { publicKey: string; index: number }[] };
      for (const key of moved.keys) expect(key.publicKey).toBe(expectedKey(2, key.index));
      expect(moved.keys.length).toBe(generated.result ? 2 : 1);
      const signMoved = await slowCall('admin.sign_message', { wallet: 'moved', publicKey: V2_KEY1, encodedMessage: b64(utf8(MESSAGE)) });
      if (unlocked.result) expect(signMoved.body.result).toEqual({ encodedSignature: REFERENCE_SIGNATURE });
      const opensWith = async (passphrase: string) => !(await slowCall('admin.describe_wallet', { wallet: 'moved', passphrase })).body.error;
      expect(await opensWith(rotated.result ? 'rotated' : SEED_PASSPHRASE)).toBe(true);
    });
  });

  describe('what locks a wallet', () => {
    it('remove_wallet locks an unlocked wallet: re-imported under the same name, it is locked', async () => {
      await importSeed('ephemeral');
      await unlock('ephemeral');
      await sign('ephemeral', V2_KEY1);
      expect(await call('admin.remove_wallet', { wallet: 'ephemeral' })).toEqual({});
      expect(await reasonOf('admin.sign_message', { wallet: 'ephemeral', publicKey: V2_KEY1, encodedMessage: b64(utf8(MESSAGE)) })).toBe('wallet_not_found');
      await importSeed('ephemeral', 2, 'another-passphrase');
      expect(await signReason('ephemeral', V2_KEY1)).toBe('wallet_locked');
      expect(await reasonOf('admin.generate_key', { wallet: 'ephemeral' })).toBe('wallet_locked');
      expect(await keyCount('ephemeral', 'another-passphrase')).toBe(1);
    });

    it('restarting the gateway locks every wallet, and their keys are all still there', async () => {
      await importSeed('restarted');
      await importSeed('restarted-v1', 1);
      await unlock('restarted');
      await unlock('restarted-v1');
      const generated = await call<KeyDescription>('admin.generate_key', { wallet: 'restarted' });
      await sign('restarted', generated.publicKey);
      await sign('restarted-v1', V1_KEY1);

      await gw.close();
      gw = await startTestGateway({}, dir);

      expect(await signReason('restarted', V2_KEY1)).toBe('wallet_locked');
      expect(await signReason('restarted', generated.publicKey)).toBe('wallet_locked');
      expect(await signReason('restarted-v1', V1_KEY1)).toBe('wallet_locked');
      expect(await reasonOf('admin.generate_key', { wallet: 'restarted' })).toBe('wallet_locked');
      expect((await listKeys('restarted')).map((k) => k.publicKey)).toEqual([V2_KEY1, generated.publicKey]);

      await unlock('restarted');
      expect(await sign('restarted', V2_KEY1)).toBe(REFERENCE_SIGNATURE);
      await call('admin.lock_wallet', { wallet: 'restarted' });
    });
  });
});
