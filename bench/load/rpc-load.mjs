/**
 * Closed-loop JSON-RPC load over HTTP keep-alive, in its own process, for
 * methods whose requests differ (each worker walks its own list of bodies).
 * argv[2]: JSON { url, bodies: string[][] (one list per worker), durationS,
 * warmupS, headers? }. Each worker sends its next body as soon as the previous answer
 * is in. An answer without `result` is an error; its codes are counted.
 *
 * Sends back { requests, rps, p50, p99, errors, codes } over IPC.
 */
import { Agent, request } from 'node:http';

const o = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: o.bodies.length + 4 });

function post(body) {
  return new Promise((resolve) => {
    const req = request(o.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...o.headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          resolve({ error: { code: `HTTP ${res.statusCode}` } });
        }
      });
    });
    req.on('error', (error) => resolve({ error: { code: error.code ?? 'transport' } }));
    req.end(body);
  });
}

let measuring = false;
let running = true;
let requests = 0;
let errors = 0;
const codes = {};
const latencies = [];

async function worker(bodies) {
  for (let i = 0; running; i++) {
    const started = performance.now();
    const answer = await post(bodies[i % bodies.length]);
    const ms = performance.now() - started;
    if (!measuring) continue;
    if (answer.result === undefined) {
      errors += 1;
      const code = answer.error?.code ?? 'none';
      codes[code] = (codes[code] ?? 0) + 1;
    } else {
      requests += 1;
      latencies.push(ms);
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const workers = o.bodies.map((bodies) => worker(bodies));
await sleep((o.warmupS ?? 0) * 1000);
process.send({ mark: 'start' });
measuring = true;
const started = performance.now();
await sleep(o.durationS * 1000);
measuring = false;
process.send({ mark: 'end' });
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all(workers);
const sorted = Float64Array.from(latencies).sort();
const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);
process.send({ requests, rps: requests / elapsed, p50: q(0.5), p99: q(0.99), errors, codes });
agent.destroy();
process.exit(0);
