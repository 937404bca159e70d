// GET /api/reports/daily: takings per Shanghai day. A sale counts on the day it was settled; a sale refunded
// later (reversed) is not takings and is left out, so the days add up to the money the store kept.
import type { Db } from '../ledger/index.js';
import { dayOf, daysOf, type Period } from './period.js';

export interface DailyFigures {
  date: string;
  sales: number;
  totalFen: number;
  fundFen: number;
  accountFen: number;
  cashFen: number;
}

/**
 * The ledger's head as a paper copy prints it (issue 15): the last event's sequence number and hash, and whether the
 * box has signed a head up to it (agent/ledger/anchor.ts). Written on a printed daily report it anchors the day outside
 * the box: `counter-agent verify-ledger --head SEQ:HASH` later says whether the ledger still holds that very event.
 */
export interface LedgerHead {
  seq: number;
  /** Full SHA-256 hex of the event. */
  hash: string;
  /** The first SHORT_HASH hex digits, what the page prints (64 bits: no one can make another event match them). */
  shortHash: string;
  /** When the event was recorded. */
  at: string;
  /** signed: a head up to this event is signed with the box's key; pending: not yet (signing follows each commit); off: no key. */
  signed: 'signed' | 'pending' | 'off';
}

export const SHORT_HASH = 16;

export class DailyReport {
  private readonly stmt;
  private readonly last;

  constructor(
    db: Db,
    private readonly anchor?: { signedUpTo(): number },
  ) {
    this.last = db.prepare('SELECT seq, hash, at FROM events ORDER BY seq DESC LIMIT 1');
    this.stmt = db.prepare(`
      SELECT settled_at,
        json_extract(settlement, '$.totals.total') AS total, json_extract(settlement, '$.totals.fundPay') AS fund,
        json_extract(settlement, '$.totals.accountPay') AS account, json_extract(settlement, '$.totals.cashPay') AS cash
      FROM sales WHERE status = 'settled' AND settled_at >= @start AND settled_at < @end`);
  }

  /** The ledger's head now; undefined for an empty ledger. */
  head(): LedgerHead | undefined {
    const row = this.last.get() as { seq: number; hash: string; at: string } | undefined;
    if (!row) return undefined;
    const signed = !this.anchor ? 'off' : this.anchor.signedUpTo() >= row.seq ? 'signed' : 'pending';
    return { seq: row.seq, hash: row.hash, shortHash: row.hash.slice(0, SHORT_HASH), at: row.at, signed };
  }

  days(period: Period): DailyFigures[] {
    const days = new Map(daysOf(period).map((date) => [date, { date, sales: 0, totalFen: 0, fundFen: 0, accountFen: 0, cashFen: 0 }]));
    const rows = this.stmt.all({ start: period.startIso, end: period.endIso }) as {
      settled_at: string;
      total: number;
      fund: number;
      account: number;
      cash: number;
    }[];
    for (const r of rows) {
      const d = days.get(dayOf(r.settled_at));
      if (!d) continue;
      d.sales++;
      d.totalFen += r.total;
      d.fundFen += r.fund;
      d.accountFen += r.account;
      d.cashFen += r.cash;
    }
    return [...days.values()];
  }
}
