/**
 * Property-based fuzzing of a live gateway (real SQLite, both doors, the
 * in-process development node), with requests generated from openrpc.json by
 * test/fuzz/arbitraries.js: valid params of every method, mutations of them,
 * and broken envelopes, over HTTP (both doors, the operator door with its
 * bearer token) and over WebSocket (text frames, JSON or not, and binary).
 *
 * For every case: the HTTP status is the one the transport promises (200, 204
 * for notifications only, 413 for bodies over the limit, 401/415 for the few
 * cases sent without the token or with another content type); every answer is
 * a well-formed JSON-RPC 2.0 response with the request's id (null when it
 * could not be read), exactly one of result/error, and an error code that
 * JSON-RPC or the spec declares (for the method that answered); requests the
 * spec pins down (parse errors, invalid requests, unknown methods, params
 * that break their schema) get exactly that code; no internal error (-32603)
 * at all; the operator token appears in no answer; no built-in prototype
 * changes. Every 500 cases a valid request at each door must still work.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> npm test -- fuzz.
 * Longer runs: test/soak/fuzz.mjs.
 */
import * as fc from 'fast-check';
import WebSocket from 'ws';
import {
  WsPeer,
  closeHttpAgent,
  createFuzzContext,
  createStats,
  describeCase,
  fixtureOptions,
  httpCaseArbitrary,
  methodWeight,
  pollutionProblems,
  probeDoors,
  prototypeSnapshot,
  runHttpCase,
  runWsCase,
  wsCaseArbitrary,
  type Door,
  type FuzzContext,
  type FuzzStats,
} from '../fuzz/arbitraries.js';
import { DEFAULT_LIMITS } from '../../src/transport/http-door.js';
import { SEED_PASSPHRASE, SEED_PHRASE, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { nextReview } from '../helpers/review.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_240_607);
/** HTTP cases per door; two doors make at least 10,000. */
const HTTP_CASES_PER_DOOR = Number(process.env.FUZZ_HTTP_CASES_PER_DOOR ?? 5_200);
/** WebSocket cases per door. */
const WS_CASES_PER_DOOR = Number(process.env.FUZZ_WS_CASES_PER_DOOR ?? 560);
/** HTTP requests in flight at once. */
const IN_FLIGHT = 20;
/** WebSocket connections per door, each carrying one case at a time. */
const WS_PEERS = 8;
const PROBE_EVERY = 500;
/** The first key of the seed phrase (key derivation v2). */
const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const MAX_BATCH = 100;

let gw: TestGateway;
let ctx: FuzzContext;
let snapshot: string;
const stats = { http: createStats(), ws: createStats() };
const timings: Record<string, number> = {};

/** Wallets made before the run; valid requests often name them. */
const FIXTURE_WALLETS = ['constructor', 'fuzz wallet'];

beforeAll(async () => {
  // Reviews must never wait for a person: the policy rejects, and a review that asks anyway times out quickly.
  gw = await startTestGateway({ reviewTimeoutSeconds: 2 });
  await gw.call('admin.set_policy', { policy: { rules: [], default: 'reject' } });
  // Wallets under names that are also Object.prototype members, so lookups by name get tested for real.
  await gw.call('admin.import_wallet', { wallet: FIXTURE_WALLETS[0], passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
  await gw.call('admin.create_wallet', { wallet: FIXTURE_WALLETS[1], passphrase: SEED_PASSPHRASE });
  ctx = createFuzzContext(fixtureOptions({ wallets: FIXTURE_WALLETS, passphrase: SEED_PASSPHRASE, recoveryPhrase: SEED_PHRASE, publicKey: FIRST_KEY }));
  snapshot = prototypeSnapshot();
});

afterAll(async () => {
  closeHttpAgent();
  await gw?.close();
  const show = (s: FuzzStats) => ({
    cases: s.cases,
    statuses: Object.fromEntries(s.statuses),
    codes: Object.fromEntries([...s.codes].sort((a, b) => b[1] - a[1])),
    slowest: s.slowest.slice(0, 5),
  });
  // eslint-disable-next-line no-console
  console.log(`fuzz seed ${SEED}\nHTTP: ${JSON.stringify(show(stats.http))} in ${timings.http} ms\nWebSocket: ${JSON.stringify(show(stats.ws))} in ${timings.ws} ms`);
});

const urlOf = (door: Door) => (door === 'operator' ? gw.gateway.operatorUrl : gw.gateway.applicationUrl);

/** Liveness, prototypes and the gateway's own error log; run between chunks. */
async function between(sent: { n: number; nextProbe: number }): Promise<string[]> {
  const problems = pollutionProblems(snapshot);
  if (sent.n >= sent.nextProbe) {
    sent.nextProbe += PROBE_EVERY;
    problems.push(...(await probeDoors({ operatorUrl: gw.gateway.operatorUrl, applicationUrl: gw.gateway.applicationUrl, token: gw.gateway.adminToken })));
  }
  const errors = gw.logs.filter((line) => line.includes('"level":"error"'));
  if (errors.length) problems.push(`the gateway logged ${errors.length} error(s):\n${errors.slice(0, 5).map((l) => l.slice(0, 1200)).join('\n')}`);
  // Each is reported once.
  gw.logs.splice(0);
  return problems;
}

const failWith = (problems: string[]) => {
  if (problems.length) throw new Error(problems.join('\n'));
};

/**
 * Runs a property and, on failure, throws with the seed and the failing
 * cases described briefly (fast-check's own report would print every case
 * of the chunk in full, 100 KB strings included).
 */
async function check<T>(what: string, property: fc.IAsyncPropertyWithHooks<T>, params: fc.Parameters<T>): Promise<void> {
  const details = await fc.check(property, params);
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`${what}: failed at run ${details.numRuns} (rerun with FUZZ_SEED=${details.seed}; path ${details.counterexamplePath})\n${cause}`);
}

async function fuzzHttp(door: Door, cases: number): Promise<number> {
  const target = { url: urlOf(door), token: gw.gateway.adminToken, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes, maxBatch: MAX_BATCH };
  const arb = httpCaseArbitrary(ctx, door, { methodWeight });
  const sent = { n: 0, nextProbe: PROBE_EVERY };
  await check(
    `HTTP at the ${door} door`,
    fc.asyncProperty(fc.array(arb, { minLength: IN_FLIGHT, maxLength: IN_FLIGHT }), async (chunk) => {
      const results = await Promise.all(chunk.map((c) => runHttpCase(ctx, target, c, stats.http)));
      sent.n += chunk.length;
      failWith([...results.flatMap((problems, i) => (problems.length ? [describeCase(chunk[i]!, problems)] : [])), ...(await between(sent))]);
    }),
    // The failing cases are printed whole, so shrinking (which replays state-changing requests) is off unless asked for.
    { seed: SEED, numRuns: Math.ceil(cases / IN_FLIGHT), endOnFailure: !process.env.FUZZ_SHRINK },
  );
  return sent.n;
}

async function fuzzWebSocket(door: Door, cases: number): Promise<number> {
  const wsUrl = urlOf(door).replace(/^http/, 'ws');
  const headers: Record<string, string> = door === 'operator' ? { authorization: `Bearer ${gw.gateway.adminToken}` } : {};
  const peers = await Promise.all(Array.from({ length: WS_PEERS }, () => WsPeer.open(wsUrl, headers)));
  const arb = wsCaseArbitrary(ctx, door, { methodWeight });
  const sent = { n: 0, nextProbe: PROBE_EVERY };
  const options = { maxBatch: MAX_BATCH, secrets: [gw.gateway.adminToken] };
  try {
    await check(
      `WebSocket at the ${door} door`,
      fc.asyncProperty(fc.array(arb, { minLength: WS_PEERS, maxLength: WS_PEERS }), async (chunk) => {
        // One case per connection at a time, all connections at once.
        const results = await Promise.all(chunk.map((c, i) => runWsCase(ctx, peers[i % WS_PEERS]!, c, options, stats.ws)));
        sent.n += chunk.length;
        failWith([...results.flatMap((problems, i) => (problems.length ? [describeCase(chunk[i]!, problems)] : [])), ...(await between(sent))]);
      }),
      { seed: SEED + (door === 'operator' ? 1 : 2), numRuns: Math.ceil(cases / WS_PEERS), endOnFailure: !process.env.FUZZ_SHRINK },
    );
    // Every connection is still open and in step: a last sentinel gets its own answer.
    for (const peer of peers) {
      expect(peer.closed).toBeNull();
      peer.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'last', method: 'rpc.nope' }));
      const frame = await peer.next();
      expect(JSON.parse(frame!.text)).toMatchObject({ jsonrpc: '2.0', id: 'last', error: { code: -32601 } });
    }
  } finally {
    for (const peer of peers) peer.close();
  }
  return sent.n;
}

