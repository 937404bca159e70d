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

export class DailyReport {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare(`
      SELECT settled_at,
        json_extract(settlement, '$.totals.total') AS total, json_extract(settlement, '$.totals.fundPay') AS fund,
        json_extract(settlement, '$.totals.accountPay') AS account, json_extract(settlement, '$.totals.cashPay') AS cash
      FROM sales WHERE status = 'settled' AND settled_at >= @start AND settled_at < @end`);
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
