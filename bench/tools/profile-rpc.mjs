/**
 * Profiles the gateway (the same V8 sampler as --cpu-prof, limited to the load window)
 * while one session method is loaded over HTTP (autocannon) or WebSocket:
 *   node bench/tools/profile-rpc.mjs OUT.cpuprofile [method] [seconds] [http|ws|ws100]
 *   node bench/tools/profile-top.mjs OUT.cpuprofile
 */
import { join, resolve } from 'node:path';
import { BENCH, runLoad } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [out = '/tmp/rpc.cpuprofile', method = 'session.list_keys', seconds = '5', transport = 'http'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('prof'), {}, { name: 'gateway' });
const app = await prepareApp(gw);
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'session.list_keys' ? { token: app.token } : {} });
const load = (durationS) =>
  transport === 'ws' || transport === 'ws100'
    ? runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: gw.applicationUrl.replace(/^http/, 'ws'), body, ...(transport === 'ws' ? { connections: 1, depth: 32 } : { connections: 100, depth: 1 }), durationS }, { server: gw })
    : runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: gw.applicationUrl, body, connections: 16, durationS }, { server: gw });
await load(1);
await gw.ask('profile-start');
console.log(await load(Number(seconds)));
await gw.ask('profile-stop', { path: resolve(out) });
await gw.close();
process.exit(0);
