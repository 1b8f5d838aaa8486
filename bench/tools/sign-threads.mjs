/**
 * Where the gateway's CPU goes during the signing load, thread by thread (from /proc, Linux only):
 * the main thread, V8's helper threads (garbage collection, compilation), the audit writer and
 * any other thread that used CPU, in µs of user and system time per signature.
 *
 *   node bench/tools/sign-threads.mjs [http|ws] [seconds] [requests in flight, default 16]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signingLoad, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const [transport = 'http', seconds = '5', workers = '16'] = process.argv.slice(2);
const gw = await startGatewayChild(tempDataDir('sign-threads'), { devnet: SIGNING_DEVNET });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
const load = signingLoad(gw, app, { workers: Number(workers), encodedTransaction: encodedOrder(), transport });
await load(1);

// utime and stime of every thread, in clock ticks (USER_HZ, 100 on Linux).
const TICKS_PER_S = 100;
function threads() {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${gw.pid}/task`)) {
    const stat = readFileSync(`/proc/${gw.pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const name = readFileSync(`/proc/${gw.pid}/task/${tid}/comm`, 'utf8').trim();
    out.set(tid, { name, user: Number(fields[11]), system: Number(fields[12]) });
  }
  return out;
}

const before = threads();
const r = await load(Number(seconds), 0, { server: gw });
const after = threads();
console.log(`${transport}: ${Math.round(r.rps)} signatures/s, gateway CPU ${r.cpuUsPerRequest.toFixed(0)} µs per signature`);
const perSignature = (ticks) => (ticks * 1e6) / TICKS_PER_S / r.requests;
for (const [tid, t] of after) {
  const was = before.get(tid) ?? { user: 0, system: 0 };
  const user = perSignature(t.user - was.user);
  const system = perSignature(t.system - was.system);
  if (user + system < 0.5) continue;
  const role = tid === String(gw.pid) ? 'main thread' : t.name;
  console.log(`  ${`${tid} ${role}`.padEnd(30)} user ${user.toFixed(1).padStart(6)} µs  system ${system.toFixed(1).padStart(6)} µs`);
}
await gw.close();
process.exit(0);
