import { describe, expect, it } from 'vitest';
import { settleCtx } from './fixtures.test-helpers.js';
import { identityRequired } from './identity-required.js';

describe('IDENTITY_REQUIRED', () => {
  it('refuses an insurance settlement without an identified person', () => {
    expect(identityRequired(settleCtx({ person: undefined }))).toEqual([
      { code: 'IDENTITY_REQUIRED', message: '医保结算需先核验身份：请扫描医保电子凭证或读取身份证' },
    ]);
  });

  it('accepts an identified person, and self-pay without one', () => {
    expect(identityRequired(settleCtx())).toEqual([]);
    expect(identityRequired(settleCtx({ payment: 'self_pay', person: undefined }))).toEqual([]);
  });
});
