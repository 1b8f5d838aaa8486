/**
 * Shutdown with work in progress: callers waiting for a review (over HTTP
 * and WebSocket) and a transaction whose proof of work is being computed.
 * Closing must answer every one of them with a defined JSON-RPC error,
 * finish promptly, release the database and the worker threads, and leave
 * a data directory the next gateway starts from as if nothing happened.
 *
 * The in-flight transaction needs a proof of work that cannot finish
 * during the test: the development node asks for 26 leading zero bits,
 * about 2^26 hashes (tens of seconds on the solver's workers), where
 * 22 bits could be solved by luck before the gateway is closed.
 *
 * The last two tests spawn processes: a plain `node` that closes a gateway
 * with a proof of work running and must then exit by itself (nothing left
 * holding the event loop, no worker thread), and the built `serve`, stopped
 * with SIGTERM while a caller waits for a review (needs dist/).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket, { type RawData } from 'ws';
import { databasePath, type GatewayConfig } from '../../src/config.js';
import { SEED_PASSPHRASE, SEED_PHRASE, post, startTestGateway, type RpcReply, type TestGateway } from '../helpers/gateway.js';
import { connectApp, grantPermissions, nextReview } from '../helpers/review.js';
import { ROOT, requireBuild, rpcClient, startServe } from '../soak/lib.mjs';
import { sleep, within } from '../helpers/time.js';

const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
/** {"voteSubmission":{"proposalId":"abc","value":"VALUE_YES"}}, as a dApp sends it. */
const VOTE = Buffer.from(JSON.stringify({ voteSubmission: { proposalId: 'abc', value: 'VALUE_YES' } })).toString('base64');
/** Millions of seconds of search on average at 2^30 tries: the search is certainly still running when the test stops it. */
const HARD_POW = 30;
const APPROVE_TRANSACTIONS = { rules: [{ kind: 'transaction', action: 'approve' }], default: 'ask' };

const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Polls until `check` returns something truthy. */
async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

/** One request over a WebSocket; keeps every frame and how the socket closed. */
async function wsRequest(url: string, message: unknown) {
  const ws = new WebSocket(url.replace(/^http/, 'ws'));
  const frames: any[] = [];
  ws.on('message', (data: RawData) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; framesBeforeClose: number }>((resolve) =>
    ws.on('close', (code) => resolve({ code, framesBeforeClose: frames.length })),
  );
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify(message));
  return { ws, frames, closed };
}

/** How a POST ended: its JSON-RPC answer, or how the connection failed (a dropped socket). */
type Outcome = { reply: RpcReply; ms: number } | { failed: string; ms: number };
const settle = (started: number, request: Promise<RpcReply>): Promise<Outcome> =>
  request.then(
    (reply) => ({ reply, ms: Date.now() - started }),
    (error: Error) => ({ failed: `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`, ms: Date.now() - started }),
  );

