import type Database from 'better-sqlite3';
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
const toPermission = (r: PermissionRow): PermissionRecord => ({
  wallet: r.wallet,
  hostname: r.hostname,
  publicKeys: r.public_keys,
  keys: r.keys === null ? null : (JSON.parse(r.keys) as string[]),
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
  keys: r.keys === null ? null : (JSON.parse(r.keys) as string[]),
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

  async findConnectionWithPermissions(tokenHash: string): Promise<ConnectionWithPermissions | undefined> {
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

  async findApiToken(tokenHash: string): Promise<ApiTokenRecord | undefined> {
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

interface QueuedEvent {
  event: Omit<AuditEventRecord, 'id'>;
  resolve: (record: AuditEventRecord) => void;
  reject: (error: unknown) => void;
}

/**
 * The audit log, written with group commit. Every review ends with an event,
 * and the caller is answered only once its event is committed; with
 * synchronous = FULL each commit is an fsync (about 1 to 3 ms here, blocking
 * the event loop), which made auto-approved transactions cost more in fsyncs
 * than everything else together. Events appended during one turn of the event
 * loop are now written in one transaction at the end of it: one fsync for all
 * of them, and still durable before anyone is told.
 */
export class SqliteAuditStore implements AuditStore {
  private readonly insert;
  private queue: QueuedEvent[] = [];

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO audit_events (at, review_id, kind, hostname, wallet, outcome, decided_by, details) VALUES (@at, @reviewId, @kind, @hostname, @wallet, @outcome, @decidedBy, @details)',
    );
  }

  appendAuditEvent(event: Omit<AuditEventRecord, 'id'>): Promise<AuditEventRecord> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Writes the queued events (in one transaction) and settles their callers. Reads and close() call it first. */
  flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const run = (e: QueuedEvent) => Number(this.insert.run({ ...e.event, details: JSON.stringify(e.event.details) }).lastInsertRowid);
    let ids: number[] | undefined;
    try {
      ids = this.db.transaction(() => batch.map(run))();
    } catch {
      // One bad event must not fail the others: write them one by one, each with its own outcome.
    }
    for (const [i, e] of batch.entries()) {
      if (ids) {
        e.resolve({ id: ids[i] as number, ...e.event });
        continue;
      }
      try {
        e.resolve({ id: run(e), ...e.event });
      } catch (error) {
        e.reject(error);
      }
    }
  }

  async listAuditEvents(filter: AuditFilter): Promise<AuditEventRecord[]> {
    // What was appended before this read is visible to it, as it was before writes were grouped.
    this.flush();
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
