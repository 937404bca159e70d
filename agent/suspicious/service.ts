// The platform's 疑点: pulled with 3601 (on the manager's request, and by itself once a day for the last days),
// stored once, answered by the manager. Answers stay on the box as the store's written explanation.

import { AppError } from '../../common/app-error.js';
import { addDays, daysBetween, isCalendarDate } from '../../common/dates.js';
import { shanghaiDate, shanghaiDayStart } from '../../common/time.js';
import { PlatformPortError, PlatformRejectedError } from '../checkout/port.js';
import type { Db } from '../ledger/index.js';
import type { Logger } from '../log.js';
import { type SuspiciousAnswer, type SuspiciousItemView, SuspiciousStore } from './store.js';

/** One 疑点 as the platform lists it (amount converted to fen). */
export interface PlatformSuspiciousItem {
  itemId: string;
  rule: string;
  ruleName: string;
  detail: string;
  psnNo?: string | undefined;
  setlId?: string | undefined;
  amountFen?: number | undefined;
}

/**
 * Port: the one platform call this needs (sync/suspicious-source.ts implements it over 3601). Throws the
 * platform port's errors (checkout/port.ts).
 */
export interface SuspiciousSource {
  pullSuspiciousItems(date: string): Promise<PlatformSuspiciousItem[]>;
}

export class SuspiciousError extends AppError {
  constructor(status: number, code: string, message: string) {
    super(code, status, message);
  }
}

export const MAX_ANSWER_CHARS = 1000;

export interface DailyPullOptions {
  /** How often the box checks whether today's pull is done (default 1 h). */
  intervalMs?: number;
  /** First check after start (default 60 s: the platform connection settles first). */
  firstDelayMs?: number;
}

export class SuspiciousService {
  readonly store: SuspiciousStore;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> | undefined;
  /** The Shanghai day the daily pull last succeeded. */
  private lastDailyPull: string | undefined;

  constructor(
    db: Db,
    private readonly source: SuspiciousSource,
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {
    this.store = new SuspiciousStore(db);
  }

  /** 3601 for `date`; stores new items. Idempotent: the same item pulled twice is stored once. */
  async pull(date: string): Promise<{ pulled: number; items: SuspiciousItemView[] }> {
    if (!isCalendarDate(date)) throw new SuspiciousError(400, 'BAD_DATE', `日期 ${JSON.stringify(date)} 无效：请按 YYYY-MM-DD 填写（如 2026-11-21）`);
    const today = shanghaiDate(this.clock());
    if (daysBetween(today, date) > 0) throw new SuspiciousError(400, 'BAD_DATE', `日期 ${date} 还没到：医保平台只审核已过去的日期`);
    let pulledItems: PlatformSuspiciousItem[];
    try {
      pulledItems = await this.source.pullSuspiciousItems(date);
    } catch (err) {
      if (err instanceof PlatformRejectedError) throw new SuspiciousError(502, 'PLATFORM_REJECTED', `${err.userMessage}：请核对日期，或联系医保经办机构`);
      if (err instanceof PlatformPortError) throw new SuspiciousError(409, 'PLATFORM_UNAVAILABLE', `${err.userMessage}：疑点需联网获取，可稍后再试`);
      throw err;
    }
    const items = pulledItems.map((it) => ({ ...it, date }));
    const window = { from: (shanghaiDayStart(addDays(date, -1)) as Date).toISOString(), until: (shanghaiDayStart(addDays(date, 2)) as Date).toISOString() };
    const pulled = this.store.save(date, items, window, this.clock());
    this.log.info({ date, items: items.length, new: pulled }, 'suspicious items pulled');
    return { pulled, items: this.store.list(date, date) };
  }

  list(from: string, to: string): SuspiciousItemView[] {
    return this.store.list(from, to);
  }

  /** A new answer; earlier answers stay as they were. */
  answer(itemId: string, actor: string, text: string): SuspiciousAnswer {
    const trimmed = text.trim();
    if (trimmed.length === 0 || [...trimmed].length > MAX_ANSWER_CHARS) {
      throw new SuspiciousError(400, 'BAD_ANSWER', `说明须为 1 到 ${MAX_ANSWER_CHARS} 个字：请写明情况与依据（如处方、视频）`);
    }
    if (!this.store.get(itemId)) throw new SuspiciousError(404, 'ITEM_NOT_FOUND', `没有编号为 ${itemId} 的疑点：请先获取该日疑点`);
    return this.store.addAnswer(itemId, actor, trimmed, this.clock());
  }

  /**
   * Once a day: yesterday's items and, again, the day before's (a platform that had not finished auditing at
   * the first pull adds its late items; items already stored are not stored twice). A platform that cannot be
   * reached is tried again at the next check.
   */
  async dailyPull(): Promise<void> {
    const today = shanghaiDate(this.clock());
    if (this.lastDailyPull === today) return;
    try {
      for (const days of [-2, -1]) await this.pull(addDays(today, days));
      this.lastDailyPull = today;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'daily suspicious-item pull failed; will retry');
    }
  }

  /** Starts the daily pull; timers never keep the process alive. */
  start(opts: DailyPullOptions = {}): void {
    const tick = () => {
      this.running ??= this.dailyPull().finally(() => (this.running = undefined));
    };
    const first = setTimeout(tick, opts.firstDelayMs ?? 60_000);
    const every = setInterval(tick, opts.intervalMs ?? 3_600_000);
    first.unref();
    every.unref();
    this.timers = [first, every];
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.running;
  }
}
