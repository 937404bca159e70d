import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { buildRequestEnvelope } from './envelope.js';
import { canonicalJson, openResponse, sealRequest, sm2Sign, sm2Verify, sm3Hex, sm4DecryptHex, sm4EncryptHex } from './signing.js';

const { sm2, sm3, sm4 } = smCrypto;
const MSG = canonicalJson({ data: { psn_name: '张建国', mdtrt_cert_no: '13010219620512031X', amt: '12.30' } });

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: '中' } })).toBe('{"a":{"c":"中","d":[3,{"x":null,"z":1}]},"b":1}');
  });
  it('orders integer-like keys as strings, unlike JS enumeration', () => {
    expect(canonicalJson({ 10: 'a', 2: 'b', 1: 'c' })).toBe('{"1":"c","10":"a","2":"b"}');
  });
  it('is independent of insertion order', () => {
    expect(canonicalJson({ x: 1, y: { q: 2, p: 3 } })).toBe(canonicalJson({ y: { p: 3, q: 2 }, x: 1 }));
  });
});

describe('SM3', () => {
  it('matches sm-crypto (Node OpenSSL)', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(sm3Hex(MSG)).toBe(sm3(MSG));
  });
});

describe('SM2 interoperability with sm-crypto', () => {
  const keys = sm2.generateKeyPairHex();

  it('sm-crypto verifies our signature (hash: true, default user id)', async () => {
    for (let i = 0; i < 5; i++) {
      const sig = await sm2Sign(MSG, keys.privateKey, keys.publicKey);
      expect(sig).toMatch(/^[0-9a-f]{128}$/);
      expect(sm2.doVerifySignature(MSG, sig, keys.publicKey, { hash: true })).toBe(true);
    }
  });

  it('derives the public key when only the private key is given', async () => {
    const sig = await sm2Sign(MSG, keys.privateKey);
    expect(sm2.doVerifySignature(MSG, sig, keys.publicKey, { hash: true })).toBe(true);
  });

  it('we verify a signature sm-crypto made, and reject tampering', async () => {
    const sig = sm2.doSignature(MSG, keys.privateKey, { hash: true });
    expect(await sm2Verify(MSG, sig, keys.publicKey)).toBe(true);
    expect(await sm2Verify(MSG.replace('12.30', '12.31'), sig, keys.publicKey)).toBe(false);
    const other = sm2.generateKeyPairHex();
    expect(await sm2Verify(MSG, sig, other.publicKey)).toBe(false);
    expect(await sm2Verify(MSG, 'zz', keys.publicKey)).toBe(false);
  });

  it('a different user id does not verify (the id is part of the digest)', async () => {
    const sig = sm2.doSignature(MSG, keys.privateKey, { hash: true, userId: 'another-user-id' });
    expect(await sm2Verify(MSG, sig, keys.publicKey)).toBe(false);
  });
});

describe('SM4-ECB PKCS#7 interoperability with sm-crypto', () => {
  const key = '0123456789abcdeffedcba9876543210';
  it('sm-crypto decrypts ours', () => {
    const c = sm4EncryptHex(MSG, key);
    expect(c).toBe(sm4.encrypt(MSG, key));
    expect(sm4.decrypt(c, key)).toBe(MSG);
  });
  it('we decrypt sm-crypto ciphertext (any length, UTF-8)', () => {
    for (const text of ['', 'a', '0123456789abcdef', '医保结算：二甲双胍片 ×2', MSG]) {
      expect(sm4DecryptHex(sm4.encrypt(text, key), key)).toBe(text);
    }
  });
  it('fails loudly on a wrong key or garbage', () => {
    const c = sm4EncryptHex(MSG, key);
    expect(() => sm4DecryptHex(c, 'ffffffffffffffffffffffffffffffff')).toThrow();
    expect(() => sm4DecryptHex('abc', key)).toThrow(/hex/);
  });
});

