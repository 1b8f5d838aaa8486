/**
 * Versioned schema changes, applied in order at start, each in its own
 * transaction. Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

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
];
