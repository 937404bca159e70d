// The platform side verifies the bytes it received: a peer that signs its own serialisation (keys in
// insertion order, blanks) is accepted, a body whose input was altered is not, and a duplicated input
// member cannot smuggle unsigned content past the signature.
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { openRequest } from './security.js';

const store = smCrypto.sm2.generateKeyPairHex();
const sign = (text: string, der = false): string => smCrypto.sm2.doSignature(text, store.privateKey, { hash: true, der });

function body(inputText: string, cainfo: string): { raw: string; env: { input: unknown; signtype: string; cainfo: string } } {
  const raw = `{"infno":"1101","signtype":"SM2","cainfo":${JSON.stringify(cainfo)},"input": ${inputText} }`;
  return { raw, env: JSON.parse(raw) as { input: unknown; signtype: string; cainfo: string } };
}

describe('openRequest verifies the received bytes', () => {
  const settings = { mode: 'sm2' as const, clientPublicKeyHex: store.publicKey };
  const input = '{ "data": { "psn_name": "张建国", "mdtrt_cert_type": "02" } }';

  it('accepts a signature over the exact, non-canonical input text (raw hex and DER base64)', async () => {
    const a = body(input, sign(input));
    expect(await openRequest(a.env, settings, a.raw)).toMatchObject({ ok: true, signed: true });
    const der = Buffer.from(sign(input, true), 'hex').toString('base64');
    const b = body(input, der);
    expect(await openRequest(b.env, settings, b.raw)).toMatchObject({ ok: true });
  });

  it('still accepts a peer that signed the canonical JSON but sent another serialisation', async () => {
    const c = body(input, sign('{"data":{"mdtrt_cert_type":"02","psn_name":"张建国"}}'));
    expect(await openRequest(c.env, settings, c.raw)).toMatchObject({ ok: true });
  });

  it('refuses altered content and a duplicated input member', async () => {
    const altered = body(input.replace('张建国', '李秀英'), sign(input));
    expect(await openRequest(altered.env, settings, altered.raw)).toMatchObject({ ok: false, errMsg: expect.stringContaining('签名验证失败') });
    const other = '{"data":{"psn_name":"李秀英","mdtrt_cert_type":"02"}}';
    const raw = `{"infno":"1101","signtype":"SM2","cainfo":"${sign(input)}","input":${input},"input":${other}}`;
    const env = JSON.parse(raw) as { input: unknown; signtype: string; cainfo: string };
    expect(env.input).toEqual(JSON.parse(other));
    expect(await openRequest(env, settings, raw)).toMatchObject({ ok: false });
  });
});
