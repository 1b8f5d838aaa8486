/**
 * The cost of many requests waiting on one shared abort signal (a node client's close signal
 * while a node is slow; a WebSocket connection's signal with many reviews open), against the
 * same number waiting each on a signal of its own, in the same run:
 *   node bench/tools/abort-waiters.mjs [waiters=50000]     (BENCH_DIST=<dir> for another build)
 * Prints the time to start waiting and to be told of the abort, and the ratio shared / own.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST } from '../lib/common.mjs';

const { untilAborted } = await import(pathToFileURL(join(process.env.BENCH_DIST ?? DIST, 'src', 'abort.js')).href);
const waiters = Number(process.argv[2] ?? 50_000);
const never = new Promise(() => {});

async function run(shared) {
  const controllers = shared ? [new AbortController()] : Array.from({ length: waiters }, () => new AbortController());
  const started = performance.now();
  const waits = [];
  for (let i = 0; i < waiters; i++) waits.push(untilAborted(never, [controllers[shared ? 0 : i].signal]).catch(() => {}));
  const added = performance.now() - started;
  for (const c of controllers) c.abort();
  await Promise.all(waits);
  return { added, total: performance.now() - started };
}

await run(false); // warm-up
const own = await run(false);
const shared = await run(true);
console.log(`${waiters} waiters, each on its own signal: ${own.added.toFixed(1)} ms to start waiting, ${own.total.toFixed(1)} ms until all were told`);
console.log(`${waiters} waiters on one shared signal: ${shared.added.toFixed(1)} ms to start waiting, ${shared.total.toFixed(1)} ms until all were told`);
console.log(`shared / own: ${(shared.total / own.total).toFixed(2)}×`);
