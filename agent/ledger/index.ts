import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AdjustmentWriter } from './adjustments.js';
import { anchorPaths, LedgerAnchor } from './anchor.js';
import { Catalog } from './catalog.js';
import { BackgroundCheckpointer, type BackgroundCheckpointOptions } from './checkpointer.js';
import { type Db, type OpenLedgerOptions, openLedger } from './db.js';
import { EventLog } from './events.js';
import { readLedgerId } from './migrations.js';
import { LedgerMsgidReservations } from './msgids.js';
import { LedgerOutboxQueue } from './outbox.js';
import { LedgerQueries } from './queries.js';
import { ReceiptWriter } from './receipts.js';
import { SaleWriter } from './sales.js';
import { TransferWriter } from './transfers.js';

export { CodeState } from './codestate.js';
export type { Db } from './db.js';
export type * from './event-types.js';
export type { MsgidCounters, MsgidReservations } from './msgids.js';
export type { OutboxQueue, OutboxRow, Outcome } from './outbox.js';
export { type SyncStatus, syncStatus } from './outbox-status.js';

/** The ledger file and its parts, opened once by the composition root. */
export class Ledger {
  readonly log: EventLog;
  readonly catalog: Catalog;
  readonly receipts: ReceiptWriter;
  readonly queries: LedgerQueries;
  readonly sales: SaleWriter;
  readonly adjustments: AdjustmentWriter;
  /** Transfers between stores of the chain (调拨). */
  readonly transfers: TransferWriter;
  /** The outbox as the platform sender drains it. */
  readonly outbox: LedgerOutboxQueue;
  /** msgid sequence reservations for the platform client. */
  readonly msgids: LedgerMsgidReservations;

  private constructor(readonly db: Db) {
    this.log = new EventLog(db);
    this.catalog = new Catalog(db, this.log);
    const ledgerId = readLedgerId(db);
    this.receipts = new ReceiptWriter(db, this.log, ledgerId);
    this.queries = new LedgerQueries(db);
    this.sales = new SaleWriter(db, this.log, ledgerId);
    this.adjustments = new AdjustmentWriter(db, this.log, ledgerId);
    this.transfers = new TransferWriter(db, this.log, ledgerId);
    this.outbox = new LedgerOutboxQueue(db);
    this.msgids = new LedgerMsgidReservations(db);
  }

  /** Set when the ledger was opened with `anchor`: signs every event appended through this Ledger. */
  anchor: LedgerAnchor | undefined;

  /**
   * `anchor: 'create'` (the box): sign every appended event, creating the key at first start; `'existing'` (a CLI
   * run beside the box): sign only if the box's key exists, so a root shell never creates a key the service
   * cannot read.
   */
  static open(path: string, opts?: OpenLedgerOptions & { anchor?: 'create' | 'existing'; backgroundCheckpoint?: BackgroundCheckpointOptions }): Ledger {
    const ledger = new Ledger(openLedger(path, opts));
    // The box's long-lived ledger (and the bench) checkpoint on a worker thread; short CLI runs keep SQLite's default.
    if (opts?.backgroundCheckpoint && !opts.readonly && path !== ':memory:') {
      ledger.checkpointer = new BackgroundCheckpointer(ledger.db, path, opts.backgroundCheckpoint);
    }
    const paths = anchorPaths(dirname(path));
    if (opts?.anchor === 'create' || (opts?.anchor === 'existing' && existsSync(paths.key))) {
      try {
        ledger.anchor = LedgerAnchor.open(ledger.db, ledger.log, paths);
      } catch (err) {
        ledger.checkpointer?.stop();
        ledger.db.close();
        throw err;
      }
    }
    return ledger;
  }

  /** Set when opened with `backgroundCheckpoint`: the worker thread that checkpoints the WAL. */
  checkpointer: BackgroundCheckpointer | undefined;

  close(): void {
    this.anchor?.close();
    this.checkpointer?.stop();
    this.db.close();
  }
}
