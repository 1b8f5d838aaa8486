/**
 * The terminal reviewer (`wallet-gateway review`) as its user meets it: the
 * built CLI in a child process, answers written to its stdin (a pipe, not a
 * terminal), against a real gateway started in this process. Applications
 * ask on the application door; the reviewer's answers must reach them.
 * Needs dist/: `npx tsc -p tsconfig.build.json` (npm test builds it first).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importSeedWallet } from '../helpers/app.js';
import { cliSandbox, exitWithin, requireBuild, type Cli } from '../helpers/cli.js';
import { SEED_PASSPHRASE, startTestGateway, type RpcReply, type TestGateway } from '../helpers/gateway.js';
import { nextReview, pendingReviews } from '../helpers/review.js';

const cli = cliSandbox('wallet-gateway-review-home-');
const HOME = cli.home;

/** Runs a command that should end by itself, with stdin an open pipe (no terminal). */
const runCli = (args: string[]) => cli.run(args, 5000);

const startReviewer = (gw: TestGateway) => cli.spawn(['review', '--admin-url', gw.gateway.operatorUrl, '--token-file', join(gw.dataDir, 'admin.token')]);

const connectRequest = (gw: TestGateway, hostname: string): Promise<RpcReply> =>
  gw.app({ jsonrpc: '2.0', id: 1, method: 'session.connect_wallet', params: { hostname } });

const pendingCount = async (gw: TestGateway) => (await pendingReviews(gw)).length;

/** Polls the operator door until `count` reviews are pending. */
async function untilPending(gw: TestGateway, count: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await pendingCount(gw)) < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} reviews became pending within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(() => requireBuild('review.js'));

afterAll(() => cli.cleanup());

