// The port through which reconciliation reads back what the platform holds for a day (3512 入库 / 3513 销售
// 追溯信息查询). sync/readback.ts implements it; agent/ never imports sync/ (app wiring aside).
import { AppError } from '../../common/app-error.js';

/** One record as the platform holds it (already checked against the national output table by the adapter). */
export interface HeldRecord {
  /** fixmedins_bchno: the box's stable record id (ledger outbox record_key). */
  bchno: string;
  /** med_list_codg */
  code: string;
  /** fixmedins_hilist_name as uploaded; null when the platform did not return it. */
  name: string | null;
  /** Whole pieces (the minimum unit); null when the platform does not say (3512/3513 answer no quantity). */
  pieces: number | null;
  /** In fen; null when the platform does not say (3512/3513 answer no price). */
  amountFen: number | null;
  /** The trace codes the platform holds for the record, sorted. */
  codes: string[];
}

export interface PlatformDay {
  date: string;
  /** 3512 入库药品追溯信息查询. */
  receipts: HeldRecord[];
  /** 3513 销售药品追溯信息查询 (sales and refunds). */
  sales: HeldRecord[];
}

/**
 * The drug codes (med_list_codg) to ask about: 3512/3513 take a day only with a drug code, an item code or a batch id
 * ("必须传其中一个", sync/spec/queries.ts), so the box asks for each drug code its own records of the day carry.
 */
export interface DayQuery {
  receiptCodes: readonly string[];
  saleCodes: readonly string[];
}

export interface PlatformReadbackPort {
  /** What the platform holds for `date` (yyyy-MM-dd, Asia/Shanghai) under those drug codes. Throws PlatformReadbackError. */
  readDay(date: string, query: DayQuery): Promise<PlatformDay>;
}

/**
 * The read-back failed and nothing was changed; `message` is the Chinese sentence for the manager (what failed,
 * what to do). 502: the box is fine, the platform's answer was not (a bad date is 400).
 */
export class PlatformReadbackError extends AppError {
  constructor(message: string, status = 502) {
    super('PLATFORM_READBACK_FAILED', status, message);
  }
}
