// Supply days of the insured drugs in a sale (DESIGN 2.7): supply days = pieces ÷ maximum daily dose,
// rounded up. Shared by QUANTITY_LIMIT and REPEAT_PURCHASE.
import type { Product } from '../catalog/product.js';
import type { SaleItemView } from './types.js';

/** One drug (national code) in a sale, its items summed. */
export interface DrugSupply {
  nhsaCode: string;
  /** The first item's product, for the name and piece unit. */
  product: Product;
  firstItemId: number;
  pieces: number;
  /** Smallest maxDailyPieces among the drug's items (they normally agree). */
  maxDailyPieces: number;
}

/** ceil(pieces / maxDailyPieces) in integers. */
export function supplyDays(pieces: number, maxDailyPieces: number): number {
  return Math.ceil(pieces / maxDailyPieces);
}

/**
 * Insured items whose product has a maximum daily dose, grouped by national code (the same drug may
 * come from several lots or items). Out-of-catalogue items are paid by the person and not counted.
 */
export function insuredDrugSupplies(items: readonly SaleItemView[]): DrugSupply[] {
  const byCode = new Map<string, DrugSupply>();
  for (const item of items) {
    const { product } = item;
    const max = product.maxDailyPieces;
    if (!product.insured || max === undefined || max <= 0) continue;
    const key = product.nhsaCode.trim() === '' ? `product:${product.id}` : product.nhsaCode;
    const seen = byCode.get(key);
    if (seen) {
      seen.pieces += item.pieces;
      seen.maxDailyPieces = Math.min(seen.maxDailyPieces, max);
    } else {
      byCode.set(key, { nhsaCode: product.nhsaCode, product, firstItemId: item.itemId, pieces: item.pieces, maxDailyPieces: max });
    }
  }
  return [...byCode.values()];
}