describe('fuzzing over HTTP', () => {
  test(
    `at least 10,000 generated cases at both doors (seed ${SEED})`,
    async () => {
      const started = Date.now();
      const app = await fuzzHttp('application', HTTP_CASES_PER_DOOR);
      const op = await fuzzHttp('operator', HTTP_CASES_PER_DOOR);
      timings.http = Date.now() - started;
      expect(app + op).toBeGreaterThanOrEqual(Math.min(10_000, 2 * HTTP_CASES_PER_DOOR));
      failWith(await probeDoors({ operatorUrl: gw.gateway.operatorUrl, applicationUrl: gw.gateway.applicationUrl, token: gw.gateway.adminToken }));
    },
    180_000,
  );
});

describe('fuzzing over WebSocket', () => {
  test(
    `at least 1,000 generated frames at both doors, text and binary (seed ${SEED})`,
    async () => {
      const started = Date.now();
      const app = await fuzzWebSocket('application', WS_CASES_PER_DOOR);
      const op = await fuzzWebSocket('operator', WS_CASES_PER_DOOR);
      timings.ws = Date.now() - started;
      expect(app + op).toBeGreaterThanOrEqual(Math.min(1_000, 2 * WS_CASES_PER_DOOR));
    },
    120_000,
  );

  test('a message over the size limit closes that connection with 1009, and the door still serves others', async () => {
    const ws = new WebSocket(gw.gateway.applicationUrl.replace(/^http/, 'ws'));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(`{"jsonrpc":"2.0","id":1,"method":"rpc.discover","params":{"x":"${'x'.repeat(DEFAULT_LIMITS.maxWsMessageBytes)}"}}`);
    expect(await closed).toBe(1009);
    const peer = await WsPeer.open(gw.gateway.applicationUrl.replace(/^http/, 'ws'));
    try {
      peer.ws.send('{"jsonrpc":"2.0","id":"after","method":"rpc.discover"}');
      expect(JSON.parse((await peer.next())!.text)).toMatchObject({ id: 'after', result: { openrpc: expect.any(String) } });
    } finally {
      peer.close();
    }
  });
});

