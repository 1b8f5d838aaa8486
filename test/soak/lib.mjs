/**
 * Helpers shared by the soak scripts (and by the jest tests that run short
 * versions of them): spawning the built `wallet-gateway serve`, a bare
 * JSON-RPC client, a seeded random source, a read-only look at the SQLite
 * file, and the crash rounds themselves.
 *
 * Plain JavaScript so that `node test/soak/<script>.mjs` runs after
 * `npm run build` without a TypeScript step. Everything here talks to real
 * processes and real files; nothing is mocked.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'wallet-gateway');

export const SEED_PHRASE =
  'swing ceiling chaos green put insane ripple desk match tip melt usual shrug turkey renew icon parade veteran lens govern path rough page render';
/** What the seed phrase derives to: its wallet ID, and its first key under key derivation versions 1 and 2. */
export const SEED_WALLET_ID = '9df682a3c87d90567f260566a9c223ccbbb7529c38340cf163b8fe199dbf0f2e';
export const SEED_FIRST_KEY = {
  1: '30ebce58d94ad37c4ff6a9014c955c20e12468da956163228cc7ec9b98d3a371',
  2: 'b5fd9d3c4ad553cb3196303b6e6df7f484cf7f5331a572a45031239fd71ad8a0',
};

export function requireBuild() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (or `npx tsc -p tsconfig.build.json`) first');
  }
}

/**
 * Starts `wallet-gateway serve` on `dataDir` with ports picked by the OS and
 * resolves once it has printed both doors. The operator token is read from
 * the data directory, where the gateway keeps it.
 */
export function startServe(dataDir, { args = [], env = {}, timeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const exited = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal })));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      // Keep the tail only: a long soak must not pile up megabytes of logs.
      stderr = (stderr + chunk).slice(-20_000);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      if (ready) return;
      const application = /application door\s+(http:\/\/[^\s]+)/.exec(stdout);
      const operator = /operator door\s+(http:\/\/[^\s]+)\s.*bearer token in (\S+?)\)/.exec(stdout);
      if (!application || !operator) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        child,
        pid: child.pid,
        applicationUrl: application[1],
        operatorUrl: operator[1],
        token: readFileSync(operator[2], 'utf8').trim(),
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
      });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(({ code, signal }) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new Error(`serve ended (code ${code}, signal ${signal}) before it was ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/**
 * A bare JSON-RPC client over HTTP POST. `call` resolves with the whole
 * answer ({ result } or { error }) and rejects only when no answer came
 * (connection refused or reset, timeout): that is "unknown", not "failed".
 */
export function rpcClient(url, token) {
  let id = 0;
  return {
    async call(method, params = {}, timeoutMs = 60_000) {
      const headers = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${method}: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
      if (!body || (body.result === undefined && body.error === undefined)) throw new Error(`${method}: not a JSON-RPC answer: ${text.slice(0, 200)}`);
      return body;
    },
    /** A JSON-RPC batch: the answers, in the order of `calls` ({ method, params }). */
    async batch(calls, timeoutMs = 60_000) {
      const headers = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const requests = calls.map(({ method, params }) => ({ jsonrpc: '2.0', id: ++id, method, params }));
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(requests), signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`batch: HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
      if (!Array.isArray(body)) throw new Error(`batch: not a batch answer: ${text.slice(0, 200)}`);
      return requests.map((request) => {
        const answer = body.find((a) => a && a.id === request.id);
        if (!answer) throw new Error(`batch: no answer for ${request.method}: ${text.slice(0, 200)}`);
        return answer;
      });
    },
  };
}

/** A small seeded generator (mulberry32), so that a failing run can be replayed with the same choices. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted(choices) {
      const total = choices.reduce((sum, [, w]) => sum + w, 0);
      let x = next() * total;
      for (const [value, w] of choices) {
        if ((x -= w) < 0) return value;
      }
      return choices[choices.length - 1][0];
    },
  };
}

/**
 * Opens the database read-only (the gateway must not be running) and
 * returns what a crash could have broken: SQLite's own integrity check,
 * foreign key violations, and the shape of every wallet's keys.
 */
