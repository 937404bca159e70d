import { describe, expect, it } from 'vitest';
import { PlatformOutcomeUnknownError, PlatformRejectedError, PlatformUnavailableError } from '../agent/checkout/port.js';
import { PlatformRejectedError as ClientRejectedError, PlatformHttpError, PlatformSignInRejectedError, PlatformTimeoutError } from './errors.js';
import { toPortError } from './port-errors.js';

describe('client errors → the port errors the domain understands', () => {
  it("a refusal keeps the platform's own words and code", () => {
    const e = toPortError(new ClientRejectedError('2102', 'M1', -1, '该人员无有效参保信息'), true);
    expect(e).toBeInstanceOf(PlatformRejectedError);
    expect(e).toMatchObject({ platformMessage: '该人员无有效参保信息', platformCode: -1, userMessage: '医保平台拒绝：该人员无有效参保信息' });
  });

  it('a refused sign-in was not processed: unavailable, and one retry may go at once', () => {
    const e = toPortError(new PlatformSignInRejectedError('2102', 'M1', -1, '签到号无效'), true);
    expect(e).toBeInstanceOf(PlatformUnavailableError);
    expect((e as PlatformUnavailableError).retryNow).toBe(true);
  });

  it('no answer: may have happened for a charge or reversal, nothing happened for a lookup', () => {
    expect(toPortError(new PlatformTimeoutError('2102', 'M1', 1000), true)).toBeInstanceOf(PlatformOutcomeUnknownError);
    const lookup = toPortError(new PlatformHttpError('1101', 'M2', 503), false);
    expect(lookup).toBeInstanceOf(PlatformUnavailableError);
    expect(lookup).toMatchObject({ userMessage: '医保平台暂时不可用，请稍后重试', retryNow: false });
  });

  it("an error that is not the client's (a bug) passes through unchanged", () => {
    const bug = new TypeError('x is undefined');
    expect(toPortError(bug, true)).toBe(bug);
  });
});
