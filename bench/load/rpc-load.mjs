/**
 * Closed-loop JSON-RPC load over HTTP keep-alive, in its own process, for
 * methods whose requests differ (each worker walks its own list of bodies).
 * argv[2]: JSON { url, bodies: string[][] (one list per worker), durationS,
 * warmupS, headers? }. Each worker sends its next body as soon as the previous answer
 * is in. An answer without `result` is an error; its codes are counted.
 *
 * Sends back { requests, rps, p50, p99, errors, codes } over IPC.
 */
import { closedLoop, jsonPoster } from './client.mjs';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const http = jsonPoster(o.url, { maxSockets: o.bodies.length + 4, headers: o.headers });
const result = await closedLoop({
  workers: o.bodies.length,
  step: (w, i) => http.post(o.bodies[w][i % o.bodies[w].length]),
  warmupS: o.warmupS,
  durationS: o.durationS,
  onMark: (mark) => process.send({ mark }),
});
process.send(result);
http.destroy();
process.exit(0);
