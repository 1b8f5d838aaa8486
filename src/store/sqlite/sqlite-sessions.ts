import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { AccessMode, Policy } from '../../../generated/types.js';
import type {
  ApiTokenRecord,
  AuditEventRecord,
  AuditFilter,
  AuditStore,
  ConnectionRecord,
  PermissionRecord,
  PolicyStore,
  SessionStore,
} from '../store.js';
import { ChangeWatch, ReadCache } from './read-cache.js';

const WALLET_ID = '(SELECT id FROM wallets WHERE name = @wallet)';

interface ConnectionRow {
  wallet: string;
  hostname: string;
  token_hash: string;
  connected_at: string;
  last_used_at: string;
}
const toConnection = (r: ConnectionRow): ConnectionRecord => ({
  wallet: r.wallet,
  hostname: r.hostname,
  tokenHash: r.token_hash,
  connectedAt: r.connected_at,
  lastUsedAt: r.last_used_at,
});

interface PermissionRow {
  wallet: string;
  hostname: string;
  public_keys: AccessMode;
  keys: string | null;
}
/** A stored key restriction (JSON text), frozen: the read caches hand the same record to every caller. */
const parseKeys = (text: string): readonly string[] => Object.freeze(JSON.parse(text) as string[]);

const toPermission = (r: PermissionRow): PermissionRecord => ({
  wallet: r.wallet,
  hostname: r.hostname,
  publicKeys: r.public_keys,
  keys: r.keys === null ? null : parseKeys(r.keys),
});

interface ApiTokenRow {
  id: string;
  wallet: string;
  description: string;
  token_hash: string;
  keys: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}
