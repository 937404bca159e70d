// Optional message security (platform.signing.mode):
//   none     — plain JSON, signtype/cainfo empty.
//   sm2      — signtype "SM2"; cainfo = SM3withSM2 signature, user id "1234567812345678" (GM/T 0009 default,
//              what sm-crypto and OpenSSL 3 use), of the UTF-8 bytes of `input` exactly as they stand in the
//              request body. The national envelope (接口规范 公共报文头, transcribed e.g. in binzhe12123/Medical
//              SZSI_Smart/Model/SYB/SYBCommon.cs and ringls/NYB BaseBusinessHandleRequest.cs) has cainfo
//              "数字签名信息" (string, ≤ 1024) and signtype "签名类型 建议使用SM2、SM3" beside `input` and says no more,
//              so the signature covers the business content, `input`, and nothing of the header (which carries
//              the signature itself). The input is serialised once — canonical JSON (keys sorted) — signed, and
//              those very bytes are spliced into the body, so a peer that verifies the bytes it received and a
//              peer that re-canonicalises the parsed input both succeed.
//              cainfo format: platform.signing.signatureFormat (raw-hex default: r‖s 128 hex, sm-crypto's form;
//              raw-base64, der-hex, der-base64 — DER is what OpenSSL and Java/BouncyCastle produce).
//   sm2+sm4  — as sm2, plus enc_type "SM4" and input replaced by the SM4-ECB, PKCS#7-padded, lowercase-hex
//              ciphertext of the same bytes (UTF-8). The signature is over the plaintext: the receiver decrypts
//              and verifies the decrypted bytes.
// Receiving, signatures are accepted raw or DER, hex or base64, over the exact bytes received (the raw JSON text
// of `output`/`input`, or the decrypted plaintext) or, failing that, over their canonical JSON.
// Node 20's OpenSSL does SM3 and SM4, which we use. The SM2 point arithmetic comes from sm-crypto (loaded lazily,
// only when signing is on), while the SM3 digest e = SM3(Z || M) is computed here with Node.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import {
  decodeSm2Signature,
  encodeSm2Signature,
  parseSm2PrivateKey,
  parseSm2PublicKey,
  SIGNATURE_FORMATS,
  type SignatureFormat,
  SM2_A,
  SM2_B,
  SM2_GX,
  SM2_GY,
} from './sm2-keys.js';

export type SigningMode = 'none' | 'sm2' | 'sm2+sm4';
export type { SignatureFormat } from './sm2-keys.js';

export interface SigningOptions {
  mode: SigningMode;
  /** Our SM2 private key, 64 hex. Needed for sm2 / sm2+sm4. */
  privateKeyHex?: string;
  /** Our SM2 public key (any form parseSm2PublicKey reads); derived from the private key when absent. */
  publicKeyHex?: string;
  /** The platform's SM2 public key (any form parseSm2PublicKey reads); when set, signed responses are verified. */
  platformPublicKeyHex?: string;
  /** Shared SM4 key, 32 hex. Needed for sm2+sm4. */
  sm4KeyHex?: string;
  /** How cainfo is written; default raw-hex. */
  signatureFormat?: SignatureFormat;
}

export const DEFAULT_SM2_USER_ID = '1234567812345678';

// SM2 recommended curve parameters (GB/T 32918.5), hashed into Z.
const Z_CURVE = [SM2_A, SM2_B, SM2_GX, SM2_GY].map((n) => n.toString(16).padStart(64, '0')).join('');

/**
 * Canonical JSON: JSON.stringify semantics (no whitespace, its string escaping and number
 * formatting, toJSON honoured, undefined/function members omitted, undefined array slots → null)
 * with the members of every object sorted by key in UTF-16 code-unit order, at every depth.
 * Written out by hand because JS objects enumerate integer-like keys first whatever the order.
 */
export function canonicalJson(value: unknown): string {
  const out = ser(value, true);
  if (out === undefined) throw new Error('canonicalJson: value is not serialisable');
  return out;
}

