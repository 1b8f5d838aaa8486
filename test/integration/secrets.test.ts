/**
 * Where secrets must never show up. One scenario walks through everything
 * that handles a secret (wallets, unlocking, connections, permissions, a
 * transaction on the in-process development node, API tokens, key export,
 * passphrase change) and through the mistakes people make with them (wrong
 * passphrases, wrong tokens, a wrong recovery phrase, a truncated request).
 * The gateway logs at debug level into gw.logs. Afterwards no passphrase,
 * recovery phrase (nor any three consecutive words of one), private key
 * or token may appear in:
 *   - any log line,
 *   - any JSON-RPC error seen during the scenario (message and data),
 *   - any file of the data directory, read byte by byte after closing
 *     (the operator token may only be in its own file, admin.token).
 * Public keys may appear anywhere.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { deriveHardenedPath, deriveKeyPair, recoveryPhraseToSeed } from '../../src/domain/wallet/hd.js';
import { SEED_PASSPHRASE, SEED_PHRASE, post, startTestGateway, type RpcReply, type TestGateway } from '../helpers/gateway.js';
import { nextReview } from '../helpers/review.js';

const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const VOTE = Buffer.from(JSON.stringify({ voteSubmission: { proposalId: 'abc', value: 'VALUE_YES' } })).toString('base64');

let dir: string;
let gw: TestGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-gateway-secrets-'));
  gw = await startTestGateway({ devnet: { blockTimeMs: 200, powDifficulty: 2 } }, dir);
});
afterAll(async () => {
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root`, with its path relative to it. */
function filesUnder(root: string): { path: string; bytes: Buffer }[] {
  return readdirSync(root).flatMap((name) => {
    const full = join(root, name);
    if (statSync(full).isDirectory()) return filesUnder(full).map((f) => ({ ...f, path: join(name, f.path) }));
    return [{ path: relative(root, full), bytes: readFileSync(full) }];
  });
}

/** Every run of three consecutive words of a phrase. */
const threeWordRuns = (phrase: string) => {
  const words = phrase.split(' ');
  return words.slice(0, -2).map((_, i) => words.slice(i, i + 3).join(' '));
};

