import { Catalog } from './catalog.js';
import { openLedger, type Db, type OpenLedgerOptions } from './db.js';
import { EventLog } from './events.js';
import { LedgerQueries } from './queries.js';
import { readLedgerId } from './migrations.js';
import { ReceiptWriter } from './receipts.js';
import { SaleWriter } from './sales.js';
import { AdjustmentWriter } from './adjustments.js';

export type { Db } from './db.js';
export { CodeState } from './codestate.js';

/** The ledger file and its parts, opened once by the composition root. */
export class Ledger {
  readonly log: EventLog;
  readonly catalog: Catalog;
  readonly receipts: ReceiptWriter;
  readonly queries: LedgerQueries;
  readonly sales: SaleWriter;
  readonly adjustments: AdjustmentWriter;

  private constructor(readonly db: Db) {
    this.log = new EventLog(db);
    this.catalog = new Catalog(db, this.log);
    const ledgerId = readLedgerId(db);
    this.receipts = new ReceiptWriter(db, this.log, ledgerId);
    this.queries = new LedgerQueries(db);
    this.sales = new SaleWriter(db, this.log, ledgerId);
    this.adjustments = new AdjustmentWriter(db, this.log, ledgerId);
  }

  static open(path: string, opts?: OpenLedgerOptions): Ledger {
    return new Ledger(openLedger(path, opts));
  }

  close(): void {
    this.db.close();
  }
}