function ser(value: unknown, inArrayOrTop: boolean): string | undefined {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: () => unknown }).toJSON();
  }
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return inArrayOrTop ? 'null' : undefined;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => ser(x, true)).join(',')}]`;
  const rec = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(rec).sort()) {
    const s = ser(rec[k], false);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}:${s}`);
  }
  return `{${parts.join(',')}}`;
}

function requireHex(name: string, value: string | undefined, hexLen: number): string {
  if (value === undefined || !new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(value)) {
    throw new Error(`platform.signing.${name} must be ${hexLen} hex characters`);
  }
  return value.toLowerCase();
}

/** x||y (128 hex) of a public key in any accepted form; throws naming the config key. */
function publicXY(name: string, pub: string | undefined): string {
  const k = parseSm2PublicKey(pub);
  if (!k.ok) throw new Error(`platform.signing.${name} is not a usable SM2 public key: ${k.reason}`);
  return k.hex.slice(2);
}

/**
 * Checks every key the mode needs once, at start-up: throws an Error naming the config key
 * (platform.signing.…) so a bad key never surfaces in the request path. Returns the options with the
 * keys normalised (public keys as 04…, lowercase).
 */
export function prepareSigning(opts: SigningOptions): SigningOptions {
  const out: SigningOptions = { ...opts };
  const format = opts.signatureFormat ?? 'raw-hex';
  if (!SIGNATURE_FORMATS.includes(format)) {
    throw new Error(`platform.signing.signatureFormat must be one of ${SIGNATURE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  if (opts.mode === 'none') return out;
  const priv = parseSm2PrivateKey(opts.privateKeyHex);
  if (!priv.ok) throw new Error(`platform.signing.privateKeyHex is not a usable SM2 private key: ${priv.reason}`);
  out.privateKeyHex = priv.hex;
  for (const name of ['publicKeyHex', 'platformPublicKeyHex'] as const) {
    if (opts[name] !== undefined) out[name] = `04${publicXY(name, opts[name])}`;
  }
  if (opts.mode === 'sm2+sm4') out.sm4KeyHex = requireHex('sm4KeyHex', opts.sm4KeyHex, 32);
  return out;
}

export function sm3Hex(data: string | Uint8Array): string {
  return createHash('sm3')
    .update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)
    .digest('hex');
}

/** e = SM3(Z || M), Z = SM3(ENTL || ID || a || b || Gx || Gy || Px || Py): the value SM2 signs. */
export function sm2Digest(message: string, publicKeyHex: string, userId = DEFAULT_SM2_USER_ID): Buffer {
  const xy = publicXY('publicKeyHex', publicKeyHex);
  const id = Buffer.from(userId, 'utf8');
  const entl = id.length * 8;
  const z = createHash('sm3')
    .update(Buffer.from([(entl >> 8) & 0xff, entl & 0xff]))
    .update(id)
    .update(Buffer.from(Z_CURVE + xy, 'hex'))
    .digest();
  return createHash('sm3').update(z).update(Buffer.from(message, 'utf8')).digest();
}

type SmCrypto = typeof import('sm-crypto');
let smCrypto: Promise<SmCrypto> | undefined;
/** sm-crypto is needed only when SM2 is in use; a box with signing "none" never loads it. */
function loadSmCrypto(): Promise<SmCrypto> {
  smCrypto ??= import('sm-crypto').then(
    (m) => m.default,
    (err: unknown) => {
      smCrypto = undefined;
      throw new Error(`platform.signing.mode sm2 needs the "sm-crypto" package at run time, which could not be loaded: ${(err as Error).message}`);
    },
  );
  return smCrypto;
}

/** SM3withSM2 signature of the UTF-8 message, default user id; raw r||s hex unless another format is asked. */
export async function sm2Sign(message: string, privateKeyHex: string, publicKeyHex?: string, format: SignatureFormat = 'raw-hex'): Promise<string> {
  const priv = parseSm2PrivateKey(privateKeyHex);
  if (!priv.ok) throw new Error(`platform.signing.privateKeyHex is not a usable SM2 private key: ${priv.reason}`);
  const sm = await loadSmCrypto();
  const pub = publicKeyHex ?? sm.sm2.getPublicKeyFromPrivateKey(priv.hex);
  const e = sm2Digest(message, pub);
  return encodeSm2Signature(sm.sm2.doSignature(Array.from(e), priv.hex, { hash: false }), format);
}

/**
 * Verifies an SM3withSM2 signature — raw r||s or DER, hex or base64 — with a public key in any accepted
 * form. Never throws: a malformed signature or key is simply false.
 */
export async function sm2Verify(message: string, signature: string, publicKey: string): Promise<boolean> {
  const rs = decodeSm2Signature(signature);
  const key = parseSm2PublicKey(publicKey);
  if (rs === undefined || !key.ok) return false;
  try {
    const sm = await loadSmCrypto();
    const e = sm2Digest(message, key.hex);
    return sm.sm2.doVerifySignature(Array.from(e), rs, key.hex, { hash: false });
  } catch {
    return false;
  }
}

/**
 * The raw JSON text of a top-level member of a JSON object text (e.g. the `input` of a request body), or
 * undefined when the text is not an object, has no such member or has it twice. Enough JSON scanning to skip
 * strings and nesting; the caller has already parsed the text successfully, so it is well-formed.
 */
export function rawMemberText(json: string, member: string): string | undefined {
  let i = 0;
  let found: string | undefined;
  const ws = (): void => {
    while (i < json.length && ' \t\r\n\ufeff'.includes(json.charAt(i))) i++;
  };
  const skipString = (): void => {
    i++; // opening quote
    while (i < json.length && json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
    i++;
  };
  const skipValue = (): void => {
    if (json[i] === '"') return skipString();
    if (json[i] === '{' || json[i] === '[') {
      let depth = 0;
      while (i < json.length) {
        const c = json[i];
        if (c === '"') {
          skipString();
          continue;
        }
        i++;
        if (c === '{' || c === '[') depth++;
        else if ((c === '}' || c === ']') && --depth === 0) return;
      }
      return;
    }
    while (i < json.length && !',}] \t\r\n'.includes(json.charAt(i))) i++; // number, true, false, null
  };
  ws();
  if (json[i] !== '{') return undefined;
  i++;
  for (;;) {
    ws();
    if (json[i] !== '"') return undefined;
    const keyStart = i;
    skipString();
    let key: unknown;
    try {
      key = JSON.parse(json.slice(keyStart, i));
    } catch {
      return undefined;
    }
    ws();
    if (json[i] !== ':') return undefined;
    i++;
    ws();
    const start = i;
    skipValue();
    if (key === member) {
      // Twice? JSON.parse keeps the last one; never hand out bytes other than the ones in use.
      if (found !== undefined) return undefined;
      found = json.slice(start, i);
    }
    ws();
    if (json[i] === '}') return found;
    if (json[i] !== ',') return undefined;
    i++;
  }
}

/** JSON text of `head` with `"member": memberText` appended as its last member (memberText already JSON). */
export function withMemberText(head: object, member: string, memberText: string): string {
  const h = JSON.stringify(head);
  return `${h.slice(0, -1)}${h.length > 2 ? ',' : ''}${JSON.stringify(member)}:${memberText}}`;
}

export function sm4EncryptHex(plain: string, keyHex: string): string {
  const key = Buffer.from(requireHex('sm4KeyHex', keyHex, 32), 'hex');
  const c = createCipheriv('sm4-ecb', key, null); // PKCS#7 padding is Node's default
  return Buffer.concat([c.update(plain, 'utf8'), c.final()]).toString('hex');
}

/** Throws on a wrong key, bad padding or malformed hex. */
export function sm4DecryptHex(cipherHex: string, keyHex: string): string {
  const key = Buffer.from(requireHex('sm4KeyHex', keyHex, 32), 'hex');
  if (!/^(?:[0-9a-fA-F]{32})+$/.test(cipherHex)) throw new Error('SM4 ciphertext must be hex, a whole number of 16-byte blocks');
  const d = createDecipheriv('sm4-ecb', key, null);
  return Buffer.concat([d.update(Buffer.from(cipherHex, 'hex')), d.final()]).toString('utf8');
}

/**
 * Signs (and encrypts) a request's `input` as the mode says, serialising it once: `body` is the exact text
 * to send, whose `input` is the signed bytes (or their ciphertext). Throws on missing keys (a config error
 * prepareSigning reports at start-up).
 */
export async function encodeRequest<T extends { input: unknown; cainfo: string; signtype: string; enc_type?: 'SM4' }>(
  env: T,
  opts: SigningOptions,
): Promise<{ envelope: T; body: string }> {
  if (opts.mode === 'none') return { envelope: env, body: JSON.stringify(env) };
  const plain = canonicalJson(env.input);
  const cainfo = await sm2Sign(plain, requireHex('privateKeyHex', opts.privateKeyHex, 64), opts.publicKeyHex, opts.signatureFormat ?? 'raw-hex');
  const sealed: T = { ...env, signtype: 'SM2', cainfo };
  let inputText = plain;
  if (opts.mode === 'sm2+sm4') {
    sealed.input = sm4EncryptHex(plain, requireHex('sm4KeyHex', opts.sm4KeyHex, 32));
    sealed.enc_type = 'SM4';
    inputText = JSON.stringify(sealed.input);
  }
  const { input: _input, ...head } = sealed;
  return { envelope: sealed, body: withMemberText(head, 'input', inputText) };
}

/** encodeRequest's envelope alone (the body is what goes on the wire). */
export async function sealRequest<T extends { input: unknown; cainfo: string; signtype: string; enc_type?: 'SM4' }>(env: T, opts: SigningOptions): Promise<T> {
  return (await encodeRequest(env, opts)).envelope;
}

/**
 * Verifies `signature` over the bytes received (`exact`, when known) or, failing that, over the canonical
 * JSON of the parsed value: a peer that signs the canonical form but sends another serialisation still verifies.
 */
export async function verifyReceived(exact: string | undefined, value: unknown, signature: string, publicKey: string): Promise<boolean> {
  if (exact !== undefined && (await sm2Verify(exact, signature, publicKey))) return true;
  let canonical: string;
  try {
    canonical = canonicalJson(value ?? null);
  } catch {
    return false;
  }
  return canonical !== exact && (await sm2Verify(canonical, signature, publicKey));
}

export type OpenedOutput = { ok: true; output: unknown } | { ok: false; reason: string };

/**
 * Client side of a response: decrypts an SM4 `output` and, when the platform's public key is
 * configured, verifies a signed one over the bytes received (`rawOutput`: the JSON text of `output` in
 * the body). An unsigned response is accepted (platforms often leave error answers unsigned); a signed
 * one that does not verify is not.
 */
export async function openResponse(
  resp: { output: unknown; signtype?: string; cainfo?: string; enc_type?: string },
  opts: SigningOptions,
  rawOutput?: string,
): Promise<OpenedOutput> {
  let output = resp.output;
  let exact = rawOutput;
  if (resp.enc_type !== undefined && resp.enc_type !== '') {
    if (resp.enc_type !== 'SM4') return { ok: false, reason: `unsupported response enc_type ${JSON.stringify(resp.enc_type)}` };
    if (typeof output !== 'string') return { ok: false, reason: 'enc_type SM4 but output is not a ciphertext string' };
    if (opts.sm4KeyHex === undefined) return { ok: false, reason: 'encrypted response but platform.signing.sm4KeyHex is not set' };
    try {
      exact = sm4DecryptHex(output, opts.sm4KeyHex);
      output = JSON.parse(exact);
    } catch (err) {
      return { ok: false, reason: `cannot decrypt response output: ${(err as Error).message}` };
    }
  }
  if (opts.platformPublicKeyHex !== undefined && resp.signtype === 'SM2') {
    const ok = await verifyReceived(exact, output, resp.cainfo ?? '', opts.platformPublicKeyHex);
    if (!ok) return { ok: false, reason: 'response signature (cainfo) does not verify with platform.signing.platformPublicKeyHex' };
  }
  return { ok: true, output };
}
