import { shanghaiDate } from '../../common/time.js';
import type { Product } from '../catalog/product.js';
import { checkScan } from '../rules/index.js';
import { traceCodeInTransit } from '../rules/trace-code-in-transit.js';
import type { LotView, Refusal, ScanContext } from '../rules/types.js';
import { type ClassifyOptions, classifyScan, isTraceCode } from '../tracecode/index.js';
import type { ChainAnswer } from './chain-port.js';
import { CheckoutError, saleNotFound, saleNotOpen } from './errors.js';
import type { ChainCheckMark, SaleStore, ScanLine } from './sale-store.js';
import { priceForPieces, type StockLookup } from './stock-lookup.js';

export type AddItemResult = { ok: true; itemId: number; waiting: boolean } | { ok: false; refused: Refusal[] };

/**
 * Adds whatever the scanner read to an open sale: a trace code adds (or fills) its product's box after
 * every scan-time rule; a product barcode adds an item that waits for its code; a trace-exempt product
 * is added from its lot, first expiry first.
 */
export class Scanner {
  constructor(
    private readonly sales: SaleStore,
    private readonly stock: StockLookup,
    private readonly classifyOptions: ClassifyOptions,
    private readonly clock: () => Date,
  ) {}

  /** The trace code's key when `raw` is one (what the chain HQ is asked about), else undefined. */
  traceKey(raw: string): string | undefined {
    const c = classifyScan(raw, { ...this.classifyOptions, today: shanghaiDate(this.clock()) });
    return c.kind !== 'invalid' && isTraceCode(c) ? c.key : undefined;
  }

  /** `chain`: HQ's answer for this code when the store has an HQ (asked before, never awaited in here). */
  add(saleId: number, raw: string, requestedPieces?: number, chain?: ChainAnswer): AddItemResult {
    return this.sales.scanTransaction(() => this.addInTransaction(saleId, raw, requestedPieces, chain));
  }

