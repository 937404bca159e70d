import type Database from 'better-sqlite3';
import { withoutFsync } from '../../agent/ledger/db.js';
import type { LedgerEventForSync } from '../mappers/index.js';

export interface OutboxRow {
  id: number;
  event_seq: number;
  infno: string;
  record_key: string;
  attempts: number;
}

export type Outcome = { id: number; result: 'sent' } | { id: number; result: 'retry'; error: string; nextAttemptAt: Date } | { id: number; result: 'failed'; error: string };

/** SQL over the ledger's outbox table for the worker. The ledger adds rows; only this updates them. */
export class OutboxStore {
  private readonly dueStmt;
  private readonly eventStmt;
  private readonly sentStmt;
  private readonly retryStmt;
  private readonly failedStmt;

  constructor(private readonly db: Database.Database) {
    // Only the head of each record key: a key's later record waits until its earlier ones are sent,
    // and a permanently failed record holds back the ones after it until someone looks at it.
    this.dueStmt = db.prepare(`
      SELECT o.id, o.event_seq, o.infno, o.record_key, o.attempts FROM outbox o
      WHERE o.status = 'pending' AND (@probe = 1 OR o.next_attempt_at <= @now)
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.record_key = o.record_key AND p.id < o.id AND p.status <> 'sent')
      ORDER BY o.id LIMIT @limit`);
    this.eventStmt = db.prepare('SELECT seq, at, type, actor, payload FROM events WHERE seq = ?');
    this.sentStmt = db.prepare("UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = @at, last_error = NULL WHERE id = @id AND status = 'pending'");
    this.retryStmt = db.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id AND status = 'pending'");
    this.failedStmt = db.prepare("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = @error WHERE id = @id AND status = 'pending'");
  }

  /** `probe`: the platform is down and one record tests it: the oldest, whatever its own schedule. */
  due(now: Date, limit: number, probe = false): OutboxRow[] {
    return this.dueStmt.all({ now: now.toISOString(), limit, probe: probe ? 1 : 0 }) as OutboxRow[];
  }

  event(seq: number): LedgerEventForSync | undefined {
    const row = this.eventStmt.get(seq) as { seq: number; at: string; type: string; actor: string | null; payload: string } | undefined;
    return row && { ...row, payload: JSON.parse(row.payload) as Record<string, unknown> };
  }

  /**
   * One transaction per batch, not waiting for the disk: a "sent" mark lost in a power cut only means
   * the record is sent again, and the platform keeps it once (stable batch id).
   */
  record(outcomes: readonly Outcome[], at: Date): void {
    withoutFsync(this.db, () => this.db.transaction(() => {
      for (const o of outcomes) {
        if (o.result === 'sent') this.sentStmt.run({ id: o.id, at: at.toISOString() });
        else if (o.result === 'retry') this.retryStmt.run({ id: o.id, error: o.error, next: o.nextAttemptAt.toISOString() });
        else this.failedStmt.run({ id: o.id, error: o.error });
      }
    })());
  }

  /** A manager's "retry": failed records (all, or the given ids) go back to pending, due now. */
  retryFailed(now: Date, ids?: readonly number[]): number {
    const iso = now.toISOString();
    if (!ids) return this.db.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE status = 'failed'").run(iso).changes;
    const stmt = this.db.prepare("UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE status = 'failed' AND id = ?");
    return this.db.transaction(() => ids.reduce((n, id) => n + stmt.run(iso, id).changes, 0))();
  }

  makeDueNow(now: Date): void {
    this.db.prepare("UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND next_attempt_at > ?").run(now.toISOString(), now.toISOString());
  }

  nextDueAt(): Date | undefined {
    const v = this.db.prepare("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").pluck().get() as string | null;
    return v ? new Date(v) : undefined;
  }
}