describe('wallet-gateway review against a live gateway', () => {
  let gw: TestGateway;
  let reviewer: Cli | undefined;

  beforeAll(async () => {
    gw = await startTestGateway();
    await importSeedWallet(gw);
    await gw.call('admin.create_wallet', { wallet: 'trading', passphrase: SEED_PASSPHRASE });
  });

  afterEach(async () => {
    if (reviewer && reviewer.child.exitCode === null) {
      reviewer.child.stdin.end();
      await exitWithin(reviewer);
    }
    reviewer = undefined;
    // Every test leaves the gateway without pending reviews for the next one.
    expect(await pendingCount(gw)).toBe(0);
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('approves a connection with the wallet picked by number, then a permission change, showing what is asked', async () => {
    reviewer = startReviewer(gw);
    await reviewer.waitFor('Waiting for requests');

    const reply = connectRequest(gw, 'vega.xyz');
    const shown = await reviewer.waitFor('Approve? [y/N] ');
    expect(shown).toContain('Connection request from vega.xyz');
    expect(shown).toMatch(/Host:\s+vega\.xyz/);
    expect(shown).toMatch(/Wallet:\s+which wallet\?/);
    expect(shown).toMatch(/Expires:\s+\d{4}-\d\d-\d\dT/);
    reviewer.answer('y');
    const choice = await reviewer.waitFor('Wallet [1-2 or name]: ');
    expect(choice).toContain('1) my-wallet');
    expect(choice).toContain('2) trading');
    reviewer.answer('1');

    const { body } = await reply;
    expect(body.result.token).toMatch(/^\S{32,}$/);
    await reviewer.waitFor('Approved: vega.xyz is connected to wallet "my-wallet"');
    const { connections } = (await gw.call('admin.list_connections')) as { connections: { wallet: string; hostname: string }[] };
    expect(connections).toContainEqual(expect.objectContaining({ wallet: 'my-wallet', hostname: 'vega.xyz' }));

    // The same application now asks to read the public keys: the reviewer shows requested against current.
    const permissions = gw.app({ jsonrpc: '2.0', id: 2, method: 'session.request_permissions', params: { token: body.result.token, requestedPermissions: { public_keys: 'read' } } });
    const change = await reviewer.waitFor('Approve? [y/N] ');
    expect(change).toContain('Permission change from vega.xyz');
    expect(change).toMatch(/Wallet:\s+my-wallet/);
    expect(change).toMatch(/Requested:\s+public_keys: read/);
    expect(change).toMatch(/Current:\s+public_keys: none/);
    reviewer.answer('yes');
    expect((await permissions).body.result).toEqual({ permissions: { public_keys: 'read' } });
    // The owner's record says which reviewer decided.
    const { events } = (await gw.call('admin.list_audit_events', { hostname: 'vega.xyz' })) as { events: { kind: string; decidedBy: string }[] };
    expect(events.map((e) => [e.kind, e.decidedBy]).sort()).toEqual([
      ['connection', 'operator (terminal)'],
      ['permissions', 'operator (terminal)'],
    ]);

    // Neither the operator token nor the application's token is ever printed.
    expect(reviewer.stdout() + reviewer.stderr()).not.toContain(gw.gateway.adminToken);
    expect(reviewer.stdout() + reviewer.stderr()).not.toContain(body.result.token);
  });

  it('rejects on "n" (the application gets 3001) and takes a wallet by name', async () => {
    reviewer = startReviewer(gw);
    await reviewer.waitFor('Waiting for requests');

    const rejected = connectRequest(gw, 'rejected.example');
    expect(await reviewer.waitFor('Approve? [y/N] ')).toContain('from rejected.example');
    reviewer.answer('n');
    expect((await rejected).body.error).toMatchObject({ code: 3001 });
    await reviewer.waitFor('Rejected.');

    const named = connectRequest(gw, 'named.example');
    expect(await reviewer.waitFor('Approve? [y/N] ')).toContain('from named.example');
    reviewer.answer('y');
    await reviewer.waitFor('Wallet [1-2 or name]: ');
    reviewer.answer('no-such-wallet');
    await reviewer.waitFor('There is no wallet "no-such-wallet"');
    reviewer.answer('trading');
    expect((await named).body.result.token).toBeDefined();
    await reviewer.waitFor('connected to wallet "trading"');
  });

  it('shows the requests that were already waiting when it started, oldest first', async () => {
    const first = connectRequest(gw, 'first.example');
    await untilPending(gw, 1);
    const second = connectRequest(gw, 'second.example');
    await untilPending(gw, 2);

    reviewer = startReviewer(gw);
    expect(await reviewer.waitFor('2 request(s) waiting')).toContain('Connected to the operator door');
    const shown = await reviewer.waitFor('Approve? [y/N] ');
    expect(shown).toContain('Connection request from first.example');
    expect(shown).toContain('(1 more waiting)');
    reviewer.answer('n');
    expect(await reviewer.waitFor('Approve? [y/N] ')).toContain('Connection request from second.example');
    reviewer.answer('n');

    expect((await first).body.error).toMatchObject({ code: 3001 });
    expect((await second).body.error).toMatchObject({ code: 3001 });
  });

  it('says so when the request it asks about is decided elsewhere, and goes on with the next one', async () => {
    reviewer = startReviewer(gw);
    await reviewer.waitFor('Waiting for requests');

    const elsewhere = connectRequest(gw, 'elsewhere.example');
    await reviewer.waitFor('Approve? [y/N] ');
    // This one arrives while the reviewer asks about the first, so it waits its turn.
    const next = connectRequest(gw, 'next.example');
    await untilPending(gw, 2);
    const { id } = await nextReview(gw);
    // Another reviewer, who gives a name: the line says who, without nesting parentheses.
    await gw.call('admin.decide_review', { id, approved: true, wallet: 'my-wallet', reviewer: 'alice' });
    expect((await elsewhere).body.result.token).toBeDefined();

    await reviewer.waitFor(/elsewhere\.example was approved elsewhere, by operator \(alice\); moving on/);
    expect(await reviewer.waitFor('Approve? [y/N] ')).toContain('Connection request from next.example');
    reviewer.answer('n');
    expect((await next).body.error).toMatchObject({ code: 3001 });
    await reviewer.waitFor('Rejected.');
    expect(reviewer.child.exitCode).toBeNull();
  });

  it('ends with 0 when its input closes, also in the middle of a question, leaving the request pending', async () => {
    reviewer = startReviewer(gw);
    await reviewer.waitFor('Waiting for requests');
    const waiting = connectRequest(gw, 'left.example');
    await reviewer.waitFor('Approve? [y/N] ');
    reviewer.child.stdin.end();
    expect(await exitWithin(reviewer)).toEqual({ code: 0, signal: null });
    expect(reviewer.stdout()).toContain('End of input');

    // Nobody answered: the request still waits for another reviewer.
    const { id } = await nextReview(gw);
    await gw.call('admin.decide_review', { id, approved: false });
    expect((await waiting).body.error).toMatchObject({ code: 3001 });
  });
});

describe('wallet-gateway review and the end of its gateway', () => {
  it('exits 0 on SIGTERM and 1 with a message when the gateway stops', async () => {
    const gw = await startTestGateway();
    try {
      // A wrong token is refused at the WebSocket upgrade, and the message says so without printing it.
      const wrongToken = join(HOME, 'wrong.token');
      writeFileSync(wrongToken, `${'w'.repeat(43)}\n`, { mode: 0o600 });
      const refused = await runCli(['review', '--admin-url', gw.gateway.operatorUrl, '--token-file', wrongToken]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused the token/);
      expect(refused.stderr).not.toContain('w'.repeat(43));

      const signalled = startReviewer(gw);
      const stranded = startReviewer(gw);
      await Promise.all([signalled.waitFor('Waiting for requests'), stranded.waitFor('Waiting for requests')]);

      signalled.child.kill('SIGTERM');
      expect(await exitWithin(signalled)).toEqual({ code: 0, signal: null });

      await gw.close();
      expect(await exitWithin(stranded)).toEqual({ code: 1, signal: null });
      expect(stranded.stderr()).toMatch(/Lost the connection to the operator door/);
      expect(stranded.stderr()).not.toMatch(/^\s+at /m);

      // Nothing listens there any more.
      const unreachable = await runCli(['review', '--admin-url', gw.gateway.operatorUrl, '--token-file', wrongToken]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/cannot reach the operator door/);
    } finally {
      await gw.close();
    }
  });
});

describe('usage', () => {
  it('refuses serve --review without a terminal or with another value than "terminal", and documents both commands', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wallet-gateway-review-serve-'));
    try {
      const [noTerminal, bogus, help, serveHelp, mainHelp] = await Promise.all([
        runCli(['serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', '--review', 'terminal']),
        runCli(['serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', '--review', 'bogus']),
        runCli(['review', '--help']),
        runCli(['serve', '--help']),
        runCli(['--help']),
      ]);
      expect(noTerminal.code).toBe(2);
      expect(noTerminal.stderr).toMatch(/needs a terminal/);
      expect(noTerminal.stdout).not.toContain('wallet-gateway is running');
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toMatch(/--review accepts only "terminal"/);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: wallet-gateway review');
      expect(serveHelp.stdout).toContain('--review terminal');
      expect(mainHelp.stdout).toMatch(/^\s+review\s/m);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
