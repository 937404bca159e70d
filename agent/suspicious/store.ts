// SQL for the platform's 疑点 and the manager's answers (migration 7). Items are stored once, as the
// platform sent them; answers are only ever added (triggers refuse UPDATE and DELETE).
import type { Db } from '../ledger/index.js';

export interface SuspiciousAnswer {
  at: string;
  actor: string;
  text: string;
}

export interface SuspiciousItemView {
  itemId: string;
  date: string;
  rule: string;
  ruleName: string;
  detail: string;
  psnNo?: string;
  setlId?: string;
  saleId?: number;
  amountFen?: number;
  pulledAt: string;
  answers: SuspiciousAnswer[];
}

export interface NewItem {
  itemId: string;
  date: string;
  rule: string;
  ruleName: string;
  detail: string;
  psnNo?: string | undefined;
  setlId?: string | undefined;
  amountFen?: number | undefined;
}

interface ItemRow {
  item_id: string;
  audit_date: string;
  rule: string;
  rule_name: string;
  detail: string;
  psn_no: string | null;
  setl_id: string | null;
  amount_fen: number | null;
  sale_id: number | null;
  pulled_at: string;
}

export class SuspiciousStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO suspicious_items (item_id, audit_date, rule, rule_name, detail, psn_no, setl_id, amount_fen, sale_id, pulled_at)
        VALUES (@itemId, @date, @rule, @ruleName, @detail, @psnNo, @setlId, @amountFen, @saleId, @at) ON CONFLICT (item_id) DO NOTHING`),
      // The platform names the settlement; the sale that carries it settled around that day (±1 day for clocks).
      saleOf: db
        .prepare(`SELECT id FROM sales WHERE settled_at >= @from AND settled_at < @until AND payment = 'insurance'
        AND json_extract(settlement, '$.setlId') = @setlId ORDER BY id LIMIT 1`)
        .pluck(),
      markPulled: db.prepare(`INSERT INTO suspicious_pulls (audit_date, pulled_at, items) VALUES (?, ?, ?)
        ON CONFLICT (audit_date) DO UPDATE SET pulled_at = excluded.pulled_at, items = excluded.items`),
      pulled: db.prepare('SELECT 1 FROM suspicious_pulls WHERE audit_date = ?').pluck(),
      byDates: db.prepare('SELECT * FROM suspicious_items WHERE audit_date >= ? AND audit_date <= ? ORDER BY audit_date DESC, item_id'),
      item: db.prepare('SELECT * FROM suspicious_items WHERE item_id = ?'),
      answers: db.prepare('SELECT item_id, at, actor, text FROM suspicious_answers WHERE item_id = ? ORDER BY id'),
      answer: db.prepare('INSERT INTO suspicious_answers (item_id, at, actor, text) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Stores the items of one audit day, each once; returns how many were new. */
  save(date: string, items: readonly NewItem[], dayWindow: { from: string; until: string }, at: Date): number {
    return this.db.transaction(() => {
      let added = 0;
      for (const it of items) {
        const saleId = it.setlId ? ((this.s.saleOf.get({ ...dayWindow, setlId: it.setlId }) as number | undefined) ?? null) : null;
        added += this.s.insert.run({
          itemId: it.itemId,
          date: it.date,
          rule: it.rule,
          ruleName: it.ruleName,
          detail: it.detail,
          psnNo: it.psnNo ?? null,
          setlId: it.setlId ?? null,
          amountFen: it.amountFen ?? null,
          saleId,
          at: at.toISOString(),
        }).changes;
      }
      this.s.markPulled.run(date, at.toISOString(), items.length);
      return added;
    })();
  }

  wasPulled(date: string): boolean {
    return this.s.pulled.get(date) !== undefined;
  }

  list(from: string, to: string): SuspiciousItemView[] {
    return (this.s.byDates.all(from, to) as ItemRow[]).map((r) => this.view(r));
  }

  get(itemId: string): SuspiciousItemView | undefined {
    const r = this.s.item.get(itemId) as ItemRow | undefined;
    return r && this.view(r);
  }

  addAnswer(itemId: string, actor: string, text: string, at: Date): SuspiciousAnswer {
    this.s.answer.run(itemId, at.toISOString(), actor, text);
    return { at: at.toISOString(), actor, text };
  }

  private view(r: ItemRow): SuspiciousItemView {
    return {
      itemId: r.item_id,
      date: r.audit_date,
      rule: r.rule,
      ruleName: r.rule_name,
      detail: r.detail,
      ...(r.psn_no !== null ? { psnNo: r.psn_no } : {}),
      ...(r.setl_id !== null ? { setlId: r.setl_id } : {}),
      ...(r.sale_id !== null ? { saleId: r.sale_id } : {}),
      ...(r.amount_fen !== null ? { amountFen: r.amount_fen } : {}),
      pulledAt: r.pulled_at,
      answers: (this.s.answers.all(r.item_id) as SuspiciousAnswer[]).map((a) => ({ at: a.at, actor: a.actor, text: a.text })),
    };
  }
}
