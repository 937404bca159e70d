// The verifying side of signing.ts: decrypts SM4 input, verifies the SM2 cainfo over the canonical
// JSON of the (decrypted) input, and optionally signs/encrypts responses the same way.
import type { ResponseEnvelope } from '../envelope.js';
import { canonicalJson, sm2Sign, sm2Verify, sm4DecryptHex, sm4EncryptHex, type SigningMode } from '../signing.js';

export interface SimulatorSigning {
  /** The least the platform demands: "sm2" refuses unsigned requests, "sm2+sm4" also unencrypted ones. */
  mode?: SigningMode;
  /** The stores' SM2 public key (one key for all demo stores): verifies cainfo. */
  clientPublicKeyHex?: string;
  /** Shared SM4 key (32 hex). */
  sm4KeyHex?: string;
  /** Platform private key: when set, successful responses to signed requests are signed. */
  privateKeyHex?: string;
}

export type OpenedRequest = { ok: true; input: unknown; encrypted: boolean; signed: boolean } | { ok: false; errMsg: string };

export async function openRequest(
  env: { input: unknown; enc_type?: string; signtype: string; cainfo: string },
  s: SimulatorSigning,
): Promise<OpenedRequest> {
  const mode = s.mode ?? 'none';
  let input = env.input;
  const encrypted = env.enc_type === 'SM4';
  if (encrypted) {
    if (!s.sm4KeyHex) return { ok: false, errMsg: '平台未配置SM4密钥，无法解密报文' };
    try {
      input = JSON.parse(sm4DecryptHex(String(input), s.sm4KeyHex));
    } catch {
      return { ok: false, errMsg: '报文解密失败：SM4密钥或密文不正确' };
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errMsg: '报文格式错误：解密后的input应为JSON对象' };
  } else if (mode === 'sm2+sm4') {
    return { ok: false, errMsg: '报文未加密：本平台要求SM4加密传输' };
  }
  const signed = env.signtype !== '';
  if (signed) {
    if (env.signtype !== 'SM2') return { ok: false, errMsg: `不支持的签名类型：${env.signtype}` };
    if (s.clientPublicKeyHex) {
      const good = await sm2Verify(canonicalJson(input), env.cainfo, s.clientPublicKeyHex);
      if (!good) return { ok: false, errMsg: '签名验证失败：cainfo与报文内容不符，请检查机构私钥及报文' };
    } else if (mode !== 'none') {
      return { ok: false, errMsg: '平台未登记机构公钥，无法验证签名' };
    }
  } else if (mode !== 'none') {
    return { ok: false, errMsg: '报文未签名：本平台要求SM2签名（signtype=SM2）' };
  }
  return { ok: true, input, encrypted, signed };
}

/** Signs a successful response (when a platform key is set and the request was signed) and encrypts it like the request. */
export async function sealResponse(resp: ResponseEnvelope, s: SimulatorSigning, req: { encrypted: boolean; signed: boolean }): Promise<ResponseEnvelope> {
  if (resp.infcode !== 0 || resp.output === null) return resp;
  const out: ResponseEnvelope = { ...resp };
  const plain = canonicalJson(resp.output);
  if (req.signed && s.privateKeyHex) {
    out.signtype = 'SM2';
    out.cainfo = await sm2Sign(plain, s.privateKeyHex);
  }
  if (req.encrypted && s.sm4KeyHex) {
    out.output = sm4EncryptHex(plain, s.sm4KeyHex);
    out.enc_type = 'SM4';
  }
  return out;
}
