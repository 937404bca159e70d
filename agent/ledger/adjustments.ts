import { AppError } from '../../common/app-error.js';
import type { Product } from '../catalog/product.js';
import { CodeState } from './codestate.js';
import type { Db } from './db.js';
import type { EventLog } from './events.js';
import { Outbox } from './outbox.js';

export interface AdjustmentInput {
  lotId: number;
  /** Pieces added (stocktake surplus) or removed (loss, damage): never zero. For coded boxes use `codes`. */
  deltaPieces?: number;
  /** Boxes written off (lost, damaged, expired and destroyed): their remaining pieces leave stock. */
  codes?: string[];
  /** Required: why the book stock changes (盘亏、破损、过期销毁、盘盈 …). */
  reason: string;
}

/** A correction the book cannot take: 422 with the reason. */
export class AdjustmentError extends AppError {
  constructor(code: string, message: string) {
    super(code, 422, message);
  }
}

/**
 * Stock corrections (stocktake differences, write-offs): a new event with its reason, never an edit of the
 * original records; reported as 3502. Coded boxes leave stock by code, so a written-off code can never be sold.
 */
export class AdjustmentWriter {
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
      lot: db.prepare('SELECT l.*, p.nhsa_code, p.name, p.rx, p.pieces_per_pack FROM lots l JOIN products p ON p.id = l.product_id WHERE l.id = ?'),
      code: db.prepare('SELECT code, lot_id, pieces, pieces_sold, state FROM trace_codes WHERE code = ?'),
      writeOff: db.prepare(`UPDATE trace_codes SET state = ${CodeState.WRITTEN_OFF} WHERE code = ? AND state = ${CodeState.IN_STOCK}`),
      move: db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand + @delta WHERE id = @lotId AND pieces_on_hand + @delta >= 0'),
    };
  }

  record(input: AdjustmentInput, product: Product, opts: { at: Date; actor?: string }): { seq: number; delta: number } {
    if (input.reason.trim() === '') throw new AdjustmentError('REASON_REQUIRED', '库存调整必须填写原因（如盘亏、破损、过期销毁）');
    return this.db.transaction(() => {
      const lot = this.s.lot.get(input.lotId) as
        | {
            id: number;
            bchno: string;
            lot_no: string;
            expiry: string;
            mfg_date: string | null;
            pieces_on_hand: number;
            price_per_pack: number;
            coded: number;
            product_id: string;
          }
        | undefined;
      if (!lot) throw new AdjustmentError('LOT_UNKNOWN', `批次 ${input.lotId} 不存在`);
      const codes: { code: string; pieces: number }[] = [];
      for (const key of input.codes ?? []) {
        const c = this.s.code.get(key) as { lot_id: number; pieces: number; pieces_sold: number; state: number } | undefined;
        if (!c || c.lot_id !== lot.id) throw new AdjustmentError('CODE_NOT_IN_LOT', `追溯码 ${key} 不属于该批次`);
        if (c.state !== CodeState.IN_STOCK) throw new AdjustmentError('CODE_NOT_IN_STOCK', `追溯码 ${key} 不在库存中，不能报损`);
        codes.push({ code: key, pieces: c.pieces - c.pieces_sold });
      }
      if (lot.coded === 1 && (input.deltaPieces ?? 0) < 0) {
        throw new AdjustmentError('USE_CODES', '有追溯码的批次报损请逐盒扫描追溯码，不能直接减数量');
      }
      const delta = (input.deltaPieces ?? 0) - codes.reduce((n, c) => n + c.pieces, 0);
      if (delta === 0) throw new AdjustmentError('NOTHING_TO_ADJUST', '调整数量为零：请填写调整数量或扫描报损的追溯码');
      if (lot.pieces_on_hand + delta < 0) throw new AdjustmentError('BELOW_ZERO', `批次 ${lot.lot_no} 只有 ${lot.pieces_on_hand} 件，不能减少 ${-delta} 件`);
      const ledgerId = this.ledgerId;
      const seqHint = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 FROM events').pluck().get() as number;
      const bchno = `${ledgerId}-A${seqHint}`;
      const { seq } = this.log.append(
        'stock.adjusted',
        {
          bchno,
          lotBchno: lot.bchno,
          productId: product.id,
          product: { nhsaCode: product.nhsaCode, name: product.name, rx: product.rx, piecesPerPack: product.piecesPerPack },
          lot: lot.lot_no,
          mfgDate: lot.mfg_date,
          expiry: lot.expiry,
          delta,
          pricePerPack: lot.price_per_pack,
          codes,
          // Also in the event's reason column; here so the 3502 record can carry it.
          reason: input.reason.trim(),
        },
        { ...opts, reason: input.reason.trim() },
      );
      for (const c of codes) this.s.writeOff.run(c.code);
      if (this.s.move.run({ lotId: lot.id, delta }).changes !== 1) throw new AdjustmentError('BELOW_ZERO', '库存不足，不能减少');
      if (product.nhsaCode.trim() !== '') this.outbox.enqueue(seq, '3502', bchno, opts.at);
      return { seq, delta };
    })();
  }
}
