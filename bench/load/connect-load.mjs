/**
 * Connect-then-use, as a new application session does: session.connect_wallet
 * (approved by the policy), then session.list_keys with the new token. Each
 * worker cycles over its own host names, so it replaces its own connections
 * instead of piling up new ones. argv[2]: JSON { url, hostnames: string[][],
 * durationS, warmupS }. The latency is that of the pair.
 */
import { closedLoop, jsonPoster } from './client.mjs';
import { loadOptions } from '../lib/common.mjs';

const o = loadOptions();
const http = jsonPoster(o.url, { maxSockets: o.hostnames.length + 4 });
const result = await closedLoop({
  workers: o.hostnames.length,
  step: async (w, i) => {
    const hostnames = o.hostnames[w];
    const connected = await http.call('session.connect_wallet', { hostname: hostnames[i % hostnames.length] });
    return connected.result ? http.call('session.list_keys', { token: connected.result.token }) : connected;
  },
  warmupS: o.warmupS,
  durationS: o.durationS,
});
process.send(result);
http.destroy();
process.exit(0);
