/**
 * Drives the built command line (bin/wallet-gateway → dist/) as a user would:
 * real processes, a real gateway on 127.0.0.1 with ports picked by the OS,
 * real SQLite files in temporary data directories. `npm test` builds dist/
 * first; when running this file alone, run `npx tsc -p tsconfig.build.json`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { FIRST_KEY as FIRST_KEY_V2 } from '../helpers/app.js';
import { cliSandbox, closedPort, noStackTrace, requireBuild, stop, type Served } from '../helpers/cli.js';
import { SEED_PHRASE } from '../helpers/gateway.js';

const FIRST_KEY_V1 = '30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371';
const PASSPHRASE = 'correct-horse-battery-staple-42';
const WRONG_PASSPHRASE = 'definitely-not-the-passphrase-17';

const cli = cliSandbox('wallet-gateway-cli-');
const { tempDir, run, startServe } = cli;
/** Children that print Node's own warnings, as they would for a user. */
const withWarnings = cliSandbox('wallet-gateway-cli-warn-', { nodeWarnings: true });

/** Sends a signal and returns how the process ended and how long it took. */
async function timedStop(served: Served, signal: NodeJS.Signals) {
  const started = Date.now();
  const result = await stop(served, signal);
  return { ...result, ms: Date.now() - started };
}

beforeAll(() => requireBuild('main.js'));

afterAll(() => {
  cli.cleanup();
  withWarnings.cleanup();
});

describe('wallet-gateway serve', () => {
  it('prints both doors and the token path, serves /health on both, and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir();
    const served = await startServe(dataDir);

    expect(served.stdout()).toContain('wallet-gateway is running');
    expect(served.applicationUrl).not.toBe(served.operatorUrl);
    expect(served.tokenPath).toBe(join(dataDir, 'admin.token'));
    expect(statSync(served.tokenPath).mode & 0o777).toBe(0o600);

    for (const [url, door] of [
      [served.applicationUrl, 'application'],
      [served.operatorUrl, 'operator'],
    ] as const) {
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', door });
    }

    const ended = await timedStop(served, 'SIGTERM');
    expect(ended).toMatchObject({ code: 0, signal: null });
    expect(ended.ms).toBeLessThan(3_000);
    expect(served.stdout()).toContain('SIGTERM: shutting down');
    noStackTrace(served.stderr());
  });

  it('exits 0 on SIGINT (Ctrl+C), also after serving a request, and reuses the same token on the next start', async () => {
    const dataDir = tempDir();
    const first = await startServe(dataDir);
    const token = readFileSync(first.tokenPath, 'utf8');
    expect((await fetch(`${first.operatorUrl}/health`)).status).toBe(200);
    const ended = await timedStop(first, 'SIGINT');
    expect(ended).toMatchObject({ code: 0, signal: null });
    expect(ended.ms).toBeLessThan(3_000);

    // The doors are really closed.
    await expect(fetch(`${first.operatorUrl}/health`)).rejects.toThrow();

    const second = await startServe(dataDir);
    expect(second.tokenPath).toBe(first.tokenPath);
    expect(readFileSync(second.tokenPath, 'utf8')).toBe(token);
    expect(await timedStop(second, 'SIGTERM')).toMatchObject({ code: 0 });
  });

  it('shuts down cleanly even when signalled the moment it announces itself', async () => {
    // A supervisor may send the signal as soon as it reads the banner; the handlers must already be there.
    // Several starts side by side, because a missing handler only loses a race.
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'];
    const ends = await Promise.all(signals.map(async (signal) => timedStop(await startServe(tempDir()), signal)));
    expect(ends.map(({ code, signal }) => ({ code, signal }))).toEqual(signals.map(() => ({ code: 0, signal: null })));
  });

  // The operator door opens first, the application door second: a clash on either must end the process cleanly.
  it.each([['--admin-port', '--port'], ['--port', '--admin-port']])(
    'refuses a %s that is already in use with a clear message, not a stack trace',
    async (taken, free) => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as { port: number };
      try {
        const result = await run(['serve', '--data-dir', tempDir(), free, '0', taken, String(port)]);
        expect(result.signal).toBeNull();
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/address already in use/i);
        expect(result.stderr).toContain(String(port));
        expect(result.stdout).not.toContain('wallet-gateway is running');
        noStackTrace(result.stderr);
      } finally {
        await new Promise<void>((resolve) => blocker.close(() => resolve()));
      }
    },
  );

  it("prints nothing but its own log lines while a bot has many transactions waiting for review on one WebSocket", async () => {
    const served = await withWarnings.startServe(withWarnings.tempDir());
    const adminToken = readFileSync(served.tokenPath, 'utf8').trim();
    const call = async (url: string, method: string, params: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      const body = (await res.json()) as { result?: any; error?: unknown };
      expect(body.error).toBeUndefined();
      return body.result;
    };
    const admin = (method: string, params: unknown) => call(served.operatorUrl, method, params, { authorization: `Bearer ${adminToken}` });
    await admin('admin.create_wallet', { wallet: 'bot-wallet', passphrase: PASSPHRASE });
    // Connections and read access are approved by rule; transactions wait for a person.
    await admin('admin.set_policy', {
      policy: {
        rules: [
          { kind: 'connection', hostname: 'bot.example', wallet: 'bot-wallet', action: 'approve' },
          { kind: 'permissions', hostname: 'bot.example', action: 'approve' },
        ],
        default: 'ask',
      },
    });
    const { token } = await call(served.applicationUrl, 'session.connect_wallet', { hostname: 'bot.example' });
    await call(served.applicationUrl, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
    const [publicKey] = (await call(served.applicationUrl, 'session.list_keys', { token })) as string[];
    const encodedTransaction = Buffer.from(JSON.stringify({ voteSubmission: { proposalId: 'ab'.repeat(32), value: 'VALUE_YES' } })).toString('base64');

    // More requests in flight on one connection than Node's default of 10 listeners per signal.
    const ws = new WebSocket(served.applicationUrl.replace(/^http/, 'ws'));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answers: unknown[] = [];
    ws.on('message', (data) => answers.push(JSON.parse(String(data))));
    for (let id = 1; id <= 20; id++) {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'session.send_transaction', params: { token, publicKey, sendingMode: 'TYPE_SYNC', encodedTransaction } }));
    }
    const pending = async () => ((await admin('admin.list_reviews', {})) as { reviews: unknown[] }).reviews.length;
    for (let tries = 0; (await pending()) < 20 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pending()).toBe(20);
    expect(answers).toEqual([]);
    ws.close();
    for (let tries = 0; (await pending()) > 0 && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await pending()).toBe(0);

    const ended = await stop(served, 'SIGTERM');
    expect(ended).toMatchObject({ code: 0 });
    // Log lines are JSON; a warning of Node's own ("(node:123) MaxListenersExceededWarning: ...") is not.
    const notLogLines = served
      .stderr()
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('{'));
    expect(notLogLines).toEqual([]);
  });
});