export function inspectDatabase(path) {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const foreignKeys = db.pragma('foreign_key_check');
    const orphanKeys = db.prepare('SELECT count(*) FROM keys WHERE wallet NOT IN (SELECT id FROM wallets)').pluck().get();
    const wallets = new Map();
    for (const row of db.prepare('SELECT id, name, wallet_id, kdf, secret FROM wallets').all()) {
      const keys = db.prepare('SELECT key_index, public_key FROM keys WHERE wallet = ? ORDER BY key_index').all(row.id);
      wallets.set(row.name, {
        walletId: row.wallet_id,
        kdf: row.kdf,
        secret: Buffer.from(row.secret).toString('hex'),
        indexes: keys.map((k) => k.key_index),
        keys: keys.map((k) => k.public_key),
      });
    }
    return { integrity, foreignKeys, orphanKeys, wallets };
  } finally {
    db.close();
  }
}

const newPassphrase = (random) => `pass ${Math.floor(random.next() * 1e9).toString(36)}-${randomBytes(4).toString('hex')}`;

/**
 * Crash rounds: drive a real `serve` with a random mix of wallet changes
 * (several requests in flight), SIGKILL it at a random moment, then check
 * the database and the restarted gateway against a model of what the
 * gateway confirmed before it died.
 *
 * The model tracks each wallet the test made. At most one request per
 * wallet is in flight at a time and names are never reused, so every
 * answered request has exactly one effect, and a request that was in
 * flight at the kill (no answer) may or may not have happened: both are
 * accepted, but never anything else, and whichever happened is read back
 * and becomes the model's truth for the next rounds.
 *
 * An answer that arrives after the kill signal was sent still counts as
 * confirmed: the gateway only answers after its write is committed.
 *
 * Returns figures and the list of violations (empty when all is well).
 */
