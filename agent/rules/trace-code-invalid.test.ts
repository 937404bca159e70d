import { describe, expect, it } from 'vitest';
import { scanCtx } from './fixtures.test-helpers.js';
import { traceCodeInvalid } from './trace-code-invalid.js';

describe('TRACE_CODE_INVALID', () => {
  it('refuses an invalid scan with the classifier message', () => {
    const r = traceCodeInvalid(scanCtx({ scan: { kind: 'invalid', message: '这是商品条码，不是追溯码：请扫描药品包装上的追溯码' } }));
    expect(r).toEqual([{ code: 'TRACE_CODE_INVALID', message: '这是商品条码，不是追溯码：请扫描药品包装上的追溯码' }]);
  });

  it('adds the next step when the classifier gave none, and points at the waiting item', () => {
    const r = traceCodeInvalid(scanCtx({ scan: { kind: 'invalid', message: '追溯码无法识别' }, waitingItem: { itemId: 7, productId: 'P0003' } }));
    expect(r).toEqual([{ code: 'TRACE_CODE_INVALID', message: '追溯码无法识别：请重新扫描药品包装上的追溯码', itemId: 7 }]);
  });

  it('says nothing about a well-formed code', () => {
    expect(traceCodeInvalid(scanCtx())).toEqual([]);
  });
});
