// The sales side of a reconciliation: every sale settled in the period with its settlement split, and the
// refunds recorded in the period. Pieces come from the ledger's settlement events.
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';
import { countUploads, type UploadState, uploadStateSql } from '../reports/upload-state.js';
import type { SaleRow, Sales } from './types.js';

interface Facts {
  setlId?: string;
  totals: { total: number; fundPay: number; accountPay: number; cashPay: number };
}

const EVENT_PIECES = (seq: string) =>
  `(SELECT COALESCE(SUM(json_extract(i.value, '$.pieces')), 0) FROM events e, json_each(e.payload, '$.items') i WHERE e.seq = ${seq})`;

export class SaleQueries {
  private readonly rowsStmt;
  private readonly returnsStmt;
  private readonly settlingStmt;
  private readonly reversingStmt;

  constructor(db: Db) {
    this.rowsStmt = db.prepare(`
      SELECT s.id, s.settled_at, s.payment, s.status, s.settlement, ${EVENT_PIECES('s.settled_seq')} AS pieces,
        ${uploadStateSql('s.settled_seq', 's.reversed_seq')} AS upload
      FROM sales s WHERE s.settled_seq IS NOT NULL AND s.settled_at >= @start AND s.settled_at < @end
      ORDER BY s.settled_at, s.id`);
    this.returnsStmt = db.prepare(`
      SELECT s.settlement, ${EVENT_PIECES('s.reversed_seq')} AS pieces
      FROM sales s JOIN events r ON r.seq = s.reversed_seq WHERE r.at >= @start AND r.at < @end`);
    this.settlingStmt = db.prepare("SELECT COUNT(*) FROM sales WHERE status = 'settling'").pluck();
    this.reversingStmt = db.prepare("SELECT id FROM sales WHERE reversing IS NOT NULL AND status = 'settled' ORDER BY id").pluck();
  }

  sales(period: Period): Sales {
    const range = { start: period.startIso, end: period.endIso };
    const raw = this.rowsStmt.all(range) as {
      id: number;
      settled_at: string;
      payment: SaleRow['payment'];
      status: SaleRow['status'];
      settlement: string;
      pieces: number;
      upload: UploadState;
    }[];
    const rows: SaleRow[] = raw.map((r) => {
      const f = JSON.parse(r.settlement) as Facts;
      return {
        saleId: r.id,
        settledAt: r.settled_at,
        payment: r.payment,
        status: r.status,
        pieces: r.pieces,
        totalFen: f.totals.total,
        fundFen: f.totals.fundPay,
        accountFen: f.totals.accountPay,
        cashFen: f.totals.cashPay,
        settlementId: f.setlId ?? null,
        upload: r.upload,
      };
    });
    const sum = (list: SaleRow[], k: 'pieces' | 'totalFen' | 'fundFen' | 'accountFen' | 'cashFen') => list.reduce((n, r) => n + r[k], 0);
    const group = (list: SaleRow[]) => ({ count: list.length, totalFen: sum(list, 'totalFen') });
    const returns = this.returnsStmt.all(range) as { settlement: string; pieces: number }[];
    return {
      settled: rows.length,
      pieces: sum(rows, 'pieces'),
      totalFen: sum(rows, 'totalFen'),
      fundFen: sum(rows, 'fundFen'),
      accountFen: sum(rows, 'accountFen'),
      cashFen: sum(rows, 'cashFen'),
      insurance: group(rows.filter((r) => r.payment === 'insurance')),
      selfPay: group(rows.filter((r) => r.payment === 'self_pay')),
      reversed: group(rows.filter((r) => r.status === 'reversed')),
      returns: {
        count: returns.length,
        pieces: returns.reduce((n, r) => n + r.pieces, 0),
        totalFen: returns.reduce((n, r) => n + (JSON.parse(r.settlement) as Facts).totals.total, 0),
      },
      settling: this.settlingStmt.get() as number,
      reversing: this.reversingStmt.all() as number[],
      upload: countUploads(rows.map((r) => r.upload)),
      rows,
    };
  }
}
