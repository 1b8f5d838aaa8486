import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreIntegrityError, WalletAlreadyExistsError, WalletNotFoundError } from '../../domain/errors.js';
import type { KdfParams } from '../../domain/wallet/secret-box.js';
import type { KeyRecord, Store, WalletRecord, WalletStore } from '../store.js';
import { migrations, type Migration } from './migrations.js';
import { ChangeWatch, ReadCache } from './read-cache.js';
import { SqliteNetworkStore } from './sqlite-networks.js';
import { SqliteAuditStore, SqlitePolicyStore, SqliteSessionStore } from './sqlite-sessions.js';

interface WalletRow {
  name: string;
  wallet_id: string;
  key_derivation_version: number;
  kdf: string;
  secret: Buffer;
  created_at: string;
}

interface KeyRow {
  key_index: number;
  public_key: string;
  name: string;
  metadata: string;
  tainted: number;
}

/** Applies the migrations the database has not seen yet; returns the schema version. */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const newest = list.reduce((max, m) => Math.max(max, m.version), 0);
  const known = Math.max(0, ...applied);
  if (known > newest) {
    throw new StoreIntegrityError(`the database has schema version ${known}, newer than this gateway knows (${newest}); upgrade the gateway`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
  for (const migration of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, new Date().toISOString());
    })();
  }
  return newest;
}

function toWallet(row: WalletRow): WalletRecord {
  let kdf: KdfParams;
  try {
    kdf = JSON.parse(row.kdf) as KdfParams;
  } catch {
    throw new StoreIntegrityError(`the key derivation parameters of wallet "${row.name}" are not readable`);
  }
  if (row.key_derivation_version !== 1 && row.key_derivation_version !== 2) {
    throw new StoreIntegrityError(`wallet "${row.name}" has an unknown key derivation version`);
  }
  return {
    name: row.name,
    walletId: row.wallet_id,
    keyDerivationVersion: row.key_derivation_version,
    kdf,
    secret: new Uint8Array(row.secret),
    createdAt: row.created_at,
  };
}

function toKey(row: KeyRow): KeyRecord {
  return {
    index: row.key_index,
    publicKey: row.public_key,
    name: row.name,
    metadata: JSON.parse(row.metadata) as KeyRecord['metadata'],
    tainted: row.tainted === 1,
  };
}

class SqliteWalletStore implements WalletStore {
  private readonly statements;
  /** session.list_keys and every transaction read these; kept until the database changes. */
  private readonly untaintedKeys: ReadCache<readonly string[]>;
  private readonly keys: ReadCache<KeyRecord>;

