/**
 * A long fuzzing run against the BUILT gateway: the properties of
 * test/integration/fuzz.test.ts, for as many cases as you like, with
 * throughput, an error-code histogram and memory at start and end.
 *
 * Usage (from the package root):
 *
 *   npx tsc -p tsconfig.build.json        # or: npm run build
 *   node test/soak/fuzz.mjs
 *
 * Settings (environment):
 *   FUZZ_RUNS       HTTP cases in total, both doors (default 100000)
 *   FUZZ_WS_RUNS    WebSocket frames in total, both doors (default FUZZ_RUNS / 10)
 *   FUZZ_SECONDS    stop each phase (HTTP, then WebSocket) after this many seconds, whatever the counts
 *   FUZZ_SEED       fast-check seed (default 20240607); the seed is printed either way
 *   FUZZ_IN_FLIGHT  HTTP requests at once (default 20)
 *   FUZZ_WS_PEERS   WebSocket connections per door (default 8)
 *
 * Unlike the jest test it does not stop at the first failing case: every
 * failure is counted, the first 20 are printed, and the exit code is 1 if
 * there was any. It also counts uncaught exceptions and unhandled rejections
 * in the (in-process) gateway.
 *
 * Example: FUZZ_SECONDS=30 FUZZ_RUNS=1000000 node --expose-gc test/soak/fuzz.mjs
 * (--expose-gc is optional: with it, memory is measured after a full collection.)
 */
import * as fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defaultConfig } from '../../dist/src/config.js';
import { startGateway } from '../../dist/src/gateway.js';
import { createLogger } from '../../dist/src/logger.js';
import { DEFAULT_LIMITS } from '../../dist/src/transport/http-door.js';
import {
  WsPeer,
  closeHttpAgent,
  createFuzzContext,
  createStats,
  describeCase,
  fixtureOptions,
  httpCaseArbitrary,
  httpPost,
  methodWeight,
  pollutionProblems,
  probeDoors,
  prototypeSnapshot,
  runHttpCase,
  runWsCase,
  wsCaseArbitrary,
} from '../fuzz/arbitraries.js';

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : Number(process.env[name]));
const RUNS = env('FUZZ_RUNS', 100_000);
const WS_RUNS = env('FUZZ_WS_RUNS', Math.ceil(RUNS / 10));
const SECONDS = env('FUZZ_SECONDS', undefined);
const SEED = env('FUZZ_SEED', 20_240_607);
const IN_FLIGHT = env('FUZZ_IN_FLIGHT', 20);
const WS_PEERS = env('FUZZ_WS_PEERS', 8);
const PROBE_EVERY = 500;
const MAX_BATCH = 100;
const SEED_PHRASE =
  'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render';
const PASSPHRASE = 'this-is-not-a-good-passphrase';
const FIRST_KEY = 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0';
const FIXTURE_WALLETS = ['constructor', 'fuzz wallet'];

const crashes = { uncaughtException: 0, unhandledRejection: 0, first: [] };
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    crashes[event]++;
    if (crashes.first.length < 5) crashes.first.push(`${event}: ${error?.stack ?? error}`);
  });
}

