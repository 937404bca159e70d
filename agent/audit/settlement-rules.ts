// Settlement rules of the platform's nightly audit (seeds/003: 多人集中时间段结算、单人多次结算、青壮年病人结算
// 偏多、单次大额支出), with the platform simulator's thresholds (sync/simulator/audit.ts), so the manager sees
// what the platform will flag. Per Shanghai day, over settled insurance sales not refunded. Pure functions.

// The same age arithmetic as the platform's audit: whole years on the day of settlement.
import { ageOn } from '../../common/idnumber.js';
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { AuditSale, AuditWarning } from './types.js';

export const BURST_WINDOW_MS = 10 * 60 * 1000;
export const BURST_PERSONS = 5;
export const PERSON_DAILY = 3;
export const YOUNG_DAILY = 2;
export const YOUNG_AGE = { min: 18, max: 30 } as const;
export const LARGE_FEN = 100_000;

const hms = (iso: string): string => formatShanghaiDateTime(new Date(iso)).slice(11);

function byDay(sales: readonly AuditSale[]): Map<string, AuditSale[]> {
  const days = new Map<string, AuditSale[]>();
  const sorted = [...sales].sort((a, b) => a.settledAt.localeCompare(b.settledAt) || a.saleId - b.saleId);
  for (const s of sorted) days.set(s.date, [...(days.get(s.date) ?? []), s]);
  return days;
}

/** ≥ 5 different persons settled within 10 minutes: one warning per burst, not per overlapping window. */
export function multiPersonBurst(sales: readonly AuditSale[]): AuditWarning[] {
  const out: AuditWarning[] = [];
  for (const [date, rows] of byDay(sales)) {
    let i = 0;
    while (i < rows.length) {
      const start = Date.parse(rows[i]!.settledAt);
      let j = i;
      while (j + 1 < rows.length && Date.parse(rows[j + 1]!.settledAt) - start <= BURST_WINDOW_MS) j++;
      const window = rows.slice(i, j + 1);
      const persons = new Set(window.map((r) => r.psnNo));
      if (persons.size >= BURST_PERSONS) {
        out.push({
          rule: 'MULTI_PERSON_BURST',
          title: '短时间内多人集中结算',
          date,
          subject: `${date}:${rows[i]!.saleId}`,
          saleIds: window.map((r) => r.saleId),
          detail: `${date} ${hms(rows[i]!.settledAt)}至${hms(rows[j]!.settledAt)}（10分钟内）共有${persons.size}名不同参保人结算${window.length}笔：请核对是否真实购药，保留视频备查`,
        });
        i = j + 1;
      } else {
        i++;
      }
    }
  }
  return out;
}

function byPerson(rows: readonly AuditSale[]): Map<string, AuditSale[]> {
  const m = new Map<string, AuditSale[]>();
  for (const r of rows) m.set(r.psnNo, [...(m.get(r.psnNo) ?? []), r]);
  return m;
}

/** One person settled ≥ 3 times in a day. */
export function personFrequent(sales: readonly AuditSale[]): AuditWarning[] {
  const out: AuditWarning[] = [];
  for (const [date, rows] of byDay(sales)) {
    for (const [psnNo, list] of byPerson(rows)) {
      if (list.length < PERSON_DAILY) continue;
      out.push({
        rule: 'PERSON_FREQUENT',
        title: '同一参保人单日多次结算',
        date,
        subject: `${date}:${psnNo}`,
        psnNo,
        saleIds: list.map((r) => r.saleId),
        detail: `参保人${list[0]!.personName}${date}在本店医保结算${list.length}次：请核对是否分解处方或代他人购药`,
      });
    }
  }
  return out;
}

/** A person aged 18–30 settled ≥ 2 times in a day. */
export function youngFrequent(sales: readonly AuditSale[]): AuditWarning[] {
  const out: AuditWarning[] = [];
  for (const [date, rows] of byDay(sales)) {
    for (const [psnNo, list] of byPerson(rows)) {
      const birth = list[0]!.birthDate;
      if (!birth || list.length < YOUNG_DAILY) continue;
      const age = ageOn(birth, date);
      if (age < YOUNG_AGE.min || age > YOUNG_AGE.max) continue;
      out.push({
        rule: 'YOUNG_FREQUENT',
        title: '青年参保人频繁结算',
        date,
        subject: `${date}:${psnNo}`,
        psnNo,
        saleIds: list.map((r) => r.saleId),
        detail: `参保人${list[0]!.personName}（${age}岁）${date}在本店医保结算${list.length}次：请核对是否本人购药`,
      });
    }
  }
  return out;
}

/** A single settlement of ≥ 1000.00 yuan (the insured amount the platform settles). */
export function largeAmount(sales: readonly AuditSale[]): AuditWarning[] {
  return sales
    .filter((s) => s.insuredFen >= LARGE_FEN)
    .map((s) => ({
      rule: 'LARGE_AMOUNT' as const,
      title: '单笔大额结算',
      date: s.date,
      subject: `sale:${s.saleId}`,
      psnNo: s.psnNo,
      amountFen: s.insuredFen,
      saleIds: [s.saleId],
      detail: `参保人${s.personName}${s.date}单笔医保结算${fenToYuan(s.insuredFen)}元（${fenToYuan(LARGE_FEN)}元及以上）：请核对处方与用量`,
    }));
}
