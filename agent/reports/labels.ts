// How the pages name a record instead of its key (issue 14, finding 6): "销售单 #9（2026-12-01 10:02，阿莫西林胶囊）",
// "商品 阿莫西林胶囊（P0002）", "批次 L2311 · 阿莫西林胶囊". Used where a warning or a list names a record by its key
// (the self-audit's subjects); the keys stay in the API beside these labels.
import { formatShanghaiDateTime } from '../../common/time.js';
import type { Db } from '../ledger/index.js';

export class RecordLabels {
  private readonly st;

  constructor(db: Db) {
    this.st = {
      sale: db.prepare<[number], { id: number; at: string }>('SELECT id, COALESCE(settled_at, opened_at) AS at FROM sales WHERE id = ?'),
      // Each product once, in the order scanned: a basket of three boxes of one drug is one name.
      saleProducts: db.prepare<[number], { name: string }>(
        `SELECT p.name FROM sale_items i JOIN products p ON p.id = i.product_id WHERE i.sale_id = ? AND i.removed = 0
         GROUP BY p.id ORDER BY MIN(i.id)`,
      ),
      product: db.prepare<[string], { name: string }>('SELECT name FROM products WHERE id = ?'),
      lot: db.prepare<[string], { lot_no: string; name: string }>(
        'SELECT l.lot_no, p.name FROM lots l JOIN products p ON p.id = l.product_id WHERE l.bchno = ?',
      ),
    };
  }

  /** 销售单 #9（2026-12-01 10:02，阿莫西林胶囊、布洛芬缓释胶囊） */
  sale(id: number): string {
    const s = this.st.sale.get(id);
    if (!s) return `销售单 #${id}`;
    const names = this.st.saleProducts.all(id).map((r) => r.name);
    const shown = names.length > 3 ? `${names.slice(0, 3).join('、')}等${names.length}种` : names.join('、');
    return `销售单 #${id}（${formatShanghaiDateTime(new Date(s.at)).slice(0, 16)}${shown ? `，${shown}` : ''}）`;
  }

  /** 阿莫西林胶囊 (or the id when the catalogue has no such product) */
  productName(id: string): string {
    return this.st.product.get(id)?.name ?? id;
  }

  /** 商品 阿莫西林胶囊（P0002） */
  product(id: string): string {
    const p = this.st.product.get(id);
    return p ? `商品 ${p.name}（${id}）` : `商品 ${id}`;
  }

  /** 批次 L2311 · 阿莫西林胶囊 */
  lot(bchno: string): string {
    const l = this.st.lot.get(bchno);
    return l ? `批次 ${l.lot_no} · ${l.name}` : `批次 ${bchno}`;
  }

  /**
   * A self-audit subject (agent/audit): `sale:9`, `product:P0002`, `lot:<bchno>`, or the settlement rules'
   * `<date>:<saleId|psnNo>` (a day's finding: the date and whose).
   */
  subject(subject: string): string {
    const [kind, ...rest] = subject.split(':');
    const key = rest.join(':');
    if (kind === 'sale' && /^\d+$/.test(key)) return this.sale(Number(key));
    if (kind === 'product') return this.product(key);
    if (kind === 'lot') return this.lot(key);
    if (kind && /^\d{4}-\d{2}-\d{2}$/.test(kind)) return /^\d+$/.test(key) ? `${kind}，自${this.sale(Number(key))}起` : `${kind}，参保人编号 ${key}`;
    return subject;
  }
}
