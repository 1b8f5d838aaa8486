/**
 * Client-side CPU cost of one VegaNodeClient request, against the development
 * node running in a process of its own.
 *
 *   npm run build && cp -r dist /tmp/dist-before
 *   (change src/node, npm run build)
 *   node bench/tools/node-client-cpu.mjs /tmp/dist-before dist [--n 3000] [--rounds 3]
 *
 * Each build's client runs in a fresh child process (so builds never share a
 * JIT or a heap), rounds alternate the order of the builds, and the figure is
 * process.cpuUsage() of that child (user + system) over the measured calls
 * divided by their number: first N lastBlock() calls one after another, then N
 * calls with 16 in flight. A warm-up of the same shape comes first. The dev
 * node is built from ./dist unless DEVNET_DIST says otherwise, and is shared
 * by all builds so that the server side is the same for everybody.
 */
import { fork } from 'node:child_process';
import { resolve, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH, DIST, median, startChild } from '../lib/common.mjs';

const CONCURRENCY = 16;

if (process.argv[2] === '--client') await clientMain(process.argv[3], process.argv[4], Number(process.argv[5]));
else await coordinatorMain();

// ---- child: one build's client ------------------------------------------------------------------

async function clientMain(dist, url, n) {
  const { VegaNodeClient } = await import(pathToFileURL(join(dist, 'src', 'node', 'vega-node-client.js')).href);
  // The probe TTL is left at its default: probing is part of what a client costs.
  const client = new VegaNodeClient({ nodes: [url] });

  const sequential = async (count) => {
    for (let i = 0; i < count; i++) await client.lastBlock();
  };
  const concurrent = async (count) => {
    let left = count;
    const worker = async () => {
      while (left > 0) {
        left -= 1;
        await client.lastBlock();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  const measure = async (run, count) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(count);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { cpuUsPerRequest: (cpu.user + cpu.system) / count, requestsPerSecond: (count * 1000) / wallMs };
  };

  await sequential(Math.min(n, 1000));
  await concurrent(Math.min(n, 1000));
  const seq = await measure(sequential, n);
  const conc = await measure(concurrent, n);
  client.close();
  process.send({ seq, conc }, () => process.exit(0));
}

function runClient(dist, url, n) {
  return new Promise((done, fail) => {
    const child = fork(fileURLToPath(import.meta.url), ['--client', dist, url, String(n)], {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    child.on('message', (message) => {
      result = message;
    });
    child.on('exit', (code) => (result ? done(result) : fail(new Error(`client for ${dist} exited with code ${code}`))));
  });
}

// ---- parent: the dev node and the rounds ---------------------------------------------------------

async function coordinatorMain() {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    if (at < 0) return fallback;
    const value = Number(args[at + 1]);
    args.splice(at, 2);
    return value;
  };
  const n = option('--n', 3000);
  const rounds = option('--rounds', 3);
  const dists = (args.length > 0 ? args : [DIST]).map((d) => resolve(d));

  const devnet = await startChild(join(BENCH, 'servers', 'devnet.mjs'), [JSON.stringify({})], {
    name: 'devnet',
    env: { BENCH_DIST: resolve(process.env.DEVNET_DIST ?? DIST) },
  });
  const results = new Map(dists.map((d) => [d, { seq: [], conc: [], seqRps: [], concRps: [] }]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const dist of r % 2 ? [...dists].reverse() : dists) {
        const { seq, conc } = await runClient(dist, devnet.url, n);
        const into = results.get(dist);
        into.seq.push(seq.cpuUsPerRequest);
        into.conc.push(conc.cpuUsPerRequest);
        into.seqRps.push(seq.requestsPerSecond);
        into.concRps.push(conc.requestsPerSecond);
        console.log(
          `round ${r} ${dist}: sequential ${seq.cpuUsPerRequest.toFixed(1)} µs/request (${Math.round(seq.requestsPerSecond)} req/s), ` +
            `${CONCURRENCY} in flight ${conc.cpuUsPerRequest.toFixed(1)} µs/request (${Math.round(conc.requestsPerSecond)} req/s)`,
        );
      }
    }
  } finally {
    await devnet.stop();
  }
  console.log(`\nmedian client CPU per lastBlock() over ${rounds} rounds of ${n} calls each:`);
  for (const [dist, r] of results) {
    console.log(
      `  ${dist}: sequential ${median(r.seq).toFixed(1)} µs (${Math.round(median(r.seqRps))} req/s), ` +
        `${CONCURRENCY} in flight ${median(r.conc).toFixed(1)} µs (${Math.round(median(r.concRps))} req/s)`,
    );
  }
}
