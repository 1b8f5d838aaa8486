/**
 * Applications' sessions on a live gateway (real SQLite file, real HTTP):
 * connecting and what a token allows, one connection per wallet and host,
 * token storage and expiry, Origin checks, permission requests, the owner's
 * view and control of connections and permissions, API tokens, and what
 * survives a restart. Reviews are answered on the operator door, as the
 * owner would.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePath } from '../../src/config.js';
import { admin, session as app, FIRST_KEY, importSeedWallet, startWalletGateway, WALLET } from '../helpers/app.js';
import { SEED_PASSPHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { auditEvents, connectApp, grantPermissions, nextReview, pendingReviews } from '../helpers/review.js';
import { sleep } from '../helpers/time.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

// ---- small clients

const listKeys = (gw: TestGateway, token: string, headers: Record<string, string> = {}) => app(gw, 'session.list_keys', { token }, headers);
const getPermissions = (gw: TestGateway, token: string, headers: Record<string, string> = {}) => app(gw, 'session.get_permissions', { token }, headers);

/** A wallet with a random recovery phrase, so its keys differ from SEED_PHRASE's; returns its first key. */
async function createWallet(gw: TestGateway, wallet: string): Promise<string> {
  const created = (await gw.call('admin.create_wallet', { wallet, passphrase: SEED_PASSPHRASE })) as { key: { publicKey: string } };
  return created.key.publicKey;
}

async function generateKey(gw: TestGateway, wallet = WALLET): Promise<string> {
  const key = (await gw.call('admin.generate_key', { wallet, passphrase: SEED_PASSPHRASE })) as { publicKey: string };
  return key.publicKey;
}

async function connections(gw: TestGateway): Promise<{ wallet: string; hostname: string; connectedAt: string; lastUsedAt: string; expiresAt: string }[]> {
  return ((await gw.call('admin.list_connections')) as { connections: any[] }).connections;
}

/** Reads the gateway's database through a second, read-only connection (the gateway may still have it open). */
function query<T>(gw: TestGateway, sql: string): T[] {
  const db = new Database(databasePath(gw.dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** The raw bytes of the database and its WAL/shared-memory files, as one string. */
function rawDatabase(gw: TestGateway): string {
  return readdirSync(gw.dataDir)
    .filter((name) => name.startsWith('wallet-gateway.db'))
    .map((name) => readFileSync(join(gw.dataDir, name)).toString('latin1'))
    .join('\n');
}

function expectAuthFailure(answer: any, reason?: 'token_unknown' | 'origin_mismatch') {
  expect(answer.result).toBeUndefined();
  expect(answer.error?.code).toBe(-32003);
  if (reason) expect(answer.error.data.reason).toBe(reason);
}

function expectAppError(answer: any, reason: string) {
  expect(answer.result).toBeUndefined();
  expect(answer.error?.code).toBe(2000);
  expect(answer.error.data.reason).toBe(reason);
}

// ---- one fresh gateway with "my-wallet" per test

let gw: TestGateway;
beforeEach(async () => {
  gw = await startWalletGateway();
});
afterEach(async () => {
  await gw.close();
});

describe('a connection and what its token allows', () => {
  it('starts with no permissions; list_keys needs read, then lists the untainted keys in index order', async () => {
    const second = await generateKey(gw);
    const third = await generateKey(gw);
    const token = await connectApp(gw, 'vega.xyz', WALLET);

    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'none' });
    expectAppError(await listKeys(gw, token), 'permission_denied');

    await grantPermissions(gw, token, 'read');
    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'read' });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, second, third]);

    await gw.call('admin.taint_key', { wallet: WALLET, publicKey: second });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, third]);
  });

  it("the owner's key restriction limits list_keys to those keys", async () => {
    const second = await generateKey(gw);
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read', [second]);

    expect((await listKeys(gw, token)).result).toEqual([second]);
    const { permissions } = (await gw.call('admin.list_permissions', { wallet: WALLET })) as { permissions: unknown[] };
    expect(permissions).toEqual([{ hostname: 'vega.xyz', permissions: { public_keys: 'read' }, keys: [second] }]);
  });

  it("a restricted session's list_keys follows taints, untaints and a new restriction", async () => {
    const second = await generateKey(gw);
    const third = await generateKey(gw);
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read', [FIRST_KEY, third]);
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, third]);
    // Asked again: now the list kept for this restriction answers, and must be the same.
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, third]);

    await gw.call('admin.taint_key', { wallet: WALLET, publicKey: third });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
    await gw.call('admin.untaint_key', { wallet: WALLET, publicKey: third });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, third]);

    await grantPermissions(gw, token, 'write', [second]);
    expect((await listKeys(gw, token)).result).toEqual([second]);
  });

  it('a restriction naming a key of another wallet is refused and the review stays pending', async () => {
    const stranger = await createWallet(gw, 'other-wallet');
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    const asked = app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
    const review = await nextReview(gw);

    const refused = await admin(gw, 'admin.decide_review', { id: review.id, approved: true, keys: [FIRST_KEY, stranger] });
    expectAppError(refused, 'key_not_found');
    expect(refused.error.data.publicKey).toBe(stranger);
    expect((await pendingReviews(gw)).map((r) => r.id)).toEqual([review.id]);

    // The owner can still decide it properly, and the application then gets its answer.
    await gw.call('admin.decide_review', { id: review.id, approved: true, keys: [FIRST_KEY] });
    expect((await asked).result).toEqual({ permissions: { public_keys: 'read' } });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
  });
});

