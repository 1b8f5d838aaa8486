/**
 * What the gateway allocates per signature during the signing load, by allocating function
 * (V8's sampling heap profiler, with the objects already collected counted too):
 *   node bench/tools/alloc-sign.mjs [http|ws] [seconds] [top N]
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [transport = 'http', seconds = '4', n = '30'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('alloc'), { devnet: SIGNING_DEVNET });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
const load = signingLoad(gw, app, { workers: 16, encodedTransaction: encodedOrder(), transport });
await load(1);
const path = join(tmpdir(), `alloc-sign-${process.pid}.heapprofile`);
await gw.ask('heap-start');
const r = await load(Number(seconds), 0, { server: gw });
await gw.ask('heap-stop', { path });
await gw.close();

const { head } = JSON.parse(readFileSync(path, 'utf8'));
rmSync(path);
const self = new Map();
let total = 0;
const walk = (node) => {
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${f.lineNumber + 1}`;
  const bytes = node.selfSize;
  total += bytes;
  if (bytes > 0) self.set(key, (self.get(key) ?? 0) + bytes);
  for (const child of node.children) walk(child);
};
walk(head);
const perSig = (bytes) => (bytes / r.requests).toFixed(0).padStart(6);
console.log(`${transport}: ${Math.round(r.rps)} signatures/s; ${perSig(total)} bytes allocated per signature (sampled)`);
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${perSig(bytes)} B  ${key}`);
process.exit(0);
