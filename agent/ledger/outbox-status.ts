import type { Db } from './db.js';

export interface SyncStatus {
  /** Records not yet accepted by the platform (pending + failed). */
  backlog: number;
  pending: number;
  failed: number;
  sent: number;
  byInterface: { infno: string; pending: number; failed: number; sent: number }[];
  oldestPendingAt: string | null;
  oldestPendingAgeSeconds: number | null;
  nextAttemptAt: string | null;
  /** `saleId`: the sale a 3505/3506 record reports (null for stock records, whose recordKey is the lot's batch id). */
  lastError: { id: number; infno: string; recordKey: string; saleId: number | null; error: string; attempts: number; status: string } | null;
  failedRecords: { id: number; infno: string; recordKey: string; saleId: number | null; error: string | null; attempts: number; createdAt: string }[];
}

/** What GET /api/sync shows: the backlog by interface, its age, the last error and the next attempt. */
export function syncStatus(db: Db, now: Date): SyncStatus {
  const rows = db.prepare('SELECT infno, status, COUNT(*) AS n FROM outbox GROUP BY infno, status').all() as { infno: string; status: string; n: number }[];
  const by = new Map<string, { infno: string; pending: number; failed: number; sent: number }>();
  for (const r of rows) {
    const e = by.get(r.infno) ?? { infno: r.infno, pending: 0, failed: 0, sent: 0 };
    if (r.status === 'pending' || r.status === 'failed' || r.status === 'sent') e[r.status] += r.n;
    by.set(r.infno, e);
  }
  const byInterface = [...by.values()].sort((a, b) => a.infno.localeCompare(b.infno));
  const sum = (k: 'pending' | 'failed' | 'sent') => byInterface.reduce((n, e) => n + e[k], 0);
  const oldest = db.prepare("SELECT MIN(created_at) FROM outbox WHERE status <> 'sent'").pluck().get() as string | null;
  const next = db.prepare("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").pluck().get() as string | null;
  const last = db
    .prepare(
      "SELECT id, infno, record_key AS recordKey, (SELECT s.id FROM sales s WHERE s.settled_seq = outbox.event_seq OR s.reversed_seq = outbox.event_seq) AS saleId, last_error AS error, attempts, status FROM outbox WHERE last_error IS NOT NULL AND status <> 'sent' ORDER BY id DESC LIMIT 1",
    )
    .get() as SyncStatus['lastError'] | undefined;
  const failedRecords = db
    .prepare(
      "SELECT id, infno, record_key AS recordKey, (SELECT s.id FROM sales s WHERE s.settled_seq = outbox.event_seq OR s.reversed_seq = outbox.event_seq) AS saleId, last_error AS error, attempts, created_at AS createdAt FROM outbox WHERE status = 'failed' ORDER BY id LIMIT 100",
    )
    .all() as SyncStatus['failedRecords'];
  return {
    backlog: sum('pending') + sum('failed'),
    pending: sum('pending'),
    failed: sum('failed'),
    sent: sum('sent'),
    byInterface,
    oldestPendingAt: oldest,
    oldestPendingAgeSeconds: oldest ? Math.max(0, Math.floor((now.getTime() - Date.parse(oldest)) / 1000)) : null,
    nextAttemptAt: next,
    lastError: last ?? null,
    failedRecords,
  };
}