  private addInTransaction(saleId: number, raw: string, requestedPieces?: number, chain?: ChainAnswer): AddItemResult {
    const status = this.sales.status(saleId);
    if (!status) throw saleNotFound(saleId);
    if (status !== 'open') throw saleNotOpen(saleId, status);
    const at = this.clock();
    const today = shanghaiDate(at);
    const c = classifyScan(raw, { ...this.classifyOptions, today });
    const items = this.sales.scanLines(saleId);
    const refuse = (refused: Refusal[]): AddItemResult => {
      this.sales.logRefusals(saleId, refused, raw, at);
      return { ok: false, refused };
    };

    if (c.kind !== 'invalid' && !isTraceCode(c)) {
      // A product barcode (or GS1 without serial): the product, never a box.
      const product = this.stock.productFor(c);
      if (!product) return refuse([{ code: 'TRACE_CODE_PRODUCT_MISMATCH', message: `条码 ${raw} 不对应任何在售商品：请核对商品或联系店长维护目录` }]);
      return this.addByProduct(saleId, product, requestedPieces, today, at, refuse);
    }

    const product = c.kind === 'invalid' ? undefined : this.stock.productFor(c);
    const known = c.kind === 'invalid' ? undefined : this.stock.knownCode(c.key);
    const productId = known?.productId ?? product?.id;
    const waiting = items.filter((i) => i.code === null && this.needsCode(i));
    // A code fills a line of its own product waiting for it; a box of another product adds its own line and
    // leaves the waiting one 待扫码 (issue 14: one barcode must not block every other scan — settlement still
    // refuses TRACE_CODE_MISSING for it). A code whose product is unknown points its refusal at the waiting line.
    const waitingItem = productId !== undefined ? waiting.find((i) => i.product_id === productId) : waiting[0];
    const sold = product ?? (known ? this.stock.product(known.productId) : undefined);
    const pieces = waitingItem?.code === null && waitingItem.product_id === productId ? waitingItem.pieces : (requestedPieces ?? sold?.piecesPerPack ?? 1);
    let lot: LotView | undefined;
    if (known) lot = this.stock.lot(known.lotId);
    else if (sold) lot = this.stock.uncodedLot(sold.id, pieces, today);

    const piecesHeldElsewhere = c.kind === 'invalid' ? 0 : this.sales.piecesHeldElsewhere(c.key, saleId);
    const heldBy = piecesHeldElsewhere > 0 && c.kind !== 'invalid' ? this.sales.holderOf(c.key, saleId) : undefined;
    const ctx: ScanContext = {
      today,
      scan: c.kind === 'invalid' ? { kind: 'invalid', message: c.message } : { kind: 'code', key: c.key, raw, ...gs1Facts(c) },
      ...(product ? { product } : sold ? { product: sold } : {}),
      ...(waitingItem ? { waitingItem: { itemId: waitingItem.id, productId: waitingItem.product_id } } : {}),
      ...(known ? { known } : {}),
      ...(lot ? { lot } : {}),
      pieces,
      codesInThisSale: new Set(items.flatMap((i) => (i.code ? [i.code] : []))),
      piecesHeldElsewhere,
      ...(heldBy ? { heldBy } : {}),
      lotPiecesHeld: lot ? this.sales.lotPiecesHeld(lot.lotId) : 0,
      ...(chain?.kind === 'answered' ? { chain: { soldElsewhere: chain.soldElsewhere } } : {}),
    };
    // A box on an unreceived transfer is not on this shelf (at the shipper it is 'in_transit', at the receiver not yet
    // in stock): that refusal alone says what happened, the stock rules would only add noise.
    const inTransit = c.kind !== 'invalid' && (!known || known.state === 'in_transit') ? this.stock.inTransit(c.key) : undefined;
    const refused = inTransit || known?.state === 'in_transit' ? traceCodeInTransit({ ...ctx, ...(inTransit ? { inTransit } : {}) }) : checkScan(ctx);
    if (refused.length > 0 || c.kind === 'invalid' || !sold || !lot) {
      return refuse(refused.length > 0 ? refused : [{ code: 'TRACE_CODE_NOT_IN_STOCK', message: `追溯码 ${raw} 没有可售库存：请核对入库记录或联系店长` }]);
    }
    const fill = {
      code: c.key,
      raw,
      lotId: lot.lotId,
      pieces,
      split: pieces < sold.piecesPerPack,
      price: priceForPieces(sold.pricePerPack, pieces, sold.piecesPerPack),
      chainCheck: (chain ? (chain.kind === 'answered' ? 'ok' : 'unchecked') : null) as ChainCheckMark,
    };
    if (waitingItem && waitingItem.product_id === sold.id) {
      this.sales.fillItem(waitingItem.id, saleId, fill, at);
      return { ok: true, itemId: waitingItem.id, waiting: false };
    }
    return { ok: true, itemId: this.sales.addItem({ saleId, productId: sold.id, ...fill }, at), waiting: false };
  }

  private needsCode(i: ScanLine): boolean {
    return this.stock.product(i.product_id)?.traceExempt !== true;
  }

  private addByProduct(
    saleId: number,
    product: Product,
    requestedPieces: number | undefined,
    today: string,
    at: Date,
    refuse: (r: Refusal[]) => AddItemResult,
  ): AddItemResult {
    const pieces = requestedPieces ?? product.piecesPerPack;
    const split = pieces < product.piecesPerPack;
    const price = priceForPieces(product.pricePerPack, pieces, product.piecesPerPack);
    if (!product.traceExempt) {
      // Waits for its trace code; the code scanned next fills it (and is checked then).
      return {
        ok: true,
        itemId: this.sales.addItem({ saleId, productId: product.id, code: null, raw: null, lotId: null, pieces, split, price }, at),
        waiting: true,
      };
    }
    const lot = this.stock.uncodedLot(product.id, pieces, today);
    if (!lot) return refuse([{ code: 'INSUFFICIENT_STOCK', message: `${product.name}库存不足或已过期：请核对库存后重试` }]);
    return {
      ok: true,
      itemId: this.sales.addItem({ saleId, productId: product.id, code: null, raw: null, lotId: lot.lotId, pieces, split, price }, at),
      waiting: false,
    };
  }
}

function gs1Facts(c: ReturnType<typeof classifyScan>): { gs1Lot?: string; gs1Expiry?: string } {
  if (c.kind !== 'gs1') return {};
  return { ...(c.lot !== undefined ? { gs1Lot: c.lot } : {}), ...(c.expiry !== undefined ? { gs1Expiry: c.expiry } : {}) };
}

export { CheckoutError };
