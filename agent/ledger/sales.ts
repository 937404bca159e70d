import type { Product } from '../catalog/product.js';
import { CodeState } from './codestate.js';
import type { Db } from './db.js';
import type { SaleSettledPayload } from './event-types.js';
import type { EventLog } from './events.js';
import { Outbox } from './outbox.js';

export interface SettledItem {
  itemId: number;
  product: Product;
  /** Canonical code key; absent only for trace-exempt goods (and self-pay when the store allows it). */
  code?: string | undefined;
  lotId: number;
  pieces: number;
  split: boolean;
  /** Fen for these pieces. */
  price: number;
  /** The code was not received with a delivery: it is taken from uncoded opening stock (无码库) now. */
  claimed: boolean;
}

export interface SettlementFacts {
  payment: 'insurance' | 'self_pay';
  psnNo?: string | undefined;
  personName?: string | undefined;
  chronicDisease?: string | undefined;
  setlId?: string | undefined;
  mdtrtId?: string | undefined;
  msgid?: string | undefined;
  totals: { total: number; fundPay: number; accountPay: number; cashPay: number };
  prescription?: { rxNo: string; doctorName: string; institutionCode: string } | undefined;
  /** 人员证件类型 from 1101 (3505 psn_cert_type). */
  psnCertType?: string | undefined;
  /** The pharmacist on duty at settlement (药师在岗; 3505 phar_name / phar_prac_cert_no). */
  pharmacist?: { name: string; certNo: string } | undefined;
}

/** The ledger changed under the sale (another counter sold the box, stock ran out): nothing was written. */
export class StockConflictError extends Error {
  constructor(
    message: string,
    readonly itemId: number,
    readonly kind: 'code' | 'lot',
  ) {
    super(message);
  }
}

interface LotInfo {
  bchno: string;
  lot_no: string;
  expiry: string;
  mfg_date: string | null;
}

/**
 * Records a settled sale and its reversal: the event, stock and code projections and the 3505/3506
 * outbox rows in one transaction. Each write re-checks stock, so two counters can never sell one box.
 */
