import { describe, expect, it } from 'vitest';
import { person, prescription, settleCtx } from './fixtures.test-helpers.js';
import { prescriptionIdentityMismatch } from './prescription-identity-mismatch.js';

describe('PRESCRIPTION_IDENTITY_MISMATCH', () => {
  it('refuses a prescription written for someone else', () => {
    const ctx = settleCtx({ prescription: prescription({ patientCertNo: '130105198001011234' }) });
    expect(prescriptionIdentityMismatch(ctx)).toEqual([
      { code: 'PRESCRIPTION_IDENTITY_MISMATCH', message: expect.stringContaining('处方上的患者与参保人不是同一人') },
    ]);
  });

  it('matches ID numbers regardless of x/X case', () => {
    const ctx = settleCtx({ person: person({ certNo: '13010519800101123X' }), prescription: prescription({ patientCertNo: '13010519800101123x' }) });
    expect(prescriptionIdentityMismatch(ctx)).toEqual([]);
  });

  it('does not apply to self-pay, or without a prescription or person', () => {
    const other = prescription({ patientCertNo: '130105198001011234' });
    expect(prescriptionIdentityMismatch(settleCtx({ payment: 'self_pay', prescription: other }))).toEqual([]);
    expect(prescriptionIdentityMismatch(settleCtx({ prescription: undefined }))).toEqual([]);
    expect(prescriptionIdentityMismatch(settleCtx({ prescription: other, person: undefined }))).toEqual([]);
  });
});
