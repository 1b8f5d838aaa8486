/**
 * Profiles the gateway during sign_transaction load only (not the set-up):
 *   node bench/tools/profile-sign.mjs OUT.cpuprofile [seconds] [http|ws]
 *   node bench/tools/profile-top.mjs OUT.cpuprofile
 */
import { join, resolve } from 'node:path';
import { BENCH, runLoad } from '../lib/common.mjs';
import { encodedOrder, prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [out = '/tmp/sign.cpuprofile', seconds = '4', transport = 'http'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('profsign'), { devnet: { blockTimeMs: 50, powDifficulty: 0 } });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
const enc = encodedOrder();
const workers = 16;
const bodies = Array.from({ length: workers }, (_, w) =>
  app.keys.filter((_, k) => k % workers === w).map((publicKey) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.sign_transaction', params: { token: app.token, publicKey, encodedTransaction: enc } })),
);
// Over WebSocket: one connection, the keys in turn, as many requests in flight as HTTP has workers.
const load = (durationS, options) =>
  transport === 'ws'
    ? runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: gw.applicationUrl.replace(/^http/, 'ws'), bodies: bodies.flat(), depth: workers, durationS }, options)
    : runLoad(join(BENCH, 'load', 'rpc-load.mjs'), { url: gw.applicationUrl, bodies, durationS }, options);
await load(1);
await gw.ask('profile-start');
const r = await load(Number(seconds), { server: gw });
await gw.ask('profile-stop', { path: resolve(out) });
console.log(r);
await gw.close();
process.exit(0);
