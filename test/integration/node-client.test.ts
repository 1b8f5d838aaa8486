/**
 * The node client against imitation core nodes. A real Vega network is remote
 * and out of reach here, so each "node" is a small node:http server on
 * 127.0.0.1 that answers the REST shapes of vega-facts.md §2 and can be told
 * to misbehave per route: hang, answer late, answer garbage / HTML / 500 /
 * 400, or drop the connection. Timeouts are short so the file stays quick.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  LastBlockUnavailableError,
  NoHealthyNodeError,
  NodeClientClosedError,
  NodeRejectedRequestError,
  TransactionFailedError,
  VegaNodeClient,
  type VegaNodeClientOptions,
} from '../../src/node/vega-node-client.js';
import { DomainError } from '../../src/domain/errors.js';
import { ROOT } from '../helpers/cli.js';
import { toRpcError } from '../../src/rpc/errors.js';
import { sleep } from '../helpers/time.js';

// vega-facts.md §5.5, E2E-1: a signed voteSubmission and the hash a node reports for it.
const CHAIN = 'test-chain-Thz9c6';
const TX_BASE64 =
  'ClYIh62in5eyi/HwARCHrUvyPkQKQDZmODExMzcyYWMwODE2NDJiYTAwZDAxZDdkZDhmZDVkYTEzNTY4ZmUwMmQxNjdiZGUxYmM5MGQyMzVmZDJiNTUQAhKTAQqAAWQwZWIwN2VhNGE0OWU4OTk3ZGMxMTM3MDg2MWUyYmQ5MmE3NWM5MGQ3MjI4ODljNzc0ZTRhYjI2YjM5MGJkMTQwYWYzOGUwMzdmYTFmYWE5NzY4NDI4ZjMxYTE1Y2I3ZjkxYTU2Y2RmNGU2NDlkMTczMWRmNTZkMGJiNzRkZTA2Egx2ZWdhL2VkMjU1MTkYAdI+QGI1ZmQ5ZDNjNGFkNTUzY2IzMTk2MzAzYjZlNmRmN2Y0ODRjZjdmNTMzMWE1NzJhNDUwMzEyMzlmZDcxYWQ4YTCAfQPCuwFFCkAwNjFjYTQ0ODk1ZTA5NzA3YjBiYjYxOTU4Mjc2MDU2ZWU3NDNhZTRhMjY2ODU4MjJiYmQyODMzYjQwNzA4YzMxEIwC';
const TX = new Uint8Array(Buffer.from(TX_BASE64, 'base64'));
const TX_HASH = '98AC5BDD6A046A85DA8DB420CA3CB06CB2C243B89E715C67BA057EBA343C36D3';
const PARTY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const PROPOSAL = '6f811372ac081642ba00d01d7dd8fd5da13568fe02d167bde1bc90d235fd2b55';
const blockHash = (height: bigint) => createHash('sha3-256').update(`fake block ${height}`).digest('hex');

type Route = 'statistics' | 'height' | 'spam' | 'submit' | 'check';
type Behaviour = 'ok' | 'hang' | 'garbage' | 'html' | 'error500' | 'reject400' | 'destroy' | 'truncate' | 'dropReused';

function routeOf(method: string | undefined, url: string | undefined): Route | undefined {
  if (method === 'GET' && url === '/statistics') return 'statistics';
  if (method === 'GET' && url === '/blockchain/height') return 'height';
  if (method === 'GET' && url?.startsWith('/statistics/spam/')) return 'spam';
  if (method === 'POST' && url === '/transaction/raw') return 'submit';
  if (method === 'POST' && url === '/transaction/raw/check') return 'check';
  return undefined;
}

/** An imitation core node. */
class FakeNode {
  chainId = CHAIN;
  height = 1234567n;
  delayMs = 0;
  behaviour: Partial<Record<Route, Behaviour>> = {};
  submitAnswer = { code: 0, data: '', log: '' };
  checkAnswer = { code: 0, data: '', info: '' };
  /** Overrides the txHash a submit answer reports. */
  submitHash: string | undefined;
  readonly hits: Record<Route, number> = { statistics: 0, height: 0, spam: 0, submit: 0, check: 0 };
  readonly bodies: unknown[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  /** Requests received on each connection. */
  readonly #served = new WeakMap<Socket, number>();

  constructor(
    readonly name: string,
    private readonly journal?: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.#handle(req, res));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Closes the port and every connection, answered or not. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const earlier = this.#served.get(req.socket) ?? 0;
    this.#served.set(req.socket, earlier + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const route = routeOf(req.method, req.url);
    if (!route) return this.#json(res, 404, { code: 5, message: 'Not Found', details: [] });
    this.hits[route] += 1;
    this.journal?.push(`${this.name}:${route}`);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (raw) this.bodies.push(JSON.parse(raw));
    if (this.delayMs) await sleep(this.delayMs);
    switch (this.behaviour[route] ?? 'ok') {
      case 'hang':
        return; // never answers; stop() destroys the socket
      case 'garbage':
        return this.#json(res, 200, { hello: 'world', height: 'tall' });
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1>proxy secret=hunter2</body></html>');
        return;
      case 'error500':
        return this.#json(res, 500, { code: 13, message: 'Internal error: password=hunter2', details: [] });
      case 'reject400':
        return this.#json(res, 400, {
          code: 3,
          message: 'InvalidArgument error',
          details: [{ '@type': 'type.googleapis.com/vega.ErrorDetail', code: 10015, message: 'malformed request', inner: `bell\u0007 and then ${'x'.repeat(500)}` }],
        });
      case 'destroy':
        req.socket.destroy();
        return;
      case 'dropReused':
        // What a client sees when a node closes an idle keep-alive connection just as a request
        // goes out on it: the request meets a connection that ends before any answer. Only the
        // first request of each connection is answered.
        if (earlier > 0) {
          req.socket.destroy();
          return;
        }
        return this.#json(res, 200, this.#answer(route, raw));
      case 'truncate':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 400 });
        res.write('{"height":"12');
        setTimeout(() => req.socket.destroy(), 10);
        return;
      case 'ok':
        return this.#json(res, 200, this.#answer(route, raw));
    }
  }

  #answer(route: Route, raw: string): unknown {
    const hash = blockHash(this.height);
    switch (route) {
      case 'statistics':
        return {
          statistics: {
            blockHeight: String(this.height),
            backlogLength: '0',
            totalPeers: '3',
            genesisTime: '2024-10-01T00:00:00Z',
            currentTime: '2024-10-22T13:40:21.5Z',
            vegaTime: '2024-10-22T13:40:21.123456789Z',
            status: 'CHAIN_STATUS_CONNECTED',
            txPerBlock: '4',
            appVersionHash: 'a50750cc10809d64b24c05f99b77345693eb9bc3',
            appVersion: 'v0.79.0',
            chainVersion: '0.38.8',
            blockDuration: '1000000000',
            chainId: this.chainId,
            blockHash: hash,
            epochSeq: '42',
            orderSubscriptions: 0,
          },
        };
      case 'height':
        return {
          height: String(this.height),
          hash,
          spamPowHashFunction: 'sha3_24_rounds',
          spamPowDifficulty: 15,
          spamPowNumberOfPastBlocks: 100,
          spamPowNumberOfTxPerBlock: 2,
          spamPowIncreasingDifficulty: false,
          chainId: this.chainId,
        };
      case 'spam': {
        const state = (height: bigint, seen: string, expected?: string) => ({
          blockHeight: String(height),
          blockHash: blockHash(height),
          transactionsSeen: seen,
          ...(expected ? { expectedDifficulty: expected } : {}),
          hashFunction: 'sha3_24_rounds',
          difficulty: '15',
          txPerBlock: '2',
          increasingDifficulty: false,
        });
        const counter = (max: string) => ({ countForEpoch: '1', maxForEpoch: max, minTokensRequired: '0' });
        return {
          chainId: this.chainId,
          statistics: {
            proposals: counter('3'),
            delegations: counter('390'),
            transfers: counter('20'),
            nodeAnnouncements: counter('1'),
            votes: { statistics: [{ proposal: PROPOSAL, countForEpoch: '2', minTokensRequired: '1' }], maxForEpoch: '3' },
            // Unordered on purpose: the client sorts newest first.
            pow: { blockStates: [state(this.height - 3n, '2'), state(this.height, '0', '15'), state(this.height - 1n, '1', '15')], numberOfPastBlocks: '100' },
            issueSignatures: counter('10'),
            epochSeq: '42',
            createReferralSet: counter('3'),
            updateReferralSet: null,
            applyReferralCode: { ...counter('5'), bannedUntil: '1729604421000000000' },
          },
        };
      }
      case 'submit': {
        const { tx, type } = JSON.parse(raw) as { tx: string; type: string };
        const txHash = this.submitHash ?? createHash('sha256').update(Buffer.from(tx, 'base64')).digest('hex').toUpperCase();
        return {
          code: this.submitAnswer.code,
          data: Buffer.from(this.submitAnswer.data, 'utf8').toString('hex').toUpperCase(),
          height: type === 'TYPE_COMMIT' ? String(this.height) : '0',
          log: this.submitAnswer.log,
          success: true,
          txHash,
        };
      }
      case 'check':
        return {
          success: this.checkAnswer.code === 0,
          code: this.checkAnswer.code,
          gasWanted: this.checkAnswer.code === 0 ? '7' : '0',
          gasUsed: '0',
          data: this.checkAnswer.data,
          log: '',
          info: this.checkAnswer.info,
        };
    }
  }
}