  constructor(
    private readonly db: Database.Database,
    watch: ChangeWatch,
  ) {
    this.untaintedKeys = new ReadCache(watch);
    this.keys = new ReadCache(watch);
    this.statements = {
      insertWallet: db.prepare(
        'INSERT INTO wallets (name, wallet_id, key_derivation_version, kdf, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertKey: db.prepare('INSERT INTO keys (wallet, key_index, public_key, name, metadata, tainted) VALUES (?, ?, ?, ?, ?, ?)'),
      findWallet: db.prepare('SELECT name, wallet_id, key_derivation_version, kdf, secret, created_at FROM wallets WHERE name = ?'),
      walletExists: db.prepare('SELECT 1 FROM wallets WHERE name = ?').pluck(),
      // Pages walk the UNIQUE index on name (BINARY, like the ORDER BY): a seek to the bound, then `limit` rows.
      // A negative limit means no limit to SQLite.
      listNamesFirst: db.prepare('SELECT name FROM wallets ORDER BY name COLLATE BINARY LIMIT ?').pluck(),
      listNamesAfter: db.prepare('SELECT name FROM wallets WHERE name > ? ORDER BY name COLLATE BINARY LIMIT ?').pluck(),
      removeWallet: db.prepare('DELETE FROM wallets WHERE name = ?'),
      listKeys: db.prepare(
        'SELECT k.key_index, k.public_key, k.name, k.metadata, k.tainted FROM keys k JOIN wallets w ON w.id = k.wallet WHERE w.name = ? ORDER BY k.key_index',
      ),
      listUntaintedPublicKeys: db
        .prepare('SELECT k.public_key FROM keys k JOIN wallets w ON w.id = k.wallet WHERE w.name = ? AND k.tainted = 0 ORDER BY k.key_index')
        .pluck(),
      countKeys: db.prepare('SELECT count(*) FROM keys k JOIN wallets w ON w.id = k.wallet WHERE w.name = ?').pluck(),
      findKey: db.prepare(
        'SELECT k.key_index, k.public_key, k.name, k.metadata, k.tainted FROM keys k JOIN wallets w ON w.id = k.wallet WHERE w.name = ? AND k.public_key = ?',
      ),
      walletRowId: db.prepare('SELECT id FROM wallets WHERE name = ?').pluck(),
      nextIndex: db.prepare('SELECT coalesce(max(key_index), 0) + 1 FROM keys WHERE wallet = ?').pluck(),
      updateKey: db.prepare(
        `UPDATE keys SET name = coalesce(@name, name), metadata = coalesce(@metadata, metadata), tainted = coalesce(@tainted, tainted)
         WHERE public_key = @publicKey AND wallet = (SELECT id FROM wallets WHERE name = @wallet)`,
      ),
      renameWallet: db.prepare('UPDATE wallets SET name = ? WHERE name = ?'),
      replaceSecret: db.prepare('UPDATE wallets SET kdf = ?, secret = ? WHERE name = ? AND secret = ?'),
    };
    watch.watchWrites(this.statements);
  }

  private insertKeyRow(walletRowId: number | bigint, key: KeyRecord): void {
    this.statements.insertKey.run(walletRowId, key.index, key.publicKey, key.name, JSON.stringify(key.metadata), key.tainted ? 1 : 0);
  }

  async insertWallet(wallet: WalletRecord, keys: KeyRecord[]): Promise<void> {
    const s = this.statements;
    try {
      this.db.transaction(() => {
        const { lastInsertRowid } = s.insertWallet.run(
          wallet.name,
          wallet.walletId,
          wallet.keyDerivationVersion,
          JSON.stringify(wallet.kdf),
          Buffer.from(wallet.secret),
          wallet.createdAt,
        );
        for (const key of keys) this.insertKeyRow(lastInsertRowid, key);
      })();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new WalletAlreadyExistsError(wallet.name);
      throw error;
    }
  }

  async findWallet(name: string): Promise<WalletRecord | undefined> {
    const row = this.statements.findWallet.get(name) as WalletRow | undefined;
    return row ? toWallet(row) : undefined;
  }

  async walletExists(name: string): Promise<boolean> {
    return this.statements.walletExists.get(name) !== undefined;
  }

  async listWalletNames(after?: string, limit?: number): Promise<string[]> {
    const rows = limit ?? -1;
    return (after === undefined ? this.statements.listNamesFirst.all(rows) : this.statements.listNamesAfter.all(after, rows)) as string[];
  }

  async removeWallet(name: string): Promise<boolean> {
    // Keys (and, later, everything else that references the wallet) go with it through ON DELETE CASCADE.
    return this.statements.removeWallet.run(name).changes > 0;
  }

  async listKeys(walletName: string): Promise<KeyRecord[]> {
    return (this.statements.listKeys.all(walletName) as KeyRow[]).map(toKey);
  }

  listUntaintedPublicKeys(walletName: string): readonly string[] {
    // Frozen: every caller gets the same array until the keys change, and the answer's text is made once (dispatcher).
    return this.untaintedKeys.get(walletName, () => Object.freeze(this.statements.listUntaintedPublicKeys.all(walletName) as string[])) as readonly string[];
  }

  async countKeys(walletName: string): Promise<number> {
    return this.statements.countKeys.get(walletName) as number;
  }

  async findKey(walletName: string, publicKey: string): Promise<KeyRecord | undefined> {
    // A wallet name holds no NUL character (WalletName pattern): the pair cannot be confused with another.
    return this.keys.get(`${walletName}\u0000${publicKey}`, () => {
      const row = this.statements.findKey.get(walletName, publicKey) as KeyRow | undefined;
      return row ? toKey(row) : undefined;
    });
  }

  async insertNextKey(walletName: string, make: (index: number) => KeyRecord): Promise<KeyRecord> {
    const s = this.statements;
    return this.db
      .transaction(() => {
        const walletRowId = s.walletRowId.get(walletName) as number | undefined;
        if (walletRowId === undefined) throw new WalletNotFoundError(walletName);
        const key = make(s.nextIndex.get(walletRowId) as number);
        this.insertKeyRow(walletRowId, key);
        return key;
      })
      .immediate();
  }

  async updateKey(walletName: string, publicKey: string, changes: Partial<Pick<KeyRecord, 'name' | 'metadata' | 'tainted'>>): Promise<boolean> {
    const { changes: count } = this.statements.updateKey.run({
      wallet: walletName,
      publicKey,
      name: changes.name ?? null,
      metadata: changes.metadata ? JSON.stringify(changes.metadata) : null,
      tainted: changes.tainted === undefined ? null : changes.tainted ? 1 : 0,
    });
    return count > 0;
  }

  async renameWallet(from: string, to: string): Promise<boolean> {
    try {
      return this.statements.renameWallet.run(to, from).changes > 0;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new WalletAlreadyExistsError(to);
      throw error;
    }
  }

  async replaceSecret(walletName: string, expected: Uint8Array, kdf: KdfParams, secret: Uint8Array): Promise<boolean> {
    // One UPDATE: SQLite applies it whole or not at all, so a crash leaves the old box and passphrase in place.
    return this.statements.replaceSecret.run(JSON.stringify(kdf), Buffer.from(secret), walletName, Buffer.from(expected)).changes > 0;
  }
}

export class SqliteStore implements Store {
  readonly wallets: WalletStore;
  readonly networks: SqliteNetworkStore;
  readonly sessions: SqliteSessionStore;
  readonly policies: SqlitePolicyStore;
  readonly audit: SqliteAuditStore;
  readonly schemaVersion: number;

