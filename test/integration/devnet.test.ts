/**
 * The local dev node over real HTTP (127.0.0.1, port 0), no mocks. Transactions
 * are either the facts-sheet vectors (§5.5) verbatim or built with node:crypto
 * alone (../helpers/transaction.ts), so the node's verification is checked
 * against an independent signer and PoW loop.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { DevNode, type DevNodeOptions } from '../../src/devnet/index.js';
import { WireWriter } from '../../src/domain/vega/wire.js';
import { cancelCommand, PUB_KEY, randomHex, sha3, signTransaction, type Built, type Command } from '../helpers/transaction.js';

// ---------------------------------------------------------------- vectors (facts §5.5)

const E2E_CHAIN = 'test-chain-Thz9c6';
const E2E_HEIGHT = 1234567n;
const E2E_BLOCK_HASH = 'dee6881c44eadd519436a30b99d4446188e7f4f0a1dc089716a2dd1d5c4b8d7c';
const E2E = [
  {
    hash: '98AC5BDD6A046A85DA8DB420CA3CB06CB2C243B89E715C67BA057EBA343C36D3',
    tx: 'ClYIh62in5eyi/HwARCHrUvyPkQKQDZmODExMzcyYWMwODE2NDJiYTAwZDAxZDdkZDhmZDVkYTEzNTY4ZmUwMmQxNjdiZGUxYmM5MGQyMzVmZDJiNTUQAhKTAQqAAWQwZWIwN2VhNGE0OWU4OTk3ZGMxMTM3MDg2MWUyYmQ5MmE3NWM5MGQ3MjI4ODljNzc0ZTRhYjI2YjM5MGJkMTQwYWYzOGUwMzdmYTFmYWE5NzY4NDI4ZjMxYTE1Y2I3ZjkxYTU2Y2RmNGU2NDlkMTczMWRmNTZkMGJiNzRkZTA2Egx2ZWdhL2VkMjU1MTkYAdI+QGI1ZmQ5ZDNjNGFkNTUzY2IzMTk2MzAzYjZlNmRmN2Y0ODRjZjdmNTMzMWE1NzJhNDUwMzEyMzlmZDcxYWQ4YTCAfQPCuwFFCkAwNjFjYTQ0ODk1ZTA5NzA3YjBiYjYxOTU4Mjc2MDU2ZWU3NDNhZTRhMjY2ODU4MjJiYmQyODMzYjQwNzA4YzMxEIwC',
  },
  {
    hash: '0CEDDCF8F54B23D1BC1D1E92EB4025F10CB50954D0DA55A9629A5C1CABBBB924',
    tx: 'CnoIKhCHrUvKPnEKQGNhMzk0ZDgyMzhjNGI0YTA0YTUwZjMzYjdlMTkzZmVlMDFhMDNmZWQ5MDU3MDIyZjYxM2I2ZmNiNWU2NzE0NzkSBjEwMDAwMBgKIAEoAjCAgNyC7I+aixg4AUILZmFjdHMtcmVmLTFQAWIECAUQAhKTAQqAATJkZGFmZDUzYjA1Yzk4NmE0OTc3OTE1Njk1NzVmZmZjYjRhNjk4ZDQ5YzFlODQwYzlhMjExNTI0MGI0YmQxY2M0NDkyMWNmNDgwYjJjNTQwYTdmZjc1Mjg5MzA4YWM3YWRhNWY5ZDBjZjQwN2IyNzdmYzllYzhiNDNhZDU4MjA2Egx2ZWdhL2VkMjU1MTkYAdI+QGI1ZmQ5ZDNjNGFkNTUzY2IzMTk2MzAzYjZlNmRmN2Y0ODRjZjdmNTMzMWE1NzJhNDUwMzEyMzlmZDcxYWQ4YTCAfQPCuwFFCkBjMDg0MDZhOWM0Zjk5MWY1MDg5NGQ4ZGJiZjkwYjc4ZmM5YmYwMDIxNmEzMGE4NDUwOGMxNmM1MjkwODZmNDdkEN8B',
  },
  {
    hash: 'EB821217EB9E91845513FF8C964E304EA12A0FA5FEE43BBE27E72BC97B954FD9',
    tx: 'CqABCCsQh61L2j6WAQpAOThjMTM1NDA5YzJjNTMxNDJmMzc3MzRkNTVlYTdmYmUyNDUxYTRjNzI0MmQ1OTY2ZGY1MjU1YjJhZjI0MTdlYxJAY2EzOTRkODIzOGM0YjRhMDRhNTBmMzNiN2UxOTNmZWUwMWEwM2ZlZDkwNTcwMjJmNjEzYjZmY2I1ZTY3MTQ3ORoFOTkwMDAg+///////////ARKTAQqAATEwMWM0YzA3NDMwMzY2ZmQwNzg4NmQ1NzQ3MGFhZmYyMWJhMmExOWE4YmJiNWIwNzBkNjIzZTIzNGRlMzg4MmExZWQyM2YzMWYxZTY5NDk0ZTU1OWY5YWVlMzBmZjkzOTk2NzhmZTFhN2JlYzhjZjljNDU2NGJhZDcyMTZjODAyEgx2ZWdhL2VkMjU1MTkYAdI+QGI1ZmQ5ZDNjNGFkNTUzY2IzMTk2MzAzYjZlNmRmN2Y0ODRjZjdmNTMzMWE1NzJhNDUwMzEyMzlmZDcxYWQ4YTCAfQPCuwFFCkA3ZDljZjM0Nzc3ZWQ5MTk0NmEwMjlmOGNkYWY1M2U3M2Y4Y2FkNTBlNjkxOTlmMDViNjQyZDk0MWJiNjUyZmZhEJEN',
  },
] as const;
const [E2E_1, E2E_2, E2E_3] = E2E;

const E2E_1_JSON = {
  inputData: 'CIetop+Xsovx8AEQh61L8j5ECkA2ZjgxMTM3MmFjMDgxNjQyYmEwMGQwMWQ3ZGQ4ZmQ1ZGExMzU2OGZlMDJkMTY3YmRlMWJjOTBkMjM1ZmQyYjU1EAI=',
  signature: {
    value: 'd0eb07ea4a49e8997dc11370861e2bd92a75c90d722889c774e4ab26b390bd140af38e037fa1faa9768428f31a15cb7f91a56cdf4e649d1731df56d0bb74de06',
    algo: 'vega/ed25519',
    version: 1,
  },
  pubKey: 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
  version: 'TX_VERSION_V3',
  pow: { tid: '061ca44895e09707b0bb61958276056ee743ae4a26685822bbd2833b40708c31', nonce: '268' },
};
const E2E_2_JSON_SNAKE = {
  input_data: 'CCoQh61Lyj5xCkBjYTM5NGQ4MjM4YzRiNGEwNGE1MGYzM2I3ZTE5M2ZlZTAxYTAzZmVkOTA1NzAyMmY2MTNiNmZjYjVlNjcxNDc5EgYxMDAwMDAYCiABKAIwgIDcguyPmosYOAFCC2ZhY3RzLXJlZi0xUAFiBAgFEAI=',
  signature: {
    value: '2ddafd53b05c986a497791569575fffcb4a698d49c1e840c9a2115240b4bd1cc44921cf480b2c540a7ff75289308ac7ada5f9d0cf407b277fc9ec8b43ad58206',
    algo: 'vega/ed25519',
    version: '1',
  },
  pub_key: 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
  version: 3,
  pow: { tid: 'c08406a9c4f991f50894d8dbbf90b78fc9bf00216a30a84508c16c529086f47d', nonce: 223 },
};

const E2E_NODE: DevNodeOptions = { chainId: E2E_CHAIN, blockHashSeed: 'facts-sheet', startHeight: E2E_HEIGHT, powDifficulty: 8, txPerBlock: 10, blockTimeMs: 0 };

// ---------------------------------------------------------------- an independent signer (../helpers/transaction.ts)

const voteCommand = (proposal: string) => ({ field: 1006, bytes: new WireWriter().stringField(1, proposal).varintField(2, 2).finish() });

function buildTx(
  node: DevNode,
  opts: {
    chainId?: string;
    height?: bigint;
    nonce?: bigint;
    bits?: number;
    exact?: boolean;
    pow?: boolean;
    version?: number;
    algo?: string;
    command?: Command;
  } = {},
): Built {
  const height = opts.height ?? node.height;
  return signTransaction({
    chainId: opts.chainId ?? node.chainId,
    height,
    command: opts.command ?? cancelCommand(),
    nonce: opts.nonce,
    version: opts.version,
    algo: opts.algo,
    pow: opts.pow === false ? undefined : { blockHash: node.blockHashAt(height), bits: opts.bits ?? 2, exact: opts.exact },
  });
}

// ---------------------------------------------------------------- HTTP helpers

interface Reply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  contentType: string | null;
}

async function call(node: DevNode, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, body: parsed, contentType: res.headers.get('content-type') };
}

const get = (node: DevNode, path: string) => call(node, 'GET', path);
const submit = (node: DevNode, tx: string, type: unknown = 'TYPE_SYNC') => call(node, 'POST', '/transaction/raw', { tx, type });
const check = (node: DevNode, tx: string) => call(node, 'POST', '/transaction/raw/check', { tx });
const hexText = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');

const nodes: DevNode[] = [];
const dirs: string[] = [];
async function startNode(options: DevNodeOptions = {}): Promise<DevNode> {
  const node = await DevNode.start({ host: '127.0.0.1', port: 0, blockTimeMs: 0, ...options });
  nodes.push(node);
  return node;
}
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const STRING_U64 = /^\d+$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

// ---------------------------------------------------------------- tests

describe('REST shapes', () => {
  test('health, height, time and statistics answer with the core JSON shapes', async () => {
    const node = await startNode({ chainId: 'shape-chain', powDifficulty: 3 });

    const health = await get(node, '/health');
    expect(health.status).toBe(200);
    expect(health.text).toBe('ok');

    const height = await get(node, '/blockchain/height');
    expect(height.status).toBe(200);
    expect(height.contentType).toMatch(/^application\/json/);
    expect(height.text.startsWith('{\n  "height": "1",\n')).toBe(true);
    expect(Object.keys(height.body)).toEqual([
      'height',
      'hash',
      'spamPowHashFunction',
      'spamPowDifficulty',
      'spamPowNumberOfPastBlocks',
      'spamPowNumberOfTxPerBlock',
      'spamPowIncreasingDifficulty',
      'chainId',
    ]);
    expect(height.body).toEqual({
      height: '1',
      hash: sha3('shape-chain block 1').toString('hex'),
      spamPowHashFunction: 'sha3_24_rounds',
      spamPowDifficulty: 3,
      spamPowNumberOfPastBlocks: 100,
      spamPowNumberOfTxPerBlock: 2,
      spamPowIncreasingDifficulty: false,
      chainId: 'shape-chain',
    });

    const time = await get(node, '/time');
    expect(Object.keys(time.body)).toEqual(['timestamp']);
    expect(time.body.timestamp).toMatch(STRING_U64);

    node.mineBlock();
    const stats = (await get(node, '/statistics')).body.statistics;
    expect(stats).toMatchObject({ blockHeight: '2', blockHash: node.blockHash, chainId: 'shape-chain', status: 'CHAIN_STATUS_CONNECTED', appVersion: 'v0.79.0', epochSeq: '1' });
    for (const key of ['blockHeight', 'backlogLength', 'totalPeers', 'txPerBlock', 'averageTxBytes', 'totalOrders', 'blockDuration', 'epochSeq', 'eventCount']) {
      expect(stats[key]).toMatch(STRING_U64);
    }
    for (const key of ['genesisTime', 'currentTime', 'vegaTime', 'uptime', 'epochStartTime', 'epochExpiryTime']) expect(stats[key]).toMatch(RFC3339);
    expect(typeof stats.orderSubscriptions).toBe('number');
    // The Go wallet keys its node health check on these four.
    expect(Object.keys(stats)).toEqual(expect.arrayContaining(['blockHash', 'blockHeight', 'chainId', 'vegaTime']));
    const vegaNs = BigInt((await get(node, '/time')).body.timestamp);
    expect(new Date(Number(vegaNs / 1_000_000n)).toISOString().slice(0, 19)).toBe(stats.vegaTime.slice(0, 19));
  });

  test('spam statistics have the §2.4 shape, and an empty party id is a 400', async () => {
    const node = await startNode({ chainId: 'shape-chain' });
    const reply = await get(node, `/statistics/spam/${PUB_KEY}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['chainId', 'statistics']);
    const s = reply.body.statistics;
    expect(Object.keys(s)).toEqual([
      'proposals',
      'delegations',
      'transfers',
      'nodeAnnouncements',
      'votes',
      'pow',
      'issueSignatures',
      'epochSeq',
      'createReferralSet',
      'updateReferralSet',
      'applyReferralCode',
    ]);
    expect(s.proposals).toEqual({ countForEpoch: '0', maxForEpoch: '3', minTokensRequired: '0' });
    expect(s.votes).toEqual({ statistics: [], maxForEpoch: '3' });
    expect(s.pow).toEqual({
      blockStates: [
        {
          blockHeight: '1',
          blockHash: node.blockHash,
          transactionsSeen: '0',
          expectedDifficulty: '2',
          hashFunction: 'sha3_24_rounds',
          difficulty: '2',
          txPerBlock: '2',
          increasingDifficulty: false,
        },
      ],
      numberOfPastBlocks: '100',
    });

    for (const path of ['/statistics/spam/', '/statistics/spam']) {
      const empty = await get(node, path);
      expect(empty.status).toBe(400);
      expect(empty.body).toEqual({
        code: 3,
        message: 'InvalidArgument error',
        details: [{ '@type': 'type.googleapis.com/vega.ErrorDetail', code: 10006, message: 'empty or missing party ID', inner: '' }],
      });
    }
  });

  test('routing errors and garbage bodies get gRPC-style error bodies, and the node keeps serving', async () => {
    const node = await startNode();
    expect(await get(node, '/nope')).toMatchObject({ status: 404, body: { code: 5, message: 'Not Found', details: [] } });
    expect(await get(node, '/transaction/raw')).toMatchObject({ status: 405, body: { code: 12, details: [] } });

    const bad: Array<[string, unknown]> = [
      ['/transaction/raw', '{not json'],
      ['/transaction/raw', '[1,2]'],
      ['/transaction/raw', { tx: '***', type: 'TYPE_SYNC' }],
      ['/transaction/raw', { tx: 12, type: 'TYPE_SYNC' }],
      ['/transaction/raw', { tx: 'AAAA', type: 'TYPE_BOGUS' }],
      ['/transaction/raw', { tx: 'AAAA', type: 'TYPE_UNSPECIFIED' }],
      ['/transaction/raw', { tx: 'AAAA' }],
      ['/transaction/raw', { tx: 'AAAA', type: 9 }],
      ['/transaction/raw/check', '"just a string"'],
      ['/transaction', { tx: 'not an object' }],
      ['/transaction', { tx: { inputData: '%%%' } }],
      ['/transaction', { tx: { pow: { nonce: '-1' } } }],
      ['/transaction', { tx: { pubKey: PUB_KEY, address: 'x' } }],
      ['/transaction/check', { tx: { version: 'TX_VERSION_V9' } }],
    ];
    for (const [path, body] of bad) {
      const reply = await call(node, 'POST', path, body);
      expect([path, body, reply.status]).toEqual([path, body, 400]);
      expect(Object.keys(reply.body)).toEqual(['code', 'message', 'details']);
      expect(reply.body.code).toBe(3);
    }
    expect((await submit(node, 'AAAA', 'TYPE_UNSPECIFIED')).body).toEqual({ code: 3, message: 'Invalid TX Type', details: [] });
    expect((await get(node, '/health')).text).toBe('ok');
  });

  test('defaults: chain id, difficulty 2, 100 past blocks, 2 tx per block', async () => {
    const node = await DevNode.start({ port: 0 });
    nodes.push(node);
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(node, '/blockchain/height')).body).toMatchObject({
      chainId: 'wallet-gateway-devnet',
      hash: sha3('wallet-gateway-devnet block 1').toString('hex'),
      spamPowDifficulty: 2,
      spamPowNumberOfPastBlocks: 100,
      spamPowNumberOfTxPerBlock: 2,
      spamPowIncreasingDifficulty: false,
    });
  });
});

describe('facts-sheet vectors (§5.5)', () => {
  test('the three transactions are accepted verbatim, replays are refused, a block holds them', async () => {
    const node = await startNode(E2E_NODE);
    expect(node.blockHash).toBe(E2E_BLOCK_HASH);

    for (const v of E2E) {
      const reply = await submit(node, v.tx);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ success: true, txHash: v.hash, code: 0, data: '', log: '', height: '0' });
      expect(Object.keys(reply.body)).toEqual(['success', 'txHash', 'code', 'data', 'log', 'height']);
    }
    // Same bytes before the block: caught by the mempool.
    const again = await submit(node, E2E_1.tx);
    expect(again.body).toMatchObject({ success: true, txHash: E2E_1.hash, code: 89, height: '0' });
    expect(again.body.data).toMatch(/^[0-9A-F]+$/);
    expect(hexText(again.body.data)).toMatch(/mempool/);
    expect(node.pendingTransactions).toBe(3);

    const block = node.mineBlock();
    expect(block.height).toBe(E2E_HEIGHT + 1n);
    expect(block.transactions.map((t) => [t.hash, t.code])).toEqual(E2E.map((v) => [v.hash, 0]));
    for (const v of E2E) {
      expect(node.findTransaction(v.hash.toLowerCase())).toMatchObject({ hash: v.hash, height: E2E_HEIGHT + 1n, code: 0, data: '', party: PUB_KEY });
    }
    expect(node.findTransaction(E2E_2.hash)?.command).toBe('orderSubmission');

    // Same bytes after the block: caught by the replay window.
    const replay = await submit(node, E2E_3.tx);
    expect(replay.body.code).toBe(89);
    expect(hexText(replay.body.data)).toMatch(/hash already used/);

    const pow = (await get(node, `/statistics/spam/${PUB_KEY}`)).body.statistics.pow;
    expect(pow.blockStates.map((s: { blockHeight: string; transactionsSeen: string; expectedDifficulty?: string }) => [s.blockHeight, s.transactionsSeen, s.expectedDifficulty])).toEqual([
      ['1234568', '0', '8'],
      ['1234567', '3', '8'],
    ]);
  });

  test('POST /transaction with the protobuf-JSON form re-encodes to the same bytes', async () => {
    const node = await startNode(E2E_NODE);
    const reply = await call(node, 'POST', '/transaction', { tx: E2E_1_JSON, type: 'TYPE_SYNC' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ success: true, txHash: E2E_1.hash, code: 0, data: '', log: '', height: '0' });
    expect(node.mineBlock().transactions).toEqual([{ hash: E2E_1.hash, code: 0, data: '' }]);

    // snake_case keys, numeric enum and integers are accepted too; /transaction/check has the check shape.
    const checked = await call(node, 'POST', '/transaction/check', { tx: E2E_2_JSON_SNAKE });
    expect(checked.body).toEqual({ success: true, code: 0, gasWanted: '1', gasUsed: '0', data: '', log: '', info: '' });

    const replay = await call(node, 'POST', '/transaction', { tx: E2E_1_JSON });
    expect(replay.body).toMatchObject({ success: false, code: 89, height: '0' });
    expect(replay.body.data).toMatch(/hash already used/);

    const wrongSig = await call(node, 'POST', '/transaction', { tx: { ...E2E_1_JSON, signature: { ...E2E_1_JSON.signature, algo: 'vega/other' } } });
    expect(wrongSig.body).toMatchObject({ success: false, code: 60 });
    expect(wrongSig.body.data).toMatch(/algo/);
  });
});

describe('rejections', () => {
  const flip = (base64: string, marker: string): string => {
    const bytes = Buffer.from(base64, 'base64');
    const at = bytes.indexOf(Buffer.from(marker));
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61; // another hex digit: still well-formed, no longer what was signed
    return bytes.toString('base64');
  };

  test('tampered signature or input data, or another chain id → 60', async () => {
    const node = await startNode(E2E_NODE);
    const inSignature = await submit(node, flip(E2E_1.tx, 'd0eb07ea'));
    expect(inSignature.body.code).toBe(60);
    expect(hexText(inSignature.body.data)).toMatch(/signature/);
    const inInputData = await submit(node, flip(E2E_1.tx, '6f811372'));
    expect(inInputData.body.code).toBe(60);

    const other = await startNode({ ...E2E_NODE, chainId: 'another-chain' });
    expect(other.blockHash).toBe(E2E_BLOCK_HASH);
    const wrongChain = await submit(other, E2E_1.tx);
    expect(wrongChain.body.code).toBe(60);
    expect(hexText(wrongChain.body.data)).toMatch(/another-chain/);
    // The untampered vector is still fine where it belongs.
    expect((await submit(node, E2E_1.tx)).body.code).toBe(0);
  });

  test('proof of work below the difficulty → 89', async () => {
    const node = await startNode({ ...E2E_NODE, powDifficulty: 9 });
    const reply = await submit(node, E2E_1.tx);
    expect(reply.body.code).toBe(89);
    expect(hexText(reply.body.data)).toMatch(/8 leading zero bits.*needs 9/);
  });

  test('block height out of the window, in the future or before the chain → 89', async () => {
    const node = await startNode({ ...E2E_NODE, numberOfPastBlocks: 5 });
    for (let i = 0; i < 4; i++) node.mineBlock();
    // 1234567 + 5 > 1234571: still inside the window.
    expect((await check(node, E2E_1.tx)).body.code).toBe(0);
    node.mineBlock();
    const tooOld = await submit(node, E2E_1.tx);
    expect(tooOld.body.code).toBe(89);
    expect(hexText(tooOld.body.data)).toMatch(/unknown block height 1234567/);

    const future = buildTx(node, { height: node.height + 1n, bits: 8 });
    expect((await submit(node, future.tx)).body.code).toBe(89);
    const beforeGenesis = buildTx(node, { height: E2E_HEIGHT - 1n, bits: 8 });
    expect((await submit(node, beforeGenesis.tx)).body.code).toBe(89);
    expect((await submit(node, buildTx(node, { bits: 8 }).tx)).body.code).toBe(0);
  });

  test('envelope and input-data rules: nonce 0, versions, algorithm, garbage → 60; missing pow → 89', async () => {
    const node = await startNode();
    const expectCode = async (tx: string, code: number, pattern?: RegExp) => {
      const reply = await submit(node, tx);
      expect([tx.slice(0, 12), reply.body.code]).toEqual([tx.slice(0, 12), code]);
      if (pattern) expect(hexText(reply.body.data)).toMatch(pattern);
    };
    await expectCode(buildTx(node, { nonce: 0n }).tx, 60, /nonce/);
    await expectCode(buildTx(node, { version: 1 }).tx, 60, /version/);
    await expectCode(buildTx(node, { algo: 'vega/sha' }).tx, 60, /algo/);
    await expectCode(Buffer.from('hello, node').toString('base64'), 60, /decode/);
    await expectCode('', 60);
    await expectCode(buildTx(node, { pow: false }).tx, 89, /proof of work is missing/);
    // V2 signs the input data without the chain id, and is still accepted.
    await expectCode(buildTx(node, { version: 2 }).tx, 0);
    // A V3 signature made for another chain.
    await expectCode(buildTx(node, { chainId: 'mainnet' }).tx, 60, /signature/);
    // PoW-exempt validator command (validator heartbeat): no pow needed.
    await expectCode(buildTx(node, { pow: false, command: { field: 2007, bytes: new Uint8Array() } }).tx, 0);
  });

  test('a plugged-in command decoder that throws turns the transaction into a 60', async () => {
    const seen: number[] = [];
    const node = await startNode({
      decodeCommand: (field) => {
        seen.push(field);
        if (field === 1006) throw new Error('vote_submission.proposal_id (should be a valid Vega ID)');
      },
    });
    const vote = await submit(node, buildTx(node, { command: voteCommand('nope') }).tx);
    expect(vote.body.code).toBe(60);
    expect(hexText(vote.body.data)).toBe('vote_submission.proposal_id (should be a valid Vega ID)');
    expect((await submit(node, buildTx(node).tx)).body.code).toBe(0);
    expect(seen).toEqual([1006, 1002]);
  });
});

describe('check, async and commit', () => {
  test('raw check answers the §2.6 shape and never puts the transaction in a block', async () => {
    const node = await startNode();
    const tx = buildTx(node);
    const ok = await check(node, tx.tx);
    expect(ok.body).toEqual({ success: true, code: 0, gasWanted: '1', gasUsed: '0', data: '', log: '', info: '' });
    expect(Object.keys(ok.body)).toEqual(['success', 'code', 'gasWanted', 'gasUsed', 'data', 'log', 'info']);
    // As on a real node, the checked tid counts as seen until the next block...
    expect((await submit(node, tx.tx)).body.code).toBe(89);
    expect(node.mineBlock().transactions).toEqual([]);
    expect(node.findTransaction(tx.hash)).toBeUndefined();
    // ...and not after it.
    expect((await submit(node, tx.tx)).body.code).toBe(0);

    const bad = await check(node, buildTx(node, { nonce: 0n }).tx);
    expect(bad.body).toMatchObject({ success: false, code: 60, gasWanted: '0', log: '' });
    expect(bad.body.data).toMatch(/nonce/); // plain text, not hex
    expect(bad.body.info).toBe(bad.body.data);
    const spamReply = await check(node, buildTx(node, { pow: false }).tx);
    expect(spamReply.body).toMatchObject({ success: false, code: 89, info: '' });
  });

  test('TYPE_COMMIT waits for the block and reports its height and result', async () => {
    const node = await startNode();
    const tx = buildTx(node);
    const pending = submit(node, tx.tx, 'TYPE_COMMIT');
    while (node.pendingTransactions === 0) await new Promise((r) => setTimeout(r, 5));
    const block = node.mineBlock();
    const reply = await pending;
    expect(reply.body).toEqual({ success: true, txHash: tx.hash, code: 0, data: '', log: '', height: block.height.toString() });

    // A CheckTx rejection never reaches a block: code 0 and height "0" (clients must look at the height).
    const rejected = await submit(node, buildTx(node, { nonce: 0n }).tx, 3);
    expect(rejected.body).toMatchObject({ success: true, code: 0, height: '0' });
    // Async answers before CheckTx: always code 0.
    const asyncReply = await submit(node, buildTx(node, { nonce: 0n }).tx, 'TYPE_ASYNC');
    expect(asyncReply.body).toMatchObject({ success: true, code: 0, height: '0' });
  });

  test('TYPE_COMMIT on a timer-driven node, and its timeout when no block comes', async () => {
    const node = await startNode({ blockTimeMs: 30 });
    const reply = await submit(node, buildTx(node).tx, 'TYPE_COMMIT');
    expect(reply.body.code).toBe(0);
    expect(BigInt(reply.body.height)).toBeGreaterThan(1n);

    const stuck = await startNode({ commitTimeoutMs: 150 });
    const timedOut = await submit(stuck, buildTx(stuck).tx, 'TYPE_COMMIT');
    expect(timedOut.status).toBe(500);
    expect(timedOut.body).toEqual({ code: 13, message: 'timed out waiting for tx to be included in a block', details: [] });
  });
});

describe('spam rules at block time', () => {
  test('fixed difficulty: the third transaction against one block is dropped with 89', async () => {
    const node = await startNode({ txPerBlock: 2 });
    const referenced = node.height;
    const txs = [buildTx(node), buildTx(node), buildTx(node)];
    for (const t of txs) expect((await submit(node, t.tx)).body.code).toBe(0);
    const block = node.mineBlock();
    expect(block.transactions.map((t) => t.code)).toEqual([0, 0, 89]);
    expect(node.findTransaction(txs[2]!.hash)).toMatchObject({ height: block.height, code: 89 });
    expect(node.findTransaction(txs[2]!.hash)?.data).toMatch(/too many transactions/);

    const states = (await get(node, `/statistics/spam/${PUB_KEY}`)).body.statistics.pow.blockStates;
    expect(states).toEqual([
      expect.objectContaining({ blockHeight: block.height.toString(), transactionsSeen: '0', expectedDifficulty: '2' }),
      expect.objectContaining({ blockHeight: referenced.toString(), blockHash: node.blockHashAt(referenced), transactionsSeen: '2' }),
    ]);
    // No further transaction is allowed on that block: no expectedDifficulty at all.
    expect(states[1]).not.toHaveProperty('expectedDifficulty');
    // Dropped bytes are in a block all the same: resending them is a replay.
    expect((await submit(node, txs[2]!.tx)).body.code).toBe(89);
  });

  test('increasing difficulty: past the quota a transaction must make up the running total', async () => {
    const node = await startNode({ txPerBlock: 1, powDifficulty: 2, increasingDifficulty: true });
    const referenced = node.height;
    const stateOf = async () =>
      (await get(node, `/statistics/spam/${PUB_KEY}`)).body.statistics.pow.blockStates.find((s: { blockHeight: string }) => s.blockHeight === referenced.toString());

    const first = buildTx(node, { bits: 2, exact: true });
    const weak = buildTx(node, { bits: 2, exact: true });
    expect((await submit(node, first.tx)).body.code).toBe(0);
    expect((await submit(node, weak.tx)).body.code).toBe(0);
    expect(node.mineBlock().transactions.map((t) => t.code)).toEqual([0, 89]);
    // Two transactions need 2 + 3 bits in total; 2 are banked.
    expect(await stateOf()).toMatchObject({ transactionsSeen: '1', expectedDifficulty: '3', increasingDifficulty: true });

    const strong = buildTx(node, { height: referenced, bits: 3, exact: true });
    expect((await submit(node, strong.tx)).body.code).toBe(0);
    expect(node.mineBlock().transactions.map((t) => t.code)).toEqual([0]);
    // Three need 2 + 3 + 4 = 9; 5 are banked.
    expect(await stateOf()).toMatchObject({ transactionsSeen: '2', expectedDifficulty: '4' });
  });

  test('per-epoch policy: a fourth vote on one proposal is refused and the counters show three', async () => {
    const node = await startNode({ txPerBlock: 10 });
    const proposal = randomHex();
    for (let i = 0; i < 3; i++) expect((await submit(node, buildTx(node, { command: voteCommand(proposal) }).tx)).body.code).toBe(0);
    const fourth = await submit(node, buildTx(node, { command: voteCommand(proposal) }).tx);
    expect(fourth.body.code).toBe(89);
    expect(hexText(fourth.body.data)).toMatch(/limit of 3 votes/);
    node.mineBlock();
    const votes = (await get(node, `/statistics/spam/${PUB_KEY}`)).body.statistics.votes;
    expect(votes).toEqual({ statistics: [{ proposal, countForEpoch: '3', minTokensRequired: '0' }], maxForEpoch: '3' });
    expect((await submit(node, buildTx(node, { command: voteCommand(randomHex()) }).tx)).body.code).toBe(0);
  });
});

describe('block production and persistence', () => {
  test('blocks advance on the timer, and pause/resume stop and restart them', async () => {
    const node = await startNode({ blockTimeMs: 25 });
    const start = node.height;
    await new Promise((r) => setTimeout(r, 200));
    expect(node.height).toBeGreaterThanOrEqual(start + 3n);
    const tx = buildTx(node);
    expect((await submit(node, tx.tx)).body.code).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(node.findTransaction(tx.hash)?.code).toBe(0);

    node.pause();
    expect(node.paused).toBe(true);
    const frozen = node.height;
    await new Promise((r) => setTimeout(r, 120));
    expect(node.height).toBe(frozen);
    expect(node.mineBlock().height).toBe(frozen + 1n);
    node.resume();
    await new Promise((r) => setTimeout(r, 120));
    expect(node.height).toBeGreaterThan(frozen + 1n);
  });

  test('a data file carries the chain across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devnet-test-'));
    dirs.push(dir);
    const dataFile = join(dir, 'chain.json');
    const first = await startNode({ ...E2E_NODE, dataFile });
    expect((await submit(first, E2E_1.tx)).body.code).toBe(0);
    first.mineBlock();
    first.mineBlock();
    const height = first.height;
    const vegaTime = (await get(first, '/time')).body.timestamp;
    await first.close();
    expect(JSON.parse(readFileSync(dataFile, 'utf8'))).toMatchObject({ chainId: E2E_CHAIN, height: height.toString() });

    // Only the file is given: chain id, seed and start height come from it.
    const second = await startNode({ dataFile, powDifficulty: 8 });
    expect(second.chainId).toBe(E2E_CHAIN);
    expect(second.height).toBe(height);
    expect((await get(second, '/blockchain/height')).body).toMatchObject({ height: height.toString(), hash: first.blockHashAt(height), chainId: E2E_CHAIN });
    expect((await get(second, '/time')).body.timestamp).toBe(vegaTime);
    expect(second.findTransaction(E2E_1.hash)).toMatchObject({ height: E2E_HEIGHT + 1n, code: 0 });
    const replay = await submit(second, E2E_1.tx);
    expect(replay.body.code).toBe(89);
    expect(hexText(replay.body.data)).toMatch(/hash already used/);
    const states = (await get(second, `/statistics/spam/${PUB_KEY}`)).body.statistics.pow.blockStates;
    expect(states.find((s: { blockHeight: string }) => s.blockHeight === E2E_HEIGHT.toString())?.transactionsSeen).toBe('1');
    expect(second.mineBlock().height).toBe(height + 1n);
    await second.close();

    await expect(DevNode.start({ dataFile, chainId: 'some-other-chain', blockTimeMs: 0 })).rejects.toThrow(/test-chain-Thz9c6/);
  });
});
