import { withoutFsync } from '../ledger/db.js';
import type { Db } from '../ledger/index.js';
import type { PrescriptionView, Refusal } from '../rules/types.js';
import type { InsuredPerson } from './port.js';

export type SaleStatus = 'open' | 'settling' | 'settled' | 'voided' | 'reversed';

export interface SaleRow {
  id: number;
  counter: string;
  status: SaleStatus;
  opened_at: string;
  opened_by: string | null;
  first_scan_at: string | null;
  payment: 'insurance' | 'self_pay' | null;
  chronic_disease: string | null;
  psn_no: string | null;
  person: string | null;
  prescription: string | null;
  consents: string;
  settle_msgid: string | null;
  settlement: string | null;
  settled_at: string | null;
  settled_seq: number | null;
  reversed_seq: number | null;
  reverse_msgid: string | null;
  /** JSON ReversalRequest while a refund is under way (see beginReversal). */
  reversing: string | null;
  snapshot: string | null;
  void_reason: string | null;
  voided_by: string | null;
  updated_at: string;
}

export interface OpenSaleSummary {
  id: number;
  openedAt: string;
  openedBy: string | null;
  updatedAt: string;
  /** The identified person's name (masked ID numbers never leave here), null before identification. */
  personName: string | null;
  lines: number;
}

/** Who asked for a refund, when (ISO) and why: kept with the sale until the platform has answered. */
export interface ReversalRequest {
  at: string;
  actor?: string | undefined;
  reason: string;
}

export interface ItemRow {
  id: number;
  sale_id: number;
  product_id: string;
  code: string | null;
  raw_code: string | null;
  lot_id: number | null;
  pieces: number;
  split: number;
  price: number;
  added_at: string;
  /** The chain HQ's check of this line's code: 'ok' | 'unchecked' | 'conflict'; null without an HQ (migration 13). */
  chain_check: string | null;
}

/** A basket line as a scan sees it. */
export type ScanLine = Pick<ItemRow, 'id' | 'product_id' | 'code' | 'pieces'>;

/** What the chain check said about a scanned line, stored with it; null when the store has no HQ. */
export type ChainCheckMark = 'ok' | 'unchecked' | null;

/** SQL for sales in progress: the mutable side of checkout (settled sales are ledger events). */
export class SaleStore {
  private readonly s;
  private readonly tx;

