/**
 * A/B comparison of two builds of the gateway, interleaved on the same
 * machine in the same run (the only fair way on a noisy shared box):
 *
 *   cp -r dist /tmp/ab/A/dist && ln -s $PWD/node_modules /tmp/ab/A/ && cp openrpc.json /tmp/ab/A/
 *   (change src, npm run build)
 *   node bench/tools/ab.mjs /tmp/ab/A/dist dist [method] [rounds] [seconds] [http|ws|ws100]
 *
 * ws is one connection with 32 requests in flight, ws100 100 connections with one each.
 *
 * method session.sign_transaction runs the signing bench's load (256 keys, 16 in flight,
 * difficulty 0, a block every 25 ms) instead of one repeated request.
 *
 * AB_IN_FLIGHT=N sets the signing load's requests in flight (default 16, the signing bench's).
 *
 * AB_FRESH=1 starts a new gateway of each build for every round. One process of the same build
 * can run ~15 % slower than another for its whole life on this machine, so with one process per
 * build (the default, quicker) a small difference may be the processes', not the builds'.
 *
 * Prints req/s of each build per round and the median B/A ratio.
 */
import { join, resolve } from 'node:path';
import { BENCH, failures, median, runLoad } from '../lib/common.mjs';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [a, b, method = 'session.list_keys', rounds = '5', seconds = '3', transport = 'http'] = process.argv.slice(2);
const builds = { A: resolve(a), B: resolve(b) };
const signing = method === 'session.sign_transaction';
const fresh = process.env.AB_FRESH === '1';

/** A started gateway of one build, ready to be loaded. */
async function start(name) {
  const config = signing ? { devnet: SIGNING_DEVNET } : {};
  const gw = await startGatewayChild(tempDataDir(`ab${name}`), config, { name: `gateway-${name}`, env: { BENCH_DIST: builds[name] } });
  const app = await prepareApp(gw, signing ? { unlock: true, extraKeys: 255 } : {});
  return {
    gw,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'session.list_keys' ? { token: app.token } : {} }),
    load: signing ? signingLoad(gw, app, { workers: Number(process.env.AB_IN_FLIGHT ?? 16), encodedTransaction: encodedOrder(), transport }) : undefined,
    warm: false,
  };
}

let gws = fresh ? {} : { A: await start('A'), B: await start('B') };
const results = { A: [], B: [] };
const cpu = { A: [], B: [] };
for (let r = 0; r < Number(rounds); r++) {
  if (fresh) gws = { A: await start('A'), B: await start('B') };
  for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
    const server = gws[name];
    const { gw, body, load } = server;
    const warmupS = server.warm ? 0 : 1;
    server.warm = true;
    const out = load
      ? await load(Number(seconds), warmupS, { server: gw })
      : transport === 'ws' || transport === 'ws100'
        ? await runLoad(
            join(BENCH, 'load', 'ws-load.mjs'),
            { url: gw.applicationUrl.replace(/^http/, 'ws'), body, ...(transport === 'ws' ? { connections: 1, depth: 32 } : { connections: 100, depth: 1 }), durationS: Number(seconds), warmupS: Math.max(warmupS, 0.5) },
            { server: gw },
          )
        : await runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: gw.applicationUrl, body, connections: 16, durationS: Number(seconds), warmupS }, { server: gw });
    if (failures(out)) throw new Error(JSON.stringify(out));
    results[name].push(out.rps);
    cpu[name].push(out.cpuUsPerRequest);
    console.log(`round ${r} ${name}: ${Math.round(out.rps)} req/s p99 ${out.p99}, server CPU ${out.cpuUsPerRequest.toFixed(1)} µs/request`);
  }
  if (fresh) await Promise.all(Object.values(gws).map(({ gw }) => gw.close()));
}
console.log(`median A ${Math.round(median(results.A))}  B ${Math.round(median(results.B))}  B/A ${median(results.B.map((x, i) => x / results.A[i])).toFixed(3)}`);
console.log(`CPU µs/request: A ${median(cpu.A).toFixed(1)}  B ${median(cpu.B).toFixed(1)}  B/A ${median(cpu.B.map((x, i) => x / cpu.A[i])).toFixed(3)}`);
if (!fresh) await Promise.all(Object.values(gws).map(({ gw }) => gw.close()));