export async function runCrashRounds(options) {
  const {
    dataDir,
    rounds,
    seed = randomBytes(4).readUInt32BE(),
    inFlight = 3,
    maxWallets = 4,
    killAfterMs = [100, 1500],
    /** Share of requests sent as a batch of two changes. */
    batchRate = 0.3,
    log = () => {},
  } = options;
  const random = seededRandom(seed);
  const dbPath = join(dataDir, 'wallet-gateway.db');
  const violations = [];
  const stats = { seed, rounds: 0, kills: 0, confirmed: 0, errors: 0, unknown: 0, appliedUnanswered: 0, batches: 0, decryptions: 0, byMethod: {} };
  const model = new Map(); // wallet number -> { n, name, passphrase, keys: string[], walletId?, version?, busy, pendingUpdate? }
  const maybe = []; // requests that got no answer before the kill, resolved after it
  let nextWallet = 0;
  let nextName = 0;
  const freshName = () => `w${(nextName++).toString(36)}-${random.int(0, 1295).toString(36)}`;
  let round = 0;
  const violation = (message) => {
    const text = `round ${round}: ${message}`;
    violations.push(text);
    log(`VIOLATION ${text}`);
  };
  const count = (method, outcome) => {
    const entry = (stats.byMethod[method] ??= { confirmed: 0, error: 0, unknown: 0 });
    entry[outcome]++;
  };

  let gateway = await startServe(dataDir);
  try {
    for (round = 1; round <= rounds; round++) {
      const started = Date.now();
      const client = rpcClient(gateway.operatorUrl, gateway.token);
      const running = new Set();
      let killed = false;
      const before = stats.confirmed;
      const beforeUnknown = stats.unknown;
      const unexpectedExit = gateway.exited.then((how) => {
        if (!killed) violation(`the gateway exited by itself (${JSON.stringify(how)}): ${gateway.stderr().slice(-2000)}`);
      });
      // Half the rounds die at a random time; the others just as the k-th answer of the round arrives,
      // when the other requests in flight may be writing.
      const killOnAnswer = random.next() < 0.5 ? random.int(1, 3) : 0;
      const killAfter = random.int(killAfterMs[0], killAfterMs[1]) * (killOnAnswer ? 3 : 1);
      let answers = 0;
      let when = '';
      let killTimer;
      let killedNow = () => {};
      const kill = new Promise((resolve) => (killedNow = resolve));
      const killGateway = (why) => {
        if (killed) return;
        killed = true;
        clearTimeout(killTimer);
        gateway.child.kill('SIGKILL');
        when = why;
        killedNow();
      };
      const roundStart = Date.now();
      killTimer = setTimeout(() => killGateway(`after ${Date.now() - roundStart} ms`), killAfter);

      /**
       * Queues one request; it goes alone, or in a JSON-RPC batch with others when `batch` collects them. A
       * batch is answered once all of its requests are done, so a change already committed can be cut off
       * from its answer by the kill: the case where "in flight" must still be read back as "happened".
       */
      let batch = null;
      const launch = (method, params, wallet, onResult, onUnknown, onError = () => {}) => {
        if (wallet) wallet.busy = true;
        const op = { method, params, wallet, onResult, onUnknown, onError };
        if (batch) batch.push(op);
        else send([op]);
      };
      const settle = (op, answer) => {
        if (answer === undefined) {
          stats.unknown++;
          count(op.method, 'unknown');
          maybe.push(op.onUnknown);
        } else if (answer.error) {
          // Every request here is valid for the model's state, so an error is a defect of its own; it changed nothing.
          stats.errors++;
          count(op.method, 'error');
          violation(`${op.method} ${JSON.stringify(op.params.wallet)} answered an error: ${JSON.stringify(answer.error)}`);
          op.onError();
        } else {
          stats.confirmed++;
          count(op.method, 'confirmed');
          op.onResult(answer.result);
          if (++answers === killOnAnswer) killGateway(`as answer ${answers} arrived, after ${Date.now() - roundStart} ms`);
        }
      };
      const send = (ops) => {
        if (ops.length > 1) stats.batches++;
        const sent = ops.length === 1 ? client.call(ops[0].method, ops[0].params).then((a) => [a]) : client.batch(ops);
        const request = sent
          .then(
            (answers) => ops.forEach((op, i) => settle(op, answers[i])),
            // No answer at all: each of them may or may not have happened.
            () => ops.forEach((op) => settle(op, undefined)),
          )
          .finally(() => {
            for (const op of ops) if (op.wallet) op.wallet.busy = false;
            running.delete(request);
          });
        running.add(request);
      };

      const startOne = () => {
        const live = [...model.values()];
        const idle = live.filter((w) => !w.busy);
        const choices = [];
        if (live.length < maxWallets) choices.push(['create', 3], ['import', 2]);
        if (idle.length > 0) choices.push(['rename', 2], ['update', 3], ['generate', 3]);
        if (idle.length > 0 && live.length > 1) choices.push(['remove', 1]);
        if (choices.length === 0) return false;
        const kind = random.weighted(choices);
        if (kind === 'create' || kind === 'import') {
          const n = nextWallet++;
          const name = freshName();
          const passphrase = newPassphrase(random);
          const version = random.int(1, 2);
          const placeholder = { n, name, busy: true };
          // Reserve the slot so that the cap on live wallets counts requests in flight too.
          model.set(`pending-${n}`, placeholder);
          const forget = () => model.delete(`pending-${n}`);
          const adopt = (keys) => model.set(n, { n, name, passphrase, keys, version: kind === 'import' ? version : undefined, busy: false });
          if (kind === 'create') {
            launch(
              'admin.create_wallet',
              { wallet: name, passphrase },
              null,
              (result) => {
                forget();
                adopt([result.key.publicKey]);
              },
              (db) => {
                forget();
                const row = db.wallets.get(name);
                if (row) adopt([...row.keys]);
                return `create ${row ? 'applied' : 'not applied'}`;
              },
              forget,
            );
          } else {
            launch(
              'admin.import_wallet',
              { wallet: name, passphrase, recoveryPhrase: SEED_PHRASE, version },
              null,
              (result) => {
                forget();
                if (result.key.publicKey !== SEED_FIRST_KEY[version]) violation(`import_wallet ${name} answered key ${result.key.publicKey}`);
                adopt([result.key.publicKey]);
              },
              (db) => {
                forget();
                const row = db.wallets.get(name);
                if (row) adopt([...row.keys]);
                return `import ${row ? 'applied' : 'not applied'}`;
              },
              forget,
            );
          }
          return true;
        }
        const wallet = random.pick(idle);
        if (kind === 'rename') {
          const to = freshName();
          const from = wallet.name;
          launch('admin.rename_wallet', { wallet: from, newName: to }, wallet, () => (wallet.name = to), (db) => {
            const atFrom = db.wallets.has(from);
            const atTo = db.wallets.has(to);
            if (atFrom === atTo) {
              violation(`rename ${from} -> ${to} was in flight; afterwards ${atFrom ? 'both names' : 'neither name'} exist`);
              return 'rename broken';
            }
            if (atTo) wallet.name = to;
            return `rename ${atTo ? 'applied' : 'not applied'}`;
          });
        } else if (kind === 'remove') {
          launch('admin.remove_wallet', { wallet: wallet.name }, wallet, () => model.delete(wallet.n), (db) => {
            if (db.wallets.has(wallet.name)) return 'remove not applied';
            model.delete(wallet.n);
            return 'remove applied';
          });
        } else if (kind === 'update') {
          const next = newPassphrase(random);
          launch(
            'admin.update_passphrase',
            { wallet: wallet.name, passphrase: wallet.passphrase, newPassphrase: next },
            wallet,
            () => (wallet.passphrase = next),
            // Settled by trying both passphrases on the restarted gateway.
            () => {
              wallet.pendingUpdate = next;
              return null;
            },
          );
        } else {
          const known = wallet.keys.length;
          launch('admin.generate_key', { wallet: wallet.name, passphrase: wallet.passphrase }, wallet, (result) => {
            if (result.index !== known + 1) violation(`generate_key on ${wallet.name} answered index ${result.index}, expected ${known + 1}`);
            wallet.keys.push(result.publicKey);
          }, (db) => {
            const row = db.wallets.get(wallet.name);
            if (row && row.keys.length === known + 1) {
              wallet.keys.push(row.keys[known]);
              return 'generate_key applied';
            }
            return 'generate_key not applied';
          });
        }
        return true;
      };

      // Drive until the kill: keep `inFlight` requests running.
      while (!killed) {
        while (!killed && running.size < inFlight) {
          if (random.next() < batchRate) {
            batch = [];
            startOne();
            startOne();
            const ops = batch;
            batch = null;
            if (ops.length === 0) break;
            send(ops);
          } else if (!startOne()) break;
        }
        await Promise.race([kill, ...running]);
      }
      const how = await gateway.exited;
      stats.kills++;
      if (how.signal !== 'SIGKILL') violation(`the gateway ended with ${JSON.stringify(how)} instead of being killed`);
      // Every request now has its answer or its transport error.
      await Promise.allSettled([...running]);
      await unexpectedExit;
      const deathStderr = gateway.stderr();

      // The file, with the gateway dead: SQLite's checks and the shape of the wallets.
      let db;
      try {
        db = inspectDatabase(dbPath);
      } catch (error) {
        violation(`the database does not open read-only after the kill: ${error.message}`);
        break;
      }
      if (db.integrity !== 'ok') violation(`integrity_check says ${JSON.stringify(db.integrity)}`);
      if (db.foreignKeys.length > 0) violation(`foreign_key_check lists ${JSON.stringify(db.foreignKeys)}`);
      if (db.orphanKeys !== 0) violation(`${db.orphanKeys} key rows belong to no wallet`);
      for (const [name, row] of db.wallets) {
        if (row.indexes.length === 0 || row.indexes[0] !== 1) violation(`wallet ${name} has no first key (indexes ${JSON.stringify(row.indexes)})`);
        if (row.indexes.some((index, i) => index !== i + 1)) violation(`the key indexes of ${name} are not contiguous from 1: ${JSON.stringify(row.indexes)}`);
      }
      // What the unanswered requests turned out to have done.
      const outcomes = maybe
        .splice(0)
        .map((settle) => settle(db))
        .filter((outcome) => outcome !== null);

      // The model against the file: the same names, the same keys, the same wallet identities.
      const expected = [...model.values()].filter((w) => w.passphrase !== undefined);
      const leftovers = [...model.keys()].filter((k) => typeof k === 'string');
      if (leftovers.length > 0) violation(`internal: reserved slots were left over: ${leftovers.join(', ')}`);
      const names = new Set(expected.map((w) => w.name));
      for (const name of db.wallets.keys()) if (!names.has(name)) violation(`wallet ${name} is in the database but was never confirmed nor in flight`);
      for (const wallet of expected) {
        const row = db.wallets.get(wallet.name);
        if (!row) {
          violation(`wallet ${wallet.name} (confirmed) is missing from the database`);
          model.delete(wallet.n);
          continue;
        }
        if (wallet.walletId === undefined) wallet.walletId = row.walletId;
        if (row.walletId !== wallet.walletId) violation(`wallet ${wallet.name} has wallet ID ${row.walletId}, expected ${wallet.walletId}`);
        if (wallet.version !== undefined) {
          if (row.walletId !== SEED_WALLET_ID) violation(`imported wallet ${wallet.name} has wallet ID ${row.walletId}`);
          if (row.keys[0] !== SEED_FIRST_KEY[wallet.version]) violation(`imported wallet ${wallet.name} has first key ${row.keys[0]}`);
        }
        if (JSON.stringify(row.keys) !== JSON.stringify(wallet.keys)) {
          violation(`wallet ${wallet.name} has keys ${JSON.stringify(row.keys)}, the confirmed ones are ${JSON.stringify(wallet.keys)}`);
          wallet.keys = [...row.keys];
        }
      }

      // The restarted gateway: it starts, lists the same wallets, and each one decrypts with its passphrase.
      gateway = await startServe(dataDir);
      const checker = rpcClient(gateway.operatorUrl, gateway.token);
      const listed = await checker.call('admin.list_wallets');
      const want = [...names].sort();
      if (JSON.stringify(listed.result?.wallets) !== JSON.stringify(want)) {
        violation(`list_wallets says ${JSON.stringify(listed.result?.wallets ?? listed.error)}, expected ${JSON.stringify(want)}`);
      }
      await Promise.all(
        expected
          .filter((w) => model.get(w.n) === w)
          .map(async (wallet) => {
            const describe = (passphrase) => checker.call('admin.describe_wallet', { wallet: wallet.name, passphrase });
            const pending = wallet.pendingUpdate;
            const candidates = pending ? [pending, wallet.passphrase] : [wallet.passphrase];
            delete wallet.pendingUpdate;
            for (const passphrase of candidates) {
              const answer = await describe(passphrase);
              stats.decryptions++;
              if (answer.result) {
                if (pending) outcomes.push(`update_passphrase ${passphrase === pending ? 'applied' : 'not applied'}`);
                wallet.passphrase = passphrase;
                if (answer.result.keyCount !== wallet.keys.length) {
                  violation(`describe_wallet ${wallet.name} counts ${answer.result.keyCount} keys, expected ${wallet.keys.length}`);
                }
                if (answer.result.ID !== wallet.walletId) violation(`describe_wallet ${wallet.name} gives ID ${answer.result.ID}`);
                return;
              }
              if (answer.error?.data?.reason !== 'wrong_passphrase') {
                violation(`describe_wallet ${wallet.name} failed: ${JSON.stringify(answer.error)}`);
                return;
              }
            }
            violation(
              `wallet ${wallet.name} decrypts with none of ${candidates.length === 2 ? 'the old and the new passphrase' : 'its confirmed passphrase'}`,
            );
          }),
      );

      stats.rounds = round;
      stats.appliedUnanswered += outcomes.filter((o) => / applied$/.test(o) && !/not applied$/.test(o)).length;
      const unknownNow = stats.unknown - beforeUnknown;
      log(
        `round ${round}/${rounds}: killed ${when}; ${stats.confirmed - before} confirmed, ${unknownNow} in flight at the kill` +
          (outcomes.length ? ` (${outcomes.join(', ')})` : '') +
          `; ${names.size} wallets; ${Date.now() - started} ms`,
      );
      if (violations.length > 0 && options.stopOnViolation !== false) {
        log(`gateway stderr before the kill (tail):\n${deathStderr.slice(-3000)}`);
        break;
      }
    }
  } finally {
    // The last gateway (verified, not killed) stops the ordinary way.
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) {
      gateway.child.kill('SIGTERM');
      const end = await Promise.race([gateway.exited, new Promise((r) => setTimeout(() => r(null), 10_000).unref())]);
      if (end === null) {
        violation('the last gateway ignored SIGTERM for 10 s');
        gateway.child.kill('SIGKILL');
        await gateway.exited;
      } else if (end.code !== 0) {
        violation(`the last gateway exited with ${JSON.stringify(end)} after SIGTERM`);
      }
    }
  }
  return { ...stats, violations, wallets: [...model.values()].filter((w) => w.passphrase !== undefined).length };
}
