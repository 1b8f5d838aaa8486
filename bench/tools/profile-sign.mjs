/**
 * Profiles the gateway during sign_transaction load only (not the set-up):
 *   node bench/tools/profile-sign.mjs OUT.cpuprofile [seconds] [http|ws] [requests in flight, default 16]
 *   node bench/tools/profile-top.mjs OUT.cpuprofile
 */
import { resolve } from 'node:path';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [out = '/tmp/sign.cpuprofile', seconds = '4', transport = 'http', workers = '16'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('profsign'), { devnet: SIGNING_DEVNET });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
// The same load as the signing bench (bench/sections/sign.mjs).
const load = signingLoad(gw, app, { workers: Number(workers), encodedTransaction: encodedOrder(), transport });
await load(1);
await gw.ask('profile-start');
const r = await load(Number(seconds), 0, { server: gw });
await gw.ask('profile-stop', { path: resolve(out) });
console.log(r);
await gw.close();
process.exit(0);
