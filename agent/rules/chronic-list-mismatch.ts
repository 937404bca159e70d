// CHRONIC_LIST_MISMATCH (DESIGN 2.8; seed 002: 一病一清单…当参保人使用已认定病种待遇报销对应病种范围以外药品时，
// 系统将自动触发预警并阻断医保结算): a sale under a chronic-disease entitlement needs the person to hold
// that disease, and every insured drug must be on its list. Drugs off the list may be settled as an
// ordinary outpatient sale (对超出门诊慢特病用药范围外的医保药品，可在门诊统筹额度内享受待遇).
// Without an identified person there is nothing to compare (IDENTITY_REQUIRED reports that).
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function chronicListMismatch(ctx: SettleContext): Refusal[] {
  const code = ctx.chronicDisease;
  if (code === undefined || !ctx.person) return [];
  const disease = ctx.person.chronicDiseases.find((d) => d.code === code);
  if (!disease) return [{ code: 'CHRONIC_LIST_MISMATCH', message: msg.chronicDiseaseNotRegistered(code) }];
  const listed = new Set(disease.drugCodes);
  return ctx.items
    .filter(({ product }) => product.insured && !listed.has(product.nhsaCode))
    .map((item): Refusal => ({ code: 'CHRONIC_LIST_MISMATCH', message: msg.notOnChronicList(item.product.name, disease.name), itemId: item.itemId }));
}