  constructor(private readonly db: Db) {
    this.s = {
      sale: db.prepare('SELECT * FROM sales WHERE id = ?'),
      status: db.prepare('SELECT status FROM sales WHERE id = ?').pluck(),
      items: db.prepare('SELECT * FROM sale_items WHERE sale_id = ? AND removed = 0 ORDER BY id'),
      // What a scan needs of the basket: fewer columns, fewer objects built per scan.
      scanLines: db.prepare('SELECT id, product_id, code, pieces FROM sale_items WHERE sale_id = ? AND removed = 0 ORDER BY id'),
      item: db.prepare('SELECT * FROM sale_items WHERE id = ? AND sale_id = ? AND removed = 0'),
      insertItem: db.prepare(`INSERT INTO sale_items (sale_id, product_id, code, raw_code, lot_id, pieces, split, price, added_at, chain_check)
        VALUES (@saleId, @productId, @code, @raw, @lotId, @pieces, @split, @price, @at, @chainCheck)`),
      fillItem: db.prepare(
        `UPDATE sale_items SET code = @code, raw_code = @raw, lot_id = @lotId, pieces = @pieces, split = @split, price = @price, chain_check = @chainCheck
         WHERE id = @id AND code IS NULL`,
      ),
      // Held pieces: walk the few open sales (sales_status) and their lines, never a lot's whole history.
      heldByCode: db
        .prepare(`SELECT COALESCE(SUM(i.pieces), 0) FROM sales s CROSS JOIN sale_items i INDEXED BY sale_items_sale ON i.sale_id = s.id
        WHERE s.status IN ('open', 'settling') AND s.id <> ? AND i.code = ? AND i.removed = 0`)
        .pluck(),
      heldByLot: db
        .prepare(`SELECT COALESCE(SUM(i.pieces), 0) FROM sales s CROSS JOIN sale_items i INDEXED BY sale_items_sale ON i.sale_id = s.id
        WHERE s.status IN ('open', 'settling') AND i.lot_id = ? AND i.removed = 0`)
        .pluck(),
      openSale: db.prepare("INSERT INTO sales (counter, status, opened_at, opened_by, updated_at) VALUES (?, 'open', ?, ?, ?)"),
      setPerson: db.prepare("UPDATE sales SET psn_no = ?, person = ?, updated_at = ? WHERE id = ? AND status = 'open'"),
      markSettling: db.prepare(
        "UPDATE sales SET status = 'settling', settle_msgid = ?, payment = ?, chronic_disease = ?, updated_at = ? WHERE id = ? AND status = 'open'",
      ),
      priorLines: db.prepare(
        `SELECT p.nhsa_code AS nhsaCode, s.settled_at AS settledAt, SUM(i.pieces) AS pieces, s.chronic_disease IS NOT NULL AS chronic, p.max_daily_pieces AS maxDaily
         FROM sales s JOIN sale_items i ON i.sale_id = s.id AND i.removed = 0 JOIN products p ON p.id = i.product_id
         WHERE s.psn_no = ? AND s.status = 'settled' AND s.payment = 'insurance' AND s.id <> ? AND s.settled_at >= ? AND p.nhsa_code <> ''
         GROUP BY s.id, p.nhsa_code`,
      ),
      refusal: db.prepare('INSERT INTO sale_refusals (sale_id, at, code, message, item_id, scanned) VALUES (?, ?, ?, ?, ?, ?)'),
      touch: db.prepare('UPDATE sales SET updated_at = ?, first_scan_at = COALESCE(first_scan_at, ?) WHERE id = ?'),
    };
    // Made once: a transaction function per call would be rebuilt on every scan.
    this.tx = {
      addItem: db.transaction((row: Record<string, unknown>, iso: string, code: string | null, saleId: number) => {
        const id = Number(this.s.insertItem.run(row).lastInsertRowid);
        this.s.touch.run(iso, code ? iso : null, saleId);
        return id;
      }),
      fillItem: db.transaction((row: Record<string, unknown>, iso: string, saleId: number) => {
        this.s.fillItem.run(row);
        this.s.touch.run(iso, iso, saleId);
      }),
      refusals: db.transaction((saleId: number, refusals: readonly Refusal[], scanned: string | null, iso: string) => {
        for (const r of refusals) this.s.refusal.run(saleId, iso, r.code, r.message, r.itemId ?? null, scanned);
      }),
    };
  }

  /**
   * One scan as one transaction (reads and the basket write): one snapshot, one lock, one commit. IMMEDIATE so
   * another connection's write waits out busy_timeout at BEGIN instead of failing the upgrade mid-scan.
   */
  scanTransaction<T>(scan: () => T): T {
    return this.basket(() => this.db.transaction(scan).immediate());
  }

  /**
   * A basket edit is work in progress, not a ledger record: it is committed without waiting for the
   * disk (synchronous=NORMAL), which keeps a scan well under a millisecond. The next ledger write
   * (synchronous=FULL) makes it durable too; a power cut before that loses at most the last scans of an
   * open sale, which the cashier sees and scans again. Settling state and ledger events stay FULL.
   */
  private basket<T>(edit: () => T): T {
    return withoutFsync(this.db, edit);
  }

  open(counter: string, by: string | undefined, at: Date): number {
    const iso = at.toISOString();
    return this.basket(() => Number(this.s.openSale.run(counter, iso, by ?? null, iso).lastInsertRowid));
  }

  currentOpen(counter: string): number | undefined {
    return this.db.prepare("SELECT id FROM sales WHERE counter = ? AND status = 'open' ORDER BY id DESC LIMIT 1").pluck().get(counter) as number | undefined;
  }

  get(id: number): SaleRow | undefined {
    return this.s.sale.get(id) as SaleRow | undefined;
  }

  items(saleId: number): ItemRow[] {
    return this.s.items.all(saleId) as ItemRow[];
  }

  status(saleId: number): SaleStatus | undefined {
    return this.s.status.get(saleId) as SaleStatus | undefined;
  }

  /** The lines of a sale with only what a scan reads. */
  scanLines(saleId: number): ScanLine[] {
    return this.s.scanLines.all(saleId) as ScanLine[];
  }

