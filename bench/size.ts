// bytes_per_code: ledger file size (db + wal, after a truncating checkpoint) per code held.

import { existsSync, statSync } from 'node:fs';
import type { Ledger } from '../agent/ledger/index.js';
import { emit, note } from './util.js';

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Bytes per B-tree (table or index) from the DBSTAT virtual table, or undefined if SQLite lacks it. */
function btreeBytes(ledger: Ledger): Map<string, number> | undefined {
  try {
    const rows = ledger.db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat WHERE aggregate = TRUE GROUP BY name').all() as {
      name: string;
      bytes: number;
    }[];
    return new Map(rows.map((r) => [r.name, r.bytes]));
  } catch (err) {
    note(`dbstat not available (${err instanceof Error ? err.message : String(err)}): skipping the per-table share`);
    return undefined;
  }
}

export function benchBytes(ledger: Ledger, path: string, codes: number): void {
  const ckpt = ledger.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  if (ckpt[0]?.busy) note('wal_checkpoint(TRUNCATE) was busy: the WAL may not be empty');
  const db = fileSize(path);
  const wal = fileSize(`${path}-wal`);
  const pageSize = ledger.db.pragma('page_size', { simple: true }) as number;
  const freelist = ledger.db.pragma('freelist_count', { simple: true }) as number;
  const extra: Record<string, unknown> = { n: codes, db_bytes: db, wal_bytes: wal, page_size: pageSize, free_pages: freelist };

  const trees = btreeBytes(ledger);
  if (trees) {
    // The query the design names, kept literal; the breakdown below comes from the same view.
    const own = ledger.db.prepare("SELECT SUM(pgsize) FROM dbstat WHERE name IN ('trace_codes')").pluck().get() as number | null;
    const perCode: Record<string, number> = {};
    for (const [name, bytes] of [...trees].sort((a, b) => b[1] - a[1])) {
      if (bytes / codes >= 0.05) perCode[name] = bytes / codes;
    }
    extra.trace_codes_bytes_per_code = (own ?? 0) / codes;
    extra.trace_codes_share = (own ?? 0) / db;
    extra.bytes_per_code_by_btree = perCode;
  }
  emit('bytes_per_code', (db + wal) / codes, 'bytes/code', { ...extra, target: '<= 120 bytes per code', meets_target: (db + wal) / codes <= 120 });
}
