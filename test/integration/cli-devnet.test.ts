/**
 * The development node and the network options through the built command
 * line (bin/wallet-gateway → dist/): `wallet-gateway devnet`, `serve` with
 * and without --network, `wallet-gateway network ...`, and the node's own
 * lookups (GET /transactions/{hash}, GET /blocks/{height}). Real processes on
 * 127.0.0.1 with ports picked by the OS. `npm test` builds dist/ first; when
 * running this file alone, run `npx tsc -p tsconfig.build.json` before.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WireWriter } from '../../src/domain/vega/wire.js';
import { cliSandbox, closedPort, requireBuild, stop, type Launched } from '../helpers/cli.js';
import { cancelCommand, PUB_KEY, signTransaction, type Command } from '../helpers/transaction.js';

const cli = cliSandbox('wallet-gateway-cli-devnet-');
const { tempDir, run, launch, startServe: startServeOn } = cli;

// ---------------------------------------------------------------- a development node run by the CLI

const DEVNET_READY = /url\s+(http:\/\/127\.0\.0\.1:\d+)\n\s+chain id\s+(\S+)\n\s+height\s+(\d+)\n[^]*Stop with Ctrl\+C\.\n/;

interface Devnet extends Launched {
  url: string;
  chainId: string;
  /** The height printed at start. */
  height: bigint;
}