export class SaleWriter {
  private readonly outbox: Outbox;
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    /** The ledger file's random id (meta), part of every batch id we issue. */
    private readonly ledgerId: string,
  ) {
    this.outbox = new Outbox(db);
    this.s = {
      lot: db.prepare('SELECT bchno, lot_no, expiry, mfg_date FROM lots WHERE id = ?'),
      sellCode: db.prepare(`UPDATE trace_codes SET pieces_sold = pieces_sold + @pieces,
          state = CASE WHEN pieces_sold + @pieces >= pieces THEN ${CodeState.SOLD} ELSE ${CodeState.IN_STOCK} END
        WHERE code = @code AND lot_id = @lotId AND state = ${CodeState.IN_STOCK} AND pieces_sold + @pieces <= pieces`),
      claimCode: db.prepare(`INSERT INTO trace_codes (code, lot_id, pieces, pieces_sold, state, received_seq)
        VALUES (@code, @lotId, @boxPieces, @pieces, CASE WHEN @pieces >= @boxPieces THEN ${CodeState.SOLD} ELSE ${CodeState.IN_STOCK} END, @seq)`),
      codeExists: db.prepare('SELECT 1 FROM trace_codes WHERE code = ?').pluck(),
      returnCode: db.prepare(`UPDATE trace_codes SET pieces_sold = pieces_sold - @pieces, state = ${CodeState.IN_STOCK}
        WHERE code = @code AND pieces_sold >= @pieces`),
      takeLot: db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand - @pieces WHERE id = @lotId AND pieces_on_hand >= @pieces'),
      returnLot: db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand + @pieces WHERE id = @lotId'),
      // An insurance sale is recorded only while still settling with the 2102 msgid that was charged: if anything
      // reopened it meanwhile (a recovery's 2601), the charge was reversed and must not become a settled sale.
      markSettled: db.prepare(`UPDATE sales SET status = 'settled', settled_at = @at, settled_seq = @seq, settlement = @settlement,
        payment = @payment, updated_at = @at WHERE id = @id AND (status = 'settling' AND settle_msgid = @msgid OR status = 'open' AND @msgid IS NULL)`),
      markReversed: db.prepare(
        "UPDATE sales SET status = 'reversed', reversed_seq = @seq, reversing = NULL, updated_at = @at WHERE id = @id AND status = 'settled'",
      ),
    };
  }

  recordSettled(saleId: number, counter: string, items: readonly SettledItem[], facts: SettlementFacts, opts: { at: Date; actor?: string }): number {
    return this.db.transaction(() => {
      const ledgerId = this.ledgerId;
      const lines = items.map((it, i) => {
        const lot = this.s.lot.get(it.lotId) as LotInfo | undefined;
        if (!lot) throw new StockConflictError(`lot ${it.lotId} not found`, it.itemId, 'lot');
        return { it, lot, bchno: `${ledgerId}-S${saleId}-${i + 1}` };
      });
      for (const { it } of lines) {
        if (it.claimed && it.code !== undefined && this.s.codeExists.get(it.code) !== undefined) {
          throw new StockConflictError(`code ${it.code} was meanwhile received or sold`, it.itemId, 'code');
        }
        // A box taken from uncoded stock holds one pack; more pieces than that would be two boxes under one code.
        if (it.claimed && it.pieces > it.product.piecesPerPack) {
          throw new StockConflictError(`code ${it.code} cannot hold ${it.pieces} pieces (pack of ${it.product.piecesPerPack})`, it.itemId, 'code');
        }
      }
      const { seq } = this.log.append(
        'sale.settled',
        {
          saleId,
          counter,
          ...facts,
          items: lines.map(({ it, lot, bchno }) => ({
            itemId: it.itemId,
            bchno,
            lotBchno: lot.bchno,
            productId: it.product.id,
            product: { nhsaCode: it.product.nhsaCode, name: it.product.name, rx: it.product.rx, piecesPerPack: it.product.piecesPerPack },
            lot: lot.lot_no,
            mfgDate: lot.mfg_date,
            expiry: lot.expiry,
            code: it.code ?? null,
            pieces: it.pieces,
            split: it.split,
            price: it.price,
            claimed: it.claimed,
          })),
        },
        opts,
      );
      for (const { it, bchno } of lines) {
        if (it.code !== undefined) {
          const args = { code: it.code, lotId: it.lotId, pieces: it.pieces, boxPieces: it.product.piecesPerPack, seq };
          const changed = it.claimed ? this.s.claimCode.run(args).changes : this.s.sellCode.run(args).changes;
          if (changed !== 1) throw new StockConflictError(`code ${it.code} is no longer available (${it.pieces} pieces)`, it.itemId, 'code');
        }
        if (this.s.takeLot.run({ lotId: it.lotId, pieces: it.pieces }).changes !== 1) {
          throw new StockConflictError(`lot ${it.lotId} has fewer than ${it.pieces} pieces`, it.itemId, 'lot');
        }
        if (it.product.nhsaCode.trim() !== '') this.outbox.enqueue(seq, '3505', bchno, opts.at);
      }
      const updated = this.s.markSettled.run({
        id: saleId,
        at: opts.at.toISOString(),
        seq,
        settlement: JSON.stringify(facts),
        payment: facts.payment,
        msgid: facts.msgid ?? null,
      });
      if (updated.changes !== 1) throw new Error(`sale ${saleId} is not open, nor settling with msgid ${facts.msgid ?? '-'}`);
      return seq;
    })();
  }

  /** Whole-sale reversal after settlement: codes and pieces go back to stock, 3506 for each line. */
  recordReversed(saleId: number, settledSeq: number, facts: { reason: string; setlId?: string | undefined }, opts: { at: Date; actor?: string }): number {
    return this.db.transaction(() => {
      const settled = this.db.prepare('SELECT payload FROM events WHERE seq = ?').pluck().get(settledSeq) as string | undefined;
      if (!settled) throw new Error(`settlement event ${settledSeq} of sale ${saleId} not found`);
      const sold = JSON.parse(settled) as SaleSettledPayload;
      const items = sold.items;
      const ledgerId = this.ledgerId;
      const { seq } = this.log.append(
        'sale.reversed',
        {
          saleId,
          settledSeq,
          ...facts,
          ...(sold.psnNo ? { psnNo: sold.psnNo } : {}),
          // Each line repeats what the 3506 record needs, so the return can be reported from this event alone.
          items: items.map((it, i) => ({ ...it, bchno: `${ledgerId}-R${saleId}-${i + 1}`, saleBchno: it.bchno })),
        },
        { ...opts, reason: facts.reason },
      );
      const lotId = this.db.prepare('SELECT id FROM lots WHERE bchno = ?').pluck();
      items.forEach((it, i) => {
        if (it.code !== null && this.s.returnCode.run({ code: it.code, pieces: it.pieces }).changes !== 1) {
          throw new Error(`code ${it.code} cannot take back ${it.pieces} pieces`);
        }
        this.s.returnLot.run({ lotId: lotId.get(it.lotBchno), pieces: it.pieces });
        if (it.product.nhsaCode.trim() !== '') this.outbox.enqueue(seq, '3506', `${ledgerId}-R${saleId}-${i + 1}`, opts.at);
      });
      if (this.s.markReversed.run({ id: saleId, seq, at: opts.at.toISOString() }).changes !== 1) throw new Error(`sale ${saleId} is not settled`);
      return seq;
    })();
  }
}
