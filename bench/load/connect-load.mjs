/**
 * Connect-then-use, as a new application session does: session.connect_wallet
 * (approved by the policy), then session.list_keys with the new token. Each
 * worker cycles over its own host names, so it replaces its own connections
 * instead of piling up new ones. argv[2]: JSON { url, hostnames: string[][],
 * durationS, warmupS }. The latency is that of the pair.
 */
import { Agent, request } from 'node:http';

const o = JSON.parse(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: o.hostnames.length + 4 });

function call(method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise((resolve) => {
    const req = request(o.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
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

async function worker(hostnames) {
  for (let i = 0; running; i++) {
    const started = performance.now();
    const connected = await call('session.connect_wallet', { hostname: hostnames[i % hostnames.length] });
    const keys = connected.result ? await call('session.list_keys', { token: connected.result.token }) : connected;
    const ms = performance.now() - started;
    if (!measuring) continue;
    if (keys.result === undefined) {
      errors += 1;
      const code = keys.error?.code ?? 'none';
      codes[code] = (codes[code] ?? 0) + 1;
    } else {
      requests += 1;
      latencies.push(ms);
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const workers = o.hostnames.map((h) => worker(h));
await sleep((o.warmupS ?? 0) * 1000);
measuring = true;
const started = performance.now();
await sleep(o.durationS * 1000);
measuring = false;
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all(workers);
const sorted = Float64Array.from(latencies).sort();
const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : NaN);
process.send({ requests, rps: requests / elapsed, p50: q(0.5), p99: q(0.99), errors, codes });
agent.destroy();
process.exit(0);
