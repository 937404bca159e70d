// The nightly audit: looks at one Shanghai day's (unreversed) settlements per store and records
// 疑点 (suspicious items), which stores pull with 3601. Rules (warnings, never refusals):
//   MULTI_PERSON_BURST  ≥ 5 different persons settled within 10 minutes at one store
//   PERSON_FREQUENT     one person settled ≥ 3 times in the day at one store
//   YOUNG_FREQUENT      a person aged 18–30 settled ≥ 2 times in the day at one store
//   LARGE_AMOUNT        a single settlement of ≥ 1000.00 yuan
// Re-running for a date adds nothing twice (one item per store/date/rule/subject).

import { ageOn } from '../../common/idnumber.js';
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiDateTime, shanghaiDate } from '../../common/time.js';
import { nextCounter, type SimDb } from './db.js';
import type { Handler } from './handler.js';
import { obj, refuse, str } from './input.js';

const BURST_WINDOW_MS = 10 * 60 * 1000;
const BURST_PERSONS = 5;
const PERSON_DAILY = 3;
const YOUNG_DAILY = 2;
const LARGE_FEN = 100_000;

interface Setl {
  setl_id: string;
  fixmedins_code: string;
  psn_no: string;
  psn_name: string;
  brdy: string;
  medfee_sumamt_fen: number;
  setl_at: string;
}

interface Item {
  store: string;
  rule: string;
  ruleName: string;
  subject: string;
  detail: string;
  psnNo?: string;
  setlId?: string;
  amountFen?: number;
}

const hms = (iso: string): string => formatShanghaiDateTime(new Date(iso)).slice(11);

function burstItems(store: string, rows: Setl[]): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < rows.length) {
    const start = Date.parse(rows[i]!.setl_at);
    let j = i;
    while (j + 1 < rows.length && Date.parse(rows[j + 1]!.setl_at) - start <= BURST_WINDOW_MS) j++;
    const window = rows.slice(i, j + 1);
    const persons = new Set(window.map((r) => r.psn_no));
    if (persons.size >= BURST_PERSONS) {
      items.push({
        store,
        rule: 'MULTI_PERSON_BURST',
        ruleName: '短时间内多人集中结算',
        subject: rows[i]!.setl_id,
        setlId: rows[i]!.setl_id,
        detail: `${hms(rows[i]!.setl_at)}至${hms(rows[j]!.setl_at)}（10分钟内）共有${persons.size}名不同参保人结算${window.length}笔`,
      });
      i = j + 1; // one item per burst, not one per overlapping window
    } else {
      i++;
    }
  }
  return items;
}

function perPersonItems(store: string, rows: Setl[], date: string): Item[] {
  const byPerson = new Map<string, Setl[]>();
  for (const r of rows) byPerson.set(r.psn_no, [...(byPerson.get(r.psn_no) ?? []), r]);
  const items: Item[] = [];
  for (const [psnNo, list] of byPerson) {
    const n = list.length;
    const name = list[0]!.psn_name;
    if (n >= PERSON_DAILY) {
      items.push({ store, rule: 'PERSON_FREQUENT', ruleName: '同一参保人单日多次结算', subject: psnNo, psnNo, detail: `参保人${name}当日在本店结算${n}次` });
    }
    const age = ageOn(list[0]!.brdy, date);
    if (age >= 18 && age <= 30 && n >= YOUNG_DAILY) {
      items.push({
        store,
        rule: 'YOUNG_FREQUENT',
        ruleName: '青年参保人频繁结算',
        subject: psnNo,
        psnNo,
        detail: `参保人${name}（${age}岁）当日在本店结算${n}次`,
      });
    }
  }
  return items;
}

/** Runs the audit of `date` (yyyy-MM-dd, Shanghai); returns how many items that date now has. */
export function runNightlyAudit(db: SimDb, date: string, now: Date): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`runNightlyAudit: date must be yyyy-MM-dd, got ${date}`);
  return db.transaction(() => {
    const rows = db
      .prepare<[string], Setl>(
        `SELECT s.setl_id, s.fixmedins_code, s.psn_no, p.psn_name, p.brdy, s.medfee_sumamt_fen, s.setl_at
         FROM settlements s JOIN persons p ON p.psn_no = s.psn_no
         WHERE s.setl_date = ? AND s.reversed_at IS NULL ORDER BY s.setl_at, s.setl_id`,
      )
      .all(date);
    const items: Item[] = [];
    for (const store of new Set(rows.map((r) => r.fixmedins_code))) {
      const mine = rows.filter((r) => r.fixmedins_code === store);
      items.push(...burstItems(store, mine), ...perPersonItems(store, mine, date));
      for (const r of mine) {
        if (r.medfee_sumamt_fen >= LARGE_FEN) {
          items.push({
            store,
            rule: 'LARGE_AMOUNT',
            ruleName: '单笔大额结算',
            subject: r.setl_id,
            setlId: r.setl_id,
            psnNo: r.psn_no,
            amountFen: r.medfee_sumamt_fen,
            detail: `参保人${r.psn_name}单笔结算${fenToYuan(r.medfee_sumamt_fen)}元`,
          });
        }
      }
    }
    const exists = db.prepare('SELECT 1 FROM audit_items WHERE fixmedins_code = ? AND audit_date = ? AND rule = ? AND subject = ?');
    const insert = db.prepare(`INSERT INTO audit_items (item_id, fixmedins_code, audit_date, rule, rule_name, subject, detail, psn_no, setl_id, amount_fen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const it of items) {
      if (exists.get(it.store, date, it.rule, it.subject)) continue;
      const id = `YD${date.replaceAll('-', '')}${String(nextCounter(db, 'audit_item')).padStart(6, '0')}`;
      insert.run(id, it.store, date, it.rule, it.ruleName, it.subject, it.detail, it.psnNo ?? null, it.setlId ?? null, it.amountFen ?? null);
    }
    db.prepare('INSERT INTO audit_runs (audit_date, ran_at) VALUES (?, ?) ON CONFLICT(audit_date) DO UPDATE SET ran_at = excluded.ran_at').run(
      date,
      now.toISOString(),
    );
    return db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM audit_items WHERE audit_date = ?').get(date)!.n;
  })();
}

/** 3601: the store's items for a date. A past day that was never audited is audited on first pull. */
export const suspiciousItems: Handler = ({ db, input, now, store }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const code = str(data['fixmedins_code'], 'data.fixmedins_code');
  const date = str(data['audit_date'], 'data.audit_date');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) refuse('入参错误：data.audit_date 应为yyyy-MM-dd');
  if (code !== store.fixmedins_code) refuse('无权查询其他定点机构的疑点');
  const ran = db.prepare('SELECT 1 FROM audit_runs WHERE audit_date = ?').get(date);
  if (!ran && date < shanghaiDate(now)) runNightlyAudit(db, date, now);
  const rows = db
    .prepare<
      [string, string],
      { item_id: string; rule: string; rule_name: string; detail: string; psn_no: string | null; setl_id: string | null; amount_fen: number | null }
    >('SELECT * FROM audit_items WHERE fixmedins_code = ? AND audit_date = ? ORDER BY item_id')
    .all(store.fixmedins_code, date);
  return {
    items: rows.map((r) => ({
      item_id: r.item_id,
      rule: r.rule,
      rule_name: r.rule_name,
      detail: r.detail,
      ...(r.psn_no !== null ? { psn_no: r.psn_no } : {}),
      ...(r.setl_id !== null ? { setl_id: r.setl_id } : {}),
      ...(r.amount_fen !== null ? { amount: fenToYuan(r.amount_fen) } : {}),
    })),
  };
};
