/**
 * What the load clients share: a keep-alive JSON-RPC poster, and a
 * closed-loop driver that warms up, measures for a fixed time and reports
 * requests, throughput, latency quantiles and error codes.
 */
import { Agent, request } from 'node:http';

/** JSON-RPC over HTTP keep-alive. Transport failures come back as answers with an error code, never as exceptions. */
export function jsonPoster(url, { maxSockets = 16, headers = {}, timeoutMs } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const post = (body) =>
    new Promise((resolve) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
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
      if (timeoutMs) req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', (error) => resolve({ error: { code: error.code ?? error.message ?? 'transport' } }));
      req.end(body);
    });
  return {
    post,
    call: (method, params) => post(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })),
    destroy: () => agent.destroy(),
  };
}

/** p50 and p99 of a list of latencies (ms). */
export function quantiles(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);
  return { p50: q(0.5), p99: q(0.99) };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `workers` loops of `step(worker, i)` back to back (each starts when the
 * previous answered): `warmupS` unmeasured, then `durationS` measured. An
 * answer without `result` counts as an error, by its code. `onMark('start'|'end')`
 * brackets the measured window (the parent samples the server's CPU there).
 */
export async function closedLoop({ workers, step, warmupS = 0, durationS, onMark = () => {} }) {
  let measuring = false;
  let running = true;
  let requests = 0;
  let errors = 0;
  const codes = {};
  const latencies = [];
  const loop = async (w) => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      const answer = await step(w, i);
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
  };
  const loops = Array.from({ length: workers }, (_, w) => loop(w));
  await sleep(warmupS * 1000);
  onMark('start');
  measuring = true;
  const started = performance.now();
  await sleep(durationS * 1000);
  measuring = false;
  onMark('end');
  const elapsed = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(loops);
  return { requests, rps: requests / elapsed, ...quantiles(latencies), errors, codes };
}
