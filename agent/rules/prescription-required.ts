// PRESCRIPTION_REQUIRED (DESIGN 2.9; seed 003: 外配处方需经定点医疗机构医师开具，有医师签章): prescription
// drugs need a complete, signed prescription. Reported once per sale, on the first prescription item.
import { msg, PRESCRIPTION_FIELD_NAMES } from './messages.js';
import type { PrescriptionView, Refusal, SettleContext } from './types.js';

const REQUIRED_FIELDS = ['institutionCode', 'doctorName', 'rxNo'] as const satisfies readonly (keyof PrescriptionView)[];

export function prescriptionRequired(ctx: SettleContext): Refusal[] {
  const first = ctx.items.find((item) => item.product.rx);
  if (!first) return [];
  const rx = ctx.prescription;
  const refuse = (message: string): Refusal[] => [{ code: 'PRESCRIPTION_REQUIRED', message, itemId: first.itemId }];
  if (!rx) return refuse(msg.prescriptionMissing(first.product.name));
  const missing = REQUIRED_FIELDS.filter((f) => rx[f].trim() === '').map((f) => PRESCRIPTION_FIELD_NAMES[f]);
  if (missing.length > 0) return refuse(msg.prescriptionIncomplete(missing));
  if (!rx.signed) return refuse(msg.prescriptionUnsigned());
  return [];
}
