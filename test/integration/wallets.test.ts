/**
 * The admin wallet methods against a real gateway and a real SQLite file:
 * what survives a restart, what is (and is not) stored in clear, and that
 * failures change nothing.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePath } from '../../src/config.js';
import { DEFAULT_SCRYPT_COST } from '../../src/domain/wallet/secret-box.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const rpc = (method: string, params: unknown, id = 1) => ({ jsonrpc: '2.0', id, method, params });

describe('wallets on a real database', () => {
  let dir: string;
  let gw: TestGateway;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-wallets-'));
    gw = await startTestGateway({}, dir);
  });
  afterEach(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a wallet survives a restart and still decrypts with its passphrase only', async () => {
    await gw.call('admin.import_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
    await gw.close();
    gw = await startTestGateway({}, dir);
    expect(await gw.call('admin.list_wallets')).toEqual({ wallets: ['my-wallet'] });
    expect(await gw.call('admin.describe_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE })).toEqual({
      name: 'my-wallet',
      version: 2,
      type: 'HD Wallet',
      ID: '9df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e',
      keyCount: 1,
    });
    const wrong = await gw.admin(rpc('admin.describe_wallet', { wallet: 'my-wallet', passphrase: `${SEED_PASSPHRASE}!` }));
    expect(wrong.body.error).toMatchObject({ code: 2000, data: { reason: 'wrong_passphrase' } });
  });

  test('no secret is stored in clear: neither phrase, nor passphrase, nor private key', async () => {
    const created = (await gw.call('admin.create_wallet', { wallet: 'fresh', passphrase: 'correct horse battery' })) as {
      wallet: { recoveryPhrase: string };
    };
    await gw.call('admin.import_wallet', { wallet: 'seeded', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 1 });
    await gw.close();
    // Every byte on disk: the database, its WAL and anything else in the data directory.
    const disk = Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
    const secrets = [
      created.wallet.recoveryPhrase,
      SEED_PHRASE,
      'swing ceiling chaos',
      'correct horse battery',
      SEED_PASSPHRASE,
      // The m/1789'/0'/1' and m/1789'/1790' private keys of the seed phrase, as hex and raw bytes.
      '0bfdfb4a04e22d7252a4f24eb9d0f35a82efdc244cb0876d919361e61f6f56a2',
      '1bbd4efb460d0bf457251e866697d5d2e9b58c5dcb96a964cd9cfff1a712a2b9',
    ];
    for (const secret of secrets) {
      expect([secret, disk.includes(Buffer.from(secret))]).toEqual([secret, false]);
      if (/^[0-9a-f]{64}$/.test(secret)) expect(disk.includes(Buffer.from(secret, 'hex'))).toBe(false);
    }
    // Public keys are kept in clear for listing (the v1 wallet's first key).
    expect(disk.includes(Buffer.from('30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371'))).toBe(true);
    gw = await startTestGateway({}, dir);
  });

  test('by default, wallets are sealed with scrypt N=2^17, r=8, p=1, stored per wallet with a fresh salt each', async () => {
    await gw.close();
    // No scryptCost: the gateway's own default, as `serve` runs it.
    gw = await startTestGateway({ scryptCost: undefined }, dir);
    await gw.call('admin.create_wallet', { wallet: 'a', passphrase: 'same passphrase' });
    await gw.call('admin.create_wallet', { wallet: 'b', passphrase: 'same passphrase' });
    const db = new Database(databasePath(dir), { readonly: true });
    const rows = db.prepare('SELECT name, kdf, length(secret) AS size FROM wallets ORDER BY name').all() as { name: string; kdf: string; size: number }[];
    db.close();
    const kdfs = rows.map((r) => JSON.parse(r.kdf));
    for (const kdf of kdfs) expect(kdf).toMatchObject({ algorithm: 'scrypt', ...DEFAULT_SCRYPT_COST });
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(kdfs[0].salt).not.toBe(kdfs[1].salt);
    expect(Buffer.from(kdfs[0].salt, 'base64')).toHaveLength(16);
  });

  test('remove_wallet leaves no trace: no wallet row, no key row', async () => {
    await gw.call('admin.import_wallet', { wallet: 'gone', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
    await gw.call('admin.import_wallet', { wallet: 'kept', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 1 });
    expect(await gw.call('admin.remove_wallet', { wallet: 'gone' })).toEqual({});
    const db = new Database(databasePath(dir), { readonly: true });
    const keys = db.prepare('SELECT public_key FROM keys').pluck().all();
    const wallets = db.prepare('SELECT name FROM wallets').pluck().all();
    db.close();
    expect(wallets).toEqual(['kept']);
    expect(keys).toEqual(['30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371']);
    // And the name is free again.
    await gw.call('admin.import_wallet', { wallet: 'gone', passphrase: 'other', recoveryPhrase: SEED_PHRASE, version: 2 });
  });

  test('failed calls change nothing', async () => {
    await gw.call('admin.import_wallet', { wallet: 'w', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
    const attempts = [
      rpc('admin.create_wallet', { wallet: 'w', passphrase: 'x' }),
      rpc('admin.import_wallet', { wallet: 'w', passphrase: 'x', recoveryPhrase: SEED_PHRASE, version: 1 }),
      rpc('admin.import_wallet', { wallet: 'bad-phrase', passphrase: 'x', recoveryPhrase: SEED_PHRASE.replace('render', 'zebra'), version: 2 }),
      rpc('admin.import_wallet', { wallet: 'bad-version', passphrase: 'x', recoveryPhrase: SEED_PHRASE, version: 3 }),
      rpc('admin.create_wallet', { wallet: '', passphrase: 'x' }),
      rpc('admin.create_wallet', { wallet: 'ok', passphrase: '' }),
      rpc('admin.remove_wallet', { wallet: 'nope' }),
    ];
    for (const attempt of attempts) {
      const reply = await gw.admin(attempt);
      expect(reply.body.error).toBeDefined();
    }
    expect(await gw.call('admin.list_wallets')).toEqual({ wallets: ['w'] });
    expect(await gw.call('admin.describe_wallet', { wallet: 'w', passphrase: SEED_PASSPHRASE })).toMatchObject({ version: 2 });
  });

  test('the recovery phrase is normalised: extra spaces and capitals import the same wallet', async () => {
    const messy = `  ${SEED_PHRASE.toUpperCase().split(' ').join('   ')}\n`;
    const result = (await gw.call('admin.import_wallet', { wallet: 'messy', passphrase: 'p', recoveryPhrase: messy, version: '2' })) as {
      key: { publicKey: string };
    };
    expect(result.key.publicKey).toBe('b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0');
  });

  test('list_wallets sorts by code point and two concurrent creations of one name give one wallet', async () => {
    for (const wallet of ['zeta', 'Alpha', 'beta', 'Ölfass']) await gw.call('admin.create_wallet', { wallet, passphrase: 'p' });
    expect(await gw.call('admin.list_wallets')).toEqual({ wallets: ['Alpha', 'beta', 'zeta', 'Ölfass'] });
    const replies = await Promise.all([1, 2, 3].map((id) => gw.admin(rpc('admin.create_wallet', { wallet: 'race', passphrase: `p${id}` }, id))));
    const ok = replies.filter((r) => r.body.result);
    const taken = replies.filter((r) => r.body.error?.data?.reason === 'wallet_already_exists');
    expect([ok.length, taken.length]).toEqual([1, 2]);
  });

  describe('list_wallets by pages', () => {
    // 25 names whose code-point order differs from a case-insensitive or locale order.
    const NAMES = [...Array.from({ length: 21 }, (_, i) => `w-${String(i).padStart(2, '0')}`), 'Alpha', 'beta', 'Zulu', 'Ölfass'];
    const SORTED = ['Alpha', 'Zulu', 'beta', ...NAMES.slice(0, 21), 'Ölfass'];
    const listing = async (params: unknown) => {
      const reply = await gw.admin(rpc('admin.list_wallets', params));
      if (reply.body.error) throw new Error(JSON.stringify(reply.body.error));
      return reply.body.result as { wallets: string[]; nextAfter?: string };
    };

    beforeEach(async () => {
      for (const wallet of NAMES) await gw.call('admin.create_wallet', { wallet, passphrase: 'p' });
    });

    test('following nextAfter with limit 10 lists every name exactly once, in order, in pages of 10, 10 and 5', async () => {
      const pages: { wallets: string[]; nextAfter?: string }[] = [];
      let after: string | undefined;
      do {
        const page = await listing({ limit: 10, ...(after === undefined ? {} : { after }) });
        pages.push(page);
        after = page.nextAfter;
      } while (after !== undefined && pages.length < 10);
      expect(pages.map((p) => p.wallets.length)).toEqual([10, 10, 5]);
      expect(pages.flatMap((p) => p.wallets)).toEqual(SORTED);
      expect(pages.map((p) => p.nextAfter)).toEqual([SORTED[9], SORTED[19], undefined]);
      // The last page carries no nextAfter key at all, and without a limit nothing changes from the unpaged answer.
      expect(Object.keys(pages[2] as object)).toEqual(['wallets']);
      expect(await listing({})).toEqual({ wallets: SORTED });
      expect(await listing([])).toEqual({ wallets: SORTED });
    });

    test('a page that ends exactly on the last name has no nextAfter', async () => {
      expect(await listing({ limit: 25 })).toEqual({ wallets: SORTED });
      expect(await listing({ limit: 5, after: SORTED[19] })).toEqual({ wallets: SORTED.slice(20) });
      expect(await listing({ limit: 24 })).toEqual({ wallets: SORTED.slice(0, 24), nextAfter: SORTED[23] });
      expect(await listing({ limit: 1000, after: 'Ölfass' })).toEqual({ wallets: [] });
    });

    test('after is a bound, not a lookup: a name that does not exist starts the page at the next name', async () => {
      expect(await listing({ limit: 3, after: 'w-05x' })).toEqual({ wallets: ['w-06', 'w-07', 'w-08'], nextAfter: 'w-08' });
      expect(await listing({ limit: 2, after: 'Aardvark' })).toEqual({ wallets: ['Alpha', 'Zulu'], nextAfter: 'Zulu' });
      expect(await listing({ limit: 2, after: 'zzz' })).toEqual({ wallets: ['Ölfass'] });
      // By position: limit, then after.
      expect(await listing([2, 'c'])).toEqual({ wallets: ['w-00', 'w-01'], nextAfter: 'w-01' });
      // after without limit: every name after it, never a nextAfter.
      expect(await listing({ after: 'w-19' })).toEqual({ wallets: ['w-20', 'Ölfass'] });
      // A wallet removed after its page was read does not disturb the next page.
      await gw.call('admin.remove_wallet', { wallet: 'w-08' });
      expect(await listing({ limit: 2, after: 'w-08' })).toEqual({ wallets: ['w-09', 'w-10'], nextAfter: 'w-10' });
    });
  });

  test.each([
    [{ limit: 0 }, '/limit', 'minimum'],
    [{ limit: -5 }, '/limit', 'minimum'],
    [{ limit: 1001 }, '/limit', 'maximum'],
    [{ limit: 2.5 }, '/limit', 'type'],
    [{ limit: '10' }, '/limit', 'type'],
    [{ limit: null }, '/limit', 'type'],
    [[0, 'w-01'], '/limit', 'minimum'],
    [{ limit: 10, after: '' }, '/after', 'minLength'],
    [{ limit: 10, after: 5 }, '/after', 'type'],
    [{ limit: 10, after: ' padded' }, '/after', 'pattern'],
  ])('list_wallets refuses %j with -32602 at %s (%s)', async (params, path, rule) => {
    const reply = await gw.admin(rpc('admin.list_wallets', params));
    expect(reply.body.result).toBeUndefined();
    expect(reply.body.error).toMatchObject({ code: -32602, message: 'Invalid params', data: { path, rule } });
  });

  test('list_wallets answers a limit of zero with the error its spec example shows', async () => {
    const reply = await gw.admin(rpc('admin.list_wallets', { limit: 0 }));
    expect(reply.body.error).toEqual({ code: -32602, message: 'Invalid params', data: { path: '/limit', rule: 'minimum', message: 'must be >= 1' } });
  });

  test('secrets never reach the log or error messages, even at debug level', async () => {
    const passphrase = 'pass-phrase-that-must-not-leak';
    const created = (await gw.call('admin.create_wallet', { wallet: 'secretive', passphrase })) as { wallet: { recoveryPhrase: string } };
    const replies = [
      await gw.admin(rpc('admin.describe_wallet', { wallet: 'secretive', passphrase: `${passphrase}-wrong` })),
      await gw.admin(rpc('admin.import_wallet', { wallet: 'x', passphrase, recoveryPhrase: `${SEED_PHRASE} extra`, version: 2 })),
      await gw.admin(`{"jsonrpc":"2.0","id":1,"method":"admin.create_wallet","params":{"passphrase":"${passphrase}"`),
      await gw.admin(rpc('admin.create_wallet', { wallet: 'y', passphrase: passphrase.repeat(40) })),
      await gw.admin(rpc('admin.create_wallet', { wallet: `bad/${passphrase}`, passphrase })),
      await gw.admin(rpc('admin.import_wallet', [passphrase, passphrase, passphrase, passphrase])),
    ];
    const everything = [gw.logs.join('\n'), ...replies.map((r) => r.text)].join('\n');
    expect(gw.logs.length).toBeGreaterThan(0);
    for (const secret of [passphrase, created.wallet.recoveryPhrase, SEED_PHRASE.slice(0, 20), gw.gateway.adminToken]) {
      expect([secret, everything.includes(secret)]).toEqual([secret, false]);
    }
  });
});
