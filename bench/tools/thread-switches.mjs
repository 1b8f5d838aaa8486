/**
 * How often the main thread of a gateway and of the bare server is preempted, and how often
 * their other threads sleep, under the same load: one prepared gateway and one bare server,
 * loaded in alternating turns with HTTP get_chain_id (autocannon, 16 connections, 1 s of warm-up
 * and 2 s measured), with each turn's server CPU per request beside the context switches of its
 * threads over the turn (from /proc/<pid>/task/<tid>/status).
 *
 *   node bench/tools/thread-switches.mjs [turns=6]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, runLoad, startChild } from '../lib/common.mjs';
import { prepareApp, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const turns = Number(process.argv[2] ?? 6);

/** Per thread of `pid`: voluntary and involuntary context switches so far. */
function switches(pid) {
  const byThread = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      byThread.set(tid, {
        voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]),
        involuntary: Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)[1]),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byThread;
}

/** Switches between two readings: the main thread's, and the other threads' summed. */
function delta(pid, before, after) {
  const main = { voluntary: 0, involuntary: 0 };
  const others = { voluntary: 0, involuntary: 0 };
  for (const [tid, now] of after) {
    const was = before.get(tid) ?? { voluntary: 0, involuntary: 0 };
    const into = tid === String(pid) ? main : others;
    into.voluntary += now.voluntary - was.voluntary;
    into.involuntary += now.involuntary - was.involuntary;
  }
  return { main, others };
}

const gateway = await startGatewayChild(tempDataDir('thread-switches'), {}, { name: 'gateway' });
await prepareApp(gateway);
const bare = await startChild(join(BENCH, 'servers', 'bare.mjs'), [], { name: 'bare' });
const servers = [
  { name: 'gateway', url: gateway.applicationUrl, pid: gateway.pid, child: gateway },
  { name: 'bare', url: bare.url, pid: bare.child.pid, child: bare },
];
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.get_chain_id', params: {} });
try {
  for (let turn = 0; turn < turns; turn++) {
    for (const s of servers) {
      const before = switches(s.pid);
      const out = await runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: s.url, body, connections: 16, durationS: 2, warmupS: 1 }, { server: s.child });
      const { main, others } = delta(s.pid, before, switches(s.pid));
      console.log(
        `${s.name.padEnd(8)} ${Math.round(out.rps)} req/s, ${out.cpuUsPerRequest.toFixed(1)} µs per request; ` +
          `main thread preempted ${main.involuntary}, slept ${main.voluntary}; other threads slept ${others.voluntary}`,
      );
    }
  }
} finally {
  await gateway.close();
  await bare.stop();
}