describe('wallet commands against a running gateway', () => {
  let served: Served;
  let dataDir: string;
  let passphraseFile: string;
  let wrongPassphraseFile: string;
  let phraseFile: string;
  let conn: string[];

  beforeAll(async () => {
    dataDir = tempDir();
    served = await startServe(dataDir);
    conn = ['--admin-url', served.operatorUrl, '--data-dir', dataDir];
    ({ passphrase: passphraseFile, wrong: wrongPassphraseFile, phrase: phraseFile } = cli.secretFiles({ passphrase: PASSPHRASE, wrong: WRONG_PASSPHRASE, phrase: SEED_PHRASE }));
  });

  afterAll(async () => {
    if (served && served.child.exitCode === null) await stop(served, 'SIGTERM');
  });

  const listJson = async (): Promise<string[]> => {
    const result = await run(['wallet', 'list', '--json', ...conn]);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { wallets: string[] };
    expect(Array.isArray(parsed.wallets)).toBe(true);
    return parsed.wallets;
  };

  it('creates a wallet, lists it, describes it, and refuses a wrong passphrase without echoing it', async () => {
    const created = await run(['wallet', 'create', '--wallet', 'alice', '--passphrase-file', passphraseFile, ...conn]);
    expect(created.code).toBe(0);
    const phrase = /Recovery phrase[^\n]*\n\s+([a-z ]+)\n/.exec(created.stdout)?.[1]?.trim();
    expect(phrase?.split(' ')).toHaveLength(24);
    expect(created.stdout).toMatch(/First key: [0-9a-f]{64}\n/);
    // The passphrase came from a file and must not be printed anywhere.
    expect(created.stdout + created.stderr).not.toContain(PASSPHRASE);

    const listed = await run(['wallet', 'list', ...conn]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toContain('alice');
    expect(await listJson()).toEqual(['alice']);

    const described = await run(['wallet', 'describe', '--wallet', 'alice', '--passphrase-file', passphraseFile, ...conn]);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/^ID:\s+[0-9a-f]{64}$/m);
    expect(described.stdout).toMatch(/^Name:\s+alice$/m);

    const refused = await run(['wallet', 'describe', '--wallet', 'alice', '--passphrase-file', wrongPassphraseFile, ...conn]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/passphrase is not correct/i);
    expect(refused.stdout + refused.stderr).not.toContain(WRONG_PASSPHRASE);
    expect(refused.stdout + refused.stderr).not.toContain(PASSPHRASE);
    expect(refused.stdout).not.toMatch(/ID:/);
  });

  it('imports the reference phrase with key derivation versions 2 and 1', async () => {
    const v2 = await run(['wallet', 'import', '--wallet', 'bob', '--recovery-phrase-file', phraseFile, '--passphrase-file', passphraseFile, '--version', '2', ...conn]);
    expect(v2.code).toBe(0);
    expect(v2.stdout).toContain(`First key: ${FIRST_KEY_V2}`);
    expect(v2.stdout).toContain('version 2');
    expect(v2.stdout + v2.stderr).not.toContain('swing ceiling');

    const v1 = await run(['wallet', 'import', '--wallet', 'bob-v1', '--recovery-phrase-file', phraseFile, '--passphrase-file', passphraseFile, '--version', '1', ...conn]);
    expect(v1.code).toBe(0);
    expect(v1.stdout).toContain(`First key: ${FIRST_KEY_V1}`);
    expect(v1.stdout).toContain('version 1');

    expect(await listJson()).toEqual(expect.arrayContaining(['bob', 'bob-v1']));
  });

  it('will not remove a wallet without --yes when there is no terminal, and removes it with --yes', async () => {
    const before = await listJson();
    expect(before).toContain('alice');

    const refused = await run(['wallet', 'remove', '--wallet', 'alice', ...conn]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(await listJson()).toEqual(before);

    const removed = await run(['wallet', 'remove', '--wallet', 'alice', '--yes', ...conn]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Removed wallet "alice"');
    const after = await listJson();
    expect(after).not.toContain('alice');
    expect(after).toEqual(before.filter((name) => name !== 'alice'));
  });

  it('asks for the passphrase only on a terminal or in a file, never as an argument', async () => {
    const before = await listJson();

    const noTerminal = await run(['wallet', 'create', '--wallet', 'carol', ...conn]);
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('--passphrase-file');

    const asArgument = await run(['wallet', 'create', '--wallet', 'carol', '--passphrase', 'in-the-shell-history', ...conn]);
    expect(asArgument.code).toBe(2);
    expect(asArgument.stderr).toMatch(/--passphrase\b/);

    expect(await listJson()).toEqual(before);
  });
});

describe('help and usage errors', () => {
  const helps: string[][] = [
    ['--help'],
    ['-h'],
    ['serve', '--help'],
    ['wallet', '--help'],
    ...['create', 'import', 'list', 'describe', 'remove'].map((sub) => ['wallet', sub, '--help']),
  ];

  it('prints "Usage:" and exits 0 for --help on every command', async () => {
    const results = await Promise.all(helps.map((args) => run(args)));
    results.forEach((result, i) => {
      expect({ args: helps[i], code: result.code }).toEqual({ args: helps[i], code: 0 });
      expect(result.stdout).toContain('Usage:');
      expect(result.stderr).toBe('');
    });
    // Each subcommand's help is about that subcommand.
    results.slice(4).forEach((result, i) => expect(result.stdout).toContain(`wallet-gateway wallet ${helps[i + 4]?.[1]}`));
  });

  it('exits 2 on an unknown command, subcommand or flag', async () => {
    const cases = [['frobnicate'], ['wallet', 'frobnicate'], ['--frobnicate'], ['serve', '--frobnicate'], ['wallet', 'list', '--frobnicate'], ['serve', '--port', 'http']];
    const results = await Promise.all(cases.map((args) => run(args)));
    results.forEach((result, i) => {
      expect({ args: cases[i], code: result.code }).toEqual({ args: cases[i], code: 2 });
      expect(result.stderr).not.toBe('');
      noStackTrace(result.stderr);
    });
  });

  it('says the operator door cannot be reached when no gateway listens there', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'admin.token'), `${'x'.repeat(43)}\n`, { mode: 0o600 });
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await run(['wallet', 'list', '--admin-url', url, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach the operator door/);
    expect(result.stderr).toContain(url);
    noStackTrace(result.stderr);
  });
});
