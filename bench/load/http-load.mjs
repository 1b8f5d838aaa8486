/**
 * Load generator for HTTP keep-alive: autocannon, run in this child process
 * so it has a core of its own. argv[2]: JSON { url, body, expectBody,
 * connections, durationS, warmupS }. Sends back { requests, rps, p50, p99,
 * errors, mismatches, non2xx } over IPC.
 *
 * Every answer is compared with `expectBody` (the exact answer of a probe
 * request), so a server answering JSON-RPC errors fast cannot look good.
 */
import autocannon from 'autocannon';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();

function fire(durationS) {
  return new Promise((resolve, reject) => {
    autocannon(
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
  });
}

try {
  if (o.warmupS) await fire(o.warmupS);
  process.send({ mark: 'start' });
  const r = await fire(o.durationS);
  process.send({ mark: 'end' });
  process.send({
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || o.durationS),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    mismatches: r.mismatches,
    non2xx: r.non2xx,
  });
} catch (error) {
  process.send({ error: String(error?.stack ?? error) });
}
