// Optional message security (platform.signing.mode):
//   none     — plain JSON, signtype/cainfo empty.
//   sm2      — signtype "SM2"; cainfo = SM3withSM2 signature, hex r||s (128 hex, sm-crypto's default
//              non-DER form), over canonicalJson(input), user id "1234567812345678" (GM/T 0009 default,
//              what sm-crypto uses with {hash: true}).
//   sm2+sm4  — as sm2, plus enc_type "SM4" and input replaced by the SM4-ECB, PKCS#7-padded,
//              lowercase-hex ciphertext of the same canonical JSON (UTF-8). The signature is over the
//              plaintext, so the receiver decrypts, re-canonicalises and verifies.
// Node 20's OpenSSL does SM3 and SM4, which we use. It can also sign with SM2 but always with an
// empty user id (Node exposes no way to set it), which sm-crypto peers reject; so the SM2 point
// arithmetic comes from sm-crypto (loaded lazily, only when signing is on), while the SM3 digest
// e = SM3(Z || M) is computed here with Node.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

export type SigningMode = 'none' | 'sm2' | 'sm2+sm4';

export interface SigningOptions {
  mode: SigningMode;
  /** Our SM2 private key, 64 hex. Needed for sm2 / sm2+sm4. */
  privateKeyHex?: string;
  /** Our SM2 public key, 130 hex "04…"; derived from the private key when absent. */
  publicKeyHex?: string;
  /** The platform's SM2 public key; when set, signed responses are verified. */
  platformPublicKeyHex?: string;
  /** Shared SM4 key, 32 hex. Needed for sm2+sm4. */
  sm4KeyHex?: string;
}

export const DEFAULT_SM2_USER_ID = '1234567812345678';

// SM2 recommended curve parameters (GB/T 32918.5), hashed into Z.
const SM2_A = 'FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC';
const SM2_B = '28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93';
const SM2_GX = '32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7';
const SM2_GY = 'BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0';

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

/** x||y (128 hex) of an uncompressed public key given as "04"+x+y or bare x+y. */
function publicXY(name: string, pub: string | undefined): string {
  if (pub !== undefined && /^04[0-9a-fA-F]{128}$/.test(pub)) return pub.slice(2).toLowerCase();
  if (pub !== undefined && /^[0-9a-fA-F]{128}$/.test(pub)) return pub.toLowerCase();
  throw new Error(`platform.signing.${name} must be an uncompressed SM2 public key: 130 hex starting with 04`);
}

export function sm3Hex(data: string | Uint8Array): string {
  return createHash('sm3').update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).digest('hex');
}

/** e = SM3(Z || M), Z = SM3(ENTL || ID || a || b || Gx || Gy || Px || Py): the value SM2 signs. */
export function sm2Digest(message: string, publicKeyHex: string, userId = DEFAULT_SM2_USER_ID): Buffer {
  const xy = publicXY('publicKeyHex', publicKeyHex);
  const id = Buffer.from(userId, 'utf8');
  const entl = id.length * 8;
  const z = createHash('sm3')
    .update(Buffer.from([(entl >> 8) & 0xff, entl & 0xff]))
    .update(id)
    .update(Buffer.from(SM2_A + SM2_B + SM2_GX + SM2_GY + xy, 'hex'))
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

/** SM3withSM2 signature (hex r||s) of the UTF-8 message, default user id. */
export async function sm2Sign(message: string, privateKeyHex: string, publicKeyHex?: string): Promise<string> {
  const priv = requireHex('privateKeyHex', privateKeyHex, 64);
  const sm = await loadSmCrypto();
  const pub = publicKeyHex ?? sm.sm2.getPublicKeyFromPrivateKey(priv);
  const e = sm2Digest(message, pub);
  return sm.sm2.doSignature(Array.from(e), priv, { hash: false });
}

/** Verifies an SM3withSM2 signature (hex r||s); false for any malformed signature. */
export async function sm2Verify(message: string, signatureHex: string, publicKeyHex: string): Promise<boolean> {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  const xy = publicXY('publicKeyHex', publicKeyHex);
  const sm = await loadSmCrypto();
  const e = sm2Digest(message, xy);
  return sm.sm2.doVerifySignature(Array.from(e), signatureHex.toLowerCase(), `04${xy}`, { hash: false });
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

/** Signs (and encrypts) a request's `input` as the mode says. Throws on missing keys (a config error). */
export async function sealRequest<T extends { input: unknown; cainfo: string; signtype: string; enc_type?: 'SM4' }>(
  env: T,
  opts: SigningOptions,
): Promise<T> {
  if (opts.mode === 'none') return env;
  const plain = canonicalJson(env.input);
  const cainfo = await sm2Sign(plain, requireHex('privateKeyHex', opts.privateKeyHex, 64), opts.publicKeyHex);
  const sealed: T = { ...env, signtype: 'SM2', cainfo };
  if (opts.mode === 'sm2+sm4') {
    sealed.input = sm4EncryptHex(plain, requireHex('sm4KeyHex', opts.sm4KeyHex, 32));
    sealed.enc_type = 'SM4';
  }
  return sealed;
}

export type OpenedOutput = { ok: true; output: unknown } | { ok: false; reason: string };

/**
 * Client side of a response: decrypts an SM4 `output` and, when the platform's public key is
 * configured, verifies a signed one. An unsigned response is accepted (platforms often leave
 * error answers unsigned); a signed one that does not verify is not.
 */
export async function openResponse(
  resp: { output: unknown; signtype?: string; cainfo?: string; enc_type?: string },
  opts: SigningOptions,
): Promise<OpenedOutput> {
  let output = resp.output;
  if (resp.enc_type !== undefined && resp.enc_type !== '') {
    if (resp.enc_type !== 'SM4') return { ok: false, reason: `unsupported response enc_type ${JSON.stringify(resp.enc_type)}` };
    if (typeof output !== 'string') return { ok: false, reason: 'enc_type SM4 but output is not a ciphertext string' };
    if (opts.sm4KeyHex === undefined) return { ok: false, reason: 'encrypted response but platform.signing.sm4KeyHex is not set' };
    try {
      output = JSON.parse(sm4DecryptHex(output, opts.sm4KeyHex));
    } catch (err) {
      return { ok: false, reason: `cannot decrypt response output: ${(err as Error).message}` };
    }
  }
  if (opts.platformPublicKeyHex !== undefined && resp.signtype === 'SM2') {
    const ok = await sm2Verify(canonicalJson(output ?? null), resp.cainfo ?? '', opts.platformPublicKeyHex);
    if (!ok) return { ok: false, reason: 'response signature (cainfo) does not verify with platform.signing.platformPublicKeyHex' };
  }
  return { ok: true, output };
}