describe('one connection per wallet and host', () => {
  it('connecting the same host to the same wallet again ends the first token', async () => {
    const first = await connectApp(gw, 'vega.xyz', WALLET);
    const second = await connectApp(gw, 'vega.xyz', WALLET);
    expect(second).not.toBe(first);

    expectAuthFailure(await getPermissions(gw, first), 'token_unknown');
    expect((await getPermissions(gw, second)).result).toEqual({ public_keys: 'none' });
    expect((await connections(gw)).map((c) => [c.wallet, c.hostname])).toEqual([[WALLET, 'vega.xyz']]);
  });

  it('the same host connected to two wallets keeps both connections', async () => {
    await createWallet(gw, 'other-wallet');
    const mine = await connectApp(gw, 'vega.xyz', WALLET);
    const other = await connectApp(gw, 'vega.xyz', 'other-wallet');

    expect((await getPermissions(gw, mine)).result).toEqual({ public_keys: 'none' });
    expect((await getPermissions(gw, other)).result).toEqual({ public_keys: 'none' });
    expect((await connections(gw)).map((c) => [c.wallet, c.hostname])).toEqual([
      [WALLET, 'vega.xyz'],
      ['other-wallet', 'vega.xyz'],
    ]);
  });

  it('two hosts on one wallet keep both connections', async () => {
    const vega = await connectApp(gw, 'vega.xyz', WALLET);
    const console_ = await connectApp(gw, 'console.vega.xyz', WALLET);

    expect((await getPermissions(gw, vega)).result).toEqual({ public_keys: 'none' });
    expect((await getPermissions(gw, console_)).result).toEqual({ public_keys: 'none' });
    expect((await connections(gw)).map((c) => c.hostname).sort()).toEqual(['console.vega.xyz', 'vega.xyz']);
  });
});

