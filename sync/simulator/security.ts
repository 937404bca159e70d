// The verifying side of signing.ts: decrypts SM4 input, verifies the SM2 cainfo (raw or DER, hex or base64)
// over the bytes of `input` as received (or the decrypted plaintext; failing that, the canonical JSON of the
// parsed input), and optionally signs/encrypts responses the same way, sending exactly the bytes it signed.
import type { ResponseEnvelope } from '../envelope.js';
import {
  canonicalJson,
  rawMemberText,
  type SignatureFormat,
  type SigningMode,
  sm2Sign,
  sm4DecryptHex,
  sm4EncryptHex,
  verifyReceived,
  withMemberText,
} from '../signing.js';
import { parseSm2PublicKey } from '../sm2-keys.js';

export interface SimulatorSigning {
  /** The least the platform demands: "sm2" refuses unsigned requests, "sm2+sm4" also unencrypted ones. */
  mode?: SigningMode;
  /** The stores' SM2 public key (one key for all demo stores): verifies cainfo. */
  clientPublicKeyHex?: string;
  /** Shared SM4 key (32 hex). */
  sm4KeyHex?: string;
  /** Platform private key: when set, successful responses to signed requests are signed. */
  privateKeyHex?: string;
  /** How the platform writes its cainfo; default raw-hex. */
  signatureFormat?: SignatureFormat;
}

export type OpenedRequest = { ok: true; input: unknown; encrypted: boolean; signed: boolean } | { ok: false; errMsg: string };

/** `rawBody`, when given, is the request body as received: the signature is checked over its `input` bytes. */
export async function openRequest(
  env: { input: unknown; enc_type?: string; signtype: string; cainfo: string },
  s: SimulatorSigning,
  rawBody?: string,
): Promise<OpenedRequest> {
  const mode = s.mode ?? 'none';
  let input = env.input;
  let exact = rawBody === undefined ? undefined : rawMemberText(rawBody, 'input');
  const encrypted = env.enc_type === 'SM4';
  if (encrypted) {
    if (!s.sm4KeyHex) return { ok: false, errMsg: '平台未配置SM4密钥，无法解密报文' };
    try {
      exact = sm4DecryptHex(String(input), s.sm4KeyHex);
      input = JSON.parse(exact);
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
      if (!parseSm2PublicKey(s.clientPublicKeyHex).ok) return { ok: false, errMsg: '平台登记的机构SM2公钥格式无效，无法验证签名：请联系平台核对公钥' };
      const good = await verifyReceived(exact, input, env.cainfo, s.clientPublicKeyHex);
      if (!good) return { ok: false, errMsg: '签名验证失败：cainfo与报文内容不符，请检查机构私钥及报文' };
    } else if (mode !== 'none') {
      return { ok: false, errMsg: '平台未登记机构公钥，无法验证签名' };
    }
  } else if (mode !== 'none') {
    return { ok: false, errMsg: '报文未签名：本平台要求SM2签名（signtype=SM2）' };
  }
  return { ok: true, input, encrypted, signed };
}

/**
 * The response body: a successful response is signed (when a platform key is set and the request was signed)
 * and encrypted like the request; its `output` is serialised once and those bytes are the ones signed and sent.
 */
export async function sealResponse(resp: ResponseEnvelope, s: SimulatorSigning, req: { encrypted: boolean; signed: boolean }): Promise<string> {
  if (resp.infcode !== 0 || resp.output === null) return JSON.stringify(resp);
  const out: ResponseEnvelope = { ...resp };
  const plain = canonicalJson(resp.output);
  let outputText = plain;
  if (req.signed && s.privateKeyHex) {
    out.signtype = 'SM2';
    out.cainfo = await sm2Sign(plain, s.privateKeyHex, undefined, s.signatureFormat ?? 'raw-hex');
  }
  if (req.encrypted && s.sm4KeyHex) {
    out.output = sm4EncryptHex(plain, s.sm4KeyHex);
    out.enc_type = 'SM4';
    outputText = JSON.stringify(out.output);
  }
  const { output: _output, ...head } = out;
  return withMemberText(head, 'output', outputText);
}
