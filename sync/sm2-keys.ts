// SM2 keys and signatures in the forms peers use, read without throwing.
// Public keys: uncompressed point 04‖x‖y (130 hex, or bare x‖y 128 hex), compressed point 02/03‖x (66 hex,
// SEC 1 2.3.4 / GB/T 32918.1 4.2.9), or SubjectPublicKeyInfo (RFC 5280 4.1; id-ecPublicKey with the SM2 curve
// 1.2.156.10197.1.301, GM/T 0006) as PEM, DER hex or DER base64. Private keys: the 32-byte scalar as 64 hex.
// Signatures: raw r‖s (64 bytes; sm-crypto's and most Chinese SDKs' default) or DER SEQUENCE { r INTEGER,
// s INTEGER } (GM/T 0009 7.2; what OpenSSL and Java/BouncyCastle produce), each as hex or base64.

// SM2 recommended curve parameters, GB/T 32918.5 (a, b, Gx, Gy are also hashed into Z by signing.ts).
export const SM2_P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
export const SM2_A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
export const SM2_B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const SM2_GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
export const SM2_GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

export type SignatureFormat = 'raw-hex' | 'raw-base64' | 'der-hex' | 'der-base64';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['raw-hex', 'raw-base64', 'der-hex', 'der-base64'];

export type KeyResult = { ok: true; hex: string } | { ok: false; reason: string };

const hex64 = (n: bigint): string => n.toString(16).padStart(64, '0');

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return r;
}

function onCurve(x: bigint, y: bigint): boolean {
  if (x >= SM2_P || y >= SM2_P) return false;
  return (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P === 0n;
}

/** 04‖x‖y from a SEC 1 point encoding (uncompressed or compressed). */
function pointFromBytes(bytes: Buffer): KeyResult {
  if (bytes.length === 65 && bytes[0] === 0x04) {
    const x = BigInt(`0x${bytes.subarray(1, 33).toString('hex')}`);
    const y = BigInt(`0x${bytes.subarray(33).toString('hex')}`);
    return onCurve(x, y) ? { ok: true, hex: `04${hex64(x)}${hex64(y)}` } : { ok: false, reason: 'the point is not on the SM2 curve' };
  }
  if (bytes.length === 33 && (bytes[0] === 0x02 || bytes[0] === 0x03)) {
    const x = BigInt(`0x${bytes.subarray(1).toString('hex')}`);
    if (x >= SM2_P) return { ok: false, reason: 'the point is not on the SM2 curve' };
    // p ≡ 3 (mod 4), so a square root is rhs^((p+1)/4).
    const rhs = (x * x * x + SM2_A * x + SM2_B) % SM2_P;
    let y = modPow(rhs, (SM2_P + 1n) / 4n, SM2_P);
    if ((y * y) % SM2_P !== rhs) return { ok: false, reason: 'the compressed point is not on the SM2 curve' };
    if ((y & 1n) !== BigInt(bytes[0]! & 1)) y = SM2_P - y;
    return { ok: true, hex: `04${hex64(x)}${hex64(y)}` };
  }
  return {
    ok: false,
    reason: `a point has 65 bytes (04…) or 33 bytes (02/03…), got ${bytes.length} bytes starting ${bytes.subarray(0, 1).toString('hex') || 'with nothing'}`,
  };
}

/** One DER TLV at `pos`: tag, the value's bounds, and where the next one starts; undefined when malformed. */
function tlv(buf: Buffer, pos: number): { tag: number; start: number; end: number } | undefined {
  if (pos + 2 > buf.length) return undefined;
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 2 || start + n > buf.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[start + i]!;
    start += n;
  }
  const end = start + len;
  return end <= buf.length ? { tag, start, end } : undefined;
}

const OID_EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_SM2 = '2a811ccf5501822d'; // 1.2.156.10197.1.301

/** SubjectPublicKeyInfo DER → the point, checking that the algorithm is an EC key on the SM2 curve. */
function pointFromSpki(der: Buffer): KeyResult {
  const bad = (why: string): KeyResult => ({ ok: false, reason: `not an SM2 SubjectPublicKeyInfo: ${why}` });
  const outer = tlv(der, 0);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return bad('no outer SEQUENCE');
  const alg = tlv(der, outer.start);
  if (!alg || alg.tag !== 0x30) return bad('no AlgorithmIdentifier');
  const oids: string[] = [];
  for (let p = alg.start; p < alg.end; ) {
    const t = tlv(der, p);
    if (!t) return bad('malformed AlgorithmIdentifier');
    if (t.tag === 0x06) oids.push(der.subarray(t.start, t.end).toString('hex'));
    p = t.end;
  }
  if (!oids.includes(OID_SM2)) return bad('the curve is not SM2 (1.2.156.10197.1.301)');
  if (oids[0] !== OID_EC_PUBLIC_KEY && oids[0] !== OID_SM2) return bad('the algorithm is not id-ecPublicKey');
  const bits = tlv(der, alg.end);
  if (!bits || bits.tag !== 0x03 || bits.end !== outer.end || der[bits.start] !== 0) return bad('no public key BIT STRING');
  return pointFromBytes(der.subarray(bits.start + 1, bits.end));
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function base64Bytes(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact)) return undefined;
  const std = compact.replace(/-/g, '+').replace(/_/g, '/');
  const buf = Buffer.from(std, 'base64');
  // Buffer.from ignores garbage; re-encoding must give the input back (padding aside).
  return buf.toString('base64').replace(/=+$/, '') === std.replace(/=+$/, '') ? buf : undefined;
}