const started: FakeNode[] = [];
const clients: VegaNodeClient[] = [];

async function fakeNodes(count: number, journal?: string[]): Promise<FakeNode[]> {
  const made = await Promise.all(Array.from({ length: count }, (_, i) => new FakeNode(String.fromCharCode(65 + i), journal).start()));
  started.push(...made);
  return made;
}

function clientFor(nodes: FakeNode[], options: Partial<VegaNodeClientOptions> = {}): VegaNodeClient {
  const client = new VegaNodeClient({ nodes: nodes.map((n) => n.url), requestTimeoutMs: 400, retries: 3, backoffMs: 10, healthTtlMs: 60_000, maxHeightLag: 10, ...options });
  clients.push(client);
  return client;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const wire = (error: unknown) => toRpcError(error, () => 'ref').toJSON();

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(started.splice(0).map((n) => n.stop()));
});

describe('VegaNodeClient: reading from a healthy node', () => {
  it('parses /blockchain/height, /statistics and /statistics/spam into typed values', async () => {
    const [a] = await fakeNodes(1);
    const client = clientFor([a!]);

    await expect(client.lastBlock()).resolves.toEqual({
      height: 1234567n,
      hash: blockHash(1234567n),
      chainId: CHAIN,
      spamPowDifficulty: 15,
      spamPowNumberOfPastBlocks: 100,
      spamPowNumberOfTxPerBlock: 2,
      spamPowIncreasingDifficulty: false,
      spamPowHashFunction: 'sha3_24_rounds',
    });
    await expect(client.statistics()).resolves.toEqual({
      blockHeight: 1234567n,
      blockHash: blockHash(1234567n),
      chainId: CHAIN,
      vegaTime: '2024-10-22T13:40:21.123456789Z',
      appVersion: 'v0.79.0',
    });
    await expect(client.chainId()).resolves.toBe(CHAIN);

    const spam = await client.spamStatistics(PARTY);
    expect(spam.chainId).toBe(CHAIN);
    expect(spam.epochSeq).toBe(42n);
    expect(spam.pow.numberOfPastBlocks).toBe(100);
    expect(spam.pow.blockStates.map((b) => b.blockHeight)).toEqual([1234567n, 1234566n, 1234564n]);
    expect(spam.pow.blockStates[0]).toEqual({
      blockHeight: 1234567n,
      blockHash: blockHash(1234567n),
      transactionsSeen: 0,
      expectedDifficulty: 15,
      difficulty: 15,
      txPerBlock: 2,
      increasingDifficulty: false,
    });
    expect(spam.pow.blockStates[2]!.expectedDifficulty).toBeUndefined();
    expect(spam.proposals).toEqual({ countForEpoch: 1n, maxForEpoch: 3n });
    expect(spam.votes).toEqual({ maxForEpoch: 3n, perProposal: [{ proposal: PROPOSAL, countForEpoch: 2n }] });
    expect(spam.updateReferralSet).toBeNull();
    expect(spam.applyReferralCode).toEqual({ countForEpoch: 1n, maxForEpoch: 5n, bannedUntil: '1729604421000000000' });

    const [health] = await client.health();
    expect(health).toMatchObject({ url: a!.url, ok: true, preferred: true, chainId: CHAIN, height: 1234567n, error: null });
    expect(typeof health!.latencyMs).toBe('number');
  });

  it('submits raw bytes as base64 and decodes the upper-case hex `data` of the answer', async () => {
    const [a] = await fakeNodes(1);
    const client = clientFor([a!]);

    await expect(client.submitRaw(TX, 'TYPE_SYNC')).resolves.toEqual({ success: true, txHash: TX_HASH, code: 0, data: '', log: '', height: 0n });
    expect(a!.bodies.at(-1)).toEqual({ tx: TX_BASE64, type: 'TYPE_SYNC' });

    a!.submitAnswer = { code: 89, data: 'tid already seen — déjà vu', log: '' };
    const rejected = await client.submitRaw(TX, 'TYPE_COMMIT');
    expect(rejected).toEqual({ success: true, txHash: TX_HASH, code: 89, data: 'tid already seen — déjà vu', log: '', height: 1234567n });

    a!.checkAnswer = { code: 60, data: 'tx decoding failed', info: 'signature invalid' };
    await expect(client.checkRaw(TX)).resolves.toEqual({ success: false, code: 60, gasWanted: 0n, gasUsed: 0n, data: 'tx decoding failed', log: '', info: 'signature invalid' });
    expect(a!.bodies.at(-1)).toEqual({ tx: TX_BASE64 });
  });
});

