// 1161 (extension): the e-voucher QR code a person shows is exchanged for the token 1101 takes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformRejectedError } from '../errors.js';
import { startTestEnv, type TestEnv } from '../test-support.js';
import { eVoucherQr } from './handlers-basic.js';
import { seedPerson } from './seed.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env.close();
});

describe('e-voucher decode (1161)', () => {
  it('turns a QR payload into the token, which 1101 accepts with cert type 01', async () => {
    const p = seedPerson('hypertension');
    const c = env.client();
    const { output } = await c.decodeEVoucher(eVoucherQr(p.token));
    expect(output).toEqual({ ec_token: p.token, psn_name: p.name });
    const person = await c.personInfo({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: output.ec_token } });
    expect(person.output.baseinfo.psn_no).toBe(p.psnNo);
  });

  it('refuses an unknown or expired QR payload with a Chinese message', async () => {
    const err = await env
      .client()
      .decodeEVoucher(eVoucherQr('EC00000000000000000000000000000000'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect((err as PlatformRejectedError).errMsg).toMatch(/电子凭证二维码无效/);
  });
});