const toApiToken = (r: ApiTokenRow): ApiTokenRecord => ({
  id: r.id,
  wallet: r.wallet,
  description: r.description,
  tokenHash: r.token_hash,
  keys: r.keys === null ? null : parseKeys(r.keys),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

type ConnectionWithPermissions = { connection: ConnectionRecord; permissions: PermissionRecord | undefined };

export class SqliteSessionStore implements SessionStore {
  private readonly s;
  /** Every session method resolves its token: these reads are kept until the database changes. */
  private readonly connections: ReadCache<ConnectionWithPermissions>;
  private readonly apiTokens: ReadCache<ApiTokenRecord>;

  constructor(
    private readonly db: Database.Database,
    watch: ChangeWatch,
  ) {
    this.connections = new ReadCache(watch);
    this.apiTokens = new ReadCache(watch);
    const connectionColumns = 'w.name AS wallet, c.hostname, c.token_hash, c.connected_at, c.last_used_at FROM connections c JOIN wallets w ON w.id = c.wallet';
    const tokenColumns = 'w.name AS wallet, t.id, t.description, t.token_hash, t.keys, t.created_at, t.expires_at, t.last_used_at FROM api_tokens t JOIN wallets w ON w.id = t.wallet';
    this.s = {
      deleteConnectionOf: db.prepare(`DELETE FROM connections WHERE wallet = ${WALLET_ID} AND hostname = @hostname`),
      insertConnection: db.prepare(
        `INSERT INTO connections (token_hash, wallet, hostname, connected_at, last_used_at) VALUES (@tokenHash, ${WALLET_ID}, @hostname, @connectedAt, @lastUsedAt)`,
      ),
      findConnection: db.prepare(`SELECT ${connectionColumns} WHERE c.token_hash = ?`),
      findConnectionWithPermissions: db.prepare(
        `SELECT w.name AS wallet, c.hostname, c.token_hash, c.connected_at, c.last_used_at, p.public_keys, p.keys
         FROM connections c JOIN wallets w ON w.id = c.wallet LEFT JOIN permissions p ON p.wallet = c.wallet AND p.hostname = c.hostname
         WHERE c.token_hash = ?`,
      ),
      touchConnection: db.prepare('UPDATE connections SET last_used_at = ? WHERE token_hash = ?'),
      deleteConnectionByToken: db.prepare('DELETE FROM connections WHERE token_hash = ?'),
      deleteIdle: db.prepare('DELETE FROM connections WHERE last_used_at < ?'),
      listConnections: db.prepare(`SELECT ${connectionColumns} ORDER BY w.name, c.hostname`),
      findPermissions: db.prepare(
        'SELECT w.name AS wallet, p.hostname, p.public_keys, p.keys FROM permissions p JOIN wallets w ON w.id = p.wallet WHERE w.name = ? AND p.hostname = ?',
      ),
      setPermissions: db.prepare(
        `INSERT INTO permissions (wallet, hostname, public_keys, keys) VALUES (${WALLET_ID}, @hostname, @publicKeys, @keys)
         ON CONFLICT (wallet, hostname) DO UPDATE SET public_keys = excluded.public_keys, keys = excluded.keys`,
      ),
      deletePermissions: db.prepare(`DELETE FROM permissions WHERE wallet = ${WALLET_ID} AND hostname = @hostname`),
      listPermissions: db.prepare(
        'SELECT w.name AS wallet, p.hostname, p.public_keys, p.keys FROM permissions p JOIN wallets w ON w.id = p.wallet WHERE w.name = ? ORDER BY p.hostname',
      ),
      insertApiToken: db.prepare(
        `INSERT INTO api_tokens (id, token_hash, wallet, description, keys, created_at, expires_at, last_used_at)
         VALUES (@id, @tokenHash, ${WALLET_ID}, @description, @keys, @createdAt, @expiresAt, @lastUsedAt)`,
      ),
      findApiToken: db.prepare(`SELECT ${tokenColumns} WHERE t.token_hash = ?`),
      touchApiToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
      listApiTokens: db.prepare(`SELECT ${tokenColumns} ORDER BY t.created_at, t.id`),
      deleteApiToken: db.prepare('DELETE FROM api_tokens WHERE id = ?'),
    };
    // Touches too: a cached connection must not keep an old last-use time (they are written seldom).
    watch.watchWrites(this.s);
  }

  async replaceConnection(c: ConnectionRecord): Promise<void> {
    this.db.transaction(() => {
      this.s.deleteConnectionOf.run({ wallet: c.wallet, hostname: c.hostname });
      this.s.insertConnection.run({ ...c });
    })();
  }

  async findConnection(tokenHash: string): Promise<ConnectionRecord | undefined> {
    const row = this.s.findConnection.get(tokenHash) as ConnectionRow | undefined;
    return row ? toConnection(row) : undefined;
  }

  findConnectionWithPermissions(tokenHash: string): ConnectionWithPermissions | undefined {
    return this.connections.get(tokenHash, () => {
      const row = this.s.findConnectionWithPermissions.get(tokenHash) as (ConnectionRow & { public_keys: AccessMode | null; keys: string | null }) | undefined;
      if (!row) return undefined;
      const permissions = row.public_keys === null ? undefined : toPermission({ wallet: row.wallet, hostname: row.hostname, public_keys: row.public_keys, keys: row.keys });
      return { connection: toConnection(row), permissions };
    });
  }

  async touchConnection(tokenHash: string, at: string): Promise<void> {
    this.s.touchConnection.run(at, tokenHash);
  }

  async deleteConnectionByToken(tokenHash: string): Promise<boolean> {
    return this.s.deleteConnectionByToken.run(tokenHash).changes > 0;
  }

  async deleteConnection(wallet: string, hostname: string): Promise<boolean> {
    return this.s.deleteConnectionOf.run({ wallet, hostname }).changes > 0;
  }

  async deleteIdleConnections(before: string): Promise<number> {
    return this.s.deleteIdle.run(before).changes;
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    return (this.s.listConnections.all() as ConnectionRow[]).map(toConnection);
  }

  async findPermissions(wallet: string, hostname: string): Promise<PermissionRecord | undefined> {
    const row = this.s.findPermissions.get(wallet, hostname) as PermissionRow | undefined;
    return row ? toPermission(row) : undefined;
  }

  async setPermissions(p: PermissionRecord): Promise<void> {
    this.s.setPermissions.run({ wallet: p.wallet, hostname: p.hostname, publicKeys: p.publicKeys, keys: p.keys === null ? null : JSON.stringify(p.keys) });
  }

  async deletePermissions(wallet: string, hostname: string): Promise<boolean> {
    return this.s.deletePermissions.run({ wallet, hostname }).changes > 0;
  }

  async listPermissions(wallet: string): Promise<PermissionRecord[]> {
    return (this.s.listPermissions.all(wallet) as PermissionRow[]).map(toPermission);
  }

  async insertApiToken(t: ApiTokenRecord): Promise<void> {
    this.s.insertApiToken.run({ ...t, keys: t.keys === null ? null : JSON.stringify(t.keys) });
  }

  findApiToken(tokenHash: string): ApiTokenRecord | undefined {
    return this.apiTokens.get(tokenHash, () => {
      const row = this.s.findApiToken.get(tokenHash) as ApiTokenRow | undefined;
      return row ? toApiToken(row) : undefined;
    });
  }

  async touchApiToken(id: string, at: string): Promise<void> {
    this.s.touchApiToken.run(at, id);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (this.s.listApiTokens.all() as ApiTokenRow[]).map(toApiToken);
  }

  async deleteApiToken(id: string): Promise<boolean> {
    return this.s.deleteApiToken.run(id).changes > 0;
  }
}

export class SqlitePolicyStore implements PolicyStore {
  private readonly get;
  private readonly set;

  constructor(db: Database.Database) {
    this.get = db.prepare('SELECT document FROM policy WHERE id = 1').pluck();
    this.set = db.prepare(
      'INSERT INTO policy (id, document, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at',
    );
  }

  async getPolicy(): Promise<Policy | undefined> {
    const document = this.get.get() as string | undefined;
    return document === undefined ? undefined : (JSON.parse(document) as Policy);
  }

  async setPolicy(policy: Policy): Promise<void> {
    this.set.run(JSON.stringify(policy), new Date().toISOString());
  }
}

interface AuditRow {
  id: number;
  at: string;
  review_id: string;
  kind: AuditEventRecord['kind'];
  hostname: string;
  wallet: string | null;
  outcome: AuditEventRecord['outcome'];
  decided_by: string;
  details: string;
}

const INSERT_AUDIT_EVENT =
  'INSERT INTO audit_events (at, review_id, kind, hostname, wallet, outcome, decided_by, details) VALUES (@at, @reviewId, @kind, @hostname, @wallet, @outcome, @decidedBy, @details)';

/** One row's named parameters, as INSERT_AUDIT_EVENT takes them (also on the writer thread). */
type AuditParams = Omit<AuditEventRecord, 'id' | 'details'> & { details: string };

interface QueuedEvent {
  event: Omit<AuditEventRecord, 'id'>;
  params: AuditParams;
  resolve: (record: AuditEventRecord) => void;
  reject: (error: unknown) => void;
}

/** What audit-writer.js answers for each row of a batch, in order. */
type WriterResult = { id: number } | { error: { name: string; message: string; code?: string } };
type Outcome = { id: number } | { error: unknown };

export interface AuditStoreOptions {
  /**
   * The database file, for the writer thread's own connection. Without it (or on an in-memory
   * database, which a second connection cannot share) events are written on `db` itself.
   */
  file?: string;
}

/**
 * The audit log, written with group commit. Every review ends with an event,
 * and the caller is answered only once its event is committed; with
 * synchronous = FULL each commit is an fsync (about 1 to 3 ms here). Events
 * appended during one turn of the event loop are written in one transaction:
 * one fsync for all of them, and still durable before anyone is told.
 *
 * The writing happens on a worker thread (audit-writer.js) with its own
 * connection to the same file, so the fsync no longer holds up the event
 * loop (it was about a fifth of the main thread's time under sign_transaction
 * load). One batch is in flight at a time; events appended meanwhile form the
 * next one. The thread starts with the first event and is unref()ed whenever
 * no batch is in flight, so an idle store keeps no process alive. If it
 * cannot start or dies, events are written on the main connection, as they
 * are for an in-memory database.
 */
export class SqliteAuditStore implements AuditStore {
  private readonly insert;
  private queue: QueuedEvent[] = [];
  /** The batch the writer thread is working on. */
  private inFlight: QueuedEvent[] | null = null;
  /** Events queued so far, and settled so far: both in append order, as batches settle in order. */
  private appended = 0;
  private settled = 0;
  private waiters: { upTo: number; resolve: () => void }[] = [];
  /** Settings for the writer thread's connection; null once events are written on the main connection. */
  private writerData: Record<string, unknown> | null = null;
  private worker: Worker | null = null;
  /** The newest id handed out: rows of the batch in flight can only have greater ids. */
  private lastId = 0;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly db: Database.Database,
    options: AuditStoreOptions = {},
  ) {
    this.insert = db.prepare(INSERT_AUDIT_EVENT);
    // Another connection sees the same data only through a file, and without blocking our reads only in WAL mode.
    if (options.file !== undefined && !db.memory && db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.writerData = {
        path: options.file,
        insertSql: INSERT_AUDIT_EVENT,
        busyTimeout: db.pragma('busy_timeout', { simple: true }),
        synchronous: db.pragma('synchronous', { simple: true }),
        foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
      };
    }
  }

  /** Where events are written now: on the writer thread, or on the main connection. */
  get writesOn(): 'thread' | 'main' {
    return this.writerData === null ? 'main' : 'thread';
  }

  appendAuditEvent(event: Omit<AuditEventRecord, 'id'>): Promise<AuditEventRecord> {
    return new Promise((resolve, reject) => {
      // Serialised here: details that JSON cannot hold fail their own append only.
      const params = { ...event, details: JSON.stringify(event.details) };
      this.queue.push({ event, params, resolve, reject });
      this.appended += 1;
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Writes the queued events in one transaction, on the writer thread if there is one (unless a
   * batch is in flight there: the queue then goes once it is back), else here and at once.
   */
  flush(): void {
    if (this.inFlight !== null || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const worker = this.startWorker();
    if (worker === null) {
      this.writeHere(batch);
      return;
    }
    this.inFlight = batch;
    // Keep the process alive until the batch is on disk and its callers know.
    worker.ref();
    try {
      worker.postMessage({ rows: batch.map((e) => e.params) });
    } catch {
      // A value the thread cannot be sent (only a malformed event holds one): written here, each with its own outcome.
      this.inFlight = null;
      worker.unref();
      this.writeHere(batch);
    }
  }

  /** The same writing on the main connection: one transaction, or one by one if it fails. */
  private writeHere(batch: QueuedEvent[]): void {
    const run = (e: QueuedEvent) => Number(this.insert.run(e.params).lastInsertRowid);
    let ids: number[] | undefined;
    try {
      ids = this.db.transaction(() => batch.map(run))();
    } catch {
      // One bad event must not fail the others: write them one by one, each with its own outcome.
    }
    const outcomes = batch.map((e, i): Outcome => {
      if (ids) return { id: ids[i] as number };
      try {
        return { id: run(e) };
      } catch (error) {
        return { error };
      }
    });
    this.settle(batch, outcomes);
  }

  /** Answers a batch's callers, in order, then wakes whoever waits for them. */
  private settle(batch: QueuedEvent[], outcomes: Outcome[]): void {
    for (const [i, e] of batch.entries()) {
      const outcome = outcomes[i] ?? { error: new Error('the audit writer gave no answer for this event') };
      if ('id' in outcome) {
        if (outcome.id > this.lastId) this.lastId = outcome.id;
        e.resolve({ id: outcome.id, ...e.event });
      } else {
        e.reject(outcome.error);
      }
    }
    this.settled += batch.length;
    if (this.waiters.length > 0) {
      const still = this.waiters.filter((w) => w.upTo > this.settled);
      for (const w of this.waiters) if (w.upTo <= this.settled) w.resolve();
      this.waiters = still;
    }
  }

  /** The writer thread, started on first use; null when events are to be written here. */
  private startWorker(): Worker | null {
    if (this.worker !== null || this.writerData === null) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(new URL('./audit-writer.js', import.meta.url), { workerData: this.writerData });
    } catch (error) {
      this.writeOnMainFromNowOn(error);
      return null;
    }
    worker.unref();
    let failure: unknown;
    worker.on('message', (reply: { results: WriterResult[] }) => this.onReply(worker, reply));
    // An answer that cannot be read would leave its batch waiting for good: end the thread, and recover() settles it.
    worker.on('messageerror', () => void worker.terminate());
    // Always followed by 'exit', which does the work; listened to so that it is not thrown here.
    worker.on('error', (error) => {
      failure ??= error;
    });
    worker.on('exit', (code) => this.onExit(worker, failure ?? new Error(`the audit writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private onReply(worker: Worker, reply: { results: WriterResult[] }): void {
    const batch = this.inFlight;
    if (worker !== this.worker || batch === null) return;
    this.inFlight = null;
    this.settle(
      batch,
      reply.results.map((r) => ('id' in r ? r : { error: Object.assign(new Error(r.error.message), { name: r.error.name, code: r.error.code }) })),
    );
    // What was appended meanwhile is the next batch.
    if (this.queue.length > 0) this.flush();
    if (this.inFlight === null) worker.unref();
  }

  /** The thread ended without being asked to (failed to start, or died): nothing is lost, nothing written twice. */
  private onExit(worker: Worker, failure: unknown): void {
    if (worker !== this.worker) return; // stopped by close()
    this.worker = null;
    this.writeOnMainFromNowOn(failure);
    const batch = this.inFlight;
    this.inFlight = null;
    if (batch !== null) this.recover(batch);
    this.flush();
  }

  private writeOnMainFromNowOn(failure: unknown): void {
    this.writerData = null;
    // The error's code or name only: its message may quote a path, and this goes wherever warnings are printed.
    const code = (failure as { code?: unknown } | undefined)?.code;
    const what = typeof code === 'string' ? code : failure instanceof Error ? failure.name : 'unknown error';
    process.emitWarning(`the audit writer thread is unavailable (${what}); audit events are written on the main thread`, {
      code: 'WALLET_GATEWAY_AUDIT_WRITER',
    });
  }

  /**
   * A batch the thread took but did not answer: it may have committed all of it, some of it
   * (row by row) or none. The batch's rows were inserted in order after every id handed out so
   * far, so each event is looked for (by all its columns) after the previous one found; those
   * not there are written here.
   */
  private recover(batch: QueuedEvent[]): void {
    const find = this.db
      .prepare(
        `SELECT id FROM audit_events WHERE id > @after AND at = @at AND review_id = @reviewId AND kind = @kind AND hostname = @hostname
       AND wallet IS @wallet AND outcome = @outcome AND decided_by = @decidedBy AND details = @details ORDER BY id LIMIT 1`,
      )
      .pluck();
    let after = this.lastId;
    const outcomes = batch.map((e): Outcome => {
      try {
        const id = find.get({ ...e.params, after }) as number | undefined;
        if (id !== undefined) {
          after = id;
          return { id };
        }
        const written = Number(this.insert.run(e.params).lastInsertRowid);
        after = written;
        return { id: written };
      } catch (error) {
        return { error };
      }
    });
    this.settle(batch, outcomes);
  }

  /** Resolves once the first `upTo` events appended are settled (written or refused). */
  private settledUpTo(upTo: number): Promise<void> | undefined {
    if (this.settled >= upTo) return undefined;
    // Not waiting for the end of this turn: a reader is waiting.
    this.flush();
    if (this.settled >= upTo) return undefined;
    return new Promise((resolve) => this.waiters.push({ upTo, resolve }));
  }

  /**
   * Writes everything appended so far (later appends included, until the queue is empty), then
   * lets the writer thread close its connection and end. Events appended afterwards are written
   * on the main connection, as long as it is open.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Not worth starting the thread only to close it: what is queued then goes here.
      if (this.worker === null) this.writerData = null;
      while (this.settled < this.appended) await this.settledUpTo(this.appended);
      const worker = this.worker;
      this.worker = null;
      this.writerData = null;
      if (worker === null) return;
      worker.ref();
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ type: 'close' });
      await exited;
    })();
    return this.closing;
  }

  async listAuditEvents(filter: AuditFilter): Promise<AuditEventRecord[]> {
    // What was appended before this read is visible to it: the writer thread's commits are, to a new read here (WAL).
    await this.settledUpTo(this.appended);
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: filter.limit };
    for (const [column, key] of [
      ['wallet', 'wallet'],
      ['hostname', 'hostname'],
      ['kind', 'kind'],
      ['outcome', 'outcome'],
    ] as const) {
      if (filter[key] !== undefined) {
        where.push(`${column} = @${key}`);
        args[key] = filter[key];
      }
    }
    if (filter.since !== undefined) {
      where.push('at >= @since');
      args.since = filter.since;
    }
    const sql = `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(args) as AuditRow[]).map((r) => ({
      id: r.id,
      at: r.at,
      reviewId: r.review_id,
      kind: r.kind,
      hostname: r.hostname,
      wallet: r.wallet,
      outcome: r.outcome,
      decidedBy: r.decided_by,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }
}