const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
/** With node --expose-gc, collects first so that the figures show what is retained. */
const memory = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)}`;
};

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-gateway-soak-'));
  const errorLines = [];
  let errorCount = 0;
  const gateway = await startGateway(
    defaultConfig({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      validateResults: true,
      scryptCost: { N: 2 ** 12, r: 8, p: 1 },
      // The run fails authentication on purpose all the time; the limiter has tests of its own.
      failureLimits: { maxFailures: 1_000_000_000, windowMs: 60_000 },
      reviewTimeoutSeconds: 2,
    }),
    {
      logger: createLogger('error', (line) => {
        errorCount++;
        if (errorLines.length < 20) errorLines.push(line.slice(0, 1500));
      }),
    },
  );
  const token = gateway.adminToken;
  const call = async (method, params) => {
    const reply = await httpPost(gateway.operatorUrl, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })), {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
    });
    const body = JSON.parse(reply.text);
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  await call('admin.set_policy', { policy: { rules: [], default: 'reject' } });
  await call('admin.import_wallet', { wallet: FIXTURE_WALLETS[0], passphrase: PASSPHRASE, recoveryPhrase: SEED_PHRASE, version: 2 });
  await call('admin.create_wallet', { wallet: FIXTURE_WALLETS[1], passphrase: PASSPHRASE });

  const ctx = createFuzzContext(fixtureOptions({ wallets: FIXTURE_WALLETS, passphrase: PASSPHRASE, recoveryPhrase: SEED_PHRASE, publicKey: FIRST_KEY }));
  const snapshot = prototypeSnapshot();
  const doors = { operatorUrl: gateway.operatorUrl, applicationUrl: gateway.applicationUrl, token };
  const failures = [];
  let failedCases = 0;
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();

  console.log(`wallet-gateway fuzz soak: seed ${SEED}, ${RUNS} HTTP cases, ${WS_RUNS} WebSocket frames${SECONDS ? `, at most ${SECONDS} s per phase` : ''}`);
  console.log(`memory at start: ${memory()}`);

  /** Checks made between chunks: prototypes, and every 500 cases a valid request at each door. */
  const between = async (sent) => {
    const problems = pollutionProblems(snapshot);
    if (sent.n >= sent.nextProbe) {
      sent.nextProbe += PROBE_EVERY;
      problems.push(...(await probeDoors(doors)));
    }
    return problems;
  };
  const record = (chunk, results, extra) => {
    results.forEach((problems, i) => {
      if (!problems.length) return;
      failedCases++;
      if (failures.length < 20) failures.push(describeCase(chunk[i], problems));
    });
    for (const p of extra) if (failures.length < 20) failures.push(`- ${p}`);
    if (extra.length) failedCases++;
  };
  const progress = (label, stats, started) => {
    const s = (Date.now() - started) / 1000;
    console.log(`  ${label}: ${stats.cases} cases in ${s.toFixed(0)} s (${(stats.cases / s).toFixed(0)}/s), ${failedCases} failing, ${memory()}`);
  };
  /**
   * FUZZ_SECONDS ends a phase between chunks: the property throws Deadline
   * before starting another one (fast-check's own time limit does not wait
   * for the chunk in flight, whose connections would then be closed under it).
   */
  class Deadline extends Error {}
  const untilDeadline = (phaseStart) => {
    if (SECONDS !== undefined && Date.now() - phaseStart >= SECONDS * 1000) throw new Deadline('time is up');
  };
  const settle = (what, details) => {
    if (details.failed && !(details.errorInstance instanceof Deadline)) {
      // The property itself never fails (problems are recorded): this is the harness breaking.
      throw new Error(`${what}: the run broke: ${details.errorInstance?.stack ?? details.errorInstance}`);
    }
  };

  // HTTP: both doors mixed in every chunk.
  const http = createStats();
  const targets = {
    application: { url: gateway.applicationUrl, token, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes, maxBatch: MAX_BATCH },
    operator: { url: gateway.operatorUrl, token, maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes, maxBatch: MAX_BATCH },
  };
  const httpCase = fc.oneof(httpCaseArbitrary(ctx, 'application', { methodWeight }), httpCaseArbitrary(ctx, 'operator', { methodWeight }));
  let started = Date.now();
  let lastReport = started;
  const httpSent = { n: 0, nextProbe: PROBE_EVERY };
  const httpStart = started;
  const httpDetails = await fc.check(
    fc.asyncProperty(fc.array(httpCase, { minLength: IN_FLIGHT, maxLength: IN_FLIGHT }), async (chunk) => {
      untilDeadline(httpStart);
      const results = await Promise.all(chunk.map((c) => runHttpCase(ctx, targets[c.door], c, http)));
      httpSent.n += chunk.length;
      record(chunk, results, await between(httpSent));
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress('HTTP', http, started);
      }
      return true;
    }),
    { seed: SEED, numRuns: Math.ceil(RUNS / IN_FLIGHT), endOnFailure: true },
  );
  settle('HTTP', httpDetails);
  const httpSeconds = (Date.now() - started) / 1000;

  // WebSocket: one case per connection at a time, all connections of both doors at once.
  const ws = createStats();
  const peers = [
    ...(await Promise.all(Array.from({ length: WS_PEERS }, () => WsPeer.open(gateway.applicationUrl.replace(/^http/, 'ws'))))).map((peer) => ({ peer, door: 'application' })),
    ...(await Promise.all(Array.from({ length: WS_PEERS }, () => WsPeer.open(gateway.operatorUrl.replace(/^http/, 'ws'), { authorization: `Bearer ${token}` })))).map((peer) => ({
      peer,
      door: 'operator',
    })),
  ];
  const wsArbs = { application: wsCaseArbitrary(ctx, 'application', { methodWeight }), operator: wsCaseArbitrary(ctx, 'operator', { methodWeight }) };
  const wsChunk = fc.tuple(...peers.map(({ door }) => wsArbs[door]));
  started = Date.now();
  lastReport = started;
  const wsSent = { n: 0, nextProbe: PROBE_EVERY };
  const wsStart = started;
  const wsDetails = await fc.check(
    fc.asyncProperty(wsChunk, async (chunk) => {
      untilDeadline(wsStart);
      const results = await Promise.all(chunk.map((c, i) => runWsCase(ctx, peers[i].peer, c, { maxBatch: MAX_BATCH, secrets: [token] }, ws)));
      wsSent.n += chunk.length;
      record(chunk, results, await between(wsSent));
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress('WebSocket', ws, started);
      }
      return true;
    }),
    { seed: SEED + 1, numRuns: Math.ceil(WS_RUNS / peers.length), endOnFailure: true },
  );
  settle('WebSocket', wsDetails);
  const wsSeconds = (Date.now() - started) / 1000;
  for (const { peer } of peers) peer.close();

  const finalProbe = await probeDoors(doors);
  lag.disable();
  const memoryAtEnd = memory();
  closeHttpAgent();
  await gateway.close();
  rmSync(dataDir, { recursive: true, force: true });

  const histogram = (stats) =>
    [...stats.codes]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `    ${code.padStart(7)}  ${n}`)
      .join('\n');
  console.log(`\nHTTP: ${http.cases} cases in ${httpSeconds.toFixed(1)} s = ${(http.cases / httpSeconds).toFixed(0)} cases/s`);
  console.log(`  statuses: ${JSON.stringify(Object.fromEntries(http.statuses))}`);
  console.log(`  answers by code ("result" = success):\n${histogram(http)}`);
  console.log(`  slowest: ${http.slowest.slice(0, 3).map((s) => `${s.ms} ms ${s.label}`).join(' | ')}`);
  console.log(`WebSocket: ${ws.cases} frames in ${wsSeconds.toFixed(1)} s = ${(ws.cases / wsSeconds).toFixed(0)} frames/s`);
  console.log(`  answers by code:\n${histogram(ws)}`);
  console.log(`event-loop delay: mean ${(lag.mean / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(0)} ms`);
  console.log(`memory at end:   ${memoryAtEnd}`);
  console.log(`gateway error-log lines: ${errorCount}; uncaught exceptions: ${crashes.uncaughtException}; unhandled rejections: ${crashes.unhandledRejection}`);
  console.log(`final probe: ${finalProbe.length ? finalProbe.join('; ') : 'both doors answer'}`);

  const bad = failedCases > 0 || errorCount > 0 || crashes.uncaughtException + crashes.unhandledRejection > 0 || finalProbe.length > 0;
  if (failures.length) console.log(`\nfailing cases (${failedCases}, first ${failures.length}):\n${failures.join('\n')}`);
  if (errorLines.length) console.log(`\ngateway errors:\n${errorLines.join('')}`);
  if (crashes.first.length) console.log(`\ncrashes:\n${crashes.first.join('\n')}`);
  console.log(bad ? `\nFAILED (seed ${SEED})` : `\nOK (seed ${SEED})`);
  process.exitCode = bad ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
