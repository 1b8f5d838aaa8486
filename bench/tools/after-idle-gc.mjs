/**
 * Two builds of the gateway after the garbage collections a process gets when it goes idle:
 * starts `per` gateways of each build (alternating), prepares each as the rpc section does,
 * answers a few single requests, then forces six full collections while nothing is queued (what
 * V8's memory reducer does by itself a while after a busy process goes idle). Then loads every
 * gateway in a rotated order, `rounds` times, with HTTP get_chain_id (autocannon, 16
 * connections, 2 s), and prints the server CPU per request of each, and the median per build.
 *
 *   node bench/tools/after-idle-gc.mjs A_DIST B_DIST [per=4] [rounds=3]
 *
 * AFTER_IDLE_WAIT_S=N leaves the collections to V8: no forced ones; every gateway sits idle for N
 * seconds after its set-up instead (V8's memory reducer starts ~8 s after a process goes quiet).
 *
 * AFTER_IDLE_PERF=1 (needs `perf`): after the rounds, samples each gateway under the same load and
 * prints the share of its samples in V8's Runtime_DefineKeyedOwnPropertyInLiteral, where a tick
 * object goes once its literal has lost its hidden classes (src/tick-shape.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH, closeAgent, median, post, runLoad } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [a, b, per = '4', rounds = '3'] = process.argv.slice(2);
if (!a || !b) throw new Error('usage: node bench/tools/after-idle-gc.mjs A_DIST B_DIST [per] [rounds]');
const builds = [resolve(a), resolve(b)];
const waitS = Number(process.env.AFTER_IDLE_WAIT_S ?? 0);
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.get_chain_id', params: {} });

const load = (gw, durationS, warmupS) =>
  post(gw.applicationUrl, body).then(({ text }) =>
    runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: gw.applicationUrl, body, expectBody: text, connections: 16, durationS, warmupS }, { server: gw }),
  );

const gateways = [];
for (let i = 0; i < 2 * Number(per); i++) {
  const build = i % 2;
  const gw = await startGatewayChild(tempDataDir(`idle-gc-${i}`), {}, { name: `gateway-${i}`, execArgv: waitS ? [] : ['--expose-gc'], env: { BENCH_DIST: builds[build] } });
  await prepareApp(gw);
  for (let k = 0; k < 20; k++) await post(gw.applicationUrl, body);
  for (let k = 0; k < (waitS ? 0 : 6); k++) {
    await gw.ask('memory'); // a full collection (the child has --expose-gc)
    await sleep(30);
  }
  gateways.push({ gw, build, costs: [] });
}
if (waitS) await sleep(waitS * 1000);

for (let r = 0; r < Number(rounds); r++) {
  for (let k = 0; k < gateways.length; k++) {
    const g = gateways[(k + r) % gateways.length];
    g.costs.push((await load(g.gw, 2, 1)).cpuUsPerRequest);
  }
}

if (process.env.AFTER_IDLE_PERF === '1') {
  for (const g of gateways) {
    const dir = tempDataDir('idle-gc-perf');
    const file = join(dir, 'perf.data');
    const perf = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '2999', '-o', file, '-p', String(g.gw.pid), '--', 'sleep', '1.5'], { stdio: 'ignore' });
    const done = new Promise((ok) => perf.on('exit', ok));
    await load(g.gw, 2, 0.5);
    await done;
    const report = execFileSync('perf', ['report', '-i', file, '--sort', 'sym', '--stdio', '-g', 'none'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = report.split('\n').find((l) => l.includes('Runtime_DefineKeyedOwnPropertyInLiteral'));
    g.runtime = line ? line.trim().split(/\s+/)[0] : '0%';
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`server CPU per request, µs, round by round (HTTP get_chain_id, after ${waitS ? `${waitS} s idle` : 'six full collections while idle'})`);
for (const g of gateways) {
  const runtime = g.runtime === undefined ? '' : `  tick objects through the runtime: ${g.runtime} of samples`;
  console.log(`${'AB'[g.build]}  pid ${String(g.gw.pid).padEnd(7)} ${g.costs.map((c) => c.toFixed(1)).join('  ')}   median ${median(g.costs).toFixed(1)}${runtime}`);
}
const perBuild = [0, 1].map((build) => median(gateways.filter((g) => g.build === build).map((g) => median(g.costs))));
console.log(`median of the gateways' medians: A ${perBuild[0].toFixed(1)}  B ${perBuild[1].toFixed(1)}  B/A ${(perBuild[1] / perBuild[0]).toFixed(3)}`);
for (const g of gateways) await g.gw.close();
closeAgent();
