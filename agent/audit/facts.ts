// Reads the facts the audit rules judge, from the ledger, for one period. The only I/O of agent/audit.
//
// What counts as "modified" (RECORD_MODIFIED) is what the ledger keeps a trace of: stock adjustments of a
// batch (stock.adjusted events), lines removed from a sale before settlement (sale_items.removed), and
// catalogue changes of a product (catalog.imported events whose content differs from the product's
// previous version). Identity and prescription replacements on an open sale overwrite the row and leave
// no history, so they cannot be counted.

import { canonicalJson } from '../ledger/events.js';
import type { Db } from '../ledger/index.js';
import { MovementQueries } from '../reports/movements.js';
import { dayOf, type Period } from '../reports/period.js';
import type { AuditFacts, AuditSale, ModifiedRecord, StockOutflow } from './types.js';

export class AuditFactsQuery {
  private readonly movements: MovementQueries;
  private readonly s;

  constructor(private readonly db: Db) {
    this.movements = new MovementQueries(db);
    this.s = {
      // The insured part is what 2102 settled (checkout/settle.ts sends insured lines with a national code).
      sales: db.prepare(`
        SELECT s.id, s.settled_at, s.psn_no, s.person, json_extract(s.settlement, '$.setlId') AS setl_id,
          (SELECT COALESCE(SUM(json_extract(i.value, '$.price')), 0) FROM events e, json_each(e.payload, '$.items') i
             JOIN products p ON p.id = json_extract(i.value, '$.productId')
             WHERE e.seq = s.settled_seq AND p.insured = 1 AND TRIM(p.nhsa_code) <> '') AS insured_fen
        FROM sales s WHERE s.status = 'settled' AND s.payment = 'insurance' AND s.psn_no IS NOT NULL
          AND s.settled_at >= @start AND s.settled_at < @end`),
      lotAdjustments: db.prepare(`
        SELECT json_extract(e.payload, '$.lotBchno') AS bchno, json_extract(e.payload, '$.lot') AS lot,
          json_extract(e.payload, '$.productId') AS product_id, p.name, COUNT(*) AS n
        FROM events e LEFT JOIN products p ON p.id = json_extract(e.payload, '$.productId')
        WHERE e.type = 'stock.adjusted' AND e.at >= @start AND e.at < @end GROUP BY bchno`),
      removedLines: db.prepare(`
        SELECT i.sale_id, COUNT(*) AS n FROM sales s JOIN sale_items i ON i.sale_id = s.id
        WHERE i.removed = 1 AND s.opened_at >= @start AND s.opened_at < @end GROUP BY i.sale_id`),
      catalogEvents: db.prepare("SELECT at, payload FROM events WHERE type = 'catalog.imported' AND at < @end ORDER BY seq"),
      productNames: db.prepare('SELECT id, name FROM products'),
    };
  }

  facts(period: Period): AuditFacts {
    return this.db.transaction(() => ({ sales: this.sales(period), outflows: this.outflows(period), modified: this.modified(period) })).deferred();
  }

  private sales(period: Period): AuditSale[] {
    const rows = this.s.sales.all({ start: period.startIso, end: period.endIso }) as {
      id: number;
      settled_at: string;
      psn_no: string;
      person: string | null;
      setl_id: string | null;
      insured_fen: number;
    }[];
    return rows.map((r) => {
      const person = r.person ? (JSON.parse(r.person) as { name?: string; birthDate?: string }) : {};
      return {
        saleId: r.id,
        settledAt: r.settled_at,
        date: dayOf(r.settled_at),
        psnNo: r.psn_no,
        personName: person.name ?? '',
        birthDate: person.birthDate ?? null,
        insuredFen: r.insured_fen,
        setlId: r.setl_id,
      };
    });
  }

  private outflows(period: Period): StockOutflow[] {
    return this.movements
      .during(period)
      .map((m) => ({ productId: m.productId, name: m.name, charged: m.during.sold - m.during.returned, writtenOff: m.during.writtenOff }));
  }

  private modified(period: Period): ModifiedRecord[] {
    const range = { start: period.startIso, end: period.endIso };
    const lots = (this.s.lotAdjustments.all(range) as { bchno: string; lot: string; product_id: string; name: string | null; n: number }[]).map((r) => ({
      kind: 'lot' as const,
      subject: r.bchno,
      label: `${r.lot}（${r.name ?? r.product_id}）`,
      changes: r.n,
      saleIds: [],
      productId: r.product_id,
    }));
    const sales = (this.s.removedLines.all(range) as { sale_id: number; n: number }[]).map((r) => ({
      kind: 'sale' as const,
      subject: String(r.sale_id),
      label: `#${r.sale_id}`,
      changes: r.n,
      saleIds: [r.sale_id],
    }));
    return [...lots, ...sales, ...this.productChanges(period)];
  }

  /** Catalogue imports that changed a product already known before (a first import is not a change). */
  private productChanges(period: Period): ModifiedRecord[] {
    const last = new Map<string, string>();
    const changes = new Map<string, number>();
    for (const e of this.s.catalogEvents.iterate({ end: period.endIso }) as IterableIterator<{ at: string; payload: string }>) {
      for (const p of (JSON.parse(e.payload) as { products: { id: string }[] }).products) {
        const text = canonicalJson(p);
        const before = last.get(p.id);
        if (before !== undefined && before !== text && e.at >= period.startIso) changes.set(p.id, (changes.get(p.id) ?? 0) + 1);
        last.set(p.id, text);
      }
    }
    const names = new Map((this.s.productNames.all() as { id: string; name: string }[]).map((r) => [r.id, r.name]));
    return [...changes].map(([id, n]) => ({
      kind: 'product' as const,
      subject: id,
      label: `${names.get(id) ?? id}（${id}）`,
      changes: n,
      saleIds: [],
      productId: id,
    }));
  }
}
