/**
 * What one round trip to a worker thread costs on this machine (post a batch, get the answer),
 * in wall time and in CPU of the whole process, for a batch of 7 audit rows sent as objects, as
 * arrays and as one JSON string, and for a single row. The audit writer makes one such round
 * trip per batch.
 *
 *   node bench/tools/post-message.mjs [round trips]
 */
import { Worker } from 'node:worker_threads';

const n = Number(process.argv[2] ?? 20000);
const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (m) => parentPort.postMessage({ results: (m.rows ?? JSON.parse(m.json)).map((_, i) => ({ id: i })) }));`,
  { eval: true },
);
const row = { at: new Date().toISOString(), reviewId: 'a'.repeat(24), kind: 'transaction', hostname: 'bench.example', wallet: 'bench-wallet', outcome: 'approved', decidedBy: 'policy', details: 'x'.repeat(500) };
const rows = Array.from({ length: 7 }, () => ({ ...row }));
const messages = {
  objects: () => ({ rows: rows.map((x) => ({ ...x })) }),
  arrays: () => ({ rows: rows.map((x) => Object.values(x)) }),
  json: () => ({ json: JSON.stringify(rows) }),
  'one row': () => ({ rows: [{ ...row }] }),
};
for (let pass = 0; pass < 2; pass++) {
  for (const [name, make] of Object.entries(messages)) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const answered = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage(make());
      await answered;
    }
    const used = process.cpuUsage(cpu);
    if (pass === 1) console.log(`${name.padEnd(8)} ${(((performance.now() - started) * 1000) / n).toFixed(1)} µs wall, ${((used.user + used.system) / n).toFixed(1)} µs CPU per round trip`);
  }
}
await worker.terminate();