  item(saleId: number, itemId: number): ItemRow | undefined {
    return this.s.item.get(itemId, saleId) as ItemRow | undefined;
  }

  addItem(
    i: {
      saleId: number;
      productId: string;
      code: string | null;
      raw: string | null;
      lotId: number | null;
      pieces: number;
      split: boolean;
      price: number;
      chainCheck?: ChainCheckMark;
    },
    at: Date,
  ): number {
    const iso = at.toISOString();
    return this.basket(() => this.tx.addItem({ ...i, chainCheck: i.chainCheck ?? null, split: i.split ? 1 : 0, at: iso }, iso, i.code, i.saleId));
  }

  fillItem(
    itemId: number,
    saleId: number,
    f: { code: string; raw: string; lotId: number; pieces: number; split: boolean; price: number; chainCheck?: ChainCheckMark },
    at: Date,
  ): void {
    const iso = at.toISOString();
    this.basket(() => this.tx.fillItem({ ...f, chainCheck: f.chainCheck ?? null, split: f.split ? 1 : 0, id: itemId }, iso, saleId));
  }

  removeItem(saleId: number, itemId: number): boolean {
    return this.basket(
      () => this.db.prepare('UPDATE sale_items SET removed = 1 WHERE id = ? AND sale_id = ? AND removed = 0').run(itemId, saleId).changes === 1,
    );
  }

  piecesHeldElsewhere(code: string, saleId: number): number {
    return this.s.heldByCode.get(saleId, code) as number;
  }

  /** The other open sale holding this code, and its counter (only asked when pieces are held elsewhere). */
  holderOf(code: string, saleId: number): { saleId: number; counter: string } | undefined {
    return this.db
      .prepare(`SELECT s.id AS saleId, s.counter FROM sales s CROSS JOIN sale_items i INDEXED BY sale_items_sale ON i.sale_id = s.id
        WHERE s.status IN ('open', 'settling') AND s.id <> ? AND i.code = ? AND i.removed = 0 ORDER BY s.id LIMIT 1`)
      .get(saleId, code) as { saleId: number; counter: string } | undefined;
  }

  lotPiecesHeld(lotId: number): number {
    return this.s.heldByLot.get(lotId) as number;
  }

  logRefusals(saleId: number, refusals: readonly Refusal[], scanned: string | null, at: Date): void {
    const iso = at.toISOString();
    this.basket(() => this.tx.refusals(saleId, refusals, scanned, iso));
  }

  refusals(saleId: number): { at: string; code: string; message: string; itemId: number | null; scanned: string | null }[] {
    return this.db.prepare('SELECT at, code, message, item_id AS itemId, scanned FROM sale_refusals WHERE sale_id = ? ORDER BY id').all(saleId) as never;
  }

  setPerson(saleId: number, person: InsuredPerson, evidence: Record<string, unknown>, at: Date): void {
    this.basket(() => this.s.setPerson.run(person.psnNo, JSON.stringify({ ...person, evidence }), at.toISOString(), saleId));
  }

  setPrescription(saleId: number, rx: PrescriptionView, at: Date): void {
    this.basket(() =>
      this.db.prepare("UPDATE sales SET prescription = ?, updated_at = ? WHERE id = ? AND status = 'open'").run(JSON.stringify(rx), at.toISOString(), saleId),
    );
  }

  setConsents(saleId: number, productIds: readonly string[], at: Date): void {
    this.basket(() =>
      this.db
        .prepare("UPDATE sales SET consents = ?, updated_at = ? WHERE id = ? AND status = 'open'")
        .run(JSON.stringify([...new Set(productIds)]), at.toISOString(), saleId),
    );
  }

  /** Persisted (synchronous=FULL) before 2102 is called: the crash-safety anchor. */
  markSettling(saleId: number, msgid: string, payment: 'insurance', chronicDisease: string | null, at: Date): boolean {
    return this.s.markSettling.run(msgid, payment, chronicDisease, at.toISOString(), saleId).changes === 1;
  }