async function startDevnet(extra: string[] = []): Promise<Devnet> {
  const proc = await launch(['devnet', '--port', '0', '--log-level', 'warn', ...extra], DEVNET_READY);
  return { ...proc, url: proc.banner[1] as string, chainId: proc.banner[2] as string, height: BigInt(proc.banner[3] as string) };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

const heightOf = async (node: string) => BigInt((await getJson(`${node}/blockchain/height`)).body.height as string);

async function waitForHeight(node: string, atLeast: bigint, withinMs = 5_000): Promise<bigint> {
  const until = Date.now() + withinMs;
  for (;;) {
    const height = await heightOf(node);
    if (height >= atLeast) return height;
    if (Date.now() > until) throw new Error(`${node} stayed at height ${height}, below ${atLeast}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------- serve

const startServe = (dataDir: string, extra: string[] = []) => startServeOn(dataDir, ['--log-level', 'warn', ...extra]);

async function rpc(url: string, method: string, params: unknown = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

// Broader than the shared noStackTrace: it also catches frames without parentheses.
const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

// ---------------------------------------------------------------- transactions built here (../helpers/transaction.ts)

/** A signed V3 transaction with its proof of work, against the node's current block. */
async function buildTransaction(node: string, command: Command) {
  const last = (await getJson(`${node}/blockchain/height`)).body as { height: string; hash: string; chainId: string; spamPowDifficulty: number };
  return signTransaction({ chainId: last.chainId, height: BigInt(last.height), command, pow: { blockHash: last.hash, bits: last.spamPowDifficulty } });
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(() => requireBuild('devnet.js'));

afterAll(() => cli.cleanup());

// ---------------------------------------------------------------- tests

describe('wallet-gateway devnet', () => {
  it('serves the chain id and spam parameters it was given, makes blocks at the given pace, and exits 0 on SIGTERM', async () => {
    const node = await startDevnet(['--chain-id', 'cli-chain', '--block-time-ms', '100', '--pow-difficulty', '3', '--tx-per-block', '5', '--past-blocks', '20']);
    expect(node.chainId).toBe('cli-chain');
    expect(node.stdout()).toContain('wallet-gateway devnet is running');

    const first = await getJson(`${node.url}/blockchain/height`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ chainId: 'cli-chain', spamPowDifficulty: 3, spamPowNumberOfTxPerBlock: 5, spamPowNumberOfPastBlocks: 20 });

    const start = BigInt(first.body.height as string);
    const startedAt = Date.now();
    const reached = await waitForHeight(node.url, start + 3n);
    const elapsed = Date.now() - startedAt;
    // Three blocks 100 ms apart take about 300 ms; never much less (a timer does not fire early).
    expect(elapsed).toBeGreaterThanOrEqual(180);
    const stats = (await getJson(`${node.url}/statistics`)).body.statistics;
    expect(stats.chainId).toBe('cli-chain');
    expect(BigInt(stats.blockHeight as string)).toBeGreaterThanOrEqual(reached);
    // Nanoseconds between the last two blocks: the block time, give or take timer slack.
    expect(Number(stats.blockDuration)).toBeGreaterThanOrEqual(95e6);
    expect(Number(stats.blockDuration)).toBeLessThan(1e9);

    expect(await stop(node, 'SIGTERM')).toEqual({ code: 0, signal: null });
    expect(node.stdout()).toContain('SIGTERM: shutting down');
    await expect(fetch(`${node.url}/health`)).rejects.toThrow();
    noStackTrace(node.stderr());
  });

  it('keeps its chain in --data-dir and continues it after a restart (SIGINT exits 0 too)', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, 'devnet-chain.json');
    const first = await startDevnet(['--data-dir', dataDir, '--chain-id', 'kept-chain', '--block-time-ms', '40']);
    expect(first.stdout()).toContain(file);
    await waitForHeight(first.url, first.height + 4n);
    expect(await stop(first, 'SIGINT')).toEqual({ code: 0, signal: null });
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { chainId: string; height: string };
    expect(saved.chainId).toBe('kept-chain');
    expect(BigInt(saved.height)).toBeGreaterThanOrEqual(first.height + 4n);

    // No --chain-id this time: the saved chain brings its own.
    const second = await startDevnet(['--data-dir', dataDir, '--block-time-ms', '40']);
    expect(second.chainId).toBe('kept-chain');
    expect(second.height).toBe(BigInt(saved.height));
    expect(await waitForHeight(second.url, second.height + 1n)).toBeGreaterThan(BigInt(saved.height));
    expect(await stop(second, 'SIGTERM')).toEqual({ code: 0, signal: null });

    // A chain id that contradicts the saved chain is refused, not silently replaced.
    const clash = await run(['devnet', '--port', '0', '--data-dir', dataDir, '--chain-id', 'other-chain']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('kept-chain');
    expect(clash.stderr).toContain(file);
    noStackTrace(clash.stderr);
  });

  it('finds a sent transaction by hash once a block holds it, shows its block, and answers 404 for an unknown hash', async () => {
    const node = await startDevnet(['--chain-id', 'lookup-chain', '--block-time-ms', '100']);
    try {
      const sent = await buildTransaction(node.url, cancelCommand());
      const committed = await post(`${node.url}/transaction/raw`, { tx: sent.tx, type: 'TYPE_COMMIT' });
      expect(committed.status).toBe(200);
      expect(committed.body).toMatchObject({ success: true, txHash: sent.hash, code: 0 });
      const height = committed.body.height as string;
      expect(BigInt(height)).toBeGreaterThan(0n);

      // Either case of the hash finds it.
      for (const hash of [sent.hash.toLowerCase(), sent.hash]) {
        const found = await getJson(`${node.url}/transactions/${hash}`);
        expect(found.status).toBe(200);
        expect(Object.keys(found.body.transaction)).toEqual(['hash', 'blockHeight', 'blockHash', 'blockTime', 'index', 'code', 'data', 'party', 'command']);
        expect(found.body.transaction).toMatchObject({ hash: sent.hash, blockHeight: height, index: 0, code: 0, data: '', party: PUB_KEY, command: 'orderCancellation' });
        expect(found.body.transaction.blockTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      }

      const block = await getJson(`${node.url}/blocks/${height}`);
      expect(block.status).toBe(200);
      const found = (await getJson(`${node.url}/transactions/${sent.hash}`)).body.transaction;
      expect(block.body).toEqual({ block: { height, hash: found.blockHash, time: found.blockTime, transactions: [sent.hash] } });
      // An empty block made by this process has its time too.
      const empty = await getJson(`${node.url}/blocks/${BigInt(height) - 1n}`);
      expect(empty.body.block).toMatchObject({ height: String(BigInt(height) - 1n), transactions: [] });
      expect(empty.body.block.time).toEqual(expect.any(String));

      const unknown = await getJson(`${node.url}/transactions/${'ab'.repeat(32)}`);
      expect(unknown).toEqual({ status: 404, body: { code: 5, message: expect.stringContaining('AB'.repeat(32)), details: [] } });
      expect((await getJson(`${node.url}/transactions/not-a-hash`)).status).toBe(400);
      const future = await getJson(`${node.url}/blocks/999999999`);
      expect(future).toEqual({ status: 404, body: { code: 5, message: expect.stringMatching(/no block 999999999/), details: [] } });

      // The CLI's node uses the gateway's command decoder: a command that does not decode is refused with 60.
      const garbled = await buildTransaction(node.url, { field: 1002, bytes: new WireWriter().varintField(2, 7).finish() });
      const checked = await post(`${node.url}/transaction/raw/check`, { tx: garbled.tx });
      expect(checked.body).toMatchObject({ success: false, code: 60 });
    } finally {
      await stop(node, 'SIGTERM');
    }
  });

  it('refuses bad options with exit 2 and a message', async () => {
    const cases = [
      ['devnet', '--block-time-ms', '0'],
      ['devnet', '--pow-difficulty', '257'],
      ['devnet', '--past-blocks', '4'],
      ['devnet', '--port', 'http'],
      ['devnet', '--chain-id', 'has space'],
      ['devnet', '--frobnicate'],
    ];
    const results = await Promise.all(cases.map((args) => run(args)));
    results.forEach((result, i) => {
      expect({ args: cases[i], code: result.code }).toEqual({ args: cases[i], code: 2 });
      expect(result.stderr).toMatch(/^error: /);
      expect(result.stdout).not.toContain('is running');
    });
  });
});

describe('serve and its network', () => {
  it('starts a development node by default, prints it, and passes it the --devnet-* options', async () => {
    const served = await startServe(tempDir(), ['--devnet-chain-id', 'inner-chain', '--devnet-pow-difficulty', '3', '--devnet-block-time-ms', '100']);
    try {
      expect(served.network).toBe('local');
      expect(served.devnetUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(served.devnetChainId).toBe('inner-chain');
      const stats = await getJson(`${served.devnetUrl}/statistics`);
      expect(stats.status).toBe(200);
      expect(stats.body.statistics.chainId).toBe('inner-chain');
      expect((await getJson(`${served.devnetUrl}/blockchain/height`)).body.spamPowDifficulty).toBe(3);
      expect((await rpc(served.applicationUrl, 'session.get_chain_id')).result).toEqual({ chainID: 'inner-chain' });
    } finally {
      expect(await stop(served, 'SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('--network local without --nodes starts a development node again, not the stored address of the last one', async () => {
    const dataDir = tempDir();
    const first = await startServe(dataDir, []);
    const gone = first.devnetUrl;
    expect(await stop(first, 'SIGTERM')).toEqual({ code: 0, signal: null });
    const served = await startServe(dataDir, ['--network', 'local', '--devnet-chain-id', 'again-chain']);
    try {
      expect(served.network).toBe('local');
      expect(served.devnetUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(served.devnetUrl).not.toBe(gone);
      expect((await rpc(served.applicationUrl, 'session.get_chain_id')).result).toEqual({ chainID: 'again-chain' });
    } finally {
      expect(await stop(served, 'SIGTERM')).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses an unknown --network and option clashes with exit 2 and a message', async () => {
    const dataDir = tempDir();
    const cases: [string[], RegExp][] = [
      [['--network', 'nope'], /no network named "nope"/],
      [['--network', 'remote', '--devnet-chain-id', 'x'], /--devnet-chain-id .*--network/],
      [['--network', 'remote', '--nodes', 'http://127.0.0.1:9', '--devnet-block-time-ms', '50'], /--devnet-block-time-ms .*--network/],
      [['--nodes', 'http://127.0.0.1:9'], /--network/],
      [['--network', 'remote', '--nodes', 'ftp://127.0.0.1:9'], /ftp:\/\/127\.0\.0\.1:9/],
      [['--network', 'no spaces please', '--nodes', 'http://127.0.0.1:9'], /--network/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(['serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', ...args])));
    results.forEach((result, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stdout).not.toContain('is running');
      noStackTrace(result.stderr);
    });
  });

  it('uses a devnet run by the CLI as --network with --nodes, keeps it for the next start, and manages networks with "wallet-gateway network"', async () => {
    const node = await startDevnet(['--chain-id', 'remote-chain', '--block-time-ms', '200']);
    const dataDir = tempDir();
    try {
      const served = await startServe(dataDir, ['--network', 'remote', '--nodes', node.url]);
      expect(served.network).toBe('remote');
      expect(served.networkNote).toContain(node.url);
      expect(served.devnetUrl).toBeUndefined();
      expect((await rpc(served.applicationUrl, 'session.get_chain_id')).result).toEqual({ chainID: 'remote-chain' });

      const conn = ['--admin-url', served.operatorUrl, '--data-dir', dataDir];
      const offline = `http://127.0.0.1:${await closedPort()}`;
      const added = await run(['network', 'add', '--network', 'extra', '--nodes', `${node.url},${node.url}`, ...conn]);
      expect(added.code).toBe(0);
      expect(added.stdout).toMatch(/^Name:\s+extra$/m);
      expect(added.stdout.match(/^Node:/gm)).toHaveLength(1);

      const listed = await run(['network', 'list', '--json', ...conn]);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual({
        networks: expect.arrayContaining([
          { name: 'remote', nodes: [node.url], active: true },
          { name: 'extra', nodes: [node.url], active: false },
        ]),
      });
      const listedText = await run(['network', 'list', ...conn]);
      expect(listedText.stdout).toMatch(/^remote\s+\S+\s+\(active\)$/m);

      const described = await run(['network', 'describe', '--network', 'extra', ...conn]);
      expect(described.code).toBe(0);
      expect(described.stdout).toContain(`${node.url}  ok, chain remote-chain`);

      const updated = await run(['network', 'update', '--network', 'extra', '--nodes', offline, ...conn]);
      expect(updated.code).toBe(0);
      expect(updated.stdout).toContain(`Node:    ${offline}`);
      const unhealthy = await run(['network', 'describe', '--network', 'extra', '--json', ...conn]);
      expect(JSON.parse(unhealthy.stdout)).toMatchObject({ name: 'extra', health: [{ url: offline, ok: false }] });

      const removed = await run(['network', 'remove', '--network', 'extra', ...conn]);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain('Removed network "extra"');
      const inUse = await run(['network', 'remove', '--network', 'remote', ...conn]);
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toMatch(/remote/);
      const missing = await run(['network', 'describe', '--network', 'extra', ...conn]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/does not exist/);
      const bad = await run(['network', 'add', '--network', 'x', ...conn]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--nodes');

      expect(await stop(served, 'SIGTERM')).toEqual({ code: 0, signal: null });

      // The network was stored: the next start finds it by name alone.
      const again = await startServe(dataDir, ['--network', 'remote']);
      expect(again.networkNote).toContain(node.url);
      expect((await rpc(again.applicationUrl, 'session.get_chain_id')).result).toEqual({ chainID: 'remote-chain' });
      expect(await stop(again, 'SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await stop(node, 'SIGTERM');
    }
  });
});

describe('help', () => {
  const helps = [
    ['devnet', '--help'],
    ['network', '--help'],
    ...['list', 'describe', 'add', 'update', 'remove'].map((sub) => ['network', sub, '--help']),
    ['serve', '--help'],
    ['--help'],
  ];

  it('documents every new command and option, prints "Usage:" and exits 0', async () => {
    const results = await Promise.all(helps.map((args) => run(args)));
    results.forEach((result, i) => {
      expect({ args: helps[i], code: result.code, stderr: result.stderr }).toEqual({ args: helps[i], code: 0, stderr: '' });
      expect(result.stdout).toContain('Usage:');
    });
    const text = (args: string[]) => results[helps.findIndex((h) => h.join(' ') === args.join(' '))]!.stdout;
    for (const flag of ['--host', '--port', '--chain-id', '--block-time-ms', '--pow-difficulty', '--tx-per-block', '--past-blocks', '--data-dir', '/transactions/{hash}', '/blocks/{height}']) {
      expect(text(['devnet', '--help'])).toContain(flag);
    }
    for (const flag of ['--network', '--nodes', '--devnet-block-time-ms', '--devnet-pow-difficulty', '--devnet-chain-id']) expect(text(['serve', '--help'])).toContain(flag);
    for (const sub of ['list', 'describe', 'add', 'update', 'remove']) expect(text(['network', sub, '--help'])).toContain(`wallet-gateway network ${sub}`);
    expect(text(['--help'])).toMatch(/^ {2}devnet\s/m);
    expect(text(['--help'])).toMatch(/^ {2}network\s/m);
  });
});
