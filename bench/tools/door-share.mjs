/**
 * Where the gateway's cost per session.get_chain_id request goes, against the bare server, in
 * one interleaved run: the bare server, the door and dispatcher alone (servers/door-only.mjs),
 * the same in a process that also runs an idle gateway, and the gateway itself.
 *
 *   node bench/tools/door-share.mjs [ws100|ws1|http] [rounds]
 *
 * Prints req/s, server CPU per request and the ratio to the bare server for each.
 */
import { join } from 'node:path';
import { BENCH, failures, median, runLoad, startChild } from '../lib/common.mjs';
import { startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [mode = 'ws100', rounds = '3'] = process.argv.slice(2);
const doorOnly = join(BENCH, 'servers', 'door-only.mjs');
const gw = await startGatewayChild(tempDataDir('door-share'), {}, { name: 'gateway' });
const servers = {
  bare: await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare' }),
  door: await startChild(doorOnly, [], { name: 'door-only' }),
  'door+idle gateway': await startChild(doorOnly, ['with-gateway'], { name: 'door-with-gateway' }),
  gateway: { ...gw, url: gw.applicationUrl, wsUrl: gw.applicationUrl.replace(/^http/, 'ws'), stop: () => gw.close() },
};
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.get_chain_id', params: {} });
const names = Object.keys(servers);
const results = Object.fromEntries(names.map((n) => [n, { rps: [], cpu: [] }]));
for (let r = 0; r < Number(rounds); r++) {
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    const s = servers[name];
    const out =
      mode === 'http'
        ? await runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: s.url, body, connections: 16, durationS: 3, warmupS: 0.5 }, { server: s })
        : await runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: s.wsUrl, body, connections: mode === 'ws1' ? 1 : 100, depth: mode === 'ws1' ? 32 : 1, durationS: 3, warmupS: 0.5 }, { server: s });
    if (failures(out)) throw new Error(`${name}: ${JSON.stringify(out)}`);
    results[name].rps.push(out.rps);
    results[name].cpu.push(out.cpuUsPerRequest);
  }
}
const bare = median(results.bare.rps);
for (const name of names) {
  const rps = median(results[name].rps);
  console.log(`${mode} ${name.padEnd(18)} ${String(Math.round(rps)).padStart(7)} req/s  ${median(results[name].cpu).toFixed(1).padStart(5)} µs CPU/request  ${(rps / bare).toFixed(2)}× bare`);
}
for (const s of Object.values(servers)) await s.stop();
process.exit(0);
