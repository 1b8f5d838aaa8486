import type Database from 'better-sqlite3';

/** Entries kept at most per cache; past that the cache starts over. */
const MAX_ENTRIES = 10_000;

/**
 * How often commits by other connections to the same file are looked for
 * (one read of the data_changes counter). Writes through this process's
 * stores are seen at once.
 */
export const OTHER_WRITERS_CHECK_MS = 100;

/**
 * Notices when the tables behind the cached reads may have changed: at once
 * for a write through this process's stores (watched statements), and within
 * OTHER_WRITERS_CHECK_MS for a commit by any other connection to the file
 * (another gateway process). Triggers count every change to those tables in
 * data_changes (migration 4). PRAGMA data_version would also move on the
 * audit writer thread's commits, and emptying the caches several times a
 * second then cost more than they saved: a read after another connection's
 * commit starts on a cold SQLite page cache. The stamp moves on and every
 * ReadCache of this database starts empty.
 */
export class ChangeWatch {
  #stamp = 0;
  #seen: number;
  /** Set every OTHER_WRITERS_CHECK_MS by a timer: the next read looks at the counter. A flag, not a clock read per cached read. */
  #due = false;
  readonly #counter: Database.Statement;
  readonly #timer: NodeJS.Timeout;

  constructor(db: Database.Database) {
    this.#counter = db.prepare('SELECT n FROM data_changes WHERE id = 1').pluck();
    this.#seen = this.#counter.get() as number;
    this.#timer = setInterval(() => {
      this.#due = true;
    }, OTHER_WRITERS_CHECK_MS);
    // It must not keep the process alive.
    this.#timer.unref();
  }

  /** Stops the timer; called when the database closes. */
  close(): void {
    clearInterval(this.#timer);
  }

  /** A write of ours: the caches start over, and the count it added is ours, not another writer's. */
  changed(): void {
    this.#stamp += 1;
    try {
      this.#seen = this.#counter.get() as number;
    } catch {
      // The database is gone (closed): the caches are empty already, nothing more to note.
    }
  }

  stamp(): number {
    if (!this.#due) return this.#stamp;
    this.#due = false;
    const count = this.#counter.get() as number;
    if (count !== this.#seen) {
      this.#seen = count;
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

/** Misses kept at most per cache, apart from the results: unknown keys start over only this set. */
const MAX_MISSES = 1_000;

/**
 * Results of a hot read, kept until the database changes. What it returns is
 * shared between callers: they must not modify it. Misses (undefined) are kept
 * too, apart, so that a lookup that usually misses (a connection for an API
 * token, which is looked for first) costs no query either; unknown keys, however
 * many, only ever start the misses over, never the results.
 */
export class ReadCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #misses = new Set<string>();
  #stamp = -1;

  constructor(private readonly watch: ChangeWatch) {}

  get(key: string, load: () => V | undefined): V | undefined {
    const stamp = this.watch.stamp();
    if (stamp !== this.#stamp) {
      this.#entries.clear();
      this.#misses.clear();
      this.#stamp = stamp;
    }
    const hit = this.#entries.get(key);
    if (hit !== undefined) return hit;
    if (this.#misses.has(key)) return undefined;
    const value = load();
    if (value === undefined) {
      if (this.#misses.size >= MAX_MISSES) this.#misses.clear();
      this.#misses.add(key);
      return undefined;
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(key, value);
    return value;
  }
}
