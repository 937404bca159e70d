// The reporting period of the manager's reports: Shanghai calendar days `from`..`to` (inclusive), turned
// into the half-open UTC range the ledger's ISO timestamps are compared with.

import { AppError } from '../../common/app-error.js';
import { addDays, daysBetween, isCalendarDate } from '../../common/dates.js';
import { shanghaiDate, shanghaiDayStart } from '../../common/time.js';

export interface Period {
  from: string;
  to: string;
  /** First instant of `from` (00:00 Shanghai), ISO UTC. */
  startIso: string;
  /** First instant after `to`, ISO UTC: times t with startIso <= t < endIso are in the period. */
  endIso: string;
  /** `to` is today or later: the ledger's current stock is the period's book stock. */
  toIsToday: boolean;
}

/** A report longer than this is refused: a year's reconciliation is the longest a manager needs. */
export const MAX_PERIOD_DAYS = 366;
export const DEFAULT_PERIOD_DAYS = 7;

/** A bad query: the route answers 400 with this Chinese message. */
export class PeriodError extends AppError {
  constructor(message: string) {
    super('BAD_DATE', 400, message);
  }
}

function checkDate(name: string, value: string): string {
  if (!isCalendarDate(value)) throw new PeriodError(`日期 ${name}=${JSON.stringify(value)} 无效：请按 YYYY-MM-DD 填写真实日期（如 2026-11-22）`);
  return value;
}

/** `from`/`to` from a query; default the last 7 days ending today (Shanghai, by `now`). */
export function parsePeriod(query: { from?: string | undefined; to?: string | undefined }, now: Date): Period {
  const today = shanghaiDate(now);
  const to = query.to !== undefined && query.to !== '' ? checkDate('to', query.to) : today;
  const from = query.from !== undefined && query.from !== '' ? checkDate('from', query.from) : addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  if (daysBetween(from, to) < 0) throw new PeriodError(`开始日期 ${from} 晚于结束日期 ${to}：请调换后重试`);
  if (daysBetween(from, to) + 1 > MAX_PERIOD_DAYS) throw new PeriodError(`查询区间 ${from} 至 ${to} 超过 ${MAX_PERIOD_DAYS} 天：请缩短区间分段查询`);
  return periodOf(from, to, today);
}

export function periodOf(from: string, to: string, today: string): Period {
  const start = shanghaiDayStart(from);
  const end = shanghaiDayStart(addDays(to, 1));
  if (!start || !end) throw new PeriodError(`日期无效：${from} 至 ${to}`);
  return { from, to, startIso: start.toISOString(), endIso: end.toISOString(), toIsToday: daysBetween(today, to) >= 0 };
}

/** Every day of the period, in order. */
export function daysOf(p: Pick<Period, 'from' | 'to'>): string[] {
  const n = daysBetween(p.from, p.to);
  return Array.from({ length: n + 1 }, (_, i) => addDays(p.from, i));
}

/** The Shanghai day of an ISO timestamp. */
export function dayOf(iso: string): string {
  return shanghaiDate(new Date(iso));
}

/** A whole number from a query string within [min, max], or the default; anything else is a PeriodError. */
export function parseCount(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new PeriodError(`参数 ${name}=${JSON.stringify(raw)} 无效：应为 ${min} 到 ${max} 之间的整数`);
  }
  return Number(raw);
}
