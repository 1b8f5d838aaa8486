/**
 * Versioned schema changes, applied in order at start, each in its own
 * transaction. Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/**
 * The tables whose reads the store caches (read-cache.ts): a change to any of them counts in
 * data_changes (migration 4). A cached table added later gets its triggers in a migration of its own.
 */
const CACHED_TABLES = ['wallets', 'keys', 'connections', 'permissions', 'api_tokens'] as const;

const changeTriggers = CACHED_TABLES.flatMap((table) =>
  (['INSERT', 'UPDATE', 'DELETE'] as const).map(
    (event) => `CREATE TRIGGER ${table}_${event.toLowerCase()}_counted AFTER ${event} ON ${table} BEGIN UPDATE data_changes SET n = n + 1 WHERE id = 1; END;`,
  ),
).join('\n      ');

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'wallets and keys',
    sql: `
      CREATE TABLE wallets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        wallet_id TEXT NOT NULL,
        key_derivation_version INTEGER NOT NULL CHECK (key_derivation_version IN (1, 2)),
        kdf TEXT NOT NULL,
        secret BLOB NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE keys (
        wallet INTEGER NOT NULL REFERENCES wallets(id) ON DELETE CASCADE,
        key_index INTEGER NOT NULL CHECK (key_index >= 1),
        public_key TEXT NOT NULL,
        name TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '[]',
        tainted INTEGER NOT NULL DEFAULT 0 CHECK (tainted IN (0, 1)),
        PRIMARY KEY (wallet, key_index)
      ) STRICT;

      CREATE INDEX keys_by_public_key ON keys(public_key);
    `,
  },
  {
    version: 2,
    description: 'connections, permissions, API tokens, policy and audit log',
    sql: `
      CREATE TABLE connections (
        token_hash TEXT PRIMARY KEY,
        wallet INTEGER NOT NULL REFERENCES wallets(id) ON DELETE CASCADE,
        hostname TEXT NOT NULL,
        connected_at TEXT NOT NULL,
        last_used_at TEXT NOT NULL,
        UNIQUE (wallet, hostname)
      ) STRICT;
      CREATE INDEX connections_by_last_use ON connections(last_used_at);

      CREATE TABLE permissions (
        wallet INTEGER NOT NULL REFERENCES wallets(id) ON DELETE CASCADE,
        hostname TEXT NOT NULL,
        public_keys TEXT NOT NULL CHECK (public_keys IN ('none', 'read', 'write')),
        keys TEXT,
        PRIMARY KEY (wallet, hostname)
      ) STRICT;

      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        wallet INTEGER NOT NULL REFERENCES wallets(id) ON DELETE CASCADE,
        description TEXT NOT NULL,
        keys TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT,
        last_used_at TEXT
      ) STRICT;

      CREATE TABLE policy (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- The audit log keeps wallet names as text: it records history, and outlives renames and removals.
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        review_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        hostname TEXT NOT NULL,
        wallet TEXT,
        outcome TEXT NOT NULL,
        decided_by TEXT NOT NULL,
        details TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_by_time ON audit_events(at);
    `,
  },
  {
    version: 3,
    description: 'networks',
    sql: `
      CREATE TABLE networks (
        name TEXT PRIMARY KEY,
        nodes TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 4,
    description: 'a counter of changes to the tables whose reads are cached',
    sql: `
      CREATE TABLE data_changes (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
      ) STRICT;
      INSERT INTO data_changes (id, n) VALUES (1, 0);
      ${changeTriggers}
    `,
  },
];
