// What the counter page needs to know of the rules, served by GET /api/rules/categories so the page never
// re-encodes them: which product categories each rule looks at, and which step resolves each refusal.
import { MEDICAL_CATEGORIES, NON_INSURANCE_CATEGORIES } from './common.js';
import type { RefusalCode } from './types.js';

/** The step that resolves a refusal; the page maps each to its key and words. */
export type NextStep =
  | 'identity'
  | 'pharmacist'
  | 'prescription'
  | 'prescription_patient'
  | 'consent'
  | 'self_pay_or_remove'
  | 'retry_or_self_pay'
  | 'scan_code';

export const NEXT_STEPS: Readonly<Partial<Record<RefusalCode, NextStep>>> = {
  IDENTITY_REQUIRED: 'identity',
  PRESCRIPTION_REQUIRED: 'prescription',
  PRESCRIPTION_IDENTITY_MISMATCH: 'prescription_patient',
  CONSENT_REQUIRED: 'consent',
  NOT_INSURANCE_PAYABLE: 'self_pay_or_remove',
  PLATFORM_UNAVAILABLE: 'retry_or_self_pay',
  TRACE_CODE_MISSING: 'scan_code',
  PHARMACIST_REQUIRED: 'pharmacist',
};

export interface RuleCategories {
  /** Product categories that need 告知同意 when out of the insurance catalogue (CONSENT_REQUIRED). */
  consentRequired: string[];
  /** Product categories the fund never pays (NOT_INSURANCE_PAYABLE): self-pay only. */
  selfPayOnly: string[];
  nextSteps: Partial<Record<RefusalCode, NextStep>>;
}

export function ruleCategories(): RuleCategories {
  return { consentRequired: [...MEDICAL_CATEGORIES], selfPayOnly: [...NON_INSURANCE_CATEGORIES], nextSteps: { ...NEXT_STEPS } };
}