  /** Notices writes behind the read caches; its timer stops when the store closes. */
  private readonly watch: ChangeWatch;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly db: Database.Database,
    file?: string,
  ) {
    this.schemaVersion = migrate(db);
    const watch = (this.watch = new ChangeWatch(db));
    this.wallets = new SqliteWalletStore(db, watch);
    this.networks = new SqliteNetworkStore(db);
    this.sessions = new SqliteSessionStore(db, watch);
    this.policies = new SqlitePolicyStore(db);
    // Audit events are written by a thread with its own connection to the file (main thread for an in-memory database).
    this.audit = new SqliteAuditStore(db, file === undefined ? {} : { file });
  }

  /** Opens (creating if needed) the database file, readable by its owner only, and migrates it. */
  static open(path: string): SqliteStore {
    const fresh = !existsSync(path);
    const db = new Database(path);
    try {
      // The file holds sealed secrets: only its owner may read it, even if it was created elsewhere.
      if (fresh || (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      // FULL: a wallet the gateway confirmed must survive a power cut, not only a crash.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // Absolute: the writer thread opens the file later, whatever the working directory is by then.
      return new SqliteStore(db, resolve(path));
    } catch (error) {
      // A refused database (e.g. one from a newer gateway) must not stay open behind the caller's back.
      db.close();
      throw error;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Audit events still waiting for their group commit are written, not lost, and the writer thread ends first.
      await this.audit.close();
      this.watch.close();
      if (this.db.open) this.db.close();
    })();
    return this.closing;
  }
}
