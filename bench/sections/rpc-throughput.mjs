/**
 * Sections 1 and 2: session.get_chain_id and session.list_keys with a real
 * token against a real database, over HTTP keep-alive (autocannon) and over
 * WebSocket (one pipelined connection; 100 connections), each against a bare
 * Node server answering a constant and against @open-rpc/server-js. Over 100
 * connections the same bare server also runs with no WebSocket library
 * (frames by hand): how near 1.5× of server-js a server doing no work gets.
 *
 * The servers are measured in turns, a few short rounds each, and every
 * ratio is the median of the per-round ratios: on a shared machine the
 * background load drifts, and comparing neighbours in time cancels most of it.
 * Every round starts new processes of the servers: one process of the
 * same code can run ~15 % slower than another here for its whole life, and
 * with one process per server for the whole run that spread went straight
 * into the table.
 */
import { join } from 'node:path';
import { BENCH, failures, median, post, runLoad, startChild } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const METHODS = ['session.get_chain_id', 'session.list_keys'];
const BY_HAND = 'bare, framed by hand';

function bodyFor(method, token) {
  const params = method === 'session.list_keys' ? { token } : {};
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
}

/** Starts the servers; the gateway with a wallet, a connection and read access made through its API. */
async function startServers() {
  const dataDir = tempDataDir('rpc');
  const gateway = await startGatewayChild(dataDir, {}, { name: 'gateway-rpc' });
  const app = await prepareApp(gateway);
  const bare = await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare' });
  const serverJs = await startChild(join(BENCH, 'servers', 'server-js.mjs'), [], { name: 'server-js' });
  const bareByHand = await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare-by-hand', env: { BARE_WS_FRAMING: 'hand' } });
  return {
    app,
    servers: {
      gateway: { http: gateway.applicationUrl, ws: gateway.applicationUrl.replace(/^http/, 'ws'), child: gateway },
      bare: { http: bare.url, ws: bare.wsUrl, child: bare },
      'server-js': { http: serverJs.url, ws: serverJs.wsUrl, child: serverJs },
    },
    /** The bare server with no WebSocket library, for the row that shows how near the 100-connection line a server with no work gets. */
    byHand: { http: bareByHand.url, ws: bareByHand.wsUrl, child: bareByHand },
    async close() {
      await Promise.all([gateway.close(), bare.stop(), serverJs.stop(), bareByHand.stop()]);
    },
  };
}

/**
 * Runs `measure(server, method)` once for every server and method, in an order rotated by the
 * round number, and adds each result to results[method][server].
 */
async function oneRound(servers, round, results, measure) {
  const names = Object.keys(servers);
  for (const method of METHODS) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      ((results[method] ??= {})[name] ??= []).push(await measure(name, method));
    }
  }
}

/** Rows for the table: throughput ratios against both baselines, and p99s. */
function summarise(label, results, targets) {
  const rows = [];
  for (const method of METHODS) {
    const g = results[method].gateway;
    const short = method.replace('session.', '');
    for (const [base, target] of [
      ['bare', targets.bare],
      ['server-js', targets.serverJs],
    ]) {
      if (!results[method][base]) continue;
      const b = results[method][base];
      const ratio = median(g.map((x, i) => x.rps / b[i].rps));
      rows.push({
        section: label,
        name: `${short} req/s vs ${base}`,
        gateway: median(g.map((x) => x.rps)),
        baseline: median(b.map((x) => x.rps)),
        ratio,
        target,
        unit: 'rps',
      });
    }
    const byHand = results[method][BY_HAND];
    if (byHand) {
      const cpu = median(byHand.map((x) => x.cpuUsPerRequest)).toFixed(0);
      const overServerJs = median(byHand.map((x, i) => x.rps / results[method]['server-js'][i].rps)).toFixed(2);
      rows.push({
        section: label,
        name: `${short}: the same load against the bare server with no WebSocket library (frames by hand; ${cpu} µs CPU each; ${overServerJs}× server-js)`,
        gateway: median(g.map((x) => x.rps)),
        baseline: median(byHand.map((x) => x.rps)),
        ratio: median(g.map((x, i) => x.rps / byHand[i].rps)),
        unit: 'rps',
      });
    }
    const p99 = (name) => median(results[method][name].map((x) => x.p99));
    const cpu = (name, of = 'cpuUsPerRequest') => median(results[method][name].map((x) => x[of])).toFixed(0);
    const names = ['gateway', 'bare', 'server-js'];
    rows.push({
      section: label,
      name: `${short} p99 latency; server CPU per request; the load generator's CPU per request (gateway / bare / server-js)`,
      text: `${names.map((n) => p99(n).toFixed(2)).join(' / ')} ms; ${names.map((n) => cpu(n)).join(' / ')} µs; ${names.map((n) => cpu(n, 'loadCpuUsPerRequest')).join(' / ')} µs`,
    });
  }
  return rows;
}