  /**
   * Back to the cashier after a refused or reversed 2102. Only while the sale is still settling with that
   * msgid: a recovery that reversed an older msgid must not reopen a newer settlement already under way.
   */
  reopen(saleId: number, msgid: string | null, at: Date): void {
    this.db
      .prepare("UPDATE sales SET status = 'open', settle_msgid = NULL, updated_at = ? WHERE id = ? AND status = 'settling' AND settle_msgid IS ?")
      .run(at.toISOString(), saleId, msgid);
  }

  /** The counter snapshot taken at settlement (evidence). */
  setSnapshot(saleId: number, snapshot: { path: string; sha256: string; cameraId: string; at: string }): void {
    this.db.prepare('UPDATE sales SET snapshot = ? WHERE id = ?').run(JSON.stringify(snapshot), saleId);
  }

  /**
   * A refund under way, persisted (synchronous=FULL) before 2103 is sent: the msgid and who asked, when and why.
   * A refund already under way keeps its msgid and request (a retry repeats the same 2103). Returns the msgid,
   * or undefined when the sale is not settled (anymore).
   */
  beginReversal(saleId: number, msgid: string, request: ReversalRequest): string | undefined {
    this.db
      .prepare(
        "UPDATE sales SET reverse_msgid = COALESCE(reverse_msgid, ?), reversing = COALESCE(reversing, ?), updated_at = ? WHERE id = ? AND status = 'settled'",
      )
      .run(msgid, JSON.stringify(request), request.at, saleId);
    const row = this.get(saleId);
    return row?.status === 'settled' ? (row.reverse_msgid ?? undefined) : undefined;
  }

  /** The platform refused the 2103 `msgid`: nothing was reversed, the next attempt is a new transaction (new msgid). */
  abandonReversal(saleId: number, msgid: string, at: Date): void {
    this.db
      .prepare("UPDATE sales SET reverse_msgid = NULL, reversing = NULL, updated_at = ? WHERE id = ? AND status = 'settled' AND reverse_msgid = ?")
      .run(at.toISOString(), saleId, msgid);
  }

  /** Settled sales whose refund was sent and not yet answered (退费处理中). */
  reversing(): SaleRow[] {
    return this.db.prepare("SELECT * FROM sales WHERE reversing IS NOT NULL AND status = 'settled' ORDER BY id").all() as SaleRow[];
  }

  void(saleId: number, at: Date, reason: string | null = null, by: string | null = null): boolean {
    return this.basket(
      () =>
        this.db
          .prepare("UPDATE sales SET status = 'voided', updated_at = ?, void_reason = ?, voided_by = ? WHERE id = ? AND status = 'open'")
          .run(at.toISOString(), reason, by, saleId).changes === 1,
    );
  }

  /** The open sales of a counter, oldest first, with what a cashier needs to recognise them. */
  openAt(counter: string): OpenSaleSummary[] {
    return this.db
      .prepare(
        `SELECT s.id, s.opened_at AS openedAt, s.opened_by AS openedBy, s.updated_at AS updatedAt, json_extract(s.person, '$.name') AS personName,
                (SELECT COUNT(*) FROM sale_items i WHERE i.sale_id = s.id AND i.removed = 0) AS lines
         FROM sales s WHERE s.counter = ? AND s.status = 'open' ORDER BY s.id`,
      )
      .all(counter) as OpenSaleSummary[];
  }

  /** Open sales (any counter) last touched before `beforeIso`. */
  idleOpen(beforeIso: string): { id: number; counter: string }[] {
    return this.db.prepare("SELECT id, counter FROM sales WHERE status = 'open' AND updated_at < ? ORDER BY id").all(beforeIso) as {
      id: number;
      counter: string;
    }[];
  }

  settling(): SaleRow[] {
    return this.db.prepare("SELECT * FROM sales WHERE status = 'settling' ORDER BY id").all() as SaleRow[];
  }

  /**
   * Earlier settled insurance sales of this person since `since` (ISO time): (nhsaCode, date, pieces,
   * chronic) per line. Older sales cannot cover today: the longest supply is 12 weeks.
   */
  priorLines(
    psnNo: string,
    exceptSaleId: number,
    since: Date,
  ): { nhsaCode: string; settledAt: string; pieces: number; chronic: number; maxDaily: number | null }[] {
    return this.s.priorLines.all(psnNo, exceptSaleId, since.toISOString()) as never;
  }
}
