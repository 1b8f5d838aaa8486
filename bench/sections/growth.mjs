/**
 * Section 5: growth. p99 latency of admin.list_wallets, session.list_keys and
 * connect + list_keys with 10, 1,000 and 10,000 wallets in the database, and
 * of list_keys on a wallet with 1,000 keys; then the memory the gateway needs
 * per idle WebSocket connection.
 *
 * admin.list_wallets is measured twice: one page (limit 5) after a name
 * drawn at random from the wallets that exist, so that the pages come from
 * everywhere in the index and not only its first rows (the row with the
 * target), and unpaged, every name in one answer (linear by contract, shown
 * without a target). The starting names are drawn among those with at least
 * a page of names after them, so every page is full at every size: with 10
 * wallets a page of 100 could hold at most 9 names against 100 with 10,000,
 * and the ratio measured the answer's size instead of the lookup.
 *
 * The three databases are prepared side by side and their gateways measured
 * in turns, so background noise falls on all sizes alike. The extra wallets
 * are made through the store API (SqliteStore.wallets.insertWallet, in one
 * transaction): copies of a wallet created through admin.create_wallet with
 * the default scrypt cost, under other names. They are real wallets (each
 * opens with the passphrase), only their recovery phrase is shared.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH, DIST, median, runLoad, sleep } from '../lib/common.mjs';
import { PASSPHRASE, startGatewayChild, tempDataDir } from '../lib/setup.mjs';

const SIZES = [10, 1_000, 10_000];
const WORKERS = 4;
/** list_wallets pages: this many names per page, and this many random starting names per load worker. */
const PAGE_LIMIT = 5;
const PAGE_STARTS = 256;

/** A small seeded generator (mulberry32), so that every run draws the same starting names. */
function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Per load worker, list_wallets params for pages that start after random existing names. */
function pageParams(names, seed) {
  const random = seededRandom(seed);
  return Array.from({ length: WORKERS }, () =>
    Array.from({ length: PAGE_STARTS }, () => ({ limit: PAGE_LIMIT, after: names[Math.floor(random() * (names.length - PAGE_LIMIT))] })),
  );
}

function growthPolicy() {
  return {
    rules: [
      { kind: 'connection', hostname: 'keys.bench.example', wallet: 'many-keys', action: 'approve' },
      { kind: 'connection', hostname: '*', wallet: 'bench-wallet', action: 'approve' },
      { kind: 'permissions', hostname: '*', action: 'approve' },
    ],
    default: 'ask',
  };
}

async function connectWithRead(gw, hostname) {
  const { token } = await gw.app('session.connect_wallet', { hostname });
  await gw.app('session.request_permissions', { token, requestedPermissions: { public_keys: 'read' } });
  return token;
}

/** Copies the bench wallet under new names until the database holds `total` wallets. */
async function fillWallets(dataDir, total) {
  const { SqliteStore } = await import(pathToFileURL(join(DIST, 'src', 'store', 'sqlite', 'sqlite-store.js')).href);
  const store = SqliteStore.open(join(dataDir, 'wallet-gateway.db'));
  try {
    const original = await store.wallets.findWallet('bench-wallet');
    const keys = await store.wallets.listKeys('bench-wallet');
    const have = (await store.wallets.listWalletNames()).length;
    store.db.exec('BEGIN');
    // insertWallet runs its own (nested: savepoint) transaction synchronously before it returns.
    const pending = [];
    for (let i = have; i < total; i++) pending.push(store.wallets.insertWallet({ ...original, name: `wallet-${String(i).padStart(6, '0')}` }, keys));
    store.db.exec('COMMIT');
    await Promise.all(pending);
    return (await store.wallets.listWalletNames()).length;
  } finally {
    await store.close();
  }
}