describe('sealRequest / openResponse', () => {
  const ctx = {
    fixmedinsCode: 'P13010200001',
    fixmedinsName: '演示药店（长安店）',
    mdtrtareaAdmvs: '130102',
    insuplcAdmdvs: '130102',
    recerSysCode: 'CNTAGT',
    devNo: 'BOX-001',
    operator: { code: 'OP001', name: '张药师' },
  };
  const env = buildRequestEnvelope(ctx, {
    infno: '1101',
    msgid: 'P13010200001202611221000000001',
    signNo: 'S1',
    input: { data: { b: 1, a: '中' } },
    now: new Date('2026-11-22T02:00:00Z'),
  });
  const keys = sm2.generateKeyPairHex();
  const sm4Key = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

  it('none leaves the envelope alone', async () => {
    expect(await sealRequest(env, { mode: 'none' })).toBe(env);
    expect(env.inf_time).toBe('2026-11-22 10:00:00');
  });

  it('sm2 signs the canonical input', async () => {
    const s = await sealRequest(env, { mode: 'sm2', privateKeyHex: keys.privateKey });
    expect(s.signtype).toBe('SM2');
    expect(s.input).toEqual(env.input);
    expect(sm2.doVerifySignature('{"data":{"a":"中","b":1}}', s.cainfo, keys.publicKey, { hash: true })).toBe(true);
  });

  it('sm2+sm4 encrypts the same canonical JSON that was signed', async () => {
    const s = await sealRequest(env, { mode: 'sm2+sm4', privateKeyHex: keys.privateKey, sm4KeyHex: sm4Key });
    expect(s.enc_type).toBe('SM4');
    const plain = sm4.decrypt(s.input as string, sm4Key);
    expect(plain).toBe('{"data":{"a":"中","b":1}}');
    expect(sm2.doVerifySignature(plain, s.cainfo, keys.publicKey, { hash: true })).toBe(true);
  });

  it('names the missing config key', async () => {
    await expect(sealRequest(env, { mode: 'sm2' })).rejects.toThrow(/platform\.signing\.privateKeyHex/);
    await expect(sealRequest(env, { mode: 'sm2+sm4', privateKeyHex: keys.privateKey })).rejects.toThrow(/platform\.signing\.sm4KeyHex/);
  });

  it('openResponse decrypts and verifies a platform-signed output', async () => {
    const platform = sm2.generateKeyPairHex();
    const output = { setlinfo: { setl_id: 'S1', balc: '1.00' } };
    const plain = canonicalJson(output);
    const resp = { output: sm4.encrypt(plain, sm4Key), enc_type: 'SM4', signtype: 'SM2', cainfo: sm2.doSignature(plain, platform.privateKey, { hash: true }) };
    const opts = { mode: 'sm2+sm4' as const, sm4KeyHex: sm4Key, platformPublicKeyHex: platform.publicKey };
    expect(await openResponse(resp, opts)).toEqual({ ok: true, output });
    const forged = { ...resp, cainfo: sm2.doSignature(plain, keys.privateKey, { hash: true }) };
    expect((await openResponse(forged, opts)).ok).toBe(false);
    expect((await openResponse({ ...resp, output: 'nothex' }, opts)).ok).toBe(false);
  });
});

describe('rawMemberText / withMemberText', () => {
  it("finds a member's raw text past strings with braces, escapes and nesting", async () => {
    const { rawMemberText, withMemberText } = await import('./signing.js');
    const body = '{"a":"x}\\"{","b":[1,{"c":"]"}],"n":-1.5e3,"t":true , "input" : {"z":1, "a":"中"} }';
    expect(rawMemberText(body, 'input')).toBe('{"z":1, "a":"中"}');
    expect(rawMemberText(body, 'n')).toBe('-1.5e3');
    expect(rawMemberText(body, 't')).toBe('true');
    expect(rawMemberText(body, 'b')).toBe('[1,{"c":"]"}]');
    expect(rawMemberText(body, 'missing')).toBeUndefined();
    expect(rawMemberText('[1]', 'input')).toBeUndefined();
    expect(rawMemberText('{"input":1,"input":2}', 'input')).toBeUndefined();
    expect(withMemberText({ infno: '1101' }, 'input', '{"b":1,"a":2}')).toBe('{"infno":"1101","input":{"b":1,"a":2}}');
    expect(withMemberText({}, 'output', 'null')).toBe('{"output":null}');
  });
});
