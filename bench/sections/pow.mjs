/**
 * Section 4: proof of work. Nonces tried per second per core by searchRange
 * (one Keccak-f[1600] permutation per nonce) against OpenSSL's SHA3-256 rate
 * for the same 149-byte input (two permutations per hash), scaling from one
 * to two worker threads through ProofOfWorkSolver, and the median time to
 * solve difficulty 16, 18 and 20.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH, median, runLoad } from '../lib/common.mjs';

/** OpenSSL's SHA3-256 hashes per second on 149-byte inputs, or undefined without the openssl binary. */
function opensslRate(seconds) {
  let out;
  try {
    out = execFileSync('openssl', ['speed', '-mr', '-seconds', String(seconds), '-bytes', '149', '-evp', 'sha3-256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
  // "+F:<n>:sha3-256:<bytes per second>": bytes hashed per second of CPU time (openssl speed measures CPU time).
  const m = /\+F:\d+:[^:]+:([\d.]+)/.exec(out);
  return m ? Number(m[1]) / 149 : undefined;
}

/** The stand-in when there is no openssl binary: node:crypto's SHA3-256 (OpenSSL inside Node), one hash per call, per CPU second. */
function nodeSha3Rate(seconds) {
  const input = randomBytes(149);
  let count = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) createHash('sha3-256').update(input).digest();
    count += 1000;
  }
  const used = process.cpuUsage(cpu);
  return count / ((used.user + used.system) / 1e6);
}

const POW = join(BENCH, 'load', 'pow.mjs');
const tids = (n, tag) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${tag}-${i}`).digest('hex'));

/**
 * Runs per difficulty for the median time to solve. The nonce that solves a problem is
 * geometrically distributed, so the median of n runs is off by about 1.44/√n of itself: with 9
 * runs the row put d18 below d16 in one table. Cheap difficulties get more runs (~9 s in all).
 */
const SOLVE_RUNS = { 16: 101, 18: 51, 20: 31 };

export async function runPow({ rounds = 3, seconds = 2, solveRuns = SOLVE_RUNS, log = () => {} } = {}) {
  const rows = [];
  const { disagreements } = await runLoad(POW, { mode: 'check', problems: 200 });
  if (disagreements) throw new Error(`the WebAssembly and JavaScript searches disagree on ${disagreements} of 200 problems`);
  const wasm = [];
  const js = [];
  const ref = [];
  let reference = 'openssl speed -evp sha3-256 -bytes 149';
  for (let r = 0; r < rounds; r++) {
    const { rate } = await runLoad(POW, { mode: 'rate', durationS: seconds, impl: 'wasm' });
    const { rate: jsRate } = await runLoad(POW, { mode: 'rate', durationS: seconds / 2, impl: 'js' });
    let base = opensslRate(seconds);
    if (base === undefined) {
      reference = 'node:crypto createHash("sha3-256") (no openssl binary)';
      base = nodeSha3Rate(seconds);
    }
    log(
      `  round ${r}: searchRange ${(rate / 1e6).toFixed(2)} M nonces per CPU-second (JavaScript loop ${(jsRate / 1e6).toFixed(2)} M), ${reference} ${(base / 1e6).toFixed(2)} M hashes per CPU-second`,
    );
    wasm.push(rate);
    js.push(jsRate);
    ref.push(base);
  }
  rows.push({
    section: '4 PoW',
    name: `nonces/s per core (searchRange, WebAssembly loop) vs ${reference}`,
    gateway: median(wasm),
    baseline: median(ref),
    ratio: median(wasm.map((x, i) => x / ref[i])),
    target: 1.0,
    unit: 'nonces/s',
  });
  rows.push({
    section: '4 PoW',
    name: 'the same, JavaScript loop (searchRangeJs, the fallback)',
    gateway: median(js),
    baseline: median(ref),
    ratio: median(js.map((x, i) => x / ref[i])),
    unit: 'nonces/s',
  });

  // Scaling: the same problems with 1 and 2 threads. The solver returns the smallest solution, so
  // the work is identical; difficulty 22 (about four million nonces each) keeps the per-chunk
  // overheads (a worker finishing a chunk above the solution) small next to the work.
  const problems = tids(3, 'scaling');
  const one = [];
  const two = [];
  for (let r = 0; r < 2; r++) {
    const a = await runLoad(POW, { mode: 'solve', difficulty: 22, tids: problems, threads: 1 });
    const b = await runLoad(POW, { mode: 'solve', difficulty: 22, tids: problems, threads: 2 });
    one.push(a.seconds.reduce((x, y) => x + y, 0));
    two.push(b.seconds.reduce((x, y) => x + y, 0));
    log(`  scaling round ${r}: 1 thread ${one[r].toFixed(2)} s, 2 threads ${two[r].toFixed(2)} s`);
  }
  rows.push({
    section: '4 PoW',
    name: 'ProofOfWorkSolver speed-up, 2 threads vs 1 (wall time, same 3 problems at d22)',
    gateway: median(two),
    baseline: median(one),
    ratio: median(one.map((x, i) => x / two[i])),
    target: 1.8,
    unit: 's',
    note: 'near-linear',
  });

  const solveTimes = [];
  for (const [difficulty, runs] of Object.entries(solveRuns)) {
    const { seconds: times, nonces } = await runLoad(POW, { mode: 'solve', difficulty: Number(difficulty), tids: tids(runs, `solve-${difficulty}-${randomBytes(4).toString('hex')}`), threads: 2 });
    log(`  difficulty ${difficulty}, ${runs} runs: median ${(median(times) * 1000).toFixed(1)} ms, slowest ${(Math.max(...times) * 1000).toFixed(0)} ms, median nonce ${median(nonces)}`);
    solveTimes.push(`d${difficulty} ${(median(times) * 1000).toFixed(0)} ms`);
  }
  const counts = Object.values(solveRuns).join(' / ');
  rows.push({ section: '4 PoW', name: `median time to solve (2 threads; ${counts} runs)`, text: solveTimes.join(' / ') });
  return rows;
}