/**
 * Any accepted public-key form → uncompressed "04"+x+y (130 lowercase hex), or why not.
 * Hex is tried before base64 because every hex string is also base64 text.
 */
export function parseSm2PublicKey(text: unknown): KeyResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'no key given' };
  const t = text.trim();
  const pem = /^-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----$/.exec(t);
  if (pem) {
    const der = base64Bytes(pem[1] ?? '');
    return der ? pointFromSpki(der) : { ok: false, reason: 'the PEM body is not base64' };
  }
  if (/^-----BEGIN/.test(t)) return { ok: false, reason: 'a PEM key must be a PUBLIC KEY (SubjectPublicKeyInfo) block' };
  if (HEX.test(t) && t.length % 2 === 0) {
    if (t.length === 128) return pointFromBytes(Buffer.from(`04${t}`, 'hex'));
    if (t.length === 130 || t.length === 66) return pointFromBytes(Buffer.from(t, 'hex'));
    if (t.startsWith('30')) return pointFromSpki(Buffer.from(t, 'hex'));
    return { ok: false, reason: `${t.length} hex characters; an SM2 public key has 130 (04…), 128 (x‖y), 66 (02/03…) or is a SubjectPublicKeyInfo` };
  }
  const der = base64Bytes(t);
  if (der && der[0] === 0x30) return pointFromSpki(der);
  if (der && (der.length === 65 || der.length === 33)) return pointFromBytes(der);
  return { ok: false, reason: 'not hex, base64 or PEM' };
}

/** The private scalar d as 64 lowercase hex, 1 ≤ d ≤ n − 2 (GB/T 32918.1 6.1), or why not. */
export function parseSm2PrivateKey(text: unknown): KeyResult {
  if (typeof text !== 'string' || text.trim() === '') return { ok: false, reason: 'no key given' };
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) return { ok: false, reason: `expected 64 hex characters (the 32-byte private scalar), got ${t.length} characters` };
  const d = BigInt(`0x${t}`);
  if (d < 1n || d > SM2_N - 2n) return { ok: false, reason: 'the private scalar is outside 1…n−2 of the SM2 curve' };
  return { ok: true, hex: t.toLowerCase() };
}

/** A DER INTEGER's content → positive bigint; undefined when not minimal or negative. */
function derInteger(buf: Buffer, t: { tag: number; start: number; end: number }): bigint | undefined {
  if (t.tag !== 0x02 || t.end === t.start) return undefined;
  const v = buf.subarray(t.start, t.end);
  if (v[0]! & 0x80) return undefined;
  if (v.length > 1 && v[0] === 0 && !(v[1]! & 0x80)) return undefined;
  return BigInt(`0x${v.toString('hex')}`);
}

function rsFromBytes(bytes: Buffer): { r: bigint; s: bigint } | undefined {
  if (bytes.length === 64) return { r: BigInt(`0x${bytes.subarray(0, 32).toString('hex')}`), s: BigInt(`0x${bytes.subarray(32).toString('hex')}`) };
  const seq = tlv(bytes, 0);
  if (!seq || seq.tag !== 0x30 || seq.end !== bytes.length) return undefined;
  const rt = tlv(bytes, seq.start);
  const st = rt && tlv(bytes, rt.end);
  if (!rt || !st || st.end !== seq.end) return undefined;
  const r = derInteger(bytes, rt);
  const s = derInteger(bytes, st);
  return r === undefined || s === undefined ? undefined : { r, s };
}

/**
 * A peer's signature in any accepted form → r‖s as 128 lowercase hex; undefined when it is none of them
 * or r, s lie outside 1…n−1 (GB/T 32918.2 7.1 B1–B2).
 */
export function decodeSm2Signature(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (t === '') return undefined;
  let rs: { r: bigint; s: bigint } | undefined;
  if (HEX.test(t) && t.length % 2 === 0) rs = rsFromBytes(Buffer.from(t, 'hex'));
  if (!rs) {
    const b = base64Bytes(t);
    if (b) rs = rsFromBytes(b);
  }
  if (!rs || rs.r < 1n || rs.r >= SM2_N || rs.s < 1n || rs.s >= SM2_N) return undefined;
  return hex64(rs.r) + hex64(rs.s);
}

function derIntegerBytes(n: bigint): Buffer {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  const v = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from([0x02, v.length]), v]);
}

/** r‖s (128 hex) in the format the box is configured to send. */
export function encodeSm2Signature(rsHex: string, format: SignatureFormat): string {
  if (format === 'raw-hex') return rsHex;
  if (format === 'raw-base64') return Buffer.from(rsHex, 'hex').toString('base64');
  const body = Buffer.concat([derIntegerBytes(BigInt(`0x${rsHex.slice(0, 64)}`)), derIntegerBytes(BigInt(`0x${rsHex.slice(64)}`))]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  return format === 'der-hex' ? der.toString('hex') : der.toString('base64');
}
