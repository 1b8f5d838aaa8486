/**
 * How far below the bare ws server a server could go over WebSocket, and whether that would
 * reach 1.5× of server-js: the gateway, the bare server on the ws library, the same bare server
 * framing WebSocket messages by hand (BARE_WS_FRAMING=hand, no library) and server-js, under the
 * same load in turns. Prints each one's requests per second, its CPU and the load generator's CPU
 * per request, and the most CPU per request (server and load generator together) that the two
 * cores allow at 1.5× of server-js's rate.
 *   node bench/tools/ws-floor.mjs [method] [rounds] [ws100|ws]
 * ws100 is 100 connections with one request in flight each, ws one connection with 32.
 */
import { join } from 'node:path';
import { cpus } from 'node:os';
import { BENCH, failures, median, runLoad, startChild } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [method = 'session.get_chain_id', rounds = '4', mode = 'ws100'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('ws-floor'), {}, { name: 'gateway' });
const app = await prepareApp(gw);
const servers = {
  gateway: { ...gw, wsUrl: gw.applicationUrl.replace(/^http/, 'ws') },
  'bare (ws)': await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare' }),
  'bare (by hand)': await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare-hand', env: { BARE_WS_FRAMING: 'hand' } }),
  'server-js': await startChild(join(BENCH, 'servers', 'server-js.mjs'), [], { name: 'server-js' }),
};
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'session.list_keys' ? { token: app.token } : {} });
const shape = mode === 'ws' ? { connections: 1, depth: 32 } : { connections: 100, depth: 1 };
const load = (server, durationS) => runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: server.wsUrl, body, ...shape, durationS, warmupS: 0.5 }, { server });

const names = Object.keys(servers);
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await load(servers[name], 1);
for (let r = 0; r < Number(rounds); r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    const out = await load(servers[name], 3);
    if (failures(out)) throw new Error(`${name}: ${JSON.stringify(out)}`);
    results[name].push(out);
  }
}

const m = (name, key) => median(results[name].map((x) => x[key]));
console.log(`${mode} ${method}, ${rounds} rounds of 3 s, medians`);
for (const name of names) {
  const server = m(name, 'cpuUsPerRequest');
  const loadGen = m(name, 'loadCpuUsPerRequest');
  console.log(`  ${name.padEnd(15)} ${String(Math.round(m(name, 'rps'))).padStart(7)} req/s  server ${server.toFixed(1)} µs  load generator ${loadGen.toFixed(1)} µs  together ${(server + loadGen).toFixed(1)} µs per request`);
}
const line = 1.5 * m('server-js', 'rps');
console.log(`  1.5× server-js: ${Math.round(line)} req/s, at most ${((cpus().length * 1e6) / line).toFixed(1)} µs of the machine's ${cpus().length} cores per request`);
await Promise.all(names.filter((name) => name !== 'gateway').map((name) => servers[name].stop()));
await gw.close();
process.exit(0);
