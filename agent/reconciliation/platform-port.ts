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
  /** purc_retn_cnt / sel_retn_cnt, whole pieces (the minimum unit). */
  pieces: number;
  /** finl_trns_pric × count, in fen; null when the platform did not return the price. */
  amountFen: number | null;
  /** drugtracinfo[].drug_trac_codg, sorted. */
  codes: string[];
}

export interface PlatformDay {
  date: string;
  /** 3512 入库药品追溯信息查询. */
  receipts: HeldRecord[];
  /** 3513 销售药品追溯信息查询 (sales and refunds). */
  sales: HeldRecord[];
}

export interface PlatformReadbackPort {
  /** Everything the platform holds for `date` (yyyy-MM-dd, Asia/Shanghai). Throws PlatformReadbackError. */
  readDay(date: string): Promise<PlatformDay>;
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