describe('VegaNodeClient: answers are results, never retried', () => {
  it('returns a submit answered with code 89 as a result and sends it once', async () => {
    const [a, b] = await fakeNodes(2);
    a!.submitAnswer = b!.submitAnswer = { code: 89, data: 'unknown block height', log: '' };
    const client = clientFor([a!, b!]);

    const result = await client.submitRaw(TX, 'TYPE_SYNC');
    expect(result.code).toBe(89);
    expect(result.data).toBe('unknown block height');
    expect(a!.hits.submit + b!.hits.submit).toBe(1);

    a!.checkAnswer = b!.checkAnswer = { code: 70, data: '', info: 'not a validator' };
    await expect(client.checkRaw(TX)).resolves.toMatchObject({ success: false, code: 70, info: 'not a validator' });
    expect(a!.hits.check + b!.hits.check).toBe(1);
  });

  it('does not retry an HTTP 400, keeps the node healthy, and sums the error up without echoing it', async () => {
    const [a, b] = await fakeNodes(2);
    a!.behaviour = b!.behaviour = { submit: 'reject400', spam: 'reject400' };
    const client = clientFor([a!, b!]);

    const error = await rejection(client.submitRaw(TX, 'TYPE_SYNC'));
    expect(error).toBeInstanceOf(NodeRejectedRequestError);
    expect(a!.hits.submit + b!.hits.submit).toBe(1);
    const { message, reason, details } = error as NodeRejectedRequestError;
    expect(reason).toBe('node_rejected_request');
    expect(details).toMatchObject({ status: 400 });
    expect(message).toContain('InvalidArgument error: malformed request');
    expect(message).not.toMatch(/[\x00-\x1f]/);
    expect(message.length).toBeLessThan(260);
    expect(wire(error)).toMatchObject({ code: 1000, message: 'Network error', data: { reason: 'node_rejected_request' } });

    await expect(client.spamStatistics(PARTY)).rejects.toBeInstanceOf(NodeRejectedRequestError);
    expect(a!.hits.spam + b!.hits.spam).toBe(1);
    expect((await client.health()).every((n) => n.ok && n.preferred)).toBe(true);
  });
});

