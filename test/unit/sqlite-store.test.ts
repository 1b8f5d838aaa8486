/**
 * SqliteStore on real database files in a temporary directory: file
 * permissions, pragmas, migrations, and the atomicity of wallet writes.
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreIntegrityError, WalletAlreadyExistsError } from '../../src/domain/errors.js';
import type { KeyRecord, WalletRecord } from '../../src/store/store.js';
import { migrations } from '../../src/store/sqlite/migrations.js';
import { OTHER_WRITERS_CHECK_MS } from '../../src/store/sqlite/read-cache.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'wallet-gateway-store-'));
let counter = 0;
const dbPath = () => join(root, `store-${++counter}.db`);

const open: SqliteStore[] = [];
function openStore(path = dbPath()): SqliteStore {
  const store = SqliteStore.open(path);
  open.push(store);
  return store;
}

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function walletRecord(name: string, id = name): WalletRecord {
  return {
    name,
    walletId: Buffer.from(id.padEnd(32, '.')).toString('hex').slice(0, 64),
    keyDerivationVersion: 2,
    kdf: { algorithm: 'scrypt', N: 16, r: 8, p: 1, salt: 'c2FsdHNhbHRzYWx0c2FsdA==' },
    secret: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]),
    createdAt: '2025-01-02T03:04:05.000Z',
  };
}

function keyRecord(index: number, tag = 'k'): KeyRecord {
  return {
    index,
    publicKey: `${tag}${index}`.padStart(64, '0'),
    name: `${tag} key ${index}`,
    metadata: [{ key: 'purpose', value: `testing ${index}` }],
    tainted: index % 2 === 0,
  };
}

const count = (store: SqliteStore, table: 'wallets' | 'keys'): number =>
  store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('SqliteStore.open', () => {
  it('creates the database file readable and writable by its owner only', () => {
    const path = dbPath();
    openStore(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('runs in WAL mode with foreign keys enforced', () => {
    const store = openStore();
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('records each migration once and does not apply it again on re-open', async () => {
    const path = dbPath();
    const first = SqliteStore.open(path);
    const recorded = first.db.prepare('SELECT version, description, applied_at FROM schema_migrations ORDER BY version').all() as {
      version: number;
      description: string;
      applied_at: string;
    }[];
    expect(recorded.map(({ version, description }) => ({ version, description }))).toEqual(
      migrations.map(({ version, description }) => ({ version, description })),
    );
    expect(first.schemaVersion).toBe(Math.max(...migrations.map((m) => m.version)));
    await first.wallets.insertWallet(walletRecord('kept'), [keyRecord(1)]);
    await first.close();

    // A migration applied twice would fail on CREATE TABLE, or add rows here.
    const again = openStore(path);
    expect(again.db.prepare('SELECT version, description, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(recorded);
    expect(await again.wallets.listWalletNames()).toEqual(['kept']);
  });

  it('refuses a database made by a newer gateway, naming both schema versions, and lets go of the file', async () => {
    const path = dbPath();
    const known = Math.max(...migrations.map((m) => m.version));
    const newer = known + 41;
    await SqliteStore.open(path).close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(newer, 'from the future', new Date().toISOString());
    raw.close();

    let caught: unknown;
    try {
      open.push(SqliteStore.open(path));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreIntegrityError);
    expect((caught as Error).message).toContain(String(newer));
    expect((caught as Error).message).toContain(`(${known})`);

    // The refused database must not stay open in this process (Linux shows open files in /proc).
    if (process.platform === 'linux') {
      const held = readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(join('/proc/self/fd', fd)) === path;
        } catch {
          return false;
        }
      });
      expect(held).toEqual([]);
    }
  });
});

describe('SqliteStore wallets', () => {
  it('stores a wallet and its keys and reads them back unchanged', async () => {
    const store = openStore();
    const wallet = walletRecord('alice');
    const keys = [keyRecord(2), keyRecord(1)];
    await store.wallets.insertWallet(wallet, keys);

    expect(await store.wallets.walletExists('alice')).toBe(true);
    expect(await store.wallets.walletExists('ALICE')).toBe(false);
    expect(await store.wallets.findWallet('alice')).toEqual(wallet);
    expect(await store.wallets.findWallet('nobody')).toBeUndefined();
    // Keys come back in index order.
    expect(await store.wallets.listKeys('alice')).toEqual([keyRecord(1), keyRecord(2)]);
    expect(await store.wallets.listKeys('nobody')).toEqual([]);
  });

  it('refuses a taken name with WalletAlreadyExistsError and writes nothing of the second wallet', async () => {
    const store = openStore();
    const original = walletRecord('alice', 'first');
    await store.wallets.insertWallet(original, [keyRecord(1)]);
    const keysBefore = count(store, 'keys');

    await expect(store.wallets.insertWallet(walletRecord('alice', 'second'), [keyRecord(1, 'x'), keyRecord(2, 'x')])).rejects.toBeInstanceOf(
      WalletAlreadyExistsError,
    );
    expect(count(store, 'keys')).toBe(keysBefore);
    expect(count(store, 'wallets')).toBe(1);
    expect(await store.wallets.findWallet('alice')).toEqual(original);
    expect(await store.wallets.listKeys('alice')).toEqual([keyRecord(1)]);
  });

  it('leaves no wallet row behind when one of its keys cannot be stored', async () => {
    const store = openStore();
    // Two keys with the same index break the keys table's primary key after the wallet row went in.
    const failure = store.wallets.insertWallet(walletRecord('bob'), [keyRecord(1), keyRecord(1, 'dup')]);
    // The code, not toThrow(): jest does not always see better-sqlite3's errors as Errors across its VM realms.
    await expect(failure).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    await expect(failure).rejects.not.toBeInstanceOf(WalletAlreadyExistsError);

    expect(await store.wallets.walletExists('bob')).toBe(false);
    expect(count(store, 'wallets')).toBe(0);
    expect(count(store, 'keys')).toBe(0);

    // The name is still free.
    await store.wallets.insertWallet(walletRecord('bob'), [keyRecord(1)]);
    expect(await store.wallets.listKeys('bob')).toEqual([keyRecord(1)]);
  });

  it('deletes the wallet and its keys, and only those', async () => {
    const store = openStore();
    await store.wallets.insertWallet(walletRecord('gone'), [keyRecord(1), keyRecord(2), keyRecord(3)]);
    await store.wallets.insertWallet(walletRecord('stays'), [keyRecord(1, 's')]);
    expect(count(store, 'keys')).toBe(4);

    expect(await store.wallets.removeWallet('gone')).toBe(true);
    expect(count(store, 'keys')).toBe(1);
    expect(store.db.prepare('SELECT public_key FROM keys').pluck().all()).toEqual([keyRecord(1, 's').publicKey]);
    expect(await store.wallets.findWallet('gone')).toBeUndefined();
    expect(await store.wallets.listWalletNames()).toEqual(['stays']);

    expect(await store.wallets.removeWallet('gone')).toBe(false);
    expect(await store.wallets.removeWallet('never-was')).toBe(false);
  });

  it('lists names in code-point order, not by locale or case', async () => {
    const store = openStore();
    // U+FFFD sorts before U+1F600 by code point; UTF-16 code units would put the emoji (0xD83D...) first.
    for (const name of ['b', 'a', 'B', 'é', 'z', '😀', '\uFFFD']) await store.wallets.insertWallet(walletRecord(name), [keyRecord(1)]);
    expect(await store.wallets.listWalletNames()).toEqual(['B', 'a', 'b', 'z', 'é', '\uFFFD', '😀']);
  });

  it('pages names in the same code-point order, with `after` as an exclusive bound that need not exist', async () => {
    const store = openStore();
    for (const name of ['b', 'a', 'B', 'é', 'z', '😀', '\uFFFD']) await store.wallets.insertWallet(walletRecord(name), [keyRecord(1)]);
    const page = (after: string | undefined, limit?: number) => store.wallets.listWalletNames(after, limit);
    expect(await page(undefined, 3)).toEqual(['B', 'a', 'b']);
    expect(await page('b', 3)).toEqual(['z', 'é', '\uFFFD']);
    expect(await page('\uFFFD', 3)).toEqual(['😀']);
    expect(await page('😀', 3)).toEqual([]);
    // Bounds that are no wallet's name: between two names, before the first, after the last.
    expect(await page('aa', 2)).toEqual(['b', 'z']);
    expect(await page('A', 1)).toEqual(['B']);
    expect(await page('\u{10FFFF}', 5)).toEqual([]);
    // Without a limit: every name after the bound, or all of them.
    expect(await page('z')).toEqual(['é', '\uFFFD', '😀']);
    expect(await page(undefined)).toEqual(await store.wallets.listWalletNames());
  });

  it('reads a page by seeking the name index: no table scan, no sort', () => {
    const store = openStore();
    const statements = (store.wallets as unknown as { statements: Record<string, { source: string }> }).statements;
    const plan = (name: string, ...args: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${statements[name]?.source}`).all(...args) as { detail: string }[]).map((row) => row.detail);
    const after = plan('listNamesAfter', 'm', 10);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^SEARCH wallets USING COVERING INDEX sqlite_autoindex_wallets_1 \(name>\?\)$/);
    const first = plan('listNamesFirst', 10);
    expect(first).toEqual(['SCAN wallets USING COVERING INDEX sqlite_autoindex_wallets_1']);
    for (const detail of [...after, ...first]) expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('passes SQLite integrity and foreign key checks after inserts, a failed insert and a removal', async () => {
    const path = dbPath();
    const store = openStore(path);
    await store.wallets.insertWallet(walletRecord('one'), [keyRecord(1), keyRecord(2)]);
    await store.wallets.insertWallet(walletRecord('two'), [keyRecord(1)]);
    await expect(store.wallets.insertWallet(walletRecord('one'), [keyRecord(1)])).rejects.toBeInstanceOf(WalletAlreadyExistsError);
    await expect(store.wallets.insertWallet(walletRecord('three'), [keyRecord(4), keyRecord(4)])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    await store.wallets.removeWallet('one');

    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    await store.close();

    // And what was committed is what a fresh connection sees.
    const reopened = openStore(path);
    expect(await reopened.wallets.listWalletNames()).toEqual(['two']);
    expect(count(reopened, 'keys')).toBe(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('SqliteStore cached reads', () => {
  const connection = (wallet: string, tokenHash: string) => ({
    wallet,
    hostname: 'app.example',
    tokenHash,
    connectedAt: '2025-01-02T03:04:05.000Z',
    lastUsedAt: '2025-01-02T03:04:05.000Z',
  });

  it('see every write of the same store at once, also writes that failed and writes made inside transactions', async () => {
    const store = openStore();
    await store.wallets.insertWallet(walletRecord('w'), [keyRecord(1), keyRecord(3)]);
    const hash = 'a'.repeat(64);
    await store.sessions.replaceConnection(connection('w', hash));
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([keyRecord(1).publicKey, keyRecord(3).publicKey]);
    expect((await store.wallets.findKey('w', keyRecord(1).publicKey))?.tainted).toBe(false);
    expect((await store.sessions.findConnectionWithPermissions(hash))?.permissions).toBeUndefined();

    await store.wallets.updateKey('w', keyRecord(1).publicKey, { tainted: true });
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([keyRecord(3).publicKey]);
    expect((await store.wallets.findKey('w', keyRecord(1).publicKey))?.tainted).toBe(true);

    await store.sessions.setPermissions({ wallet: 'w', hostname: 'app.example', publicKeys: 'read', keys: [keyRecord(3).publicKey] });
    expect((await store.sessions.findConnectionWithPermissions(hash))?.permissions).toEqual({
      wallet: 'w',
      hostname: 'app.example',
      publicKeys: 'read',
      keys: [keyRecord(3).publicKey],
    });

    await store.wallets.insertNextKey('w', (index) => ({ ...keyRecord(index), tainted: false }));
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([keyRecord(3).publicKey, keyRecord(4).publicKey]);

    await store.sessions.deleteConnectionByToken(hash);
    expect(await store.sessions.findConnectionWithPermissions(hash)).toBeUndefined();
    await store.wallets.renameWallet('w', 'v');
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([]);
    expect(await store.wallets.findKey('w', keyRecord(3).publicKey)).toBeUndefined();
  });

  it('keep misses too, until a write: an unknown token costs one query, and one inserted later is found at once', async () => {
    const store = openStore();
    await store.wallets.insertWallet(walletRecord('w'), [keyRecord(1)]);
    // Counts the queries behind findApiToken (a private prepared statement of the session store).
    const statements = (store.sessions as unknown as { s: Record<string, { get: (...args: unknown[]) => unknown }> }).s;
    const query = statements.findApiToken!;
    const get = query.get.bind(query);
    let queries = 0;
    query.get = (...args: unknown[]) => {
      queries += 1;
      return get(...args);
    };
    const hash = 'd'.repeat(64);
    expect(await store.sessions.findApiToken(hash)).toBeUndefined();
    expect(await store.sessions.findApiToken(hash)).toBeUndefined();
    expect(queries).toBe(1);

    await store.sessions.insertApiToken({ id: '0123456789abcdef', wallet: 'w', description: 'bot', tokenHash: hash, keys: null, createdAt: '2025-01-02T03:04:05.000Z', expiresAt: null, lastUsedAt: null });
    expect(await store.sessions.findApiToken(hash)).toMatchObject({ id: '0123456789abcdef' });
    expect(queries).toBe(2);
  });

  it('outlive commits to tables they do not read: the audit log, written by its own thread', async () => {
    const store = openStore();
    await store.wallets.insertWallet(walletRecord('w'), [keyRecord(1)]);
    const before = await store.wallets.listUntaintedPublicKeys('w');
    expect(await store.wallets.listUntaintedPublicKeys('w')).toBe(before);
    for (let i = 0; i < 3; i++) {
      await store.audit.appendAuditEvent({ at: new Date().toISOString(), reviewId: `r${i}`, kind: 'transaction', hostname: 'app.example', wallet: 'w', outcome: 'approved', decidedBy: 'policy', details: {} });
    }
    await new Promise((resolve) => setTimeout(resolve, OTHER_WRITERS_CHECK_MS + 10));
    // The same array: not read again.
    expect(await store.wallets.listUntaintedPublicKeys('w')).toBe(before);
  });

  it('see what another connection to the same file committed, within OTHER_WRITERS_CHECK_MS', async () => {
    const path = dbPath();
    const store = openStore(path);
    const other = openStore(path);
    await store.wallets.insertWallet(walletRecord('w'), [keyRecord(1)]);
    const hash = 'b'.repeat(64);
    await store.sessions.replaceConnection(connection('w', hash));
    const token = { id: '0123456789abcdef', wallet: 'w', description: 'bot', tokenHash: 'c'.repeat(64), keys: null, createdAt: '2025-01-02T03:04:05.000Z', expiresAt: null, lastUsedAt: null };
    await store.sessions.insertApiToken(token);
    expect(await store.sessions.findConnectionWithPermissions(hash)).toBeDefined();
    expect(await store.sessions.findApiToken(token.tokenHash)).toMatchObject({ id: token.id });
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([keyRecord(1).publicKey]);
    const later = { ...token, id: 'fedcba9876543210', tokenHash: 'e'.repeat(64) };
    expect(await store.sessions.findApiToken(later.tokenHash)).toBeUndefined();

    // The other process revokes the connection and the token and taints the key: no stale answer
    // once the watch has looked again.
    await other.sessions.deleteConnection('w', 'app.example');
    await other.sessions.deleteApiToken(token.id);
    await other.wallets.updateKey('w', keyRecord(1).publicKey, { tainted: true });
    // ...and creates a token this store has already been asked about (and kept as a miss).
    await other.sessions.insertApiToken(later);
    await new Promise((resolve) => setTimeout(resolve, OTHER_WRITERS_CHECK_MS + 10));
    expect(await store.sessions.findConnectionWithPermissions(hash)).toBeUndefined();
    expect(await store.sessions.findApiToken(token.tokenHash)).toBeUndefined();
    expect(await store.sessions.findApiToken(later.tokenHash)).toMatchObject({ id: later.id });
    expect(await store.wallets.listUntaintedPublicKeys('w')).toEqual([]);
  });
});

describe('SqliteStore audit log', () => {
  type AuditEventInput = Parameters<SqliteStore['audit']['appendAuditEvent']>[0];
  const auditEvent = (n: number): AuditEventInput => ({
    at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5) + n).toISOString(),
    reviewId: `review-${n}`,
    kind: 'transaction',
    hostname: 'bot.example',
    wallet: 'w',
    outcome: 'approved',
    decidedBy: 'policy rule 1',
    details: { n, note: 'ünïcode ✓' },
  });
  const everything = { limit: 100_000 };
  /** The writer thread, reached through a private field (to end it as a crash would). */
  const writerThread = (store: SqliteStore) => (store.audit as unknown as { worker: { terminate(): Promise<number> } | null }).worker;
  /** Silences, and counts, the warning a store gives when its writer thread is gone. */
  async function silenceWarnings() {
    const { jest } = await import('@jest/globals');
    return jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
  }

  it('answers many concurrent appends with distinct ids in append order, and lists them all', async () => {
    const store = openStore();
    const records = await Promise.all(Array.from({ length: 300 }, (_, i) => store.audit.appendAuditEvent(auditEvent(i))));
    // Appends of later turns, while a batch is on the writer thread, form the next batches.
    for (let turn = 0; turn < 5; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      records.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.appendAuditEvent(auditEvent(1000 + turn * 20 + i))))));
    }
    expect(store.audit.writesOn).toBe('thread');
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(records[0]).toEqual({ id: ids[0], ...auditEvent(0) });

    const listed = await store.audit.listAuditEvents(everything);
    expect(listed).toEqual([...records].reverse());
  });

  it('lists an event appended just before, also while another batch is being written', async () => {
    const store = openStore();
    const first = store.audit.appendAuditEvent(auditEvent(1));
    expect(await store.audit.listAuditEvents(everything)).toEqual([await first]);

    const a = store.audit.appendAuditEvent(auditEvent(2));
    await new Promise((resolve) => setImmediate(resolve)); // a's batch is now on the writer thread
    const b = store.audit.appendAuditEvent(auditEvent(3));
    const listed = await store.audit.listAuditEvents(everything);
    expect(listed).toEqual([await b, await a, await first]);
  });

  it('writes on close() what was appended just before, and stops the writer thread', async () => {
    const path = dbPath();
    const store = SqliteStore.open(path);
    const first = await store.audit.appendAuditEvent(auditEvent(0)); // the writer thread is running
    const pending = Array.from({ length: 50 }, (_, i) => store.audit.appendAuditEvent(auditEvent(i + 1)));
    await store.close();
    expect(writerThread(store)).toBeNull();
    const records = [first, ...(await Promise.all(pending))];
    await expect(store.audit.appendAuditEvent(auditEvent(99))).rejects.toThrow();

    // Also a store closed before its thread was ever needed.
    const second = SqliteStore.open(path);
    const late = second.audit.appendAuditEvent(auditEvent(51));
    await second.close();
    records.push(await late);

    const again = openStore(path);
    expect(await again.audit.listAuditEvents(everything)).toEqual([...records].reverse());
  });

  it('refuses a bad event alone: the others of its batch are stored', async () => {
    const store = openStore();
    const outcomes = await Promise.allSettled([
      store.audit.appendAuditEvent(auditEvent(1)),
      // The schema holds every column NOT NULL (but wallet), in a STRICT table.
      store.audit.appendAuditEvent({ ...auditEvent(2), hostname: null as unknown as string }),
      store.audit.appendAuditEvent(auditEvent(3)),
      // Details JSON cannot hold.
      store.audit.appendAuditEvent({ ...auditEvent(4), details: { amount: 10n } }),
      store.audit.appendAuditEvent(auditEvent(5)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    const notNull = (outcomes[1] as PromiseRejectedResult).reason;
    expect(notNull).toBeInstanceOf(Error);
    expect(notNull).toMatchObject({ code: 'SQLITE_CONSTRAINT_NOTNULL' });
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);

    expect((await store.audit.listAuditEvents(everything)).map((e) => e.reviewId)).toEqual(['review-5', 'review-3', 'review-1']);
    // The writer thread carries on.
    expect(store.audit.writesOn).toBe('thread');
    expect(writerThread(store)).not.toBeNull();
    await expect(store.audit.appendAuditEvent(auditEvent(6))).resolves.toMatchObject({ reviewId: 'review-6' });
  });

  it('keeps the event loop free while events are written: timers keep firing and the main connection writes nothing', async () => {
    const store = openStore();
    const changesOnMain = () => store.db.prepare('SELECT total_changes()').pluck().get() as number;
    await store.audit.appendAuditEvent(auditEvent(0));
    const before = changesOnMain();

    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      ticks += 1;
    }, 1);
    // Four callers appending one event after another: many small batches, each its own commit (an fsync).
    const started = performance.now();
    let n = 0;
    try {
      await Promise.all(
        [0, 1, 2, 3].map(async () => {
          for (let i = 0; i < 40 || performance.now() - started < 50; i++) await store.audit.appendAuditEvent(auditEvent(++n));
        }),
      );
    } finally {
      clearInterval(timer);
    }
    // Deterministic: the main connection inserted nothing, and the loop turned (a 1 ms timer over 50 ms).
    expect(changesOnMain()).toBe(before);
    expect(ticks).toBeGreaterThan(0);
    expect(longestGap).toBeGreaterThan(0);
    expect(await store.audit.listAuditEvents(everything)).toHaveLength(n + 1);
  });

  it('writes on the main connection when the writer thread dies with a batch in flight: each event once, none lost', async () => {
    const warn = await silenceWarnings();
    try {
      const store = openStore();
      const first = await store.audit.appendAuditEvent(auditEvent(0));
      const thread = writerThread(store)!;
      const pending = Array.from({ length: 200 }, (_, i) => store.audit.appendAuditEvent(auditEvent(i + 1)));
      await new Promise((resolve) => setImmediate(resolve)); // the batch is on the thread
      await thread.terminate();
      const records = await Promise.all(pending);
      const later = await store.audit.appendAuditEvent(auditEvent(500));
      expect(store.audit.writesOn).toBe('main');

      const ids = [first, ...records, later].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const listed = await store.audit.listAuditEvents(everything);
      expect(listed.map((e) => e.id)).toEqual([...ids].reverse());
      expect(listed.map((e) => e.reviewId)).toEqual([first, ...records, later].map((r) => r.reviewId).reverse());
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('writes on the main connection when the writer thread cannot open the file', async () => {
    const warn = await silenceWarnings();
    try {
      const path = dbPath();
      const store = openStore(path);
      rmSync(path); // the open connection keeps the data; a new one finds no file
      const records = await Promise.all(Array.from({ length: 10 }, (_, i) => store.audit.appendAuditEvent(auditEvent(i))));
      expect(store.audit.writesOn).toBe('main');
      expect((await store.audit.listAuditEvents(everything)).map((e) => e.id)).toEqual(records.map((r) => r.id).reverse());
      expect(warn).toHaveBeenCalledTimes(1);
      // Names the failure, not the path.
      expect(String(warn.mock.calls[0]?.[0])).not.toContain(path);
    } finally {
      warn.mockRestore();
    }
  });

  it('writes on the main connection of an in-memory database, which no other connection can share', async () => {
    const { SqliteAuditStore } = await import('../../src/store/sqlite/sqlite-sessions.js');
    const { migrate } = await import('../../src/store/sqlite/sqlite-store.js');
    const db = new Database(':memory:');
    try {
      migrate(db);
      const audit = new SqliteAuditStore(db, { file: ':memory:' });
      expect(audit.writesOn).toBe('main');
      const records = await Promise.all([1, 2, 3].map((n) => audit.appendAuditEvent(auditEvent(n))));
      expect(await audit.listAuditEvents(everything)).toEqual([...records].reverse());
      await audit.close();
    } finally {
      db.close();
    }
  });

  it('lets a process that never closes its store exit once the events it appended are on disk (needs dist/)', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync, writeFileSync } = await import('node:fs');
    const { fileURLToPath, pathToFileURL } = await import('node:url');
    const rootDir = fileURLToPath(new URL('../../', import.meta.url));
    const built = join(rootDir, 'dist', 'src', 'store', 'sqlite', 'sqlite-store.js');
    if (!existsSync(join(rootDir, 'dist', 'src', 'store', 'sqlite', 'audit-writer.js'))) {
      throw new Error('dist/ is missing or stale (no dist/src/store/sqlite/audit-writer.js): run `npx tsc -p tsconfig.build.json` (npm test does it) before this file');
    }
    const path = dbPath();
    const script = join(root, `never-closes-${counter}.mjs`);
    writeFileSync(
      script,
      `import { SqliteStore } from ${JSON.stringify(pathToFileURL(built).href)};
      const store = SqliteStore.open(${JSON.stringify(path)});
      const event = (n) => (${JSON.stringify(auditEvent(0))});
      await Promise.all(Array.from({ length: 10 }, (_, n) => store.audit.appendAuditEvent(event(n))));
      console.log('answered');
      // Not awaited: the process must not end before these are committed and answered.
      for (let n = 0; n < 10; n++) store.audit.appendAuditEvent(event(n)).then((r) => console.log('late ' + r.id));
      `,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // A generous bound that only catches a process kept alive for good.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(guard);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout.match(/late \d+/g)).toHaveLength(10);
    const again = openStore(path);
    expect(await again.audit.listAuditEvents(everything)).toHaveLength(20);
  }, 30_000);
});
