import type { Db } from './db.js';

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