describe('VegaNodeClient: misbehaving nodes', () => {
  it('answers within requestTimeout + backoff when a node hangs, using the other node', async () => {
    const [a, b] = await fakeNodes(2);
    a!.behaviour = { statistics: 'hang', height: 'hang' };
    const client = clientFor([a!, b!], { requestTimeoutMs: 300 });

    let t0 = performance.now();
    await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(performance.now() - t0).toBeLessThan(300 + 10 + 300);
    expect(b!.hits.height).toBe(1);
    const health = await client.health();
    expect(health[0]).toMatchObject({ ok: false, preferred: false, error: 'no answer within 300 ms' });
    expect(health[1]).toMatchObject({ ok: true, preferred: true });

    // A node that passes the probe but hangs on the request itself: one timeout, then the next node.
    const [c, d] = await fakeNodes(2);
    c!.behaviour = { height: 'hang' };
    const other = clientFor([c!, d!], { requestTimeoutMs: 300 });
    await other.health();
    t0 = performance.now();
    await expect(other.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + 10 + 300);
    expect([c!.hits.height, d!.hits.height]).toEqual([1, 1]);
  });

  it('keeps using a slow node that answers within the timeout', async () => {
    const [a] = await fakeNodes(1);
    a!.delayMs = 150;
    const client = clientFor([a!], { requestTimeoutMs: 600 });
    await expect(client.lastBlock()).resolves.toMatchObject({ height: 1234567n });
    const [health] = await client.health();
    expect(health!.ok).toBe(true);
    expect(health!.latencyMs).toBeGreaterThanOrEqual(140);
  });

  it('treats garbage, HTML and 500 answers as node failures and never echoes their bodies', async () => {
    const [garbage, html, broken, good] = await fakeNodes(4);
    garbage!.behaviour = { statistics: 'garbage' };
    html!.behaviour = { statistics: 'html' };
    broken!.behaviour = { statistics: 'error500' };
    const client = clientFor([garbage!, html!, broken!, good!]);

    for (let i = 0; i < 3; i++) await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(good!.hits.height).toBe(3);
    const health = await client.health();
    expect(health.map((n) => n.ok)).toEqual([false, false, false, true]);
    expect(health[0]!.error).toMatch(/^invalid response: body\.statistics /);
    expect(health[1]!.error).toBe('response body is not JSON');
    expect(health[2]!.error).toBe('HTTP 500');
    expect(JSON.stringify(health, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/hunter2|<html/);

    // Healthy on the probe, garbage on the request: marked unhealthy, the call moves on.
    const [c, d] = await fakeNodes(2);
    c!.behaviour = { height: 'garbage' };
    const other = clientFor([c!, d!]);
    await expect(other.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect([c!.hits.height, d!.hits.height]).toEqual([1, 1]);
    expect((await other.health())[0]).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid response/) });
  });

  it('moves on when a node drops the connection mid-request, but never sends a transaction twice', async () => {
    const [a, b] = await fakeNodes(2);
    a!.behaviour = { height: 'destroy', spam: 'truncate', submit: 'destroy' };
    const client = clientFor([a!, b!]);

    await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    // A sees the GET twice: it went out on the connection kept from the probe, which ended
    // before any answer, so it was sent once more on a new connection (see 'connections
    // closed by the node' below) before the client moved on to B.
    expect([a!.hits.height, b!.hits.height]).toEqual([2, 1]);

    // Fresh clients start their round robin at A.
    const healed = clientFor([a!, b!]);
    await expect(healed.spamStatistics(PARTY)).resolves.toMatchObject({ epochSeq: 42n });
    expect([a!.hits.spam, b!.hits.spam]).toEqual([1, 1]);

    const submitter = clientFor([a!, b!]);
    const error = await rejection(submitter.submitRaw(TX, 'TYPE_SYNC'));
    expect(error).toBeInstanceOf(TransactionFailedError);
    expect((error as TransactionFailedError).details).toMatchObject({ txHash: TX_HASH, attempts: 1, possiblyDelivered: true });
    expect(wire(error)).toMatchObject({ code: 1000, data: { reason: 'transaction_failed', message: 'the transaction failed' } });
    expect([a!.hits.submit, b!.hits.submit]).toEqual([1, 0]);
  });

  it('does not trust a submit answer about another transaction', async () => {
    const [a, b] = await fakeNodes(2);
    a!.submitHash = 'AB'.repeat(32);
    const client = clientFor([a!, b!]);
    const error = await rejection(client.submitRaw(TX, 'TYPE_ASYNC'));
    expect(error).toBeInstanceOf(TransactionFailedError);
    expect((error as TransactionFailedError).details).toMatchObject({ cause: 'invalid response: body.txHash does not match the submitted transaction' });
    expect(a!.hits.submit + b!.hits.submit).toBe(1);
  });
});

