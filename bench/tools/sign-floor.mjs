/**
 * The signing load over one WebSocket (16 pipelined, 256 keys, as in the table) against the
 * gateway, the bare signing server on the ws library and the same server framing WebSocket
 * messages by hand (BARE_WS_FRAMING=hand: no library, the answers to one read in one write), in
 * turns with node:crypto signing the same bytes: how near 0.6× of node:crypto a server gets that
 * does nothing but parse, encode, sign and answer.
 *   node bench/tools/sign-floor.mjs [rounds] [in flight]
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH, failures, median, runLoad } from '../lib/common.mjs';
import { SIGNING_DEVNET, encodedOrder, prepareApp, signedBytes, signingLoad, startGatewayChild, startSigningFloor, tempDataDir } from '../lib/setup.mjs';

const [rounds = '4', inFlight = '16'] = process.argv.slice(2);
const workers = Number(inFlight);
const gw = await startGatewayChild(tempDataDir('sign-floor'), { devnet: { blockTimeMs: SIGNING_DEVNET.blockTimeMs, powDifficulty: 0 } }, { name: 'gateway' });
const app = await prepareApp(gw, { unlock: true, extraKeys: 255 });
const encodedTransaction = encodedOrder();
const { chainID, message } = await signedBytes(gw, app, encodedTransaction);

const servers = {
  gateway: gw,
  'bare (ws)': await startSigningFloor(chainID),
  'bare (by hand)': await startSigningFloor(chainID, { name: 'bare-sign-by-hand', env: { BARE_WS_FRAMING: 'hand' } }),
};
const loads = Object.fromEntries(
  Object.entries(servers).map(([name, s]) => [name, signingLoad({ applicationUrl: s.applicationUrl ?? s.url }, app, { workers, encodedTransaction, transport: 'ws' })]),
);
const rawSign = () => runLoad(join(BENCH, 'load', 'raw-sign.mjs'), { secretKeyHex: randomBytes(32).toString('hex'), messageHex: message.toString('hex'), durationS: 3 });

const names = Object.keys(servers);
const results = Object.fromEntries(names.map((name) => [name, []]));
for (let r = 0; r < Number(rounds); r++) {
  const raw = await rawSign();
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    const out = await loads[name](3, r === 0 ? 1 : 0.2, { server: servers[name] });
    if (failures(out)) throw new Error(`${name}: ${JSON.stringify(out.codes)}`);
    results[name].push({ ...out, ratio: out.rps / raw.rps });
  }
}
const m = (name, key) => median(results[name].map((x) => x[key]));
console.log(`signing over one WebSocket, ${workers} pipelined, ${rounds} rounds of 3 s, medians`);
for (const name of names) {
  console.log(
    `  ${name.padEnd(15)} ${String(Math.round(m(name, 'rps'))).padStart(6)}/s  ${m(name, 'ratio').toFixed(2)}× node:crypto  server ${m(name, 'cpuUsPerRequest').toFixed(0)} µs  load generator ${m(name, 'loadCpuUsPerRequest').toFixed(0)} µs per signature`,
  );
}
await Promise.all(names.filter((name) => name !== 'gateway').map((name) => servers[name].stop()));
await gw.close();
process.exit(0);
