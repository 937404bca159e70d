// Settlement arithmetic of the simulator, in integer fen. A deliberately simple policy (a real
// province's has deductibles, caps and many fund types); also described in README.md.
//
//   med_type "41" 定点药店购药 (ordinary pharmacy purchase):
//     fund pays 0; the personal account pays min(balance, total) when acct_used_flag = "1";
//     the rest is cash.
//   med_type "14" 门慢特病 (registered chronic/special disease):
//     fund pays floor(listed × rate / 100), rate 70 for employees (insutype 310), 55 for residents
//     (390); `listed` is the total of the lines whose drug is on the list of the person's disease
//     (dise_codg when given, otherwise any of the person's registered diseases);
//     then the personal account pays min(balance, total − fund) when acct_used_flag = "1";
//     the rest is cash.
//   Rounding: only the fund share is rounded, down to the fen, so fund + account + cash = total.
//
// Covered days of a line (repeat-purchase check): ceil(cnt / max daily pieces), capped at 7 for
// ordinary sales and 84 (12 weeks) for med_type 14.

export const MED_TYPE_PHARMACY = '41';
export const MED_TYPE_CHRONIC = '14';
export const SUPPORTED_MED_TYPES: readonly string[] = [MED_TYPE_PHARMACY, MED_TYPE_CHRONIC];

/** Fund share (percent) for med_type 14 by insutype. */
export const CHRONIC_FUND_PERCENT: Readonly<Record<string, number>> = { '310': 70, '390': 55 };

/** National fund-type codes for setldetail. */
export const FUND_PAY_TYPE: Readonly<Record<string, string>> = { '310': '310100', '390': '390100' };

export interface PolicyInput {
  medType: string;
  insutype: string;
  acctUsed: boolean;
  balanceFen: number;
  totalFen: number;
  /** Part of the total on the chronic-disease list (med_type 14 only). */
  listedFen: number;
}

export interface PolicyResult {
  fundFen: number;
  accountFen: number;
  cashFen: number;
  balanceAfterFen: number;
}

export function computeSettlement(p: PolicyInput): PolicyResult {
  let fundFen = 0;
  if (p.medType === MED_TYPE_CHRONIC) {
    const percent = CHRONIC_FUND_PERCENT[p.insutype] ?? 0;
    fundFen = Math.floor((p.listedFen * percent) / 100); // exact: integers well below 2^53
  }
  const rest = p.totalFen - fundFen;
  const accountFen = p.acctUsed ? Math.min(p.balanceFen, rest) : 0;
  return { fundFen, accountFen, cashFen: rest - accountFen, balanceAfterFen: p.balanceFen - accountFen };
}

export function coveredDays(cnt: number, maxDailyPieces: number, medType: string): number {
  const days = Math.ceil(cnt / maxDailyPieces);
  return Math.min(days, medType === MED_TYPE_CHRONIC ? 84 : 7);
}