describe('VegaNodeClient: connections closed by the node', () => {
  it('sends a GET once more on a new connection when the kept-alive one ends before any answer', async () => {
    const [a] = await fakeNodes(1);
    a!.behaviour = { height: 'dropReused' };
    // No retry on the client's side: only the transport can save the call.
    const client = clientFor([a!], { retries: 0 });
    await client.health(); // leaves one idle connection in the pool

    await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(a!.hits.height).toBe(2);
    expect(a!.connections).toBe(2);
    await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(a!.hits.height).toBe(4);
    expect(a!.connections).toBe(3);
    expect((await client.health())[0]).toMatchObject({ ok: true, preferred: true });
  });

  it('sends it once more only: a new connection that breaks too is a failure', async () => {
    const [a] = await fakeNodes(1);
    a!.behaviour = { height: 'destroy' };
    const client = clientFor([a!], { retries: 0 });
    await client.health();

    const error = await rejection(client.lastBlock());
    expect(error).toBeInstanceOf(LastBlockUnavailableError);
    expect((error as LastBlockUnavailableError).details).toMatchObject({ attempts: 1, cause: 'connection reset' });
    expect(a!.hits.height).toBe(2);
  });

  it('never sends a POST twice, even when the kept-alive connection ended before any answer', async () => {
    const [a] = await fakeNodes(1);
    a!.behaviour = { submit: 'dropReused', check: 'dropReused' };
    const client = clientFor([a!], { retries: 0 });
    await client.health();

    const error = await rejection(client.submitRaw(TX, 'TYPE_SYNC'));
    expect(error).toBeInstanceOf(TransactionFailedError);
    expect((error as TransactionFailedError).details).toMatchObject({ txHash: TX_HASH, attempts: 1, possiblyDelivered: true });
    expect(a!.hits.submit).toBe(1);

    // A check is not a submit, but it is a POST all the same.
    await client.health(); // the failure above marked the node: probe it again, on a new connection
    await expect(client.checkRaw(TX)).rejects.toBeInstanceOf(NoHealthyNodeError);
    expect(a!.hits.check).toBe(1);
  });
});

