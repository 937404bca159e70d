// Reading the ledger from a command run as root (doctor, provision) without leaving anything behind.
//
// A read-only SQLite connection to a WAL database creates `-wal` and `-shm` when they are absent and
// cannot remove them when it closes; made by root, they would stay owned by root and the service
// (user counter-agent) could no longer open its own ledger. So: when `-wal` exists, the service (or
// a crash) has it open, and a read-only connection only uses it; when it does not, nobody has the
// ledger open, and a read-write connection that writes nothing removes both files again on close.
// No migrations run here: the schema is the service's business.

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

export type LedgerDb = Database.Database;

/** Runs `read` on the ledger at `path` (which must exist) and closes it. */
export function readLedger<T>(path: string, read: (db: LedgerDb) => T): T {
  const db = new Database(path, { readonly: existsSync(`${path}-wal`), fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return read(db);
  } finally {
    db.close();
  }
}
