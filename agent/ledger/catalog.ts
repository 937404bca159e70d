import type { Product } from '../catalog/product.js';
import type { Db } from './db.js';
import type { EventLog } from './events.js';

interface ProductRow {
  id: string;
  name: string;
  spec: string;
  manufacturer: string;
  approval_no: string;
  nhsa_code: string;
  barcode: string | null;
  trace_prefix: string | null;
  gtin: string | null;
  rx: number;
  insured: number;
  category: Product['category'];
  pieces_per_pack: number;
  price_per_pack: number;
  trace_exempt: number;
  max_daily_pieces: number | null;
}

export function productFromRow(r: ProductRow): Product {
  return {
    id: r.id,
    name: r.name,
    spec: r.spec,
    manufacturer: r.manufacturer,
    approvalNo: r.approval_no,
    nhsaCode: r.nhsa_code,
    barcode: r.barcode ?? undefined,
    tracePrefix: r.trace_prefix ?? undefined,
    gtin: r.gtin ?? undefined,
    rx: r.rx === 1,
    insured: r.insured === 1,
    category: r.category,
    piecesPerPack: r.pieces_per_pack,
    pricePerPack: r.price_per_pack,
    traceExempt: r.trace_exempt === 1,
    maxDailyPieces: r.max_daily_pieces ?? undefined,
  };
}

/** Drops undefined members so the event payload is canonical JSON. */
function compact(p: Product): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
}

export class Catalog {
  private readonly upsert;
  private readonly byId;
  private readonly anyLot;

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO products (id, name, spec, manufacturer, approval_no, nhsa_code, barcode, trace_prefix, gtin, rx, insured,
        category, pieces_per_pack, price_per_pack, trace_exempt, max_daily_pieces, updated_seq)
      VALUES (@id, @name, @spec, @manufacturer, @approvalNo, @nhsaCode, @barcode, @tracePrefix, @gtin, @rx, @insured,
        @category, @piecesPerPack, @pricePerPack, @traceExempt, @maxDailyPieces, @seq)
      ON CONFLICT (id) DO UPDATE SET name = excluded.name, spec = excluded.spec, manufacturer = excluded.manufacturer,
        approval_no = excluded.approval_no, nhsa_code = excluded.nhsa_code, barcode = excluded.barcode,
        trace_prefix = excluded.trace_prefix, gtin = excluded.gtin, rx = excluded.rx, insured = excluded.insured,
        category = excluded.category, pieces_per_pack = excluded.pieces_per_pack, price_per_pack = excluded.price_per_pack,
        trace_exempt = excluded.trace_exempt, max_daily_pieces = excluded.max_daily_pieces, updated_seq = excluded.updated_seq`);
    this.byId = db.prepare('SELECT * FROM products WHERE id = ?');
    this.anyLot = db.prepare('SELECT 1 FROM lots WHERE product_id = ? LIMIT 1');
  }

  /**
   * Imports (inserts or replaces) products as one event. A product's pieces per pack cannot change once
   * stock of it has been received: the codes already in stock were counted with the old number.
   */
  importProducts(products: readonly Product[], opts: { at: Date; actor?: string }): { imported: number; seq: number; problems: string[] } {
    return this.db.transaction(() => {
      const problems: string[] = [];
      products.forEach((p, i) => {
        const old = this.get(p.id);
        if (old && old.piecesPerPack !== p.piecesPerPack && this.hasStock(p.id)) {
          problems.push(`products[${i}].piecesPerPack: cannot change from ${old.piecesPerPack} to ${p.piecesPerPack} for "${p.id}" once it has been received`);
        }
      });
      if (problems.length > 0) return { imported: 0, seq: 0, problems };
      const { seq } = this.log.append('catalog.imported', { products: products.map(compact) }, opts);
      for (const p of products) {
        this.upsert.run({
          ...p,
          barcode: p.barcode ?? null,
          tracePrefix: p.tracePrefix ?? null,
          gtin: p.gtin ?? null,
          rx: p.rx ? 1 : 0,
          insured: p.insured ? 1 : 0,
          traceExempt: p.traceExempt ? 1 : 0,
          maxDailyPieces: p.maxDailyPieces ?? null,
          seq,
        });
      }
      return { imported: products.length, seq, problems };
    })();
  }

  get(id: string): Product | undefined {
    const row = this.byId.get(id) as ProductRow | undefined;
    return row ? productFromRow(row) : undefined;
  }

  all(): Product[] {
    return (this.db.prepare('SELECT * FROM products ORDER BY id').all() as ProductRow[]).map(productFromRow);
  }

  private hasStock(productId: string): boolean {
    return this.anyLot.get(productId) !== undefined;
  }
}
