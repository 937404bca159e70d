// GET /api/reconciliation: assembles purchases, sales, stock and the checks of one period.
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';
import { type PlatformVerdict, purchasesCheck, salesCheck, stockCheck, uploadsCheck } from './checks.js';
import { PurchaseQueries } from './purchases.js';
import { SaleQueries } from './sales.js';
import { StockQueries } from './stock.js';
import type { Reconciliation } from './types.js';

export type { PlatformVerdict } from './checks.js';
export { PlatformReadbackError, type PlatformReadbackPort } from './platform-port.js';
export { PlatformReadbackService, type ReadbackResult, type ResendResult } from './platform-readback.js';
export type { Reconciliation } from './types.js';

export class ReconciliationService {
  private readonly purchases: PurchaseQueries;
  private readonly sales: SaleQueries;
  private readonly stock: StockQueries;
  private readonly uploadsStmt;

  constructor(
    private readonly db: Db,
    /** The latest platform read-back of a day (platform-readback.ts), when one was done. */
    private readonly platformVerdict: (date: string) => PlatformVerdict | undefined = () => undefined,
  ) {
    this.purchases = new PurchaseQueries(db);
    this.sales = new SaleQueries(db);
    this.stock = new StockQueries(db);
    // Every event type that writes outbox rows (ledger/receipts.ts, sales.ts, adjustments.ts): read by type and time.
    this.uploadsStmt = db.prepare(`SELECT o.status, COUNT(*) AS n FROM events e JOIN outbox o ON o.event_seq = e.seq
      WHERE e.type IN ('receipt.recorded', 'stock.opening_recorded', 'sale.settled', 'sale.reversed', 'stock.adjusted')
        AND e.at >= @start AND e.at < @end AND o.status <> 'sent' GROUP BY o.status`);
  }

  compute(period: Period): Reconciliation {
    // One read transaction: every section sees the same ledger, even while the counter keeps selling.
    return this.db
      .transaction(() => {
        const purchases = this.purchases.purchases(period);
        const sales = this.sales.sales(period);
        const stock = this.stock.stock(period);
        const uploads = { pending: 0, failed: 0 };
        for (const r of this.uploadsStmt.all({ start: period.startIso, end: period.endIso }) as { status: 'pending' | 'failed'; n: number }[])
          uploads[r.status] = r.n;
        return {
          from: period.from,
          to: period.to,
          purchases,
          sales,
          stock,
          uploads,
          checks: [
            purchasesCheck(purchases),
            salesCheck(sales),
            uploadsCheck(uploads, period.from === period.to ? this.platformVerdict(period.from) : undefined),
            stockCheck(stock.rows, period.toIsToday),
          ],
        };
      })
      .deferred();
  }
}