describe('VegaNodeClient: choosing nodes', () => {
  it('leaves out a node on another chain id, outvoted by two agreeing nodes', async () => {
    const [odd, a, b] = await fakeNodes(3);
    odd!.chainId = 'another-chain-1';
    odd!.height = 99_999_999n;
    const client = clientFor([odd!, a!, b!]);

    await expect(client.chainId()).resolves.toBe(CHAIN);
    for (let i = 0; i < 4; i++) await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(odd!.hits.height).toBe(0);
    expect([a!.hits.height, b!.hits.height]).toEqual([2, 2]);
    expect((await client.health())[0]).toMatchObject({ ok: true, preferred: false, chainId: 'another-chain-1' });
  });

  it('leaves out a node far behind in height, keeps one within maxHeightLag', async () => {
    const [a, near, far] = await fakeNodes(3);
    near!.height = a!.height - 10n;
    far!.height = a!.height - 50n;
    const client = clientFor([a!, near!, far!], { maxHeightLag: 10 });
    for (let i = 0; i < 4; i++) await client.lastBlock();
    expect([a!.hits.height, near!.hits.height, far!.hits.height]).toEqual([2, 2, 0]);
    expect((await client.health()).map((n) => n.preferred)).toEqual([true, true, false]);
  });

  it('alternates requests over two healthy nodes', async () => {
    const journal: string[] = [];
    const [a, b] = await fakeNodes(2, journal);
    const client = clientFor([a!, b!]);
    for (let i = 0; i < 6; i++) await client.spamStatistics(PARTY);
    expect(journal.filter((line) => line.endsWith(':spam'))).toEqual(['A:spam', 'B:spam', 'A:spam', 'B:spam', 'A:spam', 'B:spam']);
  });

  it('fails over when a node stops and uses it again once the health cache expires', async () => {
    const [a, b] = await fakeNodes(2);
    const client = clientFor([a!, b!], { healthTtlMs: 250 });

    for (let i = 0; i < 2; i++) await client.lastBlock();
    expect([a!.hits.height, b!.hits.height]).toEqual([1, 1]);

    await a!.stop();
    for (let i = 0; i < 4; i++) await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect([a!.hits.height, b!.hits.height]).toEqual([1, 5]);

    await a!.start(); // same port
    await sleep(300);
    for (let i = 0; i < 4; i++) await client.lastBlock();
    expect([a!.hits.height, b!.hits.height]).toEqual([3, 7]);
    expect((await client.health()).every((n) => n.ok)).toBe(true);
  });

  it('probes again in the background once the health cache is half way through its life, so that no caller waits for it', async () => {
    const [a] = await fakeNodes(1);
    a!.delayMs = 50;
    const client = clientFor([a!], { healthTtlMs: 600 });
    expect(client.knownChainId()).toBeUndefined();
    await client.chainId(); // nothing known yet: this one waits for the first round
    const firstRound = Date.now();
    expect(client.knownChainId()).toBe(CHAIN);
    expect(a!.hits.statistics).toBe(1); // young: answered from the cache, no probe

    await sleep(firstRound + 350 - Date.now());
    expect(client.knownChainId()).toBe(CHAIN); // past half its life: still answered at once...
    for (let i = 0; i < 100 && a!.hits.statistics < 2; i++) await sleep(5);
    expect(a!.hits.statistics).toBe(2); // ...and the next round has started
    expect(client.knownChainId()).toBe(CHAIN);
    await sleep(20);
    expect(a!.hits.statistics).toBe(2); // one round at a time

    // The first round's results are out of date now; the background round's are not.
    await sleep(firstRound + 650 - Date.now());
    expect(client.knownChainId()).toBe(CHAIN);
    await expect(client.lastBlock()).resolves.toMatchObject({ chainId: CHAIN });
    expect(a!.hits.statistics).toBe(2);
  });

  it('sends a transaction to the next node when the first cannot be reached at all', async () => {
    const [a, b] = await fakeNodes(2);
    const client = clientFor([a!, b!]);
    await client.health();
    await a!.stop();
    await sleep(50); // let the client notice its idle keep-alive connection to A is gone
    await expect(client.submitRaw(TX, 'TYPE_SYNC')).resolves.toMatchObject({ code: 0, txHash: TX_HASH });
    expect([a!.hits.submit, b!.hits.submit]).toEqual([0, 1]);
    expect((await client.health())[0]).toMatchObject({ ok: false, error: 'connection refused' });
  });
});

