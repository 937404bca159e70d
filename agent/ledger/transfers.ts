import { AppError } from '../../common/app-error.js';
import { CodeState } from './codestate.js';
import type { Db } from './db.js';
import type { StoreRef, TransferLotLine } from './event-types.js';
import type { EventLog } from './events.js';
import { Outbox } from './outbox.js';
import { bchno as lotBatchId } from './receipts.js';

/** A transfer the box cannot record: 422 with what to do. */
export class TransferError extends AppError {
  constructor(code: string, message: string, status = 422) {
    super(code, status, message);
  }
}

/** An inbound manifest as HQ hands it to the receiving store (hq/transfers.ts). */
export interface InboundManifest {
  transferId: string;
  from: StoreRef;
  to: StoreRef;
  shippedAt: string;
  lines: TransferLotLine[];
}

export interface Discrepancy {
  missing: string[];
  extra: string[];
}

export interface TransferRow {
  transferId: string;
  direction: 'out' | 'in';
  peer: StoreRef;
  shippedAt: string;
  boxes: number;
  status: 'in_transit' | 'received';
  receivedAt: string | null;
  /** Known at the receiver when it confirms; at the shipper once HQ has the receipt. */
  discrepancy: Discrepancy | null;
  lines: TransferLotLine[];
}

/** A box that is on a transfer not yet received: neither store may sell it. */
export interface InTransitBox {
  transferId: string;
  direction: 'out' | 'in';
  peer: StoreRef;
  since: string;
}

type CodeRow = { code: string; lot_id: number; pieces: number; pieces_sold: number; state: number };
type LotRow = {
  id: number;
  bchno: string;
  lot_no: string;
  expiry: string;
  mfg_date: string | null;
  price_per_pack: number;
  product_id: string;
  procurement_order_no: string | null;
  filing_ref: string | null;
  name: string;
  spec: string;
  manufacturer: string;
  approval_no: string;
  nhsa_code: string;
  rx: number;
  pieces_per_pack: number;
};

/**
 * Transfers between stores (调拨): shipping takes boxes out of this store's stock into `in_transit` and reports a
 * 3502 调拨出库 per lot; receiving stocks the boxes that arrived as new lots (same product, lot, dates, price and
 * procurement record) and reports a 3502 调拨入库. One event, its projections and outbox rows in one transaction.
 */