function checkClean(what, r) {
  const bad = failures(r);
  if (bad > 0) throw new Error(`${what}: ${bad} failed or unexpected answers (${JSON.stringify(r)})`);
}

export async function runRpcThroughput({ rounds = 3, seconds = 3, wsSeconds = seconds, log = () => {} } = {}) {
  const http = {};
  const ws = { '2 WS 1 conn': {}, '2 WS 100 conn': {} };
  // [label, connections, requests in flight on each, whether the bare server framed by hand runs too]
  const shapes = [
    ['2 WS 1 conn', 1, 32, false],
    ['2 WS 100 conn', 100, 1, true],
  ];
  for (let r = 0; r < rounds; r++) {
    log(`round ${r}: new processes of the servers`);
    const s = await startServers();
    try {
      // The exact answer each server gives, so the load generators can check every answer.
      const expect = {};
      for (const [name, urls] of Object.entries(s.servers)) {
        for (const method of METHODS) {
          const reply = await post(urls.http, bodyFor(method, s.app.token));
          if (!reply.body || reply.body.result === undefined) throw new Error(`${name} ${method}: ${reply.text}`);
          (expect[name] ??= {})[method] = reply.text;
        }
      }

      log('  HTTP keep-alive (autocannon, 16 connections)');
      await oneRound(s.servers, r, http, async (name, method) => {
        const key = `${name} ${method}`;
        const out = await runLoad(join(BENCH, 'load', 'http-load.mjs'), {
          url: s.servers[name].http,
          body: bodyFor(method, s.app.token),
          expectBody: expect[name][method],
          connections: 16,
          durationS: seconds,
          warmupS: 1,
        }, { server: s.servers[name].child });
        checkClean(`HTTP ${key}`, out);
        log(`    ${key.padEnd(32)} ${Math.round(out.rps)} req/s, p99 ${out.p99.toFixed(2)} ms, server CPU ${out.cpuUsPerRequest.toFixed(0)} µs/request, load generator ${out.loadCpuUsPerRequest.toFixed(0)} µs/request`);
        return out;
      });

      for (const [label, connections, depth, withByHand] of shapes) {
        log(`  WebSocket, ${connections} connection(s), ${depth} in flight each`);
        const servers = withByHand ? { ...s.servers, [BY_HAND]: s.byHand } : s.servers;
        await oneRound(servers, r, ws[label], async (name, method) => {
          const out = await runLoad(join(BENCH, 'load', 'ws-load.mjs'), {
            url: servers[name].ws,
            body: bodyFor(method, s.app.token),
            connections,
            depth,
            durationS: wsSeconds,
            warmupS: 0.5,
          }, { server: servers[name].child });
          checkClean(`WS ${name} ${method}`, out);
          log(`    ${`${name} ${method}`.padEnd(32)} ${Math.round(out.rps)} req/s, p99 ${out.p99.toFixed(2)} ms, server CPU ${out.cpuUsPerRequest.toFixed(0)} µs/request, load generator ${out.loadCpuUsPerRequest.toFixed(0)} µs/request`);
          return out;
        });
      }
    } finally {
      await s.close();
    }
  }
  const targets = { bare: 0.8, serverJs: 1.5 };
  return [...summarise('1 HTTP', http, targets), ...shapes.flatMap(([label]) => summarise(label, ws[label], targets))];
}