/** The defects this fuzzing found, pinned down one by one so they stay fixed whatever the seed. */
describe('defects found by fuzzing', () => {
  const rpc = (method: string, params: unknown, id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params });
  const encoded = (json: string) => Buffer.from(json).toString('base64');

  test.each([
    ['a 20-digit uint64 string', '{"orderSubmission":{"size":"99999999999999999999"}}', '/encodedTransaction/orderSubmission/size'],
    ['2^64 as a number', '{"orderSubmission":{"size":18446744073709551616}}', '/encodedTransaction/orderSubmission/size'],
    ['1e308 in a nested message', '{"orderSubmission":{"icebergOpts":{"peakSize":1e308}}}', '/encodedTransaction/orderSubmission/icebergOpts/peakSize'],
    ['an int64 below -2^63', '{"orderSubmission":{"expiresAt":"-9999999999999999999"}}', '/encodedTransaction/orderSubmission/expiresAt'],
  ])('a command integer that fits the schema but not 64 bits (%s) is invalid params, not an internal error', async (_label, json, path) => {
    for (const method of ['session.sign_transaction', 'session.check_transaction']) {
      const { body } = await gw.app(rpc(method, { token: 'unknown', publicKey: FIRST_KEY, encodedTransaction: encoded(json) }));
      expect(body.error).toMatchObject({ code: -32602, data: { path, rule: 'range' } });
    }
  });

  test('a node URL the URL parser refuses is refused when stored, so the network stays usable', async () => {
    for (const method of ['admin.add_network', 'admin.update_network']) {
      const { body } = await gw.admin(rpc(method, { name: 'fuzz-net', nodes: ['http://node.example', 'http://a:b:c'] }));
      expect(body.error).toMatchObject({ code: -32602, data: { path: '/nodes/1', rule: 'url' } });
    }
    expect((await gw.admin(rpc('admin.describe_network', { name: 'fuzz-net' }))).body.error).toMatchObject({ code: 2000 });
  });

  describe('policies that approve a connection without a wallet to connect ask a person', () => {
    afterEach(async () => {
      await gw.call('admin.set_policy', { policy: { rules: [], default: 'reject' } });
    });

    test.each([
      ['an approving default', { rules: [], default: 'approve' }],
      ['a rule naming a wallet that does not exist', { rules: [{ hostname: 'fuzz.example', action: 'approve', wallet: 'no such wallet' }], default: 'reject' }],
    ])('%s', async (_label, policy) => {
      await gw.call('admin.set_policy', { policy });
      const reply = gw.app(rpc('session.connect_wallet', { hostname: 'fuzz.example' }));
      const review = await nextReview(gw);
      expect(review).toMatchObject({ kind: 'connection', hostname: 'fuzz.example' });
      await gw.call('admin.decide_review', { id: review.id, approved: true, wallet: FIXTURE_WALLETS[1] });
      expect((await reply).body.result).toEqual({ token: expect.any(String) });
    });

    test('a rule naming an existing wallet still connects at once', async () => {
      await gw.call('admin.set_policy', { policy: { rules: [{ hostname: 'fuzz.example', action: 'approve', wallet: FIXTURE_WALLETS[1] }], default: 'reject' } });
      expect((await gw.app(rpc('session.connect_wallet', { hostname: 'fuzz.example' }))).body.result).toEqual({ token: expect.any(String) });
    });
  });
});