describe('closing a gateway with callers waiting and a proof of work running', () => {
  let dir: string;
  let gw: TestGateway;
  const config: Partial<GatewayConfig> = { devnet: { blockTimeMs: 500, powDifficulty: HARD_POW } };

  beforeAll(async () => {
    dir = tempDir('wallet-gateway-shutdown-');
    gw = await startTestGateway(config, dir);
  });
  afterAll(async () => {
    await gw?.close();
  });

  test('every waiting caller gets its error, close() is prompt, and the next gateway starts from a clean data directory', async () => {
    // The owner's wallet, an application that may read it (vega.xyz), and one that has only just connected (perm.example).
    await gw.call('admin.import_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
    const token = await connectApp(gw, 'vega.xyz', 'my-wallet');
    await grantPermissions(gw, token, 'read');
    const other = await connectApp(gw, 'perm.example', 'my-wallet');
    await gw.call('admin.unlock_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE });
    const started = Date.now();
    const app = (method: string, params: unknown) => settle(started, gw.app({ jsonrpc: '2.0', id: method, method, params }));

    // Four callers waiting for the owner.
    const connectHttp = app('session.connect_wallet', { hostname: 'http.example' });
    const connectWs = await wsRequest(gw.gateway.applicationUrl, { jsonrpc: '2.0', id: 'ws', method: 'session.connect_wallet', params: { hostname: 'ws.example' } });
    const permissions = app('session.request_permissions', { token: other, requestedPermissions: { public_keys: 'read' } });
    const reviewed = app('session.send_transaction', { token, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: VOTE });
    const pending = await until(async () => {
      const { reviews } = (await gw.call('admin.list_reviews')) as { reviews: { kind: string; hostname: string }[] };
      return reviews.length === 4 && reviews;
    }, 'four pending reviews');
    expect(pending.map((r) => `${r.kind} ${r.hostname}`).sort()).toEqual([
      'connection http.example',
      'connection ws.example',
      'permissions perm.example',
      'transaction vega.xyz',
    ]);

    // From now on transactions are approved by policy: the next one goes straight to its proof of work.
    await gw.call('admin.set_policy', { policy: APPROVE_TRANSACTIONS });
    const inFlight = app('session.send_transaction', { token, publicKey: FIRST_KEY, sendingMode: 'TYPE_SYNC', encodedTransaction: VOTE });
    await until(async () => {
      const { events } = (await gw.call('admin.list_audit_events', { kind: 'transaction', outcome: 'approved' })) as { events: unknown[] };
      return events.length === 1;
    }, 'the policy approval of the transaction');
    // Past the approval, the gateway reads the last block and the key's spam statistics, then starts the search:
    // wait until this process burns CPU while its main thread sleeps, i.e. the solver's workers are busy.
    await until(async () => {
      const before = process.cpuUsage();
      await sleep(200);
      const used = process.cpuUsage(before);
      return used.user + used.system > 120_000;
    }, 'the proof of work running');

    const closing = Date.now();
    await within(gw.gateway.close(), 5000, 'close()');
    const closeMs = Date.now() - closing;
    expect(closeMs).toBeLessThan(5000);

    // Every caller has been answered by then (within a second, for slow machines), each with a defined error.
    const [http, perms, tx, pow] = await within(Promise.all([connectHttp, permissions, reviewed, inFlight]), 1000, 'the answers');
    const errorOf = (outcome: Outcome) => ('reply' in outcome ? outcome.reply.body?.error : { transportFailure: outcome.failed });
    expect(errorOf(http)).toMatchObject({ code: 3000, data: { reason: 'closed' } });
    expect(errorOf(perms)).toMatchObject({ code: 3000, data: { reason: 'closed' } });
    expect(errorOf(tx)).toMatchObject({ code: 3000, data: { reason: 'closed' } });
    // The transaction whose proof of work was running: not a dropped socket, not a hang, not an internal error.
    expect(errorOf(pow)).toMatchObject({ code: 3000, data: { reason: 'closed' } });
    expect(closeMs).toBeLessThan(5000);

    const ws = await within(connectWs.closed, 1000, 'the WebSocket close');
    expect(connectWs.frames).toEqual([expect.objectContaining({ id: 'ws', error: expect.objectContaining({ code: 3000 }) })]);
    // The answer came before the close frame (1001: going away).
    expect(ws).toEqual({ code: 1001, framesBeforeClose: 1 });

    // Nothing holds the database: a writer gets its lock at once, the file is sound, and the WAL was checkpointed away on close.
    const file = databasePath(dir);
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 0');
      db.exec('BEGIN IMMEDIATE; ROLLBACK');
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    // The next gateway on the same directory: the wallet is there and locked, the policy kept, and each ending is in the audit log.
    gw = await startTestGateway({ devnet: { blockTimeMs: 500, powDifficulty: 2 } }, dir);
    expect(await gw.call('admin.list_wallets')).toEqual({ wallets: ['my-wallet'] });
    const sign = await gw.admin({ jsonrpc: '2.0', id: 1, method: 'admin.sign_message', params: { wallet: 'my-wallet', publicKey: FIRST_KEY, encodedMessage: 'aGk=' } });
    expect(sign.body.error).toMatchObject({ code: 2000, data: { reason: 'wallet_locked' } });
    expect(await gw.call('admin.get_policy')).toEqual({ policy: APPROVE_TRANSACTIONS });
    const { events } = (await gw.call('admin.list_audit_events', { outcome: 'closed' })) as { events: { kind: string; hostname: string; decidedBy: string }[] };
    expect(events.map((e) => `${e.kind} ${e.hostname} ${e.decidedBy}`).sort()).toEqual([
      'connection http.example gateway',
      'connection ws.example gateway',
      'permissions perm.example gateway',
      'transaction vega.xyz gateway',
    ]);
    expect(await gw.call('admin.list_reviews')).toEqual({ reviews: [] });
  }, 60_000);
});

describe('processes that close a gateway exit by themselves', () => {
  beforeAll(() => requireBuild());

  test('a process that closes its gateway while a proof of work runs ends without process.exit()', async () => {
    const dir = tempDir('wallet-gateway-shutdown-process-');
    const dataDir = join(dir, 'data');
    const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', 'src', path)).href;
    // Everything auto-approved by policy, so the script needs no reviewer; it never calls process.exit().
    const script = `
      import { startGateway } from ${JSON.stringify(dist('gateway.js'))};
      import { defaultConfig } from ${JSON.stringify(dist('config.js'))};
      import { createLogger } from ${JSON.stringify(dist('logger.js'))};
      const gw = await startGateway(
        defaultConfig({ dataDir: ${JSON.stringify(dataDir)}, port: 0, adminPort: 0, scryptCost: { N: 4096, r: 8, p: 1 },
          devnet: { blockTimeMs: 500, powDifficulty: ${HARD_POW} } }),
        { logger: createLogger('error') },
      );
      const call = async (url, method, params, headers = {}) => {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        return res.json();
      };
      const admin = (method, params) => call(gw.operatorUrl, method, params, { authorization: 'Bearer ' + gw.adminToken });
      await admin('admin.import_wallet', { wallet: 'w', passphrase: 'p', recoveryPhrase: ${JSON.stringify(SEED_PHRASE)}, version: 2 });
      await admin('admin.set_policy', { policy: { rules: [{ kind: 'connection', wallet: 'w', action: 'approve' }, { action: 'approve' }], default: 'ask' } });
      const { result: { token } } = await call(gw.applicationUrl, 'session.connect_wallet', { hostname: 'bot.example' });
      await call(gw.applicationUrl, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
      await admin('admin.unlock_wallet', { wallet: 'w', passphrase: 'p' });
      const sent = call(gw.applicationUrl, 'session.send_transaction', { token, publicKey: ${JSON.stringify(FIRST_KEY)}, sendingMode: 'TYPE_SYNC', encodedTransaction: ${JSON.stringify(VOTE)} })
        .then((answer) => JSON.stringify(answer.error ?? answer.result), (error) => 'failed: ' + error.message);
      await new Promise((resolve) => setTimeout(resolve, 700));
      const started = Date.now();
      await gw.close();
      console.log('closed in ' + (Date.now() - started) + ' ms; the transaction got ' + (await sent));
    `;
    // From a file: with --input-type=module -e, the solver's worker threads would inherit a flag they cannot run under.
    const file = join(dir, 'close-while-proving.mjs');
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const closedAt = await until(async () => (stdout.includes('closed in') ? Date.now() : false), 'the gateway closing in the child', 30_000).catch(
      (error: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
      },
    );
    const end = await within(exited, 5000, 'the child exiting after close()').catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}: something keeps it alive\nstdout: ${stdout}\nstderr: ${stderr}`);
    });
    expect({ code: end.code, signal: end.signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(end.at - closedAt).toBeLessThan(5000);
    expect(stdout).toMatch(/"code":3000/);
    const ms = Number(/closed in (\d+) ms/.exec(stdout)?.[1]);
    expect(ms).toBeLessThan(5000);
  }, 60_000);

  test('SIGTERM to `serve` answers the caller waiting for a review with 3000 and exits 0', async () => {
    const dir = tempDir('wallet-gateway-shutdown-serve-');
    const served = await startServe(dir);
    try {
      const admin = rpcClient(served.operatorUrl, served.token);
      await admin.call('admin.import_wallet', { wallet: 'my-wallet', passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
      const waiting = post(served.applicationUrl, { jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname: 'vega.xyz' } });
      const ws = await wsRequest(served.applicationUrl, { jsonrpc: '2.0', id: 2, method: 'session.connect_wallet', params: { hostname: 'ws.example' } });
      await until(async () => {
        const { result } = await admin.call('admin.list_reviews');
        return result.reviews.length === 2;
      }, 'two pending reviews');
      const signalled = Date.now();
      served.child.kill('SIGTERM');
      const end = await within(served.exited as Promise<{ code: number | null; signal: string | null }>, 5000, 'serve exiting after SIGTERM');
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect(end).toEqual({ code: 0, signal: null });
      const reply = await within(waiting, 1000, 'the answer to the waiting caller');
      expect(reply.body.error).toMatchObject({ code: 3000, data: { reason: 'closed' } });
      await within(ws.closed, 1000, 'the WebSocket close');
      expect(ws.frames).toEqual([expect.objectContaining({ id: 2, error: expect.objectContaining({ code: 3000 }) })]);
      expect(served.stdout()).toContain('SIGTERM: shutting down');
    } finally {
      if (served.child.exitCode === null && served.child.signalCode === null) served.child.kill('SIGKILL');
    }
  }, 30_000);
});
