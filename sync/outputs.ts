// Reading what the platform sent back: a shape check per interface (so a wrapper never hands the
// caller something that will crash later) and the exact yuan → fen conversion of settlement info.

import { yuanToFen } from '../common/money.js';
import type { SetlInfo } from './interfaces.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';

function moneyProblem(where: string, v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return `${where} is missing`;
  try {
    yuanToFen(v);
    return null;
  } catch {
    return `${where} is not a two-decimal yuan amount: ${JSON.stringify(v)}`;
  }
}

const SETL_MONEY = ['medfee_sumamt', 'fund_pay_sumamt', 'acct_pay', 'psn_cash_pay', 'balc'] as const;

/** Pre-settlement (2101) creates no settlement, so its setl_id may be empty. */
function setlinfoProblem(output: unknown, needsSetlId = true): string | null {
  if (!isRec(output) || !isRec(output['setlinfo'])) return 'output.setlinfo is missing';
  const s = output['setlinfo'];
  if (!isStr(s['psn_no'])) return 'output.setlinfo.psn_no is missing';
  if (needsSetlId ? !isStr(s['setl_id']) : typeof s['setl_id'] !== 'string') return 'output.setlinfo.setl_id is missing';
  for (const k of SETL_MONEY) {
    const p = moneyProblem(`output.setlinfo.${k}`, s[k]);
    if (p) return p;
  }
  return null;
}

const CHECKS: Record<string, (o: unknown) => string | null> = {
  '9001': (o) => (isRec(o) && isRec(o['signinoutb']) && isStr(o['signinoutb']['sign_no']) ? null : 'output.signinoutb.sign_no is missing'),
  '1101': (o) => {
    if (!isRec(o) || !isRec(o['baseinfo']) || !isStr(o['baseinfo']['psn_no'])) return 'output.baseinfo.psn_no is missing';
    if (!Array.isArray(o['insuinfo'])) return 'output.insuinfo is not a list';
    for (const [i, insu] of o['insuinfo'].entries()) {
      if (!isRec(insu)) return `output.insuinfo[${i}] is not an object`;
      const p = moneyProblem(`output.insuinfo[${i}].balc`, insu['balc']);
      if (p) return p;
    }
    return null;
  },
  '1161': (o) => (isRec(o) && isStr(o['ec_token']) ? null : 'output.ec_token is missing'),
  '2101': (o) => setlinfoProblem(o, false),
  '2102': (o) => setlinfoProblem(o),
  // Reversals succeed on infcode 0 (sync/spec/calls.ts): the national output carries nothing the box reads.
  '2103': () => null,
  '2601': () => null,
  '3601': (o) => {
    if (!isRec(o) || !Array.isArray(o['items'])) return 'output.items is not a list';
    return o['items'].every((it) => isRec(it) && isStr(it['item_id']) && isStr(it['rule'])) ? null : 'output.items has an entry without item_id/rule';
  },
};

const UPLOADS = new Set(['3501', '3502', '3503', '3504', '3505', '3506']);

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
  if (r === undefined) return { accepted: true };
  if (!isRec(r)) return { malformed: 'output.result is not an object' };
  const ret = r['retRslt'];
  if (ret === undefined || ret === null || ret === '') return { malformed: 'output.result.retRslt is missing' };
  if (String(ret) === '1') return { accepted: true };
  const msg = typeof r['msgRslt'] === 'string' && r['msgRslt'] !== '' ? r['msgRslt'] : `retRslt=${String(ret)}`;
  return { accepted: false, message: msg };
}

/** null when `output` has the shape `infno` promises (35xx: see uploadVerdict); else the problem. */
export function checkOutput(infno: string, output: unknown): string | null {
  const check = CHECKS[infno];
  if (check) return check(output);
  if (UPLOADS.has(infno)) {
    const v = uploadVerdict(output);
    return 'malformed' in v ? v.malformed : null;
  }
  return output === null || output === undefined || isRec(output) ? null : 'output is not an object';
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
