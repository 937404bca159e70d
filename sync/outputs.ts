// Reading what the platform sent back, by the interface's output table (sync/spec: the same tables and validator
// as the inputs): every field the box needs present, every field it reads in its national format, so a wrapper
// never hands the caller something that will crash later; then the exact yuan → fen conversion of settlement info.
// Success is the national signal: infcode 0 (reversals 2103/2601 need nothing more), and for 3501–3506 a `result`
// with retRslt "1" when the platform sends one.

import { yuanToFen } from '../common/money.js';
import type { SetlInfo } from './interfaces.js';
import { describeProblems, SPECS, validateOutput } from './spec/index.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * infcode values of the national interface: 0 success, -1 business refusal (err_msg says why), and -2 the
 * simulator's and several provinces' "sign_no invalid" (sync/interfaces.ts). Anything else is an answer the box
 * cannot read: it is not taken as a refusal (a 2102 answered so may have charged) but as unreadable, so the
 * settlement is reversed by its msgid like a lost answer and never left 结算中.
 */
export const KNOWN_INFCODES: ReadonlySet<number> = new Set([0, -1, -2]);

/** Why an infcode ≠ 0 cannot be read as a refusal, or null when it is a known one. */
export function unknownInfcode(infcode: number): string | null {
  return KNOWN_INFCODES.has(infcode) ? null : `unknown infcode ${infcode} (the national interface knows 0 success and -1 refusal)`;
}

/**
 * 35xx: the platform's verdict on the record. `output.result.retRslt` "1" is accepted; any other value is a
 * refusal carrying the platform's msgRslt. An output without `result` is accepted on infcode 0 (decision: the
 * sources disagree — openhis-itaii reads a missing result as success, openhis-clinic as failure; our own
 * simulator and several provinces answer 3501–3504 with nothing).
 */
export function uploadVerdict(output: unknown): { accepted: true } | { accepted: false; message: string } | { malformed: string } {
  if (output === null || output === undefined || output === '') return { accepted: true };
  if (!isRec(output)) return { malformed: 'output is not an object' };
  const r = output['result'];
  if (r === undefined || r === null) return { accepted: true };
  if (!isRec(r)) return { malformed: 'output.result is not an object' };
  const ret = r['retRslt'];
  if (ret === undefined || ret === null || ret === '') return { malformed: 'output.result.retRslt is missing' };
  if (String(ret) === '1') return { accepted: true };
  const msg = typeof r['msgRslt'] === 'string' && r['msgRslt'] !== '' ? r['msgRslt'] : `retRslt=${String(ret)}`;
  return { accepted: false, message: msg };
}

/**
 * null when `output` has what the output table of `infno` says the box reads; else every problem in one line,
 * each naming the field (e.g. "2102 setlinfo.setl_id 缺失（结算ID）"). An interface without a table (3507) may
 * answer nothing or any object.
 */
export function checkOutput(infno: string, output: unknown): string | null {
  if (SPECS[infno]) {
    const problems = validateOutput(infno, output);
    return problems.length > 0 ? describeProblems(infno, problems) : null;
  }
  return output === null || output === undefined || output === '' || isRec(output) ? null : 'output is not an object';
}

/** setlinfo with money in integer fen. */
export interface SettlementAmounts {
  setlId: string;
  mdtrtId: string;
  psnNo: string;
  totalFen: number;
  fundPayFen: number;
  accountPayFen: number;
  cashPayFen: number;
  /** Personal-account balance after the settlement. */
  balanceFen: number;
  /** yyyy-MM-dd HH:mm:ss, Asia/Shanghai, as the platform wrote it. */
  setlTime: string;
}

/** Converts a checked setlinfo (see checkOutput) to fen; throws on an unparseable amount. */
export function readSetlinfo(s: SetlInfo): SettlementAmounts {
  return {
    setlId: s.setl_id,
    mdtrtId: s.mdtrt_id,
    psnNo: s.psn_no,
    totalFen: yuanToFen(s.medfee_sumamt),
    fundPayFen: yuanToFen(s.fund_pay_sumamt),
    accountPayFen: yuanToFen(s.acct_pay),
    cashPayFen: yuanToFen(s.psn_cash_pay),
    balanceFen: yuanToFen(s.balc),
    setlTime: s.setl_time,
  };
}
