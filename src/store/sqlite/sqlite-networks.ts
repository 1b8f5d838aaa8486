import type Database from 'better-sqlite3';
import { NetworkAlreadyExistsError } from '../../domain/errors.js';
import type { NetworkRecord, NetworkStore } from '../store.js';

export class SqliteNetworkStore implements NetworkStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      list: db.prepare('SELECT name, nodes FROM networks ORDER BY name'),
      find: db.prepare('SELECT name, nodes FROM networks WHERE name = ?'),
      insert: db.prepare('INSERT INTO networks (name, nodes, created_at) VALUES (?, ?, ?)'),
      upsert: db.prepare('INSERT INTO networks (name, nodes, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET nodes = excluded.nodes'),
      update: db.prepare('UPDATE networks SET nodes = ? WHERE name = ?'),
      remove: db.prepare('DELETE FROM networks WHERE name = ?'),
    };
  }

  private static row(r: { name: string; nodes: string }): NetworkRecord {
    return { name: r.name, nodes: JSON.parse(r.nodes) as string[] };
  }

  async listNetworks(): Promise<NetworkRecord[]> {
    return (this.s.list.all() as { name: string; nodes: string }[]).map(SqliteNetworkStore.row);
  }

  async findNetwork(name: string): Promise<NetworkRecord | undefined> {
    const r = this.s.find.get(name) as { name: string; nodes: string } | undefined;
    return r ? SqliteNetworkStore.row(r) : undefined;
  }

  async insertNetwork(n: NetworkRecord): Promise<void> {
    try {
      this.s.insert.run(n.name, JSON.stringify(n.nodes), new Date().toISOString());
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new NetworkAlreadyExistsError(n.name);
      throw error;
    }
  }

  async upsertNetwork(n: NetworkRecord): Promise<void> {
    this.s.upsert.run(n.name, JSON.stringify(n.nodes), new Date().toISOString());
  }

  async updateNetwork(n: NetworkRecord): Promise<boolean> {
    return this.s.update.run(JSON.stringify(n.nodes), n.name).changes > 0;
  }

  async removeNetwork(name: string): Promise<boolean> {
    return this.s.remove.run(name).changes > 0;
  }
}