export async function runGrowth({ rounds = 3, seconds = 2, log = () => {} } = {}) {
  const rows = [];
  const gateways = {};
  try {
    for (const size of SIZES) {
      const dataDir = tempDataDir(`growth${size}`);
      const gw = await startGatewayChild(dataDir, {}, { name: `gateway-${size}` });
      await gw.admin('admin.create_wallet', { wallet: 'bench-wallet', passphrase: PASSPHRASE });
      await gw.admin('admin.set_policy', { policy: growthPolicy() });
      const token = await connectWithRead(gw, 'bench.example');
      // Host names for connect + list_keys, each with read access granted once beforehand.
      const hostnames = Array.from({ length: WORKERS }, (_, w) => [`app${w}a.bench.example`, `app${w}b.bench.example`]);
      for (const host of hostnames.flat()) await connectWithRead(gw, host);
      const count = await fillWallets(dataDir, size);
      log(`  ${count} wallets ready`);
      // The names that exist, read once (unpaged) to draw the pages' starting points from.
      const { wallets: names } = await gw.admin('admin.list_wallets');
      gateways[size] = { gw, token, hostnames, pages: pageParams(names, size) };
    }

    // 1,000 keys in one wallet, next to the 10-wallet database.
    const small = gateways[SIZES[0]].gw;
    await small.admin('admin.create_wallet', { wallet: 'many-keys', passphrase: PASSPHRASE });
    await small.admin('admin.unlock_wallet', { wallet: 'many-keys', passphrase: PASSPHRASE });
    for (let i = 1; i < 1000; i++) await small.admin('admin.generate_key', { wallet: 'many-keys' });
    await small.admin('admin.lock_wallet', { wallet: 'many-keys' });
    const manyKeysToken = await connectWithRead(small, 'keys.bench.example');
    const listed = await small.app('session.list_keys', { token: manyKeysToken });
    log(`  wallet many-keys has ${listed.length} keys`);

    const body = (method, params) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
    // `params`: the same params for every request, or a list of params per worker (each worker walks its own).
    const load = (gw, method, params, headers) =>
      runLoad(join(BENCH, 'load', 'rpc-load.mjs'), {
        url: method.startsWith('admin.') ? gw.operatorUrl : gw.applicationUrl,
        bodies: Array.isArray(params) ? params.map((list) => list.map((p) => body(method, p))) : Array.from({ length: WORKERS }, () => [body(method, params)]),
        headers,
        durationS: seconds,
        warmupS: 0.3,
      });
    const p99 = {};
    const record = (key, r) => {
      if (r.errors) throw new Error(`${key}: ${r.errors} errors ${JSON.stringify(r.codes)}`);
      (p99[key] ??= []).push(r.p99);
    };
    for (let r = 0; r < rounds; r++) {
      for (const size of r % 2 ? [...SIZES].reverse() : SIZES) {
        const { gw, token, hostnames, pages } = gateways[size];
        const operator = { authorization: `Bearer ${gw.adminToken}` };
        record(`list_wallets page ${size}`, await load(gw, 'admin.list_wallets', pages, operator));
        record(`list_wallets ${size}`, await load(gw, 'admin.list_wallets', {}, operator));
        record(`list_keys ${size}`, await load(gw, 'session.list_keys', { token }));
        record(`connect ${size}`, await runLoad(join(BENCH, 'load', 'connect-load.mjs'), { url: gw.applicationUrl, hostnames, durationS: seconds, warmupS: 0.3 }));
      }
      record('list_keys 1 key', await load(small, 'session.list_keys', { token: gateways[SIZES[0]].token }));
      record('list_keys 1000 keys', await load(small, 'session.list_keys', { token: manyKeysToken }));
      log(`  round ${r}: ${Object.entries(p99).map(([k, v]) => `${k} ${v[r].toFixed(2)}`).join(', ')} ms`);
    }

    const [lo, , hi] = SIZES;
    for (const [what, label, target] of [
      ['list_wallets page', `admin.list_wallets (limit ${PAGE_LIMIT}, after a random name)`, 2],
      ['list_wallets', 'admin.list_wallets unpaged (every name; informational)', undefined],
      ['list_keys', 'session.list_keys', 2],
      ['connect', 'connect_wallet + list_keys', 2],
    ]) {
      const ratios = p99[`${what} ${hi}`].map((x, i) => x / p99[`${what} ${lo}`][i]);
      rows.push({
        section: '5 Growth',
        name: `${label} p99, 10,000 vs 10 wallets (1,000: ${median(p99[`${what} ${SIZES[1]}`]).toFixed(2)} ms)`,
        gateway: median(p99[`${what} ${hi}`]),
        baseline: median(p99[`${what} ${lo}`]),
        ratio: median(ratios),
        ...(target === undefined ? {} : { target }),
        lowerIsBetter: true,
        unit: 'ms',
      });
    }
    rows.push({
      section: '5 Growth',
      name: 'session.list_keys p99, 1,000 keys vs 1 key in the wallet',
      gateway: median(p99['list_keys 1000 keys']),
      baseline: median(p99['list_keys 1 key']),
      ratio: median(p99['list_keys 1000 keys'].map((x, i) => x / p99['list_keys 1 key'][i])),
      unit: 'ms',
      lowerIsBetter: true,
    });
  } finally {
    await Promise.all(Object.values(gateways).map(({ gw }) => gw.close()));
  }
  rows.push(...(await idleConnectionMemory({ log })));
  return rows;
}

/** Memory of the gateway (after full GCs) before and with 1,000 idle WebSocket connections. */
async function idleConnectionMemory({ connections = 1000, log }) {
  const gw = await startGatewayChild(tempDataDir('memory'), {}, { name: 'gateway-memory', execArgv: ['--expose-gc'] });
  try {
    await gw.admin('admin.create_wallet', { wallet: 'bench-wallet', passphrase: PASSPHRASE });
    await gw.admin('admin.set_policy', { policy: growthPolicy() });
    const token = await connectWithRead(gw, 'bench.example');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.list_keys', params: { token } });
    // A first small wave, so that everything made once per process (not per connection) is made before the first reading.
    const warm = await holdConnections(gw.applicationUrl.replace(/^http/, 'ws'), 20, body);
    await warm.stop();
    await sleep(500);
    const before = (await gw.ask('memory')).memory;
    const held = await holdConnections(gw.applicationUrl.replace(/^http/, 'ws'), connections, body);
    if (held.open !== connections) throw new Error(`only ${held.open} of ${connections} connections opened`);
    await sleep(1000);
    const after = (await gw.ask('memory')).memory;
    await held.stop();
    const per = (field) => (after[field] - before[field]) / connections;
    log(`  ${connections} idle connections: RSS ${(before.rss / 2 ** 20).toFixed(1)} → ${(after.rss / 2 ** 20).toFixed(1)} MiB, heap ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MiB`);
    return [
      {
        section: '5 Memory',
        name: `RSS per idle WebSocket connection (${connections} open; heap ${(per('heapUsed') / 1024).toFixed(1)} KiB, external ${(per('external') / 1024).toFixed(1)} KiB)`,
        gateway: per('rss'),
        baseline: 50 * 1024,
        ratio: per('rss') / (50 * 1024),
        target: 1,
        lowerIsBetter: true,
        unit: 'bytes',
      },
    ];
  } finally {
    await gw.close();
  }
}

function holdConnections(url, connections, body) {
  return new Promise((resolve, reject) => {
    const child = fork(join(BENCH, 'load', 'ws-idle.mjs'), [JSON.stringify({ url, connections, body })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('exit', (code) => reject(new Error(`ws-idle exited with ${code}`)));
    child.once('message', (message) => {
      resolve({
        open: message.open,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', done);
            child.send({ type: 'stop' });
          }),
      });
    });
  });
}
