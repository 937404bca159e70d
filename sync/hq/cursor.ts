import type Database from 'better-sqlite3';
import { withoutFsync } from '../../agent/ledger/db.js';
import type { StoredEvent } from '../../agent/ledger/events.js';

export interface CursorRow {
  credential: string | null;
  acked_seq: number;
  acked_hash: string | null;
  last_ok_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
}

/**
 * SQL over the ledger's hq_replication row (migration 9) and its events: the events table is the queue, so a
 * ledger write costs nothing extra; this row only says where HQ's copy ends.
 */
export class ReplicationCursor {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      row: db.prepare('SELECT credential, acked_seq, acked_hash, last_ok_at, last_error, last_error_at FROM hq_replication WHERE id = 1'),
      after: db.prepare('SELECT seq, at, type, actor, reason, payload, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      last: db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1'),
      hashAt: db.prepare('SELECT hash FROM events WHERE seq = ?').pluck(),
      ack: db.prepare('UPDATE hq_replication SET acked_seq = @seq, acked_hash = @hash, last_ok_at = @at, last_error = NULL, last_error_at = NULL WHERE id = 1'),
      error: db.prepare('UPDATE hq_replication SET last_error = @error, last_error_at = @at WHERE id = 1'),
      credential: db.prepare('UPDATE hq_replication SET credential = ? WHERE id = 1'),
    };
  }

  row(): CursorRow {
    return this.s.row.get() as CursorRow;
  }

  eventsAfter(seq: number, limit: number): StoredEvent[] {
    return this.s.after.all(seq, limit) as StoredEvent[];
  }

  lastEvent(): { seq: number; hash: string } | undefined {
    return this.s.last.get() as { seq: number; hash: string } | undefined;
  }

  hashAt(seq: number): string | undefined {
    return this.s.hashAt.get(seq) as string | undefined;
  }

  // A lost acknowledgement only means a batch is sent again, which HQ takes as a no-op: no fsync wait.
  ack(seq: number, hash: string, at: Date): void {
    withoutFsync(this.db, () => this.s.ack.run({ seq, hash, at: at.toISOString() }));
  }

  error(message: string, at: Date): void {
    withoutFsync(this.db, () => this.s.error.run({ error: message, at: at.toISOString() }));
  }

  saveCredential(credential: string): void {
    this.s.credential.run(credential);
  }
}
