// REPEAT_PURCHASE (DESIGN 2.7): a new insurance sale of a drug inside the period an earlier sale of it
// to the same person still covers is refused.
//
// Seed 002 (河北 冀医保函〔2025〕86号, 重复购药智能监管): "普通门诊处方单次用药不超过1周，慢特病处方不超过12周。
// 对在可用周期内重复购药、超量购药行为进行智能拦截……对按照医生要求、用量在12周以内的药品可提前一周购买".
//
// Decision: the one-week early allowance applies only when the earlier purchase was a chronic (long,
// ≤ 12-week) prescription. An ordinary sale covers at most 7 days, so allowing 7 days early there would
// let the same person buy again every day and the rule would never bite. Ordinary purchases are refused
// until the covered period has run out.
//
// Covered period: a purchase on day D supplying N days covers D … D+N−1, so a new purchase is allowed
// from D+N ("coveredUntil"), or from D+N−7 after a chronic purchase. Only the latest earlier purchase of
// each drug (national code) counts.
import { addDays, isBefore } from '../../common/dates.js';
import { msg } from './messages.js';
import { CHRONIC_MAX_DAYS } from './quantity-limit.js';
import { insuredDrugSupplies } from './supply.js';
import type { PriorPurchase, Refusal, SettleContext } from './types.js';

export const CHRONIC_EARLY_DAYS = 7;

function coveredUntil(p: PriorPurchase): string {
  return addDays(p.date, p.days);
}

/** Latest prior purchase per national code; on the same day the one covering longer. */
function latestByDrug(prior: readonly PriorPurchase[]): Map<string, PriorPurchase> {
  const latest = new Map<string, PriorPurchase>();
  for (const p of prior) {
    const seen = latest.get(p.nhsaCode);
    if (!seen || isBefore(seen.date, p.date) || (seen.date === p.date && isBefore(coveredUntil(seen), coveredUntil(p)))) {
      latest.set(p.nhsaCode, p);
    }
  }
  return latest;
}

export function repeatPurchase(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance' || ctx.priorPurchases.length === 0) return [];
  const latest = latestByDrug(ctx.priorPurchases);
  const out: Refusal[] = [];
  for (const drug of insuredDrugSupplies(ctx.items)) {
    const prior = latest.get(drug.nhsaCode);
    if (!prior) continue;
    const until = coveredUntil(prior);
    const longPrescription = prior.chronic && prior.days <= CHRONIC_MAX_DAYS;
    const allowedFrom = longPrescription ? addDays(until, -CHRONIC_EARLY_DAYS) : until;
    if (!isBefore(ctx.today, allowedFrom)) continue;
    const message = longPrescription
      ? msg.repeatPurchaseChronic(drug.product.name, prior.date, until, allowedFrom)
      : msg.repeatPurchase(drug.product.name, prior.date, until);
    out.push({ code: 'REPEAT_PURCHASE', message, itemId: drug.firstItemId });
  }
  return out;
}