describe('tokens', () => {
  it('are 43-character URL-safe strings, all different, stored only as their SHA-256 hash', async () => {
    const tokens = [await connectApp(gw, 'vega.xyz', WALLET), await connectApp(gw, 'a.vega.xyz', WALLET), await connectApp(gw, 'b.vega.xyz', WALLET)];
    const { token: apiToken } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot' })) as { token: string };
    tokens.push(apiToken);

    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens).size).toBe(tokens.length);

    const stored = [
      ...query<{ token_hash: string }>(gw, 'SELECT token_hash FROM connections'),
      ...query<{ token_hash: string }>(gw, 'SELECT token_hash FROM api_tokens'),
    ].map((r) => r.token_hash);
    expect(stored.sort()).toEqual(tokens.map(sha256).sort());

    const raw = rawDatabase(gw);
    for (const token of tokens) {
      expect(raw.includes(token)).toBe(false);
      expect(raw.includes(sha256(token))).toBe(true);
    }
    // Nor does the log keep them.
    for (const token of tokens) expect(gw.logs.some((line) => line.includes(token))).toBe(false);
  });

  it('a token that was never issued is refused by every protected method', async () => {
    const madeUp = 'hZKSx0snBvikp2NGMJdKPHU5qvloSeqpqbJg6BsMwCc';
    expectAuthFailure(await getPermissions(gw, madeUp), 'token_unknown');
    expectAuthFailure(await listKeys(gw, madeUp), 'token_unknown');
    expectAuthFailure(await app(gw, 'session.request_permissions', { token: madeUp, requestedPermissions: { public_keys: 'read' } }), 'token_unknown');
    expect(await pendingReviews(gw)).toEqual([]);
  });

  it('disconnect_wallet ends the token; disconnecting an unknown token answers null', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    const other = await connectApp(gw, 'other.example', WALLET);

    const answer = await app(gw, 'session.disconnect_wallet', { token });
    expect(answer.error).toBeUndefined();
    expect(answer.result).toBeNull();
    expectAuthFailure(await getPermissions(gw, token), 'token_unknown');
    expect((await getPermissions(gw, other)).result).toEqual({ public_keys: 'none' });
    expect((await connections(gw)).map((c) => c.hostname)).toEqual(['other.example']);

    for (const again of [token, 'never-issued-token']) {
      const repeat = await app(gw, 'session.disconnect_wallet', { token: again });
      expect(repeat.error).toBeUndefined();
      expect(repeat.result).toBeNull();
    }
  });
});

describe('idle expiry', () => {
  let short: TestGateway;
  beforeEach(async () => {
    short = await startWalletGateway({ connectionIdleSeconds: 1 });
  });
  afterEach(async () => {
    await short.close();
  });

  it('a connection unused for the idle time ends and is no longer listed', async () => {
    const token = await connectApp(short, 'vega.xyz', WALLET);
    await connectApp(short, 'other.example', WALLET);
    const listed = await connections(short);
    expect(listed.map((c) => c.hostname).sort()).toEqual(['other.example', 'vega.xyz']);
    for (const c of listed) expect(Date.parse(c.expiresAt) - Date.parse(c.lastUsedAt)).toBe(1000);

    await sleep(1200);
    // The application trying its token finds it expired...
    expectAuthFailure(await getPermissions(short, token), 'token_unknown');
    // ...and the owner's list drops both, including the one nobody tried since.
    expect(await connections(short)).toEqual([]);
  });

  it('a token used before its idle time runs out stays alive', async () => {
    const token = await connectApp(short, 'vega.xyz', WALLET);
    const started = Date.now();
    // Used every 300 ms for longer than the 1-second idle time.
    while (Date.now() - started < 1300) {
      await sleep(300);
      expect((await getPermissions(short, token)).result).toEqual({ public_keys: 'none' });
    }
    expect((await connections(short)).map((c) => c.hostname)).toEqual(['vega.xyz']);
  });
});

