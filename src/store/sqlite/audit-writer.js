/**
 * Worker-thread entry for SqliteAuditStore (sqlite-sessions.ts): appends audit events on a
 * connection of its own to the gateway's database file, so the fsync of each commit waits on
 * this thread instead of the gateway's event loop.
 *
 * workerData: { path, insertSql, busyTimeout, synchronous, foreignKeys }, the last three copied
 * from the main connection. Each message { rows } is one batch, written in one transaction; if
 * that transaction fails, the rows are written one by one, so one bad row fails alone. The
 * reply { results } holds, in the batch's order, { id } or { error: { name, message, code } }
 * per row, and is posted only after the commit. { type: 'close' } closes the connection, which
 * lets the thread end.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('audit-writer.js is meant to run as a worker thread');
const port = parentPort;
const { path, insertSql, busyTimeout, synchronous, foreignKeys } = workerData;

// Any failure here ends the thread; the store then writes on its main connection instead.
const db = new Database(path, { fileMustExist: true });
db.pragma(`busy_timeout = ${Number(busyTimeout)}`);
db.pragma(`synchronous = ${Number(synchronous)}`);
db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
// WAL is a property of the file (set by the main connection): a rollback journal here would
// make this thread's writes block the gateway's reads.
if (db.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error('the audit writer needs a database in WAL mode');

const insert = db.prepare(insertSql);
const write = (row) => Number(insert.run(row).lastInsertRowid);
// IMMEDIATE: take the write lock up front, waiting (busy_timeout) for a write on the main connection.
const writeBatch = db.transaction((rows) => rows.map(write));

const errorInfo = (err) =>
  err instanceof Error
    ? { name: err.name, message: err.message, code: typeof err.code === 'string' ? err.code : undefined }
    : { name: 'Error', message: String(err), code: undefined };

// A batch that cannot be read cannot be answered: ending the thread lets the store write it itself.
port.on('messageerror', (err) => {
  throw err;
});

port.on('message', (message) => {
  if (message && message.type === 'close') {
    db.close();
    port.close();
    return;
  }
  const { rows } = message;
  let results;
  try {
    results = writeBatch.immediate(rows).map((id) => ({ id }));
  } catch {
    // Report per row instead of throwing: an uncaught error would end the thread.
    results = rows.map((row) => {
      try {
        return { id: write(row) };
      } catch (err) {
        return { error: errorInfo(err) };
      }
    });
  }
  port.postMessage({ results });
});
