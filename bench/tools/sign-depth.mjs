/**
 * The signing load at several numbers of requests in flight, against one gateway: signatures per
 * second, p50 and p99 latency and the gateway's CPU per signature at each. Shows whether the
 * signing rows are bound by the CPU or by the time each request waits (audit commit, client).
 *
 *   node bench/tools/sign-depth.mjs [http|ws] [in flight, comma-separated; default 1,4,16,64] [seconds]
 *
 * BENCH_DIST=<copy of dist/> runs another build.
 */
import { SIGNING_DEVNET, encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [transport = 'ws', depths = '1,4,16,64', seconds = '3'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('sign-depth'), { devnet: SIGNING_DEVNET });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
for (const workers of depths.split(',').map(Number)) {
  const load = signingLoad(gw, app, { workers, encodedTransaction: encodedOrder(), transport });
  const r = await load(Number(seconds), 1, { server: gw });
  const codes = Object.keys(r.codes ?? {}).length > 0 ? `, errors ${JSON.stringify(r.codes)}` : '';
  console.log(
    `${transport}, ${workers} in flight: ${Math.round(r.rps)} signatures/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ` +
      `gateway CPU ${r.cpuUsPerRequest.toFixed(0)} µs per signature${codes}`,
  );
}
await gw.close();
process.exit(0);