describe('Origin', () => {
  it('a browser page of the same host connects', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET, { origin: 'https://vega.xyz' });
    expect((await getPermissions(gw, token, { origin: 'https://vega.xyz' })).result).toEqual({ public_keys: 'none' });
  });

  it('a page of another host is refused before any review starts', async () => {
    const answer = await app(gw, 'session.connect_wallet', { hostname: 'vega.xyz' }, { origin: 'https://evil.example' });
    expectAuthFailure(answer, 'origin_mismatch');
    expect(await pendingReviews(gw)).toEqual([]);
    expect(await auditEvents(gw)).toEqual([]);
  });

  it('a hostname with a port matches an Origin with that port', async () => {
    const token = await connectApp(gw, 'localhost:3000', WALLET, { origin: 'http://localhost:3000' });
    expect((await getPermissions(gw, token, { origin: 'http://localhost:3000' })).result).toEqual({ public_keys: 'none' });
    expectAuthFailure(await getPermissions(gw, token, { origin: 'http://localhost:4000' }), 'origin_mismatch');
  });

  it("a connection's token is refused from a page of another host, or from an opaque origin", async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');

    expectAuthFailure(await getPermissions(gw, token, { origin: 'https://evil.example' }), 'origin_mismatch');
    expectAuthFailure(await listKeys(gw, token, { origin: 'https://evil.example' }), 'origin_mismatch');
    expectAuthFailure(await getPermissions(gw, token, { origin: 'null' }));
    expectAuthFailure(await app(gw, 'session.connect_wallet', { hostname: 'vega.xyz' }, { origin: 'null' }));
    expect(await pendingReviews(gw)).toEqual([]);

    // The refusals did not end the connection.
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
    expect((await listKeys(gw, token, { origin: 'https://vega.xyz' })).result).toEqual([FIRST_KEY]);
  });
});

describe('request_permissions', () => {
  it('a permission left out is revoked once approved', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');

    const asked = app(gw, 'session.request_permissions', { token, requestedPermissions: {} });
    const review = await nextReview(gw);
    expect(review.kind).toBe('permissions');
    expect(review.details).toEqual({ requested: { public_keys: 'none' }, current: { public_keys: 'read' } });
    await gw.call('admin.decide_review', { id: review.id, approved: true });

    expect((await asked).result).toEqual({ permissions: { public_keys: 'none' } });
    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'none' });
    expectAppError(await listKeys(gw, token), 'permission_denied');
  });

  it('asking for the permissions already in force is answered at once, without a review', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');
    const eventsBefore = (await auditEvents(gw)).length;

    const answer = await app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
    expect(answer.result).toEqual({ permissions: { public_keys: 'read' } });
    expect(await pendingReviews(gw)).toEqual([]);
    expect(await auditEvents(gw)).toHaveLength(eventsBefore);
  });

  it('a rejected request answers 3001 and leaves the permissions as they were', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');

    const asked = app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'write' } });
    const review = await nextReview(gw);
    await gw.call('admin.decide_review', { id: review.id, approved: false });

    const answer = await asked;
    expect(answer.result).toBeUndefined();
    expect(answer.error.code).toBe(3001);
    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'read' });
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
  });
});

