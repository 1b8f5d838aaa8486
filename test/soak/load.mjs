/**
 * Soak under load (issue 6, "Load"): CLIENTS concurrent applications hold a
 * steady mix of session requests for DURATION_S seconds against a gateway on
 * a local development node (default settings: a block a second, proof of
 * work difficulty 2; in a process of its own, as `wallet-gateway devnet`
 * runs it), with every connection, permission and transaction approved by a
 * policy rule:
 *
 *   session.list_keys 45 %, session.get_chain_id 45 %, session.send_transaction 10 %
 *
 * Spam limits: the node takes at most 2 transactions per key and block, and
 * the gateway refuses (2001) before a key would go past that. The mix is made
 * not to: the keys form a pool, a key sends at most once per block time, and
 * a client that finds no key free sends list_keys instead (counted as
 * "deferred"). Every error, 2001 included, is a failure.
 *
 * Prints requests, errors, p50/p99 latency (overall and per method) and the
 * gateway's memory (after full GCs) at the start and at the end; exits 1 on
 * any error.
 *
 *   npm run build && node test/soak/load.mjs
 *   DURATION_S=60 CLIENTS=100 KEYS=64 node test/soak/load.mjs
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH, requireBuild, startChild } from '../../bench/lib/common.mjs';
import { jsonPoster, quantiles } from '../../bench/load/client.mjs';
import { PASSPHRASE, startGatewayChild, tempDataDir } from '../../bench/lib/setup.mjs';

requireBuild();
const DURATION_S = Number(process.env.DURATION_S ?? 60);
const CLIENTS = Number(process.env.CLIENTS ?? 100);
const KEYS = Number(process.env.KEYS ?? 64);
const BLOCK_MS = 1000;
const WALLET = 'soak-wallet';
const MIX = [
  ['session.list_keys', 0.45],
  ['session.get_chain_id', 0.45],
  ['session.send_transaction', 0.1],
];

// The development node runs in a process of its own (as `wallet-gateway devnet` would), so that
// the memory figures are the gateway's: the node keeps its whole chain in memory.
const devnet = await startChild(join(BENCH, 'servers', 'devnet.mjs'), [JSON.stringify({ blockTimeMs: BLOCK_MS, powDifficulty: 2 })], { name: 'devnet' });
const gw = await startGatewayChild(tempDataDir('soak'), { network: 'soak-devnet', networkNodes: [devnet.url] }, { name: 'gateway-soak', execArgv: ['--expose-gc'] });
const http = jsonPoster(gw.applicationUrl, { maxSockets: CLIENTS + 8, timeoutMs: 60_000 });
const call = http.call;
const must = async (method, params) => {
  const reply = await call(method, params);
  if (reply.result === undefined) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
};

const memory = async () => (await gw.ask('memory')).memory;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
let exitCode = 1;
try {
  // The owner: a wallet with KEYS keys, unlocked, and a policy for the soak's applications.
  await gw.admin('admin.create_wallet', { wallet: WALLET, passphrase: PASSPHRASE });
  await gw.admin('admin.unlock_wallet', { wallet: WALLET, passphrase: PASSPHRASE });
  for (let i = 1; i < KEYS; i++) await gw.admin('admin.generate_key', { wallet: WALLET });
  await gw.admin('admin.set_policy', {
    policy: {
      rules: [
        { kind: 'connection', hostname: '*.soak.example', wallet: WALLET, action: 'approve' },
        { kind: 'permissions', hostname: '*.soak.example', action: 'approve' },
        { kind: 'transaction', hostname: '*.soak.example', action: 'approve' },
      ],
      default: 'ask',
    },
  });
  // Each client is an application of its own, connected and granted read access through the API.
  const tokens = [];
  for (let i = 0; i < CLIENTS; i++) {
    const { token } = await must('session.connect_wallet', { hostname: `client-${i}.soak.example` });
    await must('session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
    tokens.push(token);
  }
  const keys = await must('session.list_keys', { token: tokens[0] });
  if (keys.length !== KEYS) throw new Error(`expected ${KEYS} keys, got ${keys.length}`);

  // A key has one transaction in flight at most, and may send again one block time after the
  // answer to its last one: two of its transactions are then built at least a block time apart,
  // so at most 2 can ever reference the same block (the node's limit), even when answers queue.
  const pool = keys.map((key) => ({ key, free: 0 }));
  let turn = 0;
  const takeKey = (now) => {
    for (let k = 0; k < pool.length; k++) {
      const slot = pool[(turn + k) % pool.length];
      if (slot.free <= now) {
        turn = (turn + k + 1) % pool.length;
        slot.free = Infinity;
        return slot;
      }
    }
    return undefined;
  };

  const stats = Object.fromEntries(MIX.map(([m]) => [m, { requests: 0, errors: 0, latencies: [] }]));
  const errorCodes = {};
  let deferred = 0;
  let running = true;
  const pick = () => {
    let x = Math.random();
    for (const [method, weight] of MIX) if ((x -= weight) < 0) return method;
    return MIX[0][0];
  };
  async function client(token) {
    while (running) {
      let method = pick();
      let params = { token };
      let slot;
      if (method === 'session.get_chain_id') params = {};
      if (method === 'session.send_transaction') {
        slot = takeKey(Date.now());
        if (slot === undefined) {
          deferred += 1;
          method = 'session.list_keys';
        } else {
          const command = { voteSubmission: { proposalId: randomBytes(32).toString('hex'), value: 'VALUE_YES' } };
          params = { token, publicKey: slot.key, sendingMode: 'TYPE_SYNC', encodedTransaction: Buffer.from(JSON.stringify(command)).toString('base64') };
        }
      }
      const started = performance.now();
      const reply = await call(method, params);
      if (slot) slot.free = Date.now() + BLOCK_MS;
      const s = stats[method];
      s.requests += 1;
      s.latencies.push(performance.now() - started);
      if (reply.result === undefined) {
        s.errors += 1;
        const code = `${method} ${reply.error?.code}${reply.error?.data?.reason ? ` (${reply.error.data.reason})` : ''}`;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
    }
  }

  const atStart = await memory();
  console.log(`soak: ${CLIENTS} clients, ${KEYS} keys, ${DURATION_S} s; gateway memory at the start: RSS ${mib(atStart.rss)}, heap ${mib(atStart.heapUsed)}`);
  const started = performance.now();
  const clients = tokens.map((token) => client(token));
  const ticker = setInterval(async () => {
    const m = (await gw.ask('memory')).memory;
    const done = Object.values(stats).reduce((n, s) => n + s.requests, 0);
    console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${done} requests, RSS ${mib(m.rss)}, heap ${mib(m.heapUsed)}`);
  }, 10_000);
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1000));
  running = false;
  await Promise.all(clients);
  clearInterval(ticker);
  const elapsed = (performance.now() - started) / 1000;
  const atEnd = await memory();

  const all = Object.values(stats).flatMap((s) => s.latencies);
  const requests = all.length;
  const errors = Object.values(stats).reduce((n, s) => n + s.errors, 0);
  const overall = quantiles(all);
  console.log(`\nrequests ${requests} (${(requests / elapsed).toFixed(0)}/s), errors ${errors}, p50 ${overall.p50.toFixed(2)} ms, p99 ${overall.p99.toFixed(2)} ms`);
  for (const [method, s] of Object.entries(stats)) {
    const { p50, p99 } = quantiles(s.latencies);
    console.log(`  ${method.padEnd(26)} ${String(s.requests).padStart(8)} requests, ${s.errors} errors, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
  }
  console.log(`  sends deferred for want of a free key (sent as list_keys): ${deferred}`);
  if (errors) console.log(`  errors by code: ${JSON.stringify(errorCodes)}`);
  console.log(
    `memory (after full GCs): start RSS ${mib(atStart.rss)} heap ${mib(atStart.heapUsed)}; end RSS ${mib(atEnd.rss)} heap ${mib(atEnd.heapUsed)} (heap ${atEnd.heapUsed >= atStart.heapUsed ? '+' : ''}${mib(atEnd.heapUsed - atStart.heapUsed)})`,
  );
  exitCode = errors === 0 ? 0 : 1;
} catch (error) {
  console.error(error);
} finally {
  http.destroy();
  await gw.close();
  await devnet.stop();
}
process.exit(exitCode);
