/**
 * Load generator for HTTP keep-alive: autocannon, run in this child process
 * so it has a core of its own. argv[2]: JSON { url, body, expectBody,
 * connections, durationS, warmupS }. Sends back { requests, rps, p50, p99,
 * errors, mismatches, non2xx } over IPC.
 *
 * Every answer is compared with `expectBody` (the exact answer of a probe
 * request), so a server answering JSON-RPC errors fast cannot look good.
 *
 * Latencies are taken from autocannon's 'response' events (milliseconds with
 * a fraction): its own histogram keeps whole milliseconds, which reads 0 or 1
 * ms for every server here.
 */
import autocannon from 'autocannon';
import { loadOptions } from '../lib/common.mjs';
import { quantiles } from './client.mjs';

const o = loadOptions();

function fire(durationS, latencies) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: o.body,
        expectBody: o.expectBody,
        connections: o.connections ?? 16,
        pipelining: 1,
        duration: durationS,
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (latencies) instance.on('response', (_client, status, _bytes, ms) => status < 300 && latencies.push(ms));
  });
}

try {
  if (o.warmupS) await fire(o.warmupS);
  process.send({ mark: 'start' });
  const latencies = [];
  const r = await fire(o.durationS, latencies);
  process.send({ mark: 'end' });
  process.send({
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || o.durationS),
    ...quantiles(latencies),
    errors: r.errors + r.timeouts,
    mismatches: r.mismatches,
    non2xx: r.non2xx,
  });
} catch (error) {
  process.send({ error: String(error?.stack ?? error) });
}
