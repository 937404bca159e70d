// Late chain hits (issue 17): a box sold here and at another store of the chain, found after the sale — by the
// recheck of lines sold while HQ did not answer, or by HQ itself when the second store's sale reached it (its
// conflict feed tells both stores). Kept in the ledger's database (migration 13); the manager sees each one on the
// manager page and in health until they mark it checked. The SQL lives here; sync/hq drives it.
import type { Db } from '../ledger/index.js';
import { chainSaleTime } from '../rules/trace-code-sold-in-chain.js';

export interface UncheckedLine {
  itemId: number;
  saleId: number;
  code: string;
}

export interface ChainAlarmInput {
  code: string;
  otherStore: string;
  otherStoreName: string | null;
  /** ISO time of the other store's sale. */
  otherSoldAt: string | null;
  /** This store's sale of the box, when known. */
  saleId: number | null;
  source: 'recheck' | 'hq';
}

export interface ChainAlarm extends ChainAlarmInput {
  id: number;
  detectedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
}

interface AlarmRow {
  id: number;
  code: string;
  other_store: string;
  other_store_name: string | null;
  other_sold_at: string | null;
  sale_id: number | null;
  source: 'recheck' | 'hq';
  detected_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}

const toAlarm = (r: AlarmRow): ChainAlarm => ({
  id: r.id,
  code: r.code,
  otherStore: r.other_store,
  otherStoreName: r.other_store_name,
  otherSoldAt: r.other_sold_at,
  saleId: r.sale_id,
  source: r.source,
  detectedAt: r.detected_at,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
});

/** Health lists this many chain alarms one by one, then a count. */
const LISTED = 3;

export class ChainAlarms {
  constructor(private readonly db: Db) {}

  /** Lines sold (the sale settled) while HQ did not answer, oldest first. Lines of voided sales never left the store. */
  uncheckedLines(limit = 200): UncheckedLine[] {
    return this.db
      .prepare(`SELECT i.id AS itemId, i.sale_id AS saleId, i.code FROM sale_items i INDEXED BY sale_items_chain_unchecked JOIN sales s ON s.id = i.sale_id
        WHERE i.chain_check = 'unchecked' AND i.removed = 0 AND i.code IS NOT NULL AND s.status IN ('settled', 'reversed') ORDER BY i.id LIMIT ?`)
      .all(limit) as UncheckedLine[];
  }

  markLine(itemId: number, mark: 'ok' | 'conflict'): void {
    this.db.prepare("UPDATE sale_items SET chain_check = ? WHERE id = ? AND chain_check = 'unchecked'").run(mark, itemId);
  }

  /** The latest settled sale of this code here, for an alarm HQ's feed reports. */
  saleOfCode(code: string): number | null {
    return (this.db
      .prepare(
        "SELECT s.id FROM sale_items i JOIN sales s ON s.id = i.sale_id WHERE i.code = ? AND i.removed = 0 AND s.status = 'settled' ORDER BY s.id DESC LIMIT 1",
      )
      .pluck()
      .get(code) ?? null) as number | null;
  }

  /** Records the alarm once per (code, other store); true when it is new. */
  raise(a: ChainAlarmInput, at: Date): boolean {
    return (
      this.db
        .prepare(`INSERT INTO chain_alarms (code, other_store, other_store_name, other_sold_at, sale_id, source, detected_at)
          VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code, other_store) DO NOTHING`)
        .run(a.code, a.otherStore, a.otherStoreName, a.otherSoldAt, a.saleId, a.source, at.toISOString()).changes === 1
    );
  }

  list(opts: { unresolvedOnly?: boolean; limit?: number } = {}): ChainAlarm[] {
    const where = opts.unresolvedOnly ? 'WHERE resolved_at IS NULL' : '';
    return (this.db.prepare(`SELECT * FROM chain_alarms ${where} ORDER BY id DESC LIMIT ?`).all(opts.limit ?? 200) as AlarmRow[]).map(toAlarm);
  }

  /** The manager has looked at the box and the other store's sale. */
  resolve(id: number, by: string | undefined, at: Date): boolean {
    return (
      this.db.prepare('UPDATE chain_alarms SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL').run(at.toISOString(), by ?? null, id)
        .changes === 1
    );
  }

  /** The last HQ conflict id this box has taken (hq_replication.conflicts_after). */
  conflictsAfter(): number {
    return this.db.prepare('SELECT conflicts_after FROM hq_replication WHERE id = 1').pluck().get() as number;
  }

  setConflictsAfter(id: number): void {
    this.db.prepare('UPDATE hq_replication SET conflicts_after = ? WHERE id = 1 AND conflicts_after < ?').run(id, id);
  }

  /** For health and the manager page: what happened and what to do, one per conflict (then a count). */
  healthAlarms(): { code: string; message: string }[] {
    const open = this.list({ unresolvedOnly: true, limit: 1000 });
    const alarms = open.slice(0, LISTED).map((a) => ({ code: 'TRACE_CODE_SOLD_IN_CHAIN_LATE', message: chainAlarmMessage(a) }));
    if (open.length > LISTED)
      alarms.push({
        code: 'TRACE_CODE_SOLD_IN_CHAIN_LATE',
        message: `另有 ${open.length - LISTED} 个追溯码在本店和连锁其他门店都已售出：请在管理页面“连锁串码”中逐一核查`,
      });
    return alarms;
  }
}

export function chainAlarmMessage(a: ChainAlarmInput): string {
  const store = a.otherStoreName ?? a.otherStore;
  const here = a.saleId !== null ? `本店（销售单 #${a.saleId}）` : '本店';
  const there = a.otherSoldAt ? `${store}（${chainSaleTime(a.otherSoldAt)}）` : store;
  return `追溯码 ${a.code} 这一盒在${here}和${there}都已售出（连锁总部事后核对发现）：请店长核查该盒去向并联系${store}，核查后在管理页面标记已核查`;
}
