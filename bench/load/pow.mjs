/**
 * Proof-of-work measurements, run in a child process of their own.
 * argv[2]: JSON, one of
 *   { mode: 'rate', durationS, impl }           nonces per CPU-second of searchRange (impl 'wasm', the
 *                                               default) or of its JavaScript loop (impl 'js')
 *   { mode: 'check', problems }                 the WebAssembly and JavaScript searches agree
 *   { mode: 'solve', difficulty, tids, threads } seconds to solve each tid with ProofOfWorkSolver
 * The input is what the gateway hashes: "Vega_SPAM_PoW" ‖ 64-hex block hash ‖ 64-hex tid ‖ nonce = 149 bytes.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const dist = process.env.BENCH_DIST ?? join(process.cwd(), 'dist');
const { ProofOfWorkSolver } = await import(pathToFileURL(join(dist, 'src', 'domain', 'vega', 'pow.js')).href);
const searchModule = await import(pathToFileURL(join(dist, 'src', 'domain', 'vega', 'pow-search.js')).href);
// 'wasm': searchRange as the gateway runs it; 'js': the JavaScript loop (where there is one).
const searchRange = o.impl === 'js' ? searchModule.searchRangeJs : searchModule.searchRange;
const BLOCK_HASH = '2e7b1f3a9c0d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddee'.slice(0, 64).toUpperCase();

if (o.mode === 'rate') {
  const tid = 'ab'.repeat(32);
  const step = 1 << 16;
  // Difficulty 256 is never met: every call scans its whole range.
  for (let i = 0; i < 8; i++) searchRange(BLOCK_HASH, tid, 256, BigInt(i * step), step);
  // Counted per second of this thread's CPU time, as `openssl speed` counts: on a shared
  // machine wall time also measures the neighbours.
  let nonces = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + o.durationS * 1000;
  while (performance.now() < deadline) {
    searchRange(BLOCK_HASH, tid, 256, BigInt(nonces), step);
    nonces += step;
  }
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  process.send({ rate: nonces / cpuSeconds, wallRate: nonces / ((performance.now() - started) / 1000) });
} else if (o.mode === 'check') {
  // Random block hashes, tids of random lengths (so the nonce falls at every offset in its lane), random starts.
  const { randomBytes } = await import('node:crypto');
  let disagreements = 0;
  for (let i = 0; i < o.problems; i++) {
    const blockHash = randomBytes(32).toString('hex').toUpperCase();
    const tid = randomBytes(1 + (i % 60)).toString('hex');
    const difficulty = 1 + (i % 12);
    const start = BigInt(Math.floor(Math.random() * 2 ** 40));
    if (searchModule.searchRange(blockHash, tid, difficulty, start, 4096) !== searchModule.searchRangeJs(blockHash, tid, difficulty, start, 4096)) disagreements += 1;
  }
  process.send({ disagreements });
} else if (o.mode === 'solve') {
  const solver = new ProofOfWorkSolver({ threads: o.threads });
  // One solve first, so that starting the workers is not counted.
  await solver.solve(BLOCK_HASH, 'warm-up', Math.min(o.difficulty, 12));
  const seconds = [];
  const nonces = [];
  for (const tid of o.tids) {
    const started = performance.now();
    const nonce = await solver.solve(BLOCK_HASH, tid, o.difficulty);
    seconds.push((performance.now() - started) / 1000);
    nonces.push(Number(nonce));
  }
  await solver.close();
  process.send({ seconds, nonces });
}
