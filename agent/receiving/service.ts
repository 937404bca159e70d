import { isCalendarDate } from '../../common/dates.js';
import { shanghaiDate } from '../../common/time.js';
import type { Product } from '../catalog/product.js';
import { codeStateName } from '../ledger/codestate.js';
import { withBulkCache } from '../ledger/db.js';
import type { Ledger } from '../ledger/index.js';
import type { OpeningLine } from '../ledger/receipts.js';
import { type ClassifyOptions, classifyScan } from '../tracecode/index.js';
import type { KnownCodeState, ReceiptInput, ReceiptProblem } from './types.js';
import { validateReceipt } from './validate.js';

export interface OpeningStockInput {
  note?: string;
  procurementOrderNo?: string;
  filingRef?: string;
  lines: { productId: string; lot: string; mfgDate?: string; expiry: string; pieces: number; pricePerPack?: number }[];
}

export type ReceiveResult = { ok: true; id: number } | { ok: false; problems: ReceiptProblem[] };

export type OpeningResult = { ok: true; id: number; pendingWriteOff: PendingWriteOff[] } | { ok: false; problems: ReceiptProblem[] };

/** An opening-stock line whose lot had already expired: counted in, but only to be written off (待报损). */
export interface PendingWriteOff {
  line: number;
  productId: string;
  lot: string;
  expiry: string;
  message: string;
}

/** Receiving: classify every code once, look up what the ledger knows, validate (pure), record. */
export class ReceivingService {
  constructor(
    private readonly ledger: Ledger,
    private readonly classifyOptions: ClassifyOptions,
    private readonly clock: () => Date = () => new Date(),
    /** Called after each recorded receipt (wakes the outbox worker). */
    private readonly onRecorded: () => void = () => {},
  ) {}

  receive(input: ReceiptInput, actor?: string): ReceiveResult {
    // The codes looked up here are the pages the receipt then writes: one large cache for both.
    return withBulkCache(this.ledger.db, () => this.receiveInBulk(input, actor));
  }

  private receiveInBulk(input: ReceiptInput, actor?: string): ReceiveResult {
    const at = this.clock();
    const products = this.productsFor(input.lines.map((l) => l.productId));
    const opts = { ...this.classifyOptions, today: shanghaiDate(at) };
    const classified = input.lines.map((l) => l.codes.map((raw) => classifyScan(raw, opts)));
    const keys = classified.flatMap((line) => line.flatMap((c) => (c.kind === 'invalid' ? [] : [c.key])));
    const known = new Map<string, KnownCodeState>();
    for (const [k, state] of this.ledger.queries.codeStates(keys)) known.set(k, codeStateName(state));
    const verdict = validateReceipt(input, { products, classified, known, today: shanghaiDate(at) });
    if (!verdict.ok) return verdict;
    const { id } = this.ledger.receipts.recordReceipt(
      {
        supplier: input.supplier.trim(),
        invoiceNo: input.invoiceNo.trim(),
        deliveryNoteNo: input.deliveryNoteNo.trim(),
        procurementOrderNo: input.procurementOrderNo?.trim() || undefined,
        filingRef: input.filingRef?.trim() || undefined,
        lines: verdict.lines,
      },
      { at, ...(actor ? { actor } : {}) },
    );
    this.onRecorded();
    return { ok: true, id };
  }

  /** Opening stock without codes (无码库), counted in once when the box is installed. */
  /**
   * Expired lots are taken (the boxes are on the shelf and a stocktake must find them in the books, GSP wants their
   * destruction recorded), but only as 待报损: the answer lists them, the sale rule LOT_EXPIRED never lets them be
   * sold, and the manager writes them off with a reason (报损). A delivery, by contrast, refuses expired lots.
   */
  receiveOpening(input: OpeningStockInput, actor?: string): OpeningResult {
    const at = this.clock();
    const products = this.productsFor(input.lines.map((l) => l.productId));
    const problems: ReceiptProblem[] = [];
    const lines: OpeningLine[] = [];
    const pendingWriteOff: PendingWriteOff[] = [];
    const today = shanghaiDate(at);
    if (input.lines.length === 0) problems.push({ code: 'NO_LINES', message: '期初库存没有明细：请至少添加一行药品' });
    input.lines.forEach((l, i) => {
      const lineNo = i + 1;
      const product = products.get(l.productId);
      if (!product) {
        problems.push({ code: 'PRODUCT_UNKNOWN', line: lineNo, message: `第${lineNo}行：商品编码“${l.productId}”不在商品目录中，请先导入商品目录` });
        return;
      }
      // The platform requires every lot's production date (3501/3505/3506 manu_date): asked here, not discovered at upload.
      if (l.mfgDate === undefined || l.mfgDate.trim() === '') {
        problems.push({
          code: 'MFG_DATE_MISSING',
          line: lineNo,
          message: `第${lineNo}行（${product.name}）：缺少生产日期。医保平台要求每个批号的生产日期，请按包装上的日期填写（YYYY-MM-DD）`,
        });
        return;
      }
      if (!isCalendarDate(l.expiry) || !isCalendarDate(l.mfgDate)) {
        problems.push({ code: 'DATE_INVALID', line: lineNo, message: `第${lineNo}行（${product.name}）：日期无效，请按 YYYY-MM-DD 填写` });
        return;
      }
      if (l.expiry <= l.mfgDate) {
        problems.push({ code: 'EXPIRY_NOT_AFTER_PRODUCTION', line: lineNo, message: `第${lineNo}行（${product.name}）：有效期不晚于生产日期，请核对` });
        return;
      }
      if (l.expiry < today) {
        pendingWriteOff.push({
          line: lineNo,
          productId: product.id,
          lot: l.lot,
          expiry: l.expiry,
          message: `第${lineNo}行（${product.name}）：批号 ${l.lot} 已于 ${l.expiry} 过期，已记为待报损（不可销售），请在“库存”中报损`,
        });
      }
      lines.push({ product, lot: l.lot, mfgDate: l.mfgDate, expiry: l.expiry, pieces: l.pieces, pricePerPack: l.pricePerPack ?? product.pricePerPack });
    });
    if (problems.length > 0) return { ok: false, problems };
    const { id } = this.ledger.receipts.recordOpeningStock(
      { lines, note: input.note, procurementOrderNo: input.procurementOrderNo, filingRef: input.filingRef },
      { at, ...(actor ? { actor } : {}) },
    );
    this.onRecorded();
    return { ok: true, id, pendingWriteOff };
  }

  private productsFor(ids: readonly string[]): Map<string, Product> {
    const out = new Map<string, Product>();
    for (const id of new Set(ids)) {
      const p = this.ledger.catalog.get(id);
      if (p) out.set(id, p);
    }
    return out;
  }
}

export const openingStockSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['lines'],
  properties: {
    note: { type: 'string', maxLength: 500 },
    procurementOrderNo: { type: 'string', maxLength: 64 },
    filingRef: { type: 'string', maxLength: 64 },
    lines: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'lot', 'expiry', 'pieces'],
        properties: {
          productId: { type: 'string', minLength: 1 },
          lot: { type: 'string', minLength: 1, maxLength: 40 },
          mfgDate: { type: 'string' },
          expiry: { type: 'string' },
          pieces: { type: 'integer', minimum: 1 },
          pricePerPack: { type: 'integer', minimum: 0 },
        },
      },
    },
  },
} as const;
