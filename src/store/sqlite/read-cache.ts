import type Database from 'better-sqlite3';

/** Entries kept at most per cache; past that the cache starts over. */
const MAX_ENTRIES = 10_000;

/**
 * How often commits by other connections to the same file are looked for.
 * Reading `PRAGMA data_version` takes SQLite's read lock; on every request
 * it cost more than the reads it saves (~5 µs of a sign_transaction's
 * profile). Writes through this process are seen at once.
 */
export const OTHER_WRITERS_CHECK_MS = 100;

/**
 * Notices when a database may have changed: at once for a write through this
 * process's stores (watched statements, or `changed()`), and within
 * OTHER_WRITERS_CHECK_MS for a commit by any other connection to the file
 * (another gateway process). The stamp then moves on and every ReadCache of
 * this database starts empty.
 */
export class ChangeWatch {
  #stamp = 0;
  #seenVersion: number;
  #checkedAt: number;
  readonly #dataVersion: Database.Statement;

  constructor(db: Database.Database) {
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.#seenVersion = this.#dataVersion.get() as number;
    this.#checkedAt = performance.now();
  }

  changed(): void {
    this.#stamp += 1;
  }

  stamp(): number {
    const now = performance.now();
    if (now - this.#checkedAt < OTHER_WRITERS_CHECK_MS) return this.#stamp;
    this.#checkedAt = now;
    const version = this.#dataVersion.get() as number;
    if (version !== this.#seenVersion) {
      this.#seenVersion = version;
      this.#stamp += 1;
    }
    return this.#stamp;
  }

  /**
   * Makes every statement among `statements` that changes data mark the cached
   * reads stale when it runs (also when it fails or its transaction rolls
   * back). Done to whole statement tables, so a write added later cannot be missed.
   */
  watchWrites(statements: Record<string, Database.Statement>): void {
    for (const statement of Object.values(statements)) {
      if (statement.reader) continue;
      const run = statement.run.bind(statement);
      statement.run = (...params: unknown[]) => {
        try {
          return run(...params);
        } finally {
          this.changed();
        }
      };
    }
  }
}

/**
 * Results of a hot read, kept until the database changes. What it returns is
 * shared between callers: they must not modify it. Misses (undefined) are not
 * kept, so unknown keys cannot fill it.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, V>();
  #stamp = -1;

  constructor(private readonly watch: ChangeWatch) {}

  get(key: string, load: () => V | undefined): V | undefined {
    const stamp = this.watch.stamp();
    if (stamp !== this.#stamp) {
      this.#entries.clear();
      this.#stamp = stamp;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    const value = load();
    if (value === undefined) return undefined;
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }
}
