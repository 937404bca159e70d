import type { Product } from '../catalog/product.js';
import { productFromRow } from '../ledger/catalog.js';
import { codeStateName } from '../ledger/codestate.js';
import type { Db } from '../ledger/index.js';
import type { KnownCode, LotView, ScanContext } from '../rules/types.js';
import type { ScanClass } from '../tracecode/index.js';

type ProductRow = Parameters<typeof productFromRow>[0];

const LOT_VIEW = `SELECT l.id AS lotId, l.product_id AS productId, l.lot_no AS lot, l.expiry, l.pieces_on_hand AS piecesOnHand, l.coded,
  (r.procurement_order_no IS NOT NULL OR r.filing_ref IS NOT NULL) AS procured
  FROM lots l JOIN receipts r ON r.id = l.receipt_id`;

function toLotView(r: Record<string, unknown> | undefined): LotView | undefined {
  return (
    r && {
      lotId: r.lotId as number,
      productId: r.productId as string,
      lot: r.lot as string,
      expiry: r.expiry as string,
      piecesOnHand: r.piecesOnHand as number,
      coded: r.coded === 1,
      procured: r.procured === 1,
    }
  );
}

/** Read-only lookups checkout needs at scan time: one indexed query each. */
export class StockLookup {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      byPrefix: db.prepare('SELECT * FROM products WHERE trace_prefix = ? ORDER BY id LIMIT 1'),
      byGtin: db.prepare('SELECT * FROM products WHERE gtin = @gtin OR barcode = @ean ORDER BY id LIMIT 1'),
      byId: db.prepare('SELECT * FROM products WHERE id = ?'),
      code: db.prepare(
        'SELECT c.code, c.lot_id, c.state, c.pieces, c.pieces_sold, l.product_id FROM trace_codes c JOIN lots l ON l.id = c.lot_id WHERE c.code = ?',
      ),
      lot: db.prepare(`${LOT_VIEW} WHERE l.id = ?`),
      inTransit: db.prepare(`SELECT t.transfer_id AS transferId, t.direction, t.peer_store AS peerStore, t.peer_name AS peerName, t.shipped_at AS since
        FROM transfer_codes c JOIN transfers t ON t.transfer_id = c.transfer_id WHERE c.code = ? AND t.status = 'in_transit' LIMIT 1`),
      // First-expiry-first among lots that still have pieces not held by open sales.
      fefo: db.prepare(`${LOT_VIEW} WHERE l.product_id = @productId AND l.coded = @coded AND l.expiry >= @today
        AND l.pieces_on_hand - COALESCE((SELECT SUM(i.pieces) FROM sales s CROSS JOIN sale_items i INDEXED BY sale_items_sale ON i.sale_id = s.id
          WHERE s.status IN ('open', 'settling') AND i.lot_id = l.id AND i.removed = 0), 0) >= @pieces
        ORDER BY l.expiry, l.id LIMIT 1`),
    };
  }

  /** The catalogue product a scan identifies (drug id, GTIN, barcode, manufacturer pattern). */
  productFor(c: ScanClass): Product | undefined {
    let row: ProductRow | undefined;
    if (c.kind === 'nmpa20') row = this.s.byPrefix.get(c.drugId) as ProductRow | undefined;
    else if (c.kind === 'gs1' || c.kind === 'ean13') {
      const gtin = c.kind === 'gs1' ? c.gtin : `0${c.barcode}`;
      row = this.s.byGtin.get({ gtin, ean: gtin.startsWith('0') ? gtin.slice(1) : gtin }) as ProductRow | undefined;
    } else if (c.kind === 'manufacturer' && c.productRef) {
      row = (this.s.byPrefix.get(c.productRef) ?? this.s.byId.get(c.productRef)) as ProductRow | undefined;
    }
    return row ? productFromRow(row) : undefined;
  }

  product(id: string): Product | undefined {
    const row = this.s.byId.get(id) as ProductRow | undefined;
    return row ? productFromRow(row) : undefined;
  }

  knownCode(key: string): KnownCode | undefined {
    const r = this.s.code.get(key) as { code: string; lot_id: number; state: number; pieces: number; pieces_sold: number; product_id: string } | undefined;
    return r && { key: r.code, productId: r.product_id, lotId: r.lot_id, state: codeStateName(r.state), pieces: r.pieces, piecesSold: r.pieces_sold };
  }

  /** The unreceived transfer (调拨) a box is on, shipped from here or on its way here. */
  inTransit(key: string): ScanContext['inTransit'] {
    return this.s.inTransit.get(key) as ScanContext['inTransit'];
  }

  lot(id: number): LotView | undefined {
    return toLotView(this.s.lot.get(id) as Record<string, unknown> | undefined);
  }

  /** The uncoded lot (opening stock, or trace-exempt goods) to draw `pieces` from, first expiry first. */
  uncodedLot(productId: string, pieces: number, today: string): LotView | undefined {
    return toLotView(this.s.fefo.get({ productId, coded: 0, today, pieces }) as Record<string, unknown> | undefined);
  }
}

/** Price of `pieces` out of a pack, rounded half up to the fen, in integers only. */
export function priceForPieces(pricePerPack: number, pieces: number, piecesPerPack: number): number {
  const num = 2 * pricePerPack * pieces + piecesPerPack;
  const den = 2 * piecesPerPack;
  return (num - (num % den)) / den;
}
