/**
 * In-process cost of one request through the application door's dispatcher, with the real
 * handlers and store (no network): Dispatcher.handleText in a loop, for session.get_chain_id and
 * session.list_keys with a connected application's token and with an API token limited to one of
 * the wallet's two keys, from a one-off caller and from a connection that keeps its token's hash.
 *   node bench/tools/dispatch-loop.mjs        (BENCH_DIST=<dir> for another build)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST } from '../lib/common.mjs';
import { HOSTNAME, PASSPHRASE, benchPolicy } from '../lib/setup.mjs';

const load = (path) => import(pathToFileURL(join(process.env.BENCH_DIST ?? DIST, 'src', ...path.split('/'))).href);
const { defaultConfig } = await load('config.js');
const { startGateway } = await load('gateway.js');
const { createLogger } = await load('logger.js');
const { Dispatcher } = await load('rpc/dispatcher.js');
// Builds from before the token memo have no token-hash-memo.js: their contexts go without one.
const TokenHashMemo = await load('token-hash-memo.js').then((m) => m.TokenHashMemo, () => undefined);

// The application door's dispatcher is not exported: take it from its first call.
let dispatcher;
const handleText = Dispatcher.prototype.handleText;
Dispatcher.prototype.handleText = function (text, ctx) {
  if (ctx.door === 'application') dispatcher ??= this;
  return handleText.call(this, text, ctx);
};

const dataDir = mkdtempSync(join(tmpdir(), 'wallet-gateway-dispatch-loop-'));
const gateway = await startGateway(defaultConfig({ dataDir, host: '127.0.0.1', port: 0, adminPort: 0, logLevel: 'error' }), { logger: createLogger('error') });
async function call(url, method, params, token) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const reply = await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json();
  if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result;
}
const created = await call(gateway.operatorUrl, 'admin.create_wallet', { wallet: 'bench-wallet', passphrase: PASSPHRASE }, gateway.adminToken);
await call(gateway.operatorUrl, 'admin.generate_key', { wallet: 'bench-wallet', passphrase: PASSPHRASE }, gateway.adminToken);
// A bot's token limited to one of the wallet's two keys: its list_keys filters the wallet's list.
const limited = await call(gateway.operatorUrl, 'admin.create_api_token', { wallet: 'bench-wallet', description: 'bench bot', keys: [created.key.publicKey] }, gateway.adminToken);
await call(gateway.operatorUrl, 'admin.set_policy', { policy: benchPolicy('bench-wallet') }, gateway.adminToken);
const { token } = await call(gateway.applicationUrl, 'session.connect_wallet', { hostname: HOSTNAME });
await call(gateway.applicationUrl, 'session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });

// One context per caller shape: a one-off caller, and a connection that keeps its token's hash (as a WebSocket or keep-alive one).
const contexts = {
  '': { door: 'application', transport: 'ws', origin: undefined, remoteAddress: '127.0.0.1', signal: new AbortController().signal, tokenHashes: undefined, notify: undefined },
};
if (TokenHashMemo) contexts[', on a connection'] = { ...contexts[''], tokenHashes: new TokenHashMemo() };
const cases = [
  ['session.get_chain_id', '', {}],
  ['session.list_keys', '', { token }],
  ['session.list_keys', ' (API token limited to one key)', { token: limited.token }],
];
for (const [what, ctx] of Object.entries(contexts)) for (const [method, tokenKind, params] of cases) {
  const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const perCall = [];
  for (let round = 0; round < 7; round++) {
    const n = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const answer = dispatcher.handleText(text, ctx);
      if (answer instanceof Promise) await answer;
    }
    perCall.push(Number(process.hrtime.bigint() - started) / n / 1000);
  }
  perCall.sort((a, b) => a - b);
  console.log(`${`${method}${tokenKind}${what}`.padEnd(72)} ${perCall[3].toFixed(2)} µs per call (median of 7 rounds of 200,000)`);
}
await gateway.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
