/**
 * How much identical processes of one server differ: starts `gateways` gateways (each with a
 * wallet, a connection and read access, as the rpc section does) and `bares` bare servers, then
 * loads each in turn, `rounds` times in a rotated order, with HTTP get_chain_id (autocannon, 16
 * connections), and prints each process's server CPU per request round by round, with the main
 * thread's share of it (from /proc).
 *
 *   node bench/tools/process-spread.mjs [gateways=4] [bares=1] [rounds=3]
 *
 * SPREAD_EXEC='--flag ...' starts the gateways with those Node/V8 flags; with several sets
 * separated by '|' ('|--single-threaded-gc'), gateway i gets set i modulo their number.
 * SPREAD_FRESH=1 leaves every other gateway as it started (no wallet, no call before the load).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, closeAgent, failures, median, post, runLoad, startChild } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [gateways = '4', bares = '1', rounds = '3'] = process.argv.slice(2).map(Number);

/** CPU time of a process's main thread so far, in µs (utime + stime of its first task, 100 ticks/s). */
function mainThreadUs(pid) {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const servers = [];
const flagSets = (process.env.SPREAD_EXEC ?? '').split('|').map((set) => set.split(' ').filter(Boolean));
for (let i = 0; i < gateways; i++) {
  const execArgv = flagSets[i % flagSets.length];
  const gw = await startGatewayChild(tempDataDir(`spread-${i}`), {}, { name: `gateway-${i}`, execArgv });
  const fresh = process.env.SPREAD_FRESH === '1' && i % 2 === 1;
  if (!fresh) await prepareApp(gw);
  servers.push({ name: `gateway ${i}`, flags: [fresh ? 'fresh' : 'prepared', ...execArgv].join(' '), url: gw.applicationUrl, child: gw, pid: gw.pid, stop: () => gw.close() });
}
for (let i = 0; i < bares; i++) {
  const bare = await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: `bare-${i}` });
  servers.push({ name: `bare ${i}`, url: bare.url, child: bare, pid: bare.child.pid, stop: () => bare.stop() });
}
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.get_chain_id', params: {} });
const cpu = servers.map(() => []);
const main = servers.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < servers.length; k++) {
    const i = (k + r) % servers.length;
    const s = servers[i];
    const expectBody = (await post(s.url, body)).text;
    const before = mainThreadUs(s.pid);
    // Main-thread time is read around the whole run (warm-up included): compared per request
    // against the process's CPU over the measured window only, it is an estimate of the share.
    const out = await runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: s.url, body, expectBody, connections: 16, durationS: 2, warmupS: 1 }, { server: s.child });
    if (failures(out)) throw new Error(`${s.name}: ${JSON.stringify(out)}`);
    cpu[i].push(out.cpuUsPerRequest);
    main[i].push((mainThreadUs(s.pid) - before) / (out.requests * 1.5));
  }
}
console.log('server CPU per request, µs, round by round (main thread, estimated)');
servers.forEach((s, i) => {
  const series = cpu[i].map((x, r) => `${x.toFixed(1)} (${main[i][r].toFixed(1)})`).join('  ');
  console.log(`${s.name.padEnd(10)} pid ${String(s.pid).padEnd(7)} ${series}   median ${median(cpu[i]).toFixed(1)}  ${s.flags ?? ''}`);
});
for (const s of servers) await s.stop();
closeAgent();
