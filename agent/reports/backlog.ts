// GET /api/reports/backlog: the platform backlog hour by hour, rebuilt from the outbox's created/sent times.
// A record is in the backlog from its creation until it was sent. The outbox keeps no time of refusal, so
// a record the platform refused counts as "failed" from its creation on (it never left the backlog).
import type { Db } from '../ledger/index.js';

export interface BacklogPoint {
  at: string;
  pending: number;
  failed: number;
}

const HOUR_MS = 3_600_000;

export class BacklogReport {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare(`SELECT created_at, sent_at, status FROM outbox
      WHERE created_at <= @end AND (sent_at IS NULL OR sent_at > @start)`);
  }

  /** Points on each full hour of the last `hours` hours, then one for `now`. */
  points(hours: number, now: Date): BacklogPoint[] {
    const lastHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const times = Array.from({ length: hours }, (_, i) => lastHour - (hours - 1 - i) * HOUR_MS);
    if (times[times.length - 1] !== now.getTime()) times.push(now.getTime());
    const rows = this.stmt.all({ start: new Date(times[0] as number).toISOString(), end: now.toISOString() }) as {
      created_at: string;
      sent_at: string | null;
      status: string;
    }[];
    const spans = rows.map((r) => ({ from: Date.parse(r.created_at), until: r.sent_at ? Date.parse(r.sent_at) : Infinity, failed: r.status === 'failed' }));
    return times.map((t) => {
      let pending = 0;
      let failed = 0;
      for (const s of spans) {
        if (s.from > t || s.until <= t) continue;
        if (s.failed) failed++;
        else pending++;
      }
      return { at: new Date(t).toISOString(), pending, failed };
    });
  }
}
