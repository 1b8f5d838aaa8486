/**
 * User and system CPU per request of the gateway and of the bare server under the same load, in
 * turns (a fresh gateway with an application connected, as in the bench):
 *   node bench/tools/cpu-split.mjs [method] [rounds] [http|ws|ws100]
 * ws is one connection with 32 requests in flight, ws100 100 connections with one each.
 */
import { join } from 'node:path';
import { BENCH, failures, median, runLoad, startChild } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [method = 'session.list_keys', rounds = '3', mode = 'http'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('cpu-split'), {}, { name: 'gateway' });
const app = await prepareApp(gw);
const servers = {
  bare: await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare' }),
  gateway: { ...gw, url: gw.applicationUrl, wsUrl: gw.applicationUrl.replace(/^http/, 'ws') },
};
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'session.list_keys' ? { token: app.token } : {} });
const load = (server, durationS) =>
  mode === 'http'
    ? runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: server.url, body, connections: 16, durationS })
    : runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: server.wsUrl, body, ...(mode === 'ws' ? { connections: 1, depth: 32 } : { connections: 100, depth: 1 }), durationS });

const results = { bare: [], gateway: [] };
for (const server of Object.values(servers)) await load(server, 1);
for (let r = 0; r < Number(rounds); r++) {
  for (const name of r % 2 ? ['gateway', 'bare'] : ['bare', 'gateway']) {
    const server = servers[name];
    const before = (await server.ask('cpu')).cpu;
    const out = await load(server, 3);
    const after = (await server.ask('cpu')).cpu;
    if (failures(out)) throw new Error(`${name}: ${JSON.stringify(out)}`);
    results[name].push({ rps: out.rps, user: (after.user - before.user) / out.requests, system: (after.system - before.system) / out.requests });
  }
}
for (const [name, list] of Object.entries(results)) {
  const m = (key) => median(list.map((x) => x[key]));
  console.log(`${mode} ${method} ${name.padEnd(8)} ${String(Math.round(m('rps'))).padStart(7)} req/s  user ${m('user').toFixed(1)} µs  system ${m('system').toFixed(1)} µs per request`);
}
await servers.bare.stop();
await gw.close();
process.exit(0);