describe("the owner's view and control", () => {
  it('list_connections shows each connection with its wallet, host and times', async () => {
    const before = Date.now();
    await connectApp(gw, 'vega.xyz', WALLET);
    const after = Date.now();

    const listed = await connections(gw);
    expect(listed).toHaveLength(1);
    const [c] = listed;
    expect(c).toEqual({ wallet: WALLET, hostname: 'vega.xyz', connectedAt: expect.any(String), lastUsedAt: expect.any(String), expiresAt: expect.any(String) });
    const connectedAt = Date.parse(c!.connectedAt);
    expect(connectedAt).toBeGreaterThanOrEqual(before - 5);
    expect(connectedAt).toBeLessThanOrEqual(after + 5);
    expect(Date.parse(c!.lastUsedAt)).toBeGreaterThanOrEqual(connectedAt);
    // The default idle time is one hour.
    expect(Date.parse(c!.expiresAt) - Date.parse(c!.lastUsedAt)).toBe(3600 * 1000);
  });

  it('close_connection ends the token but keeps its permissions for next time', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');

    expect(await gw.call('admin.close_connection', { wallet: WALLET, hostname: 'vega.xyz' })).toEqual({});
    expectAuthFailure(await listKeys(gw, token), 'token_unknown');
    expect(await connections(gw)).toEqual([]);

    const again = await connectApp(gw, 'vega.xyz', WALLET);
    expect((await listKeys(gw, again)).result).toEqual([FIRST_KEY]);
  });

  it('list_permissions shows each host with its permissions and key restriction', async () => {
    const second = await generateKey(gw);
    await grantPermissions(gw, await connectApp(gw, 'vega.xyz', WALLET), 'read');
    await grantPermissions(gw, await connectApp(gw, 'console.example', WALLET), 'read', [second]);

    expect(await gw.call('admin.list_permissions', { wallet: WALLET })).toEqual({
      permissions: [
        { hostname: 'console.example', permissions: { public_keys: 'read' }, keys: [second] },
        { hostname: 'vega.xyz', permissions: { public_keys: 'read' }, keys: null },
      ],
    });
  });

  it('revoke_permissions takes read access away but keeps the connection', async () => {
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');

    expect(await gw.call('admin.revoke_permissions', { wallet: WALLET, hostname: 'vega.xyz' })).toEqual({});
    expectAppError(await listKeys(gw, token), 'permission_denied');
    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'none' });
    expect(await gw.call('admin.list_permissions', { wallet: WALLET })).toEqual({ permissions: [] });
  });

  it('remove_wallet takes its connections, permissions and API tokens with it', async () => {
    await createWallet(gw, 'other-wallet');
    const token = await connectApp(gw, 'vega.xyz', WALLET);
    await grantPermissions(gw, token, 'read');
    const { token: apiToken } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot' })) as { token: string };
    const otherToken = await connectApp(gw, 'vega.xyz', 'other-wallet');

    await gw.call('admin.remove_wallet', { wallet: WALLET });

    expectAuthFailure(await getPermissions(gw, token), 'token_unknown');
    expectAuthFailure(await getPermissions(gw, apiToken), 'token_unknown');
    expect((await connections(gw)).map((c) => c.wallet)).toEqual(['other-wallet']);
    expect(await gw.call('admin.list_api_tokens')).toEqual({ tokens: [] });
    expect(query(gw, 'SELECT * FROM permissions')).toEqual([]);
    expect(query(gw, 'SELECT * FROM api_tokens')).toEqual([]);
    // The other wallet's connection is untouched.
    expect((await getPermissions(gw, otherToken)).result).toEqual({ public_keys: 'none' });

    // A wallet imported again under the same name starts with nothing.
    await importSeedWallet(gw);
    expect(await gw.call('admin.list_permissions', { wallet: WALLET })).toEqual({ permissions: [] });
  });
});

