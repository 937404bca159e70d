import type { Db } from './db.js';
import { withoutFsync } from './db.js';
import type { LedgerEvent } from './event-types.js';

/** Platform interfaces the ledger reports through the outbox (DESIGN 5). */
export type OutboxInfno = '3501' | '3502' | '3503' | '3504' | '3505' | '3506' | '3507';

/**
 * The ledger side of the durable outbox: rows are added in the caller's transaction, next to the
 * event they report. (record_key, infno) is the stable identity of the platform record, so a retried
 * upload is the same record at the platform.
 */
export class Outbox {
  private readonly insert;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO outbox (event_seq, infno, record_key, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?)');
  }

  enqueue(eventSeq: number, infno: OutboxInfno, recordKey: string, at: Date): void {
    if (!this.db.inTransaction) throw new Error('Outbox.enqueue must run inside the transaction of its ledger event');
    const iso = at.toISOString();
    this.insert.run(eventSeq, infno, recordKey, iso, iso);
  }
}

/** One outbox row as the sender sees it. */
export interface OutboxRow {
  id: number;
  event_seq: number;
  infno: string;
  record_key: string;
  attempts: number;
}

/** What became of one sent row. */
export type Outcome =
  | { id: number; result: 'sent' }
  | { id: number; result: 'retry'; error: string; nextAttemptAt: Date }
  | { id: number; result: 'failed'; error: string };

/**
 * Port for the outbox worker (sync/outbox/worker.ts): the queue of records to send, in the ledger's order.
 * The ledger adds rows; only the worker (through this) updates them.
 */
export interface OutboxQueue {
  /** Rows due now, the head of each record key only. `probe`: the platform is down: the oldest, whatever its schedule. */
  due(now: Date, limit: number, probe?: boolean): OutboxRow[];
  /** The ledger event a row reports (payload parsed). */
  event(seq: number): LedgerEvent | undefined;
  /** Marks a batch of rows sent, to be retried, or failed. */
  record(outcomes: readonly Outcome[], at: Date): void;
  /** A manager's "retry": failed rows (all, or the given ids) go back to pending, due now; returns how many. */
  retryFailed(now: Date, ids?: readonly number[]): number;
  /** The platform is back: rows waiting out their backoff are due now. */
  makeDueNow(now: Date): void;
  nextDueAt(): Date | undefined;
}

/** The outbox queue over the ledger's outbox table. */
export class LedgerOutboxQueue implements OutboxQueue {
  private readonly dueStmt;
  private readonly eventStmt;
  private readonly sentStmt;
  private readonly retryStmt;
  private readonly failedStmt;

  constructor(private readonly db: Db) {
    // Only the head of each record key: a key's later record waits until its earlier ones are sent,
    // and a permanently failed record holds back the ones after it until someone looks at it.
    this.dueStmt = db.prepare(`
      SELECT o.id, o.event_seq, o.infno, o.record_key, o.attempts FROM outbox o
      WHERE o.status = 'pending' AND (@probe = 1 OR o.next_attempt_at <= @now)
        AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.record_key = o.record_key AND p.id < o.id AND p.status <> 'sent')
      ORDER BY o.id LIMIT @limit`);
    this.eventStmt = db.prepare('SELECT seq, at, type, actor, payload FROM events WHERE seq = ?');
    this.sentStmt = db.prepare(
      "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = @at, last_error = NULL WHERE id = @id AND status = 'pending'",
    );
    this.retryStmt = db.prepare(
      "UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id AND status = 'pending'",
    );
    this.failedStmt = db.prepare("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = @error WHERE id = @id AND status = 'pending'");
  }

  due(now: Date, limit: number, probe = false): OutboxRow[] {
    return this.dueStmt.all({ now: now.toISOString(), limit, probe: probe ? 1 : 0 }) as OutboxRow[];
  }

  event(seq: number): LedgerEvent | undefined {
    const row = this.eventStmt.get(seq) as { seq: number; at: string; type: string; actor: string | null; payload: string } | undefined;
    // The type column and the payload were written together by EventLog.append from the same union.
    return row && ({ ...row, payload: JSON.parse(row.payload) as unknown } as LedgerEvent);
  }

  /**
   * One transaction per batch, not waiting for the disk: a "sent" mark lost in a power cut only means
   * the record is sent again, and the platform keeps it once (stable batch id).
   */
  record(outcomes: readonly Outcome[], at: Date): void {
    withoutFsync(this.db, () =>
      this.db.transaction(() => {
        for (const o of outcomes) {
          if (o.result === 'sent') this.sentStmt.run({ id: o.id, at: at.toISOString() });
          else if (o.result === 'retry') this.retryStmt.run({ id: o.id, error: o.error, next: o.nextAttemptAt.toISOString() });
          else this.failedStmt.run({ id: o.id, error: o.error });
        }
      })(),
    );
  }

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