test('no passphrase, recovery phrase, private key or token reaches the logs, the errors or the disk', async () => {
  const errors: unknown[] = [];
  /** Every answer passes through here, so that each error can be searched afterwards. */
  const seen = (reply: RpcReply) => {
    const answers = Array.isArray(reply.body) ? reply.body : [reply.body];
    for (const answer of answers) if (answer?.error) errors.push(answer.error);
    if (reply.body === undefined && reply.text) errors.push(reply.text);
    return reply;
  };
  const admin = async (method: string, params: unknown) => seen(await gw.admin({ jsonrpc: '2.0', id: 1, method, params })).body;
  const app = async (method: string, params: unknown) => seen(await gw.app({ jsonrpc: '2.0', id: 1, method, params })).body;
  const ok = async (method: string, params: unknown) => {
    const body = await admin(method, params);
    if (!body.result) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  const failsWith = async (body: any, code: number, reason?: string) => {
    expect(body.error).toMatchObject({ code, ...(reason ? { data: { reason } } : {}) });
  };

  const freshPassphrase = `fresh passphrase ${randomBytes(6).toString('hex')}`;
  const newPassphrase = `changed passphrase ${randomBytes(6).toString('hex')}`;
  const wrongPassphrases = [`wrong passphrase ${randomBytes(6).toString('hex')}`, `${SEED_PASSPHRASE}!`, `${freshPassphrase} `];
  const wrongTokens = [randomBytes(32).toString('base64url'), `${randomBytes(24).toString('hex')}`];
  const wrongAdminToken = randomBytes(32).toString('base64url');
  // The seed phrase with its last word changed: the checksum no longer holds.
  const wrongPhrase = SEED_PHRASE.replace(/render$/, 'zebra');

  // Wallets: one created (its phrase comes back once), one imported from the seed phrase.
  const created = await ok('admin.create_wallet', { wallet: 'fresh', passphrase: freshPassphrase });
  const createdPhrase: string = created.wallet.recoveryPhrase;
  await ok('admin.import_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
  const second = await ok('admin.generate_key', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
  await ok('admin.unlock_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
  await ok('admin.describe_wallet', { wallet: 'fresh', passphrase: freshPassphrase });

  // An application connects (the owner approves on the operator door) and gets read access.
  const connecting = gw.app({ jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } });
  // First a wrong passphrase with the approval, then the right one (which also unlocks the wallet).
  const review = await nextReview(gw);
  await failsWith(await admin('admin.decide_review', { id: review.id, approved: true, wallet: 'my-wallet', passphrase: wrongPassphrases[1] }), 2000, 'wrong_passphrase');
  await ok('admin.decide_review', { id: review.id, approved: true, wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
  const connectionToken: string = seen(await connecting).body.result.token;
  const permitting = gw.app({ jsonrpc: '2.0', id: 1, method: 'session.request_permissions', params: { token: connectionToken, requestedPermissions: { public_keys: 'read' } } });
  await ok('admin.decide_review', { id: (await nextReview(gw)).id, approved: true });
  expect(seen(await permitting).body.result).toEqual({ permissions: { public_keys: 'read' } });
  expect((await app('session.list_keys', { token: connectionToken })).result).toEqual([FIRST_KEY, second.publicKey]);

  // A transaction, approved by policy, on the development node.
  await ok('admin.set_policy', { policy: { rules: [{ kind: 'transaction', action: 'approve' }], default: 'ask' } });
  const sent = await app('session.send_transaction', { token: connectionToken, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: VOTE });
  expect(sent.result?.txHash).toMatch(/^[0-9A-F]{64}$/);

  // An API token: created, used (keys, a transaction), revoked, then refused.
  const api = await ok('admin.create_api_token', { wallet: 'my-wallet', description: 'bot' });
  const apiToken: string = api.token;
  expect((await app('session.list_keys', { token: apiToken })).result).toEqual([FIRST_KEY, second.publicKey]);
  const apiSent = await app('session.send_transaction', { token: apiToken, publicKey: second.publicKey, sendingMode: 'TYPE_SYNC', encodedTransaction: VOTE });
  expect(apiSent.result?.txHash).toMatch(/^[0-9A-F]{64}$/);
  await ok('admin.revoke_api_token', { id: api.apiToken.id });
  await failsWith(await app('session.list_keys', { token: apiToken }), -32003, 'token_unknown');

  // Private keys, exported by the owner.
  const exported = [
    await ok('admin.export_key', { wallet: 'my-wallet', publicKey: FIRST_KEY, passphrase: SEED_PASSPHRASE }),
    await ok('admin.export_key', { wallet: 'my-wallet', publicKey: second.publicKey, passphrase: SEED_PASSPHRASE }),
    await ok('admin.export_key', { wallet: 'fresh', publicKey: created.key.publicKey, passphrase: freshPassphrase }),
  ];
  await ok('admin.update_passphrase', { wallet: 'fresh', passphrase: freshPassphrase, newPassphrase });
  await ok('admin.describe_wallet', { wallet: 'fresh', passphrase: newPassphrase });

  // Mistakes: wrong passphrases everywhere one is taken.
  await failsWith(await admin('admin.describe_wallet', { wallet: 'fresh', passphrase: freshPassphrase }), 2000, 'wrong_passphrase');
  await failsWith(await admin('admin.unlock_wallet', { wallet: 'my-wallet', passphrase: wrongPassphrases[0] }), 2000, 'wrong_passphrase');
  await failsWith(await admin('admin.export_key', { wallet: 'my-wallet', publicKey: FIRST_KEY, passphrase: wrongPassphrases[1] }), 2000, 'wrong_passphrase');
  await failsWith(await admin('admin.update_passphrase', { wallet: 'fresh', passphrase: wrongPassphrases[2], newPassphrase: wrongPassphrases[0] }), 2000, 'wrong_passphrase');
  await ok('admin.lock_wallet', { wallet: 'my-wallet' });
  await failsWith(await admin('admin.generate_key', { wallet: 'my-wallet', passphrase: wrongPassphrases[0] }), 2000, 'wrong_passphrase');
  // Wrong tokens at the application door, and a wrong operator token.
  for (const token of wrongTokens) {
    await failsWith(await app('session.list_keys', { token }), -32003, 'token_unknown');
    await failsWith(await app('session.send_transaction', { token, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: VOTE }), -32003, 'token_unknown');
  }
  const refused = seen(await post(gw.gateway.operatorUrl, { jsonrpc: '2.0', id: 1, method: 'admin.list_wallets' }, { authorization: `Bearer ${wrongAdminToken}` }));
  expect(refused.status).toBe(401);
  // A wrong recovery phrase, a phrase with a bad version, and a request cut off in the middle of a passphrase.
  await failsWith(await admin('admin.import_wallet', { wallet: 'typo', passphrase: wrongPassphrases[0], recoveryPhrase: wrongPhrase, version: 2 }), -32602);
  await failsWith(await admin('admin.import_wallet', { wallet: 'typo', passphrase: wrongPassphrases[0], recoveryPhrase: SEED_PHRASE, version: 3 }), -32602);
  await failsWith(await admin('admin.import_wallet', { wallet: 'my-wallet', passphrase: wrongPassphrases[0], recoveryPhrase: createdPhrase, version: 2 }), 2000, 'wallet_already_exists');
  const cut = seen(await gw.admin(`{"jsonrpc":"2.0","id":1,"method":"admin.describe_wallet","params":{"wallet":"fresh","passphrase":"${newPassphrase}`));
  expect(cut.body.error.code).toBe(-32700);
  await failsWith(await admin('admin.describe_wallet', { wallet: 'fresh', passphrase: newPassphrase, extra: SEED_PHRASE }), -32602);

  await gw.close();

  // What must stay secret. Private keys: the 32-byte ed25519 keys of every key used (as export_key gave them, and derived
  // here independently for the first few indexes of both wallets), and the wallet nodes m/1789'.
  const privateKeys = new Set<string>();
  for (const key of exported) {
    expect(key.privateKey).toMatch(/^[0-9a-f]{128}$/);
    privateKeys.add(key.privateKey.slice(0, 64));
  }
  for (const phrase of [SEED_PHRASE, createdPhrase]) {
    const seed = recoveryPhraseToSeed(phrase);
    for (const version of [1, 2] as const) for (let index = 1; index <= 3; index++) privateKeys.add(Buffer.from(deriveKeyPair(seed, version, index).secretKey).toString('hex'));
    privateKeys.add(Buffer.from(deriveHardenedPath(seed, [1789]).key).toString('hex'));
    privateKeys.add(Buffer.from(seed).toString('hex'));
  }
  expect(privateKeys.has(exported[0].privateKey.slice(0, 64))).toBe(true);
  const passphrases = [SEED_PASSPHRASE, freshPassphrase, newPassphrase, ...wrongPassphrases];
  const phrases = [SEED_PHRASE, createdPhrase, wrongPhrase];
  const tokens = [connectionToken, apiToken, gw.gateway.adminToken, wrongAdminToken, ...wrongTokens];
  const texts = [
    ...passphrases,
    ...phrases,
    ...phrases.flatMap(threeWordRuns),
    ...tokens,
    ...[...privateKeys].flatMap((hex) => [hex, hex.toUpperCase(), Buffer.from(hex, 'hex').toString('base64')]),
  ];
  expect(texts.length).toBeGreaterThan(100);

  // 1. The logs (a good many lines were written: every request at debug level).
  expect(gw.logs.length).toBeGreaterThan(40);
  const logs = gw.logs.join('');
  // 2. Every error answered during the scenario.
  expect(errors.length).toBeGreaterThanOrEqual(15);
  const errorText = JSON.stringify(errors);
  // 3. Every byte in the data directory, as text and (for private keys) as raw bytes.
  const files = filesUnder(dir);
  expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['admin.token', 'wallet-gateway.db']));
  const disk: string[] = [];
  for (const file of files) {
    for (const text of texts) {
      // The operator token lives in its file, by design; nowhere else.
      if (file.path === 'admin.token' && text === gw.gateway.adminToken) continue;
      if (file.bytes.includes(Buffer.from(text))) disk.push(`${file.path}: ${text}`);
    }
    for (const hex of privateKeys) if (file.bytes.includes(Buffer.from(hex, 'hex'))) disk.push(`${file.path}: raw bytes of ${hex}`);
  }
  // All three places in one report.
  expect({
    logs: texts.filter((text) => logs.includes(text)),
    errors: texts.filter((text) => errorText.includes(text)),
    disk,
  }).toEqual({ logs: [], errors: [], disk: [] });
  // Public keys, on the other hand, are kept in clear.
  expect(files.some((f) => f.bytes.includes(Buffer.from(FIRST_KEY)))).toBe(true);
}, 60_000);