describe('API tokens', () => {
  it('work at once without any review, read all keys, and have fixed permissions', async () => {
    const second = await generateKey(gw);
    const { token, apiToken } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'market-maker bot' })) as {
      token: string;
      apiToken: { id: string; keys: unknown; lastUsedAt: unknown };
    };
    expect(apiToken).toMatchObject({ keys: null, lastUsedAt: null });

    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, second]);
    expect((await getPermissions(gw, token)).result).toEqual({ public_keys: 'read' });
    expectAppError(await app(gw, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'write' } }), 'fixed_permissions');
    expect(await pendingReviews(gw)).toEqual([]);
    expect(await auditEvents(gw)).toEqual([]);

    // disconnect_wallet is for connections: it answers null and the API token keeps working.
    expect((await app(gw, 'session.disconnect_wallet', { token })).result).toBeNull();
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY, second]);
  });

  it('created with keys, sees only those keys', async () => {
    const second = await generateKey(gw);
    await generateKey(gw);
    const { token } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot', keys: [second] })) as { token: string };
    expect((await listKeys(gw, token)).result).toEqual([second]);
  });

  it('list_api_tokens shows the last use and never the token', async () => {
    const { token, apiToken } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot' })) as {
      token: string;
      apiToken: { id: string };
    };
    const before = (await gw.call('admin.list_api_tokens')) as { tokens: { id: string; lastUsedAt: string | null }[] };
    expect(before.tokens.map((t) => [t.id, t.lastUsedAt])).toEqual([[apiToken.id, null]]);

    const usedFrom = Date.now();
    await listKeys(gw, token);
    const after = (await gw.call('admin.list_api_tokens')) as { tokens: { id: string; lastUsedAt: string | null; wallet: string }[] };
    expect(after.tokens).toHaveLength(1);
    expect(after.tokens[0]!.wallet).toBe(WALLET);
    expect(Date.parse(after.tokens[0]!.lastUsedAt ?? '')).toBeGreaterThanOrEqual(usedFrom - 5);

    const text = JSON.stringify(after);
    expect(text.includes(token)).toBe(false);
    expect(text.includes(sha256(token))).toBe(false);
  });

  it('a revoked token stops working at once', async () => {
    const { token, apiToken } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot' })) as {
      token: string;
      apiToken: { id: string };
    };
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
    expect(await gw.call('admin.revoke_api_token', { id: apiToken.id })).toEqual({});
    expectAuthFailure(await listKeys(gw, token), 'token_unknown');
    expect(await gw.call('admin.list_api_tokens')).toEqual({ tokens: [] });
  });

  it('stops working once its expiry has passed', async () => {
    const expiresAt = new Date(Date.now() + 1000).toISOString();
    const { token } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot', expiresAt })) as { token: string };
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);

    await sleep(Date.parse(expiresAt) - Date.now() + 50);
    expectAuthFailure(await listKeys(gw, token), 'token_unknown');
  });

  it('is refused from a browser page (any Origin header)', async () => {
    const { token } = (await gw.call('admin.create_api_token', { wallet: WALLET, description: 'bot' })) as { token: string };
    expectAuthFailure(await listKeys(gw, token, { origin: 'https://vega.xyz' }));
    expectAuthFailure(await getPermissions(gw, token, { origin: 'null' }));
    expect((await listKeys(gw, token)).result).toEqual([FIRST_KEY]);
  });

  it('cannot be created for a key of another wallet', async () => {
    const stranger = await createWallet(gw, 'other-wallet');
    const answer = await admin(gw, 'admin.create_api_token', { wallet: WALLET, description: 'bot', keys: [stranger] });
    expectAppError(answer, 'key_not_found');
    expect(answer.error.data).toMatchObject({ wallet: WALLET, publicKey: stranger });
    expect(await gw.call('admin.list_api_tokens')).toEqual({ tokens: [] });
  });
});

describe('a gateway restart', () => {
  it('keeps connections, permissions, API tokens, policy and audit log; a pending review ends with 3000', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-restart-'));
    try {
      const first = await startTestGateway({}, dir);
      let token: string;
      let apiToken: string;
      let pendingAnswer: Promise<any>;
      let second: string;
      const policy = { rules: [{ hostname: '*.vega.xyz', kind: 'connection', wallet: WALLET, action: 'approve' }], default: 'ask' };
      try {
        await importSeedWallet(first);
        second = await generateKey(first);
        token = await connectApp(first, 'vega.xyz', WALLET);
        await grantPermissions(first, token, 'read', [second]);
        ({ token: apiToken } = (await first.call('admin.create_api_token', { wallet: WALLET, description: 'bot', keys: [FIRST_KEY] })) as { token: string });
        await first.call('admin.set_policy', { policy });

        pendingAnswer = app(first, 'session.connect_wallet', { hostname: 'other.example' });
        await nextReview(first);
      } finally {
        await first.close();
      }
      const pending = await pendingAnswer;
      expect(pending.error?.code).toBe(3000);

      const again = await startTestGateway({}, dir);
      try {
        expect((await listKeys(again, token)).result).toEqual([second]);
        expect((await getPermissions(again, token)).result).toEqual({ public_keys: 'read' });
        expect((await listKeys(again, apiToken)).result).toEqual([FIRST_KEY]);
        expect(await again.call('admin.get_policy')).toEqual({ policy });
        expect((await connections(again)).map((c) => [c.wallet, c.hostname])).toEqual([[WALLET, 'vega.xyz']]);
        expect(await pendingReviews(again)).toEqual([]);

        const events = await auditEvents(again);
        expect(events.map((e) => [e.kind, e.hostname, e.outcome, e.decidedBy])).toEqual([
          ['connection', 'other.example', 'closed', 'gateway'],
          ['permissions', 'vega.xyz', 'approved', 'operator'],
          ['connection', 'vega.xyz', 'approved', 'operator'],
        ]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
