/**
 * Bringing a gateway to the state an application needs, through its real
 * API only: the owner creates a wallet and sets a policy on the operator
 * door; the application connects and asks for read access on the
 * application door, and the policy approves both, as it would in production.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH, DIST, call, runLoad, startChild } from './common.mjs';

export const PASSPHRASE = 'bench passphrase, not a secret';
export const HOSTNAME = 'bench.example';

/**
 * A limit order as a dApp encodes it for sign_transaction (vega-facts §3): a
 * trading bot's hot path. Not votes: the network allows a key 3 votes per
 * proposal and epoch, and the gateway refuses the fourth.
 */
export const encodedOrder = () =>
  Buffer.from(
    JSON.stringify({
      orderSubmission: { marketId: randomBytes(32).toString('hex'), price: '100000', size: '10', side: 'SIDE_BUY', timeInForce: 'TIME_IN_FORCE_GTC', type: 'TYPE_LIMIT', reference: 'bench' },
    }),
  ).toString('base64');

/**
 * The development node the signing loads run against: proof of work of difficulty 0, and a block
 * every 25 ms. The node allows a key 2 transactions per block, so the load's 256 keys allow
 * 256 × 2 × 40 = 20,480 signatures/s, about twice what the gateway reaches here. With 50 ms
 * blocks (10,240/s) runs at 8,000+/s had keys refused (2001) whenever a block came late.
 */
export const SIGNING_DEVNET = { blockTimeMs: 25, powDifficulty: 0 };

/** A fresh data directory under the system's temp directory. */
export function tempDataDir(tag) {
  return mkdtempSync(join(tmpdir(), `wallet-gateway-bench-${tag}-`));
}

/**
 * Starts the built gateway in a child process on `dataDir`. `config` holds
 * GatewayConfig overrides (devnet options, scryptCost, powThreads, ...).
 */
export async function startGatewayChild(dataDir, config = {}, { execArgv = [], name = 'gateway', env = {} } = {}) {
  const child = await startChild(join(BENCH, 'servers', 'gateway.mjs'), [JSON.stringify({ dataDir, ...config })], {
    execArgv,
    name,
    profile: true,
    env,
  });
  return {
    ...child,
    admin: (method, params = {}) => call(child.operatorUrl, method, params, child.adminToken),
    app: (method, params = {}) => call(child.applicationUrl, method, params),
    async close({ keep = false } = {}) {
      await child.stop();
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The policy the benchmarks run under: our application's connections, permission requests and transactions are approved. */
export function benchPolicy(wallet, hostname = HOSTNAME) {
  return {
    rules: [
      { kind: 'connection', hostname, wallet, action: 'approve' },
      { kind: 'permissions', hostname, action: 'approve' },
      { kind: 'transaction', hostname, action: 'approve' },
    ],
    default: 'ask',
  };
}

/**
 * Creates `wallet`, sets the policy, connects `hostname` and gets read access;
 * optionally unlocks the wallet and derives more keys. Returns the token and keys.
 */
export async function prepareApp(gw, { wallet = 'bench-wallet', hostname = HOSTNAME, unlock = false, extraKeys = 0, create = true } = {}) {
  if (create) await gw.admin('admin.create_wallet', { wallet, passphrase: PASSPHRASE });
  await gw.admin('admin.set_policy', { policy: benchPolicy(wallet, hostname) });
  const { token } = await gw.app('session.connect_wallet', { hostname });
  await gw.app('session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
  if (unlock) await gw.admin('admin.unlock_wallet', { wallet, passphrase: PASSPHRASE });
  for (let i = 0; i < extraKeys; i++) {
    // An unlocked wallet derives keys without its passphrase (no scrypt per key).
    await gw.admin('admin.generate_key', unlock ? { wallet } : { wallet, passphrase: PASSPHRASE });
  }
  const keys = await gw.app('session.list_keys', { token });
  return { token, wallet, hostname, keys };
}

/**
 * One signature through the gateway's API, to get the exact bytes a signature covers
 * (chainID ‖ 0x00 ‖ InputData) for node:crypto to sign the same. Returns them with the chain id.
 */
export async function signedBytes(gw, app, encodedTransaction) {
  const { chainID } = await gw.app('session.get_chain_id', {});
  const signed = await gw.app('session.sign_transaction', { token: app.token, publicKey: app.keys[0], encodedTransaction });
  const { decodeTransaction } = await import(join(DIST, 'src', 'domain', 'vega', 'transaction.js'));
  const tx = decodeTransaction(new Uint8Array(Buffer.from(signed.encodedTransaction, 'base64')));
  return { chainID, message: Buffer.concat([Buffer.from(chainID, 'utf8'), Buffer.from([0]), Buffer.from(tx.inputData)]) };
}

/**
 * The bare signing server (servers/bare-sign.mjs) for this chain; env BARE_WS_FRAMING=hand has it
 * frame WebSocket messages by hand.
 */
export const startSigningFloor = (chainID, { name = 'bare-sign', env = {} } = {}) =>
  startChild(join(BENCH, 'servers', 'bare-sign.mjs'), [JSON.stringify({ chainId: chainID })], { name, env });

/**
 * sign_transaction load on `app`'s keys, for the signing bench and its profiler. Over HTTP,
 * `workers` keep-alive connections (autocannon, one request in flight on each), connection w
 * signing with keys w, w + workers, w + 2·workers, ... in turn; over WebSocket, one connection
 * with `workers` requests in flight, taking the keys in the same interleaved turn, so that
 * consecutive requests use different keys. Returns (durationS, warmupS, runLoad options) =>
 * the load's result.
 */
export function signingLoad(gw, app, { workers, encodedTransaction, transport = 'http' }) {
  const perWorker = Array.from({ length: workers }, (_, w) =>
    app.keys
      .filter((_, k) => k % workers === w)
      .map((publicKey, i) => JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'session.sign_transaction', params: { token: app.token, publicKey, encodedTransaction } })),
  );
  const inTurn = [];
  for (let i = 0; i < Math.max(...perWorker.map((l) => l.length)); i++) for (const list of perWorker) if (i < list.length) inTurn.push(list[i]);
  return (durationS, warmupS = 0, options = {}) =>
    transport === 'ws'
      ? runLoad(join(BENCH, 'load', 'ws-load.mjs'), { url: gw.applicationUrl.replace(/^http/, 'ws'), bodies: inTurn, depth: workers, durationS, warmupS }, options)
      : runLoad(join(BENCH, 'load', 'http-load.mjs'), { url: gw.applicationUrl, bodies: perWorker, durationS, warmupS }, options);
}
