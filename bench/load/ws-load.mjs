/**
 * A small WebSocket load client, run in its own process. argv[2]: JSON
 * { url, body | bodies, connections, depth, durationS, warmupS }: opens
 * `connections` sockets and keeps `depth` requests in flight on each
 * (pipelining: a new request goes out as soon as an answer comes back).
 * With `bodies`, requests take them in turn (e.g. one per key). Every request gets a
 * fresh numeric id; an answer must carry that id and a `result` (an error or
 * an unknown id counts as an error). Latency is measured per request from
 * send to answer.
 *
 * Sends back { requests, rps, p50, p99, errors, codes, loadCpuUsPerRequest } over IPC; codes
 * counts the JSON-RPC error codes of the answers that were errors, and loadCpuUsPerRequest is
 * this process's own CPU time per request while measuring.
 */
import WebSocket from 'ws';
import { quantiles, sleep } from './client.mjs';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const depth = o.depth ?? 1;

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const sockets = [];
for (let i = 0; i < (o.connections ?? 1); i++) sockets.push(await open(o.url));

let measuring = false;
let running = true;
let requests = 0;
let errors = 0;
let codes = {};
let latencies = [];
let nextId = 1;

// Bodies are built by splicing the id into pre-rendered strings, so the
// client spends as little as possible per request.
const parts = (o.bodies ?? [o.body]).map((body) => {
  const rendered = JSON.stringify({ ...JSON.parse(body), id: 0 });
  const at = rendered.indexOf('"id":0') + 5;
  return [rendered.slice(0, at), rendered.slice(at + 1)];
});
let turn = 0;

for (const ws of sockets) {
  const sent = new Map();
  const fire = () => {
    const id = nextId++;
    sent.set(id, performance.now());
    const [head, tail] = parts[turn++ % parts.length];
    ws.send(head + id + tail);
  };
  ws.on('message', (data) => {
    const now = performance.now();
    let message;
    try {
      message = JSON.parse(data.toString('utf8'));
    } catch {
      message = undefined;
    }
    const started = message && sent.get(message.id);
    if (started === undefined || message.result === undefined) {
      errors += 1;
      const code = message?.error?.code ?? (started === undefined ? 'unknown id' : 'no result');
      codes[code] = (codes[code] ?? 0) + 1;
    } else {
      sent.delete(message.id);
      if (measuring) {
        requests += 1;
        latencies.push(now - started);
      }
    }
    if (running) fire();
  });
  ws.on('error', () => {
    errors += 1;
  });
  for (let i = 0; i < depth; i++) fire();
}

await sleep((o.warmupS ?? 0) * 1000);
errors = 0;
codes = {};
process.send({ mark: 'start' });
measuring = true;
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await sleep(o.durationS * 1000);
measuring = false;
process.send({ mark: 'end' });
const cpu = process.cpuUsage(cpuAtStart);
const elapsed = (performance.now() - started) / 1000;
running = false;
process.send({ requests, rps: requests / elapsed, ...quantiles(latencies), errors, codes, loadCpuUsPerRequest: (cpu.user + cpu.system) / requests });
for (const ws of sockets) ws.terminate();
process.exit(0);