describe('VegaNodeClient: giving up', () => {
  it('answers 1000 no_healthy_node when no node answers', async () => {
    const nodes = await fakeNodes(2);
    await Promise.all(nodes.map((n) => n.stop()));
    const client = clientFor(nodes);

    for (const call of [() => client.lastBlock(), () => client.submitRaw(TX, 'TYPE_SYNC'), () => client.chainId(), () => client.spamStatistics(PARTY)]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(NoHealthyNodeError);
      expect((error as DomainError).category).toBe('network');
      expect(wire(error)).toEqual({ code: 1000, message: 'Network error', data: { reason: 'no_healthy_node', message: 'no healthy node available' } });
    }
    expect((await client.health()).map((n) => [n.ok, n.error])).toEqual([
      [false, 'connection refused'],
      [false, 'connection refused'],
    ]);
  });

  it('answers last_block_unavailable when /blockchain/height fails on every node, after `retries` retries', async () => {
    const [a, b] = await fakeNodes(2);
    a!.behaviour = b!.behaviour = { height: 'error500' };
    const client = clientFor([a!, b!], { retries: 3 });
    const error = await rejection(client.lastBlock());
    expect(error).toBeInstanceOf(LastBlockUnavailableError);
    expect(a!.hits.height + b!.hits.height).toBe(4);
    expect(wire(error)).toEqual({
      code: 1000,
      message: 'Network error',
      data: { reason: 'last_block_unavailable', message: 'could not get information about the last block on the network', attempts: 4, cause: 'HTTP 500' },
    });
  });
});

