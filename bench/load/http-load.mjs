/**
 * Load generator for HTTP keep-alive: autocannon, run in this child process
 * so it has a core of its own. argv[2]: JSON { url, body, expectBody,
 * connections, durationS, warmupS } or { url, bodies, durationS, warmupS }
 * with `bodies` one list of request bodies per connection, each connection
 * sending its own in turn (e.g. one transaction per key). Sends back
 * { requests, rps, p50, p99, errors, mismatches, non2xx, codes,
 * loadCpuUsPerRequest (this process's own CPU time per request) } over IPC.
 *
 * Every answer is compared with `expectBody` (the exact answer of a probe
 * request), so a server answering JSON-RPC errors fast cannot look good.
 * With `bodies`, every answer must be JSON-RPC with a `result`; the error
 * codes of those that are not are counted in `codes`.
 *
 * Latencies are taken from autocannon's 'response' events (milliseconds with
 * a fraction): its own histogram keeps whole milliseconds, which reads 0 or 1
 * ms for every server here.
 */
import autocannon from 'autocannon';
import { loadOptions } from '../lib/common.mjs';
import { quantiles } from './client.mjs';

const o = loadOptions();
const headers = { 'content-type': 'application/json' };
let codes = {};

/** Whether a varying answer is a JSON-RPC result; counts the code of one that is not. */
function isResult(body) {
  let answer;
  try {
    answer = JSON.parse(body);
  } catch {
    answer = undefined;
  }
  if (answer?.result !== undefined) return true;
  const code = answer?.error?.code ?? 'no result';
  codes[code] = (codes[code] ?? 0) + 1;
  return false;
}

function fire(durationS, latencies) {
  let connection = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        method: 'POST',
        headers,
        body: o.body,
        expectBody: o.expectBody,
        connections: o.bodies?.length ?? o.connections ?? 16,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
        ...(o.bodies && {
          setupClient: (client) => client.setRequests(o.bodies[connection++].map((body) => ({ method: 'POST', headers, body }))),
          verifyBody: isResult,
        }),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (latencies) instance.on('response', (_client, status, _bytes, ms) => status < 300 && latencies.push(ms));
  });
}

try {
  if (o.warmupS) await fire(o.warmupS);
  codes = {};
  process.send({ mark: 'start' });
  const latencies = [];
  const cpuAtStart = process.cpuUsage();
  const r = await fire(o.durationS, latencies);
  const cpu = process.cpuUsage(cpuAtStart);
  process.send({ mark: 'end' });
  process.send({
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || o.durationS),
    ...quantiles(latencies),
    errors: r.errors + r.timeouts,
    mismatches: r.mismatches,
    non2xx: r.non2xx,
    codes,
    loadCpuUsPerRequest: (cpu.user + cpu.system) / r.requests.total,
  });
} catch (error) {
  process.send({ error: String(error?.stack ?? error) });
}
