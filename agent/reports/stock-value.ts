// GET /api/reports/stock-value: what the stock on hand cost, lot by lot at the lot's purchase price.
import type { Db } from '../ledger/index.js';

export interface StockValue {
  totalFen: number;
  products: { productId: string; name: string; pieces: number; valueFen: number }[];
}

/**
 * Fen for `pieces` of a lot bought at `pricePerPack` per pack of `piecesPerPack`, rounded half up to
 * the fen (a split pack costs a fraction of the pack price). Integer arithmetic only.
 */
export function lotValueFen(pieces: number, pricePerPack: number, piecesPerPack: number): number {
  return Math.floor((2 * pieces * pricePerPack + piecesPerPack) / (2 * piecesPerPack));
}

export class StockValueReport {
  private readonly stmt;

  constructor(db: Db) {
    // pieces_per_pack cannot change once a product has been received (Catalog.importProducts), so the
    // catalogue's value is the one each lot was bought with.
    this.stmt = db.prepare(`
      SELECT l.product_id, p.name, l.pieces_on_hand, l.price_per_pack, p.pieces_per_pack
      FROM lots l JOIN products p ON p.id = l.product_id WHERE l.pieces_on_hand > 0 ORDER BY l.product_id, l.id`);
  }

  value(): StockValue {
    const rows = this.stmt.all() as { product_id: string; name: string; pieces_on_hand: number; price_per_pack: number; pieces_per_pack: number }[];
    const byProduct = new Map<string, StockValue['products'][number]>();
    for (const r of rows) {
      const p = byProduct.get(r.product_id) ?? { productId: r.product_id, name: r.name, pieces: 0, valueFen: 0 };
      p.pieces += r.pieces_on_hand;
      p.valueFen += lotValueFen(r.pieces_on_hand, r.price_per_pack, r.pieces_per_pack);
      byProduct.set(r.product_id, p);
    }
    const products = [...byProduct.values()];
    return { totalFen: products.reduce((n, p) => n + p.valueFen, 0), products };
  }
}
