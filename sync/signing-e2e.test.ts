// Client ↔ simulator with SM2 signatures and SM4 encryption switched on.
import smCrypto from 'sm-crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformMalformedResponseError, PlatformRejectedError } from './errors.js';
import { readSetlinfo } from './outputs.js';
import { DRUG, seedPerson } from './simulator/seed.js';
import { saleInput, startTestEnv, type TestEnv } from './test-support.js';

const box = smCrypto.sm2.generateKeyPairHex();
const platform = smCrypto.sm2.generateKeyPairHex();
const sm4KeyHex = '00112233445566778899aabbccddeeff';

let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const lookup = (c: ReturnType<TestEnv['client']>) => c.personInfo({ data: { mdtrt_cert_type: '02', mdtrt_cert_no: seedPerson('diabetes').certno } });

async function rejected(p: Promise<unknown>): Promise<PlatformRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformRejectedError);
  return err as PlatformRejectedError;
}

describe('signing end to end', () => {
  it('sm2: the platform verifies our cainfo; we verify its signed answers', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2', clientPublicKeyHex: box.publicKey, privateKeyHex: platform.privateKey } });
    const c = env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.publicKey } });
    const { output, response } = await lookup(c);
    expect(output.baseinfo.psn_name).toBe('李秀英');
    expect(response.signtype).toBe('SM2');
    // A client expecting another platform key does not trust the answer.
    const wrongKey = smCrypto.sm2.generateKeyPairHex().publicKey;
    const err = await lookup(env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: wrongKey } })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformMalformedResponseError);
  });

  it('sm2+sm4: encrypted both ways, settlement works', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2+sm4', clientPublicKeyHex: box.publicKey, sm4KeyHex, privateKeyHex: platform.privateKey } });
    const c = env.client({ signing: { mode: 'sm2+sm4', privateKeyHex: box.privateKey, sm4KeyHex, platformPublicKeyHex: platform.publicKey } });
    const { output, response } = await c.settle(saleInput(seedPerson('diabetes'), [{ code: DRUG.metformin, cnt: 60, amountFen: 1200 }], { medType: '14' }));
    expect(response.enc_type).toBe('SM4');
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ totalFen: 1200, fundPayFen: 660, cashPayFen: 540 });
  });

  it('refuses a bad signature with -1 and a Chinese message', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2', clientPublicKeyHex: box.publicKey } });
    const stranger = smCrypto.sm2.generateKeyPairHex();
    const err = await rejected(lookup(env.client({ signing: { mode: 'sm2', privateKeyHex: stranger.privateKey } })));
    expect(err.infcode).toBe(-1);
    expect(err.errMsg).toContain('签名验证失败');
  });

  it('refuses unsigned and unencrypted requests when it demands them', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2+sm4', clientPublicKeyHex: box.publicKey, sm4KeyHex } });
    expect((await rejected(lookup(env.client()))).errMsg).toContain('未加密');
    expect((await rejected(lookup(env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey } })))).errMsg).toContain('未加密');
  });

  it('refuses an unsigned request when it demands sm2', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2', clientPublicKeyHex: box.publicKey } });
    expect((await rejected(lookup(env.client()))).errMsg).toContain('未签名');
  });

  it('refuses ciphertext under the wrong SM4 key', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2+sm4', clientPublicKeyHex: box.publicKey, sm4KeyHex } });
    const c = env.client({ signing: { mode: 'sm2+sm4', privateKeyHex: box.privateKey, sm4KeyHex: 'ffeeddccbbaa99887766554433221100' } });
    expect((await rejected(lookup(c))).errMsg).toContain('解密失败');
  });
});

describe('signing end to end: formats and key forms', () => {
  const compressed = (pub04: string): string => `${BigInt(`0x${pub04.slice(66)}`) % 2n === 0n ? '02' : '03'}${pub04.slice(2, 66)}`;

  it('DER/base64 signatures both ways; the platform knows the box by its compressed key', async () => {
    env = await startTestEnv({
      signing: { mode: 'sm2', clientPublicKeyHex: compressed(box.publicKey), privateKeyHex: platform.privateKey, signatureFormat: 'der-hex' },
    });
    const c = env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.publicKey, signatureFormat: 'der-base64' } });
    const { output, response } = await lookup(c);
    expect(output.baseinfo.psn_name).toBe('李秀英');
    expect(response.cainfo).toMatch(/^30[0-9a-f]+$/);
  });

  it('a platform holding a malformed store key refuses with a message, and keeps serving', async () => {
    env = await startTestEnv({ signing: { mode: 'sm2', clientPublicKeyHex: 'not-a-key' } });
    const err = await rejected(lookup(env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey } })));
    expect(err.errMsg).toContain('公钥格式无效');
    expect((await rejected(lookup(env.client({ signing: { mode: 'sm2', privateKeyHex: box.privateKey } })))).infcode).toBe(-1);
  });
});
