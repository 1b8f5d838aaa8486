/**
 * A/B comparison of two builds of the gateway, interleaved on the same
 * machine in the same run (the only fair way on a noisy shared box):
 *
 *   cp -r dist /tmp/ab/A/dist && ln -s $PWD/node_modules /tmp/ab/A/ && cp openrpc.json /tmp/ab/A/
 *   (change src, npm run build)
 *   node bench/tools/ab.mjs /tmp/ab/A/dist dist [method] [rounds] [seconds] [http|ws]
 *
 * method session.sign_transaction runs the signing bench's load (256 keys, 16 in flight,
 * difficulty 0, a block every 50 ms) instead of one repeated request.
 *
 * Prints req/s of each build per round and the median B/A ratio.
 */
import { join, resolve } from 'node:path';
import { BENCH, median, runLoad } from '../lib/common.mjs';
import { encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [a, b, method = 'session.list_keys', rounds = '5', seconds = '3', transport = 'http'] = process.argv.slice(2);
const builds = { A: resolve(a), B: resolve(b) };
const signing = method === 'session.sign_transaction';
const gws = {};
for (const [name, dist] of Object.entries(builds)) {
  const config = signing ? { devnet: { blockTimeMs: 50, powDifficulty: 0 } } : {};
  const gw = await startGatewayChild(tempDataDir(`ab${name}`), config, { name: `gateway-${name}`, env: { BENCH_DIST: dist } });
  const app = await prepareApp(gw, signing ? { unlock: true, extraKeys: 255 } : {});
  gws[name] = {
    gw,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'session.list_keys' ? { token: app.token } : {} }),
    load: signing ? signingLoad(gw, app, { workers: 16, encodedTransaction: encodedOrder(), transport }) : undefined,
  };
}
const results = { A: [], B: [] };
const cpu = { A: [], B: [] };
for (let r = 0; r < Number(rounds); r++) {
  for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const { gw, body, load } = gws[name];
    const out = load
      ? await load(Number(seconds), r === 0 ? 1 : 0, { server: gw })
      : transport === 'ws'
        ? await runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: gw.applicationUrl.replace(/^http/, 'ws'), body, connections: 1, depth: 32, durationS: Number(seconds), warmupS: 0.5 }, { server: gw })
        : await runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: gw.applicationUrl, body, connections: 16, durationS: Number(seconds), warmupS: r === 0 ? 1 : 0 }, { server: gw });
    if (out.errors || out.mismatches || out.non2xx) throw new Error(JSON.stringify(out));
    results[name].push(out.rps);
    cpu[name].push(out.cpuUsPerRequest);
    console.log(`round ${r} ${name}: ${Math.round(out.rps)} req/s p99 ${out.p99}, server CPU ${out.cpuUsPerRequest.toFixed(1)} µs/request`);
  }
}
console.log(`median A ${Math.round(median(results.A))}  B ${Math.round(median(results.B))}  B/A ${median(results.B.map((x, i) => x / results.A[i])).toFixed(3)}`);
console.log(`CPU µs/request: A ${median(cpu.A).toFixed(1)}  B ${median(cpu.B).toFixed(1)}  B/A ${median(cpu.B.map((x, i) => x / cpu.A[i])).toFixed(3)}`);
await Promise.all(Object.values(gws).map(({ gw }) => gw.close()));
process.exit(0);