describe('VegaNodeClient: many requests at once', () => {
  it('waits out a failing node with many requests in flight without a listener-leak warning on stderr', async () => {
    // In a process of its own, as the gateway runs it: Node prints such warnings on stderr, which Jest's process does not show here.
    const client = pathToFileURL(join(ROOT, 'dist', 'src', 'node', 'vega-node-client.js')).href;
    const script = `
      import { createServer } from 'node:http';
      const { VegaNodeClient } = await import(${JSON.stringify(client)});
      const node = createServer((req, res) => res.writeHead(500).end()).listen(0, '127.0.0.1');
      await new Promise((resolve) => node.once('listening', resolve));
      const client = new VegaNodeClient({ nodes: ['http://127.0.0.1:' + node.address().port], retries: 2, backoffMs: 5 });
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => client.lastBlock()));
      await new Promise((resolve) => setTimeout(resolve, 20));
      console.log(outcomes.filter((o) => o.status === 'rejected').length);
      client.close();
      node.close();
    `;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err })));
    });
    expect(stdout.trim()).toBe('30');
    expect(stderr).toBe('');
  });
});

describe('VegaNodeClient: cancellation', () => {
  it('stops at once with the caller’s reason, without retrying', async () => {
    const [a, b] = await fakeNodes(2);
    a!.behaviour = { height: 'hang' };
    const client = clientFor([a!, b!], { requestTimeoutMs: 5000 });
    await client.health();

    const caller = new AbortController();
    const reason = new Error('the caller went away');
    setTimeout(() => caller.abort(reason), 50);
    const t0 = performance.now();
    await expect(client.lastBlock(caller.signal)).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(500);
    expect([a!.hits.height, b!.hits.height]).toEqual([1, 0]);
    // The caller leaving says nothing about the node.
    expect((await client.health()).map((n) => n.ok)).toEqual([true, true]);

    // Already aborted: nothing is sent.
    await expect(client.submitRaw(TX, 'TYPE_SYNC', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(a!.hits.submit + b!.hits.submit).toBe(0);
  });

  it('close() ends requests in flight and refuses new ones', async () => {
    const [a] = await fakeNodes(1);
    a!.behaviour = { height: 'hang' };
    const client = clientFor([a!], { requestTimeoutMs: 5000 });
    const pending = client.lastBlock();
    await sleep(50);
    const t0 = performance.now();
    client.close();
    const error = await rejection(pending);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(error).toBeInstanceOf(NodeClientClosedError);
    expect((error as DomainError).reason).toBe('node_client_closed');
    await expect(client.statistics()).rejects.toBeInstanceOf(NodeClientClosedError);
  });
});
