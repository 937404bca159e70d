import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

export interface OpenLedgerOptions {
  /** Open an existing file read-only (verify-ledger); never migrates. */
  readonly?: boolean;
}

/**
 * Opens (and migrates) the ledger file. WAL so readers never block the counter;
 * synchronous=FULL because a sale that the cashier saw as settled must survive power loss.
 */
export function openLedger(path: string, opts: OpenLedgerOptions = {}): Db {
  if (!opts.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.pragma('foreign_keys = ON');
  // 64 MiB page cache: keeps the upper levels of the 10M-code index in memory.
  db.pragma('cache_size = -65536');
  if (!opts.readonly) migrate(db);
  return db;
}

/**
 * Runs a write that may be lost in a power cut without harm (a basket edit, an outbox "sent" mark, a
 * msgid block reservation) without waiting for the disk: synchronous=NORMAL for that commit. WAL keeps
 * it safe from process crashes; the next FULL commit (every ledger event) makes it durable too.
 */
export function withoutFsync<T>(db: Db, write: () => T): T {
  if (db.inTransaction) return write();
  const s = syncPragmas(db);
  s.normal.run();
  try {
    return write();
  } finally {
    s.full.run();
  }
}

// db.pragma() compiles its statement on every call; a scan's basket edit toggles twice, so prepare once per connection.
const syncStatements = new WeakMap<Db, { normal: Database.Statement; full: Database.Statement }>();

function syncPragmas(db: Db): { normal: Database.Statement; full: Database.Statement } {
  let s = syncStatements.get(db);
  if (!s) {
    s = { normal: db.prepare('PRAGMA synchronous = NORMAL'), full: db.prepare('PRAGMA synchronous = FULL') };
    syncStatements.set(db, s);
  }
  return s;
}