export class TransferWriter {
  private readonly outbox: Outbox;
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly ledgerId: string,
  ) {
    this.outbox = new Outbox(db);
    this.s = {
      code: db.prepare('SELECT code, lot_id, pieces, pieces_sold, state FROM trace_codes WHERE code = ?'),
      lot: db.prepare(`SELECT l.id, l.bchno, l.lot_no, l.expiry, l.mfg_date, l.price_per_pack, l.product_id, r.procurement_order_no, r.filing_ref,
        p.name, p.spec, p.manufacturer, p.approval_no, p.nhsa_code, p.rx, p.pieces_per_pack
        FROM lots l JOIN receipts r ON r.id = l.receipt_id JOIN products p ON p.id = l.product_id WHERE l.id = ?`),
      heldByOpenSale: db.prepare(`SELECT s.id FROM sale_items i JOIN sales s ON s.id = i.sale_id
        WHERE i.code = ? AND i.removed = 0 AND s.status IN ('open', 'settling') LIMIT 1`),
      ship: db.prepare(`UPDATE trace_codes SET state = ${CodeState.IN_TRANSIT} WHERE code = ? AND state = ${CodeState.IN_STOCK}`),
      take: db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand - @pieces WHERE id = @lotId AND pieces_on_hand >= @pieces'),
      outCount: db.prepare("SELECT COUNT(*) FROM transfers WHERE direction = 'out'").pluck(),
      transfer: db.prepare('SELECT * FROM transfers WHERE transfer_id = ?'),
      insertTransfer:
        db.prepare(`INSERT INTO transfers (transfer_id, direction, peer_store, peer_name, shipped_at, manifest, boxes, status, shipped_seq, updated_at)
        VALUES (@transferId, @direction, @peerStore, @peerName, @shippedAt, @manifest, @boxes, 'in_transit', @shippedSeq, @at)
        ON CONFLICT (transfer_id) DO NOTHING`),
      insertTransferCode: db.prepare('INSERT OR IGNORE INTO transfer_codes (code, transfer_id) VALUES (?, ?)'),
      markReceived: db.prepare(`UPDATE transfers SET status = 'received', received_seq = @seq, received_at = @receivedAt, discrepancy = @discrepancy,
        updated_at = @at WHERE transfer_id = @transferId AND status = 'in_transit'`),
      nextReceiptId: db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM receipts').pluck(),
      insertReceipt: db.prepare(`INSERT INTO receipts (id, kind, event_seq, procurement_order_no, filing_ref, received_at)
        VALUES (?, 'transfer', ?, ?, ?, ?)`),
      insertLot:
        db.prepare(`INSERT INTO lots (receipt_id, line_no, product_id, lot_no, mfg_date, expiry, bchno, coded, pieces_received, pieces_on_hand, price_per_pack)
        VALUES (@receiptId, @lineNo, @productId, @lot, @mfgDate, @expiry, @bchno, 1, @pieces, @pieces, @pricePerPack)`),
      // A box that once left this store and now comes back takes its old row over; any other known code is refused before.
      stockCode: db.prepare(`INSERT INTO trace_codes (code, lot_id, pieces, pieces_sold, state, received_seq) VALUES (@code, @lotId, @pieces, @sold, 0, @seq)
        ON CONFLICT (code) DO UPDATE SET lot_id = excluded.lot_id, pieces = excluded.pieces, pieces_sold = excluded.pieces_sold, state = 0,
        received_seq = excluded.received_seq WHERE trace_codes.state = ${CodeState.IN_TRANSIT}`),
      inTransit: db.prepare(`SELECT t.transfer_id, t.direction, t.peer_store, t.peer_name, t.shipped_at FROM transfer_codes c
        JOIN transfers t ON t.transfer_id = c.transfer_id WHERE c.code = ? AND t.status = 'in_transit' LIMIT 1`),
      all: db.prepare('SELECT * FROM transfers ORDER BY shipped_at DESC, transfer_id LIMIT ?'),
      box: db.prepare(`SELECT c.code, c.state, c.pieces - c.pieces_sold AS pieces, l.lot_no AS lot, l.expiry, p.id AS productId, p.name AS productName
        FROM trace_codes c JOIN lots l ON l.id = c.lot_id JOIN products p ON p.id = l.product_id WHERE c.code = ?`),
    };
  }

  /** Ships `codes` (canonical keys) to another store: every box must be on this store's shelf and in no open sale. */
  ship(
    input: { from: StoreRef; to: StoreRef; codes: readonly string[] },
    opts: { at: Date; actor?: string },
  ): { transferId: string; seq: number; boxes: number } {
    if (input.codes.length === 0) throw new TransferError('NOTHING_TO_SHIP', '调拨单没有扫描任何药盒：请逐盒扫描要调出的追溯码');
    if (input.to.store === input.from.store) throw new TransferError('SAME_STORE', '调入门店不能是本店：请选择连锁内的另一家门店');
    return this.db.transaction(() => {
      const byLot = new Map<number, { lot: LotRow; codes: { code: string; pieces: number }[] }>();
      const seen = new Set<string>();
      for (const key of input.codes) {
        if (seen.has(key)) throw new TransferError('DUPLICATE_CODE', `追溯码 ${key} 扫描了两次：每盒只扫一次`);
        seen.add(key);
        const c = this.s.code.get(key) as CodeRow | undefined;
        if (!c) throw new TransferError('CODE_NOT_HERE', `追溯码 ${key} 不是本店入库的药盒，不能调出：请核对药盒`);
        if (c.state !== CodeState.IN_STOCK || c.pieces_sold >= c.pieces)
          throw new TransferError('CODE_NOT_IN_STOCK', `追溯码 ${key} 已不在本店库存（已售出、已调出或已报损），不能调出`);
        const sale = this.s.heldByOpenSale.get(key) as { id: number } | undefined;
        if (sale) throw new TransferError('CODE_IN_SALE', `追溯码 ${key} 正在销售单 ${sale.id} 中：请先在收银台移除或作废该单再调出`);
        let group = byLot.get(c.lot_id);
        if (!group) {
          group = { lot: this.s.lot.get(c.lot_id) as LotRow, codes: [] };
          byLot.set(c.lot_id, group);
        }
        group.codes.push({ code: key, pieces: c.pieces - c.pieces_sold });
      }
      const n = (this.s.outCount.get() as number) + 1;
      // Store code + ledger id + counter: unique across the chain even if a box is reinstalled with a fresh ledger.
      const transferId = `${input.from.store}-${this.ledgerId}-${n}`;
      const seqHint = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 FROM events').pluck().get() as number;
      const lines: TransferLotLine[] = [...byLot.values()].map(({ lot, codes }, i) => ({
        bchno: `${this.ledgerId}-T${seqHint}-${i + 1}`,
        lotBchno: lot.bchno,
        productId: lot.product_id,
        product: {
          nhsaCode: lot.nhsa_code,
          name: lot.name,
          spec: lot.spec,
          manufacturer: lot.manufacturer,
          approvalNo: lot.approval_no,
          rx: lot.rx === 1,
          piecesPerPack: lot.pieces_per_pack,
        },
        lot: lot.lot_no,
        mfgDate: lot.mfg_date,
        expiry: lot.expiry,
        pricePerPack: lot.price_per_pack,
        procurementOrderNo: lot.procurement_order_no,
        filingRef: lot.filing_ref,
        codes,
      }));
      const { seq } = this.log.append('transfer.shipped', { transferId, from: input.from, to: input.to, lines }, opts);
      for (const [lotId, { codes }] of byLot) {
        for (const c of codes) this.s.ship.run(c.code);
        const pieces = codes.reduce((sum, c) => sum + c.pieces, 0);
        if (this.s.take.run({ lotId, pieces }).changes !== 1) throw new TransferError('BELOW_ZERO', '批次库存不足，不能调出：请先盘点核对库存');
      }
      this.insertTransfer({ transferId, direction: 'out', peer: input.to, to: input.to, shippedAt: opts.at.toISOString(), lines, shippedSeq: seq }, opts.at);
      for (const l of lines) if (l.product.nhsaCode.trim() !== '') this.outbox.enqueue(seq, '3502', l.bchno, opts.at);
      return { transferId, seq, boxes: seen.size };
    })();
  }

  /** Keeps the inbound manifests HQ listed (a cache: a manifest already here is left as it is). */
  cacheInbound(manifests: readonly InboundManifest[], at: Date): number {
    let added = 0;
    this.db.transaction(() => {
      for (const m of manifests) {
        if (this.s.transfer.get(m.transferId)) continue;
        this.insertTransfer(
          { transferId: m.transferId, direction: 'in', peer: m.from, to: m.to, shippedAt: m.shippedAt, lines: m.lines, shippedSeq: null },
          at,
        );
        added++;
      }
    })();
    return added;
  }

  /** HQ says the receiver confirmed an outbound transfer: what it found missing and extra (not a ledger event: HQ's news). */
  recordOutcome(transferId: string, outcome: { receivedAt: string; discrepancy: Discrepancy }, at: Date): boolean {
    const row = this.s.transfer.get(transferId) as { direction: string; status: string } | undefined;
    if (!row || row.direction !== 'out' || row.status !== 'in_transit') return false;
    this.s.markReceived.run({ transferId, seq: null, receivedAt: outcome.receivedAt, discrepancy: JSON.stringify(outcome.discrepancy), at: at.toISOString() });
    return true;
  }

  /**
   * Receives an inbound transfer: scanned boxes on the manifest enter stock with their history; boxes on the manifest
   * not scanned are missing, boxes scanned not on it are extra (listed, not stocked — they need a receipt of their own).
   */
  receive(
    transferId: string,
    scanned: readonly string[],
    knownProduct: (productId: string) => boolean,
    opts: { at: Date; actor?: string },
  ): { seq: number; receiptId: number; received: number; discrepancy: Discrepancy } {
    return this.db.transaction(() => {
      const row = this.s.transfer.get(transferId) as
        | { direction: string; status: string; manifest: string; peer_store: string; peer_name: string | null }
        | undefined;
      if (!row || row.direction !== 'in') throw new TransferError('TRANSFER_UNKNOWN', `调拨单 ${transferId} 不是发往本店的调拨：请刷新待收调拨`);
      if (row.status !== 'in_transit') throw new TransferError('TRANSFER_RECEIVED', `调拨单 ${transferId} 已经收货，不能重复收货`);
      const manifest = JSON.parse(row.manifest) as { lines: TransferLotLine[]; to: StoreRef };
      const scannedSet = new Set(scanned);
      const onManifest = new Set(manifest.lines.flatMap((l) => l.codes.map((c) => c.code)));
      const extra = [...scannedSet].filter((c) => !onManifest.has(c));
      const missing = [...onManifest].filter((c) => !scannedSet.has(c));
      for (const l of manifest.lines) {
        if (l.codes.some((c) => scannedSet.has(c.code)) && !knownProduct(l.productId))
          throw new TransferError('PRODUCT_UNKNOWN', `本店目录没有商品 ${l.product.name}（${l.productId}）：请先导入该商品再收货`);
      }
      for (const key of scannedSet) {
        if (!onManifest.has(key)) continue;
        const c = this.s.code.get(key) as CodeRow | undefined;
        if (c && c.state !== CodeState.IN_TRANSIT) throw new TransferError('CODE_ALREADY_HERE', `追溯码 ${key} 已在本店账上，不能再次收货：请联系总部核查`);
      }
      const receiptId = this.s.nextReceiptId.get() as number;
      const lines: TransferLotLine[] = manifest.lines
        .map((l) => ({ ...l, codes: l.codes.filter((c) => scannedSet.has(c.code)) }))
        .filter((l) => l.codes.length > 0)
        .map((l, i) => ({ ...l, bchno: lotBatchId(this.ledgerId, receiptId, i + 1) }));
      const from: StoreRef = { store: row.peer_store, name: row.peer_name };
      const { seq } = this.log.append('transfer.received', { transferId, from, to: manifest.to, receiptId, lines, missing, extra }, opts);
      const first = lines[0];
      this.s.insertReceipt.run(receiptId, seq, first?.procurementOrderNo ?? null, first?.filingRef ?? null, opts.at.toISOString());
      lines.forEach((l, i) => {
        const pieces = l.codes.reduce((sum, c) => sum + c.pieces, 0);
        const lotId = Number(
          this.s.insertLot.run({
            receiptId,
            lineNo: i + 1,
            productId: l.productId,
            lot: l.lot,
            mfgDate: l.mfgDate,
            expiry: l.expiry,
            bchno: l.bchno,
            pieces,
            pricePerPack: l.pricePerPack,
          }).lastInsertRowid,
        );
        // A split box arrives as the pieces it still holds (a box of that many, none sold here).
        for (const c of l.codes) this.s.stockCode.run({ code: c.code, lotId, pieces: c.pieces, sold: 0, seq });
        if (l.product.nhsaCode.trim() !== '') this.outbox.enqueue(seq, '3502', l.bchno, opts.at);
      });
      const discrepancy = { missing, extra };
      this.s.markReceived.run({ transferId, seq, receivedAt: opts.at.toISOString(), discrepancy: JSON.stringify(discrepancy), at: opts.at.toISOString() });
      return { seq, receiptId, received: lines.reduce((n, l) => n + l.codes.length, 0), discrepancy };
    })();
  }

  /** The transfer a box is travelling on (shipped from here, or on its way here), if it has not been received. */
  inTransit(code: string): InTransitBox | undefined {
    const r = this.s.inTransit.get(code) as
      | { transfer_id: string; direction: 'out' | 'in'; peer_store: string; peer_name: string | null; shipped_at: string }
      | undefined;
    return r && { transferId: r.transfer_id, direction: r.direction, peer: { store: r.peer_store, name: r.peer_name }, since: r.shipped_at };
  }

  /** A box as the ship-out screen shows it, with why it cannot be shipped (the same checks ship() makes). */
  box(code: string): { code: string; productId: string; productName: string; lot: string; expiry: string; pieces: number } {
    const b = this.s.box.get(code) as
      | { code: string; state: number; pieces: number; lot: string; expiry: string; productId: string; productName: string }
      | undefined;
    if (!b) throw new TransferError('CODE_NOT_HERE', `追溯码 ${code} 不是本店入库的药盒，不能调出：请核对药盒`);
    if (b.state !== CodeState.IN_STOCK || b.pieces <= 0)
      throw new TransferError('CODE_NOT_IN_STOCK', `追溯码 ${code} 已不在本店库存（已售出、已调出或已报损），不能调出`);
    const sale = this.s.heldByOpenSale.get(code) as { id: number } | undefined;
    if (sale) throw new TransferError('CODE_IN_SALE', `追溯码 ${code} 正在销售单 ${sale.id} 中：请先在收银台移除或作废该单再调出`);
    return { code: b.code, productId: b.productId, productName: b.productName, lot: b.lot, expiry: b.expiry, pieces: b.pieces };
  }

  get(transferId: string): TransferRow | undefined {
    const r = this.s.transfer.get(transferId) as Record<string, unknown> | undefined;
    return r && toRow(r);
  }

  list(limit = 200): TransferRow[] {
    return (this.s.all.all(limit) as Record<string, unknown>[]).map(toRow);
  }

  private insertTransfer(
    t: { transferId: string; direction: 'out' | 'in'; peer: StoreRef; to: StoreRef; shippedAt: string; lines: TransferLotLine[]; shippedSeq: number | null },
    at: Date,
  ): void {
    const manifest = JSON.stringify({ lines: t.lines, to: t.to });
    this.s.insertTransfer.run({
      transferId: t.transferId,
      direction: t.direction,
      peerStore: t.peer.store,
      peerName: t.peer.name,
      shippedAt: t.shippedAt,
      manifest,
      boxes: t.lines.reduce((n, l) => n + l.codes.length, 0),
      shippedSeq: t.shippedSeq,
      at: at.toISOString(),
    });
    for (const l of t.lines) for (const c of l.codes) this.s.insertTransferCode.run(c.code, t.transferId);
  }
}

function toRow(r: Record<string, unknown>): TransferRow {
  const manifest = JSON.parse(r.manifest as string) as { lines: TransferLotLine[] };
  return {
    transferId: r.transfer_id as string,
    direction: r.direction as 'out' | 'in',
    peer: { store: r.peer_store as string, name: (r.peer_name as string | null) ?? null },
    shippedAt: r.shipped_at as string,
    boxes: r.boxes as number,
    status: r.status as 'in_transit' | 'received',
    receivedAt: (r.received_at as string | null) ?? null,
    discrepancy: r.discrepancy ? (JSON.parse(r.discrepancy as string) as Discrepancy) : null,
    lines: manifest.lines,
  };
}
