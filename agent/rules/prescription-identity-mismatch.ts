// PRESCRIPTION_IDENTITY_MISMATCH (DESIGN 2.9; seed 003: 处方使用人与参保人员身份要一致): the
// prescription's patient must be the insured person. ID numbers may end in x or X.
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

function sameCertNo(a: string, b: string): boolean {
  return a.trim().toUpperCase() === b.trim().toUpperCase();
}

export function prescriptionIdentityMismatch(ctx: SettleContext): Refusal[] {
  const { prescription, person } = ctx;
  if (ctx.payment !== 'insurance' || !prescription || !person) return [];
  if (sameCertNo(prescription.patientCertNo, person.certNo)) return [];
  return [{ code: 'PRESCRIPTION_IDENTITY_MISMATCH', message: msg.prescriptionIdentityMismatch() }];
}
