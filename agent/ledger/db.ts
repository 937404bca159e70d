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
 * The page cache between writes, in KiB: 8 MiB holds every interior page of the 10 M-code index and the
 * basket tables, which is what a scan reads twice; leaves come from the OS page cache.
 *
 * Not bigger, because a commit can cost time in proportion to the cache (measured: 64 MiB made 1 scan in 25
 * spend 0.1–0.9 ms in COMMIT). SQLite's balance_nonroot() swaps two pages through the temporary number of the
 * pending-byte page (`pgnoTemp = (PENDING_BYTE/pBt->pageSize)+1`, 262,145 at 4 KiB pages — sqlite3.c 3.53,
 * "Reassign page numbers so that the new pages are in ascending order"); that raises pcache1's `iMaxKey`,
 * and the end of the transaction (pager_end_transaction → pcache1Truncate) then walks the whole page hash
 * (pcache1TruncateUnsafe: "the general case … It is necessary to scan the entire hash table") while the
 * file is under 1 GiB. Seen with perf probes on pcache1Fetch/pcache1TruncateUnsafe; bench/scan.ts measures it.
 */
export const COUNTER_CACHE_KIB = 8 * 1024;

/** A receipt's thousands of random code inserts keep their dirty pages in memory instead of spilling them. */
export const BULK_CACHE_KIB = 64 * 1024;

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
  db.pragma(`cache_size = -${COUNTER_CACHE_KIB}`);
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

/**
 * Runs a bulk write (a receipt: its lookups and its writes) with the large page cache, then gives the pages back
 * so the counter's commits stay cheap (see COUNTER_CACHE_KIB).
 */
export function withBulkCache<T>(db: Db, write: () => T): T {
  if (db.inTransaction) return write();
  db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
  try {
    return write();
  } finally {
    db.pragma(`cache_size = -${COUNTER_CACHE_KIB}`);
  }
}
