// SM2/SM3/SM4 against an independent implementation, the OpenSSL 3 CLI (Debian's openssl), both ways, through
// the real client over real HTTP: OpenSSL verifies the exact bytes the box put on the wire, and the box verifies
// answers OpenSSL signed (DER, as OpenSSL writes it, or converted to raw r‖s), hex and base64.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import smCrypto from 'sm-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../agent/ledger/msgids.js';
import { PlatformClient } from './client.js';
import { PlatformMalformedResponseError } from './errors.js';
import { MsgidAllocator } from './msgid.js';
import { DEFAULT_SM2_USER_ID, prepareSigning, type SigningOptions, sm2Sign, sm2Verify, sm4DecryptHex, sm4EncryptHex } from './signing.js';
import { parseSm2PublicKey, type SignatureFormat } from './sm2-keys.js';
import { tempDir } from './test-support.js';

const tmp = tempDir();
const file = (name: string): string => join(tmp.dir, name);
const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const DISTID = `distid:${DEFAULT_SM2_USER_ID}`;

/** `openssl … -text` prints key bytes as colon-separated hex under a label. */
function textHex(text: string, label: string): string {
  const m = new RegExp(`${label}:\\n((?:\\s+[0-9a-f:]+\\n)+)`).exec(text);
  if (!m?.[1]) throw new Error(`no ${label} in openssl output`);
  return m[1].replace(/[\s:]/g, '');
}

/** An SM2 key pair made by OpenSSL: PEM files and the hex forms the box's config takes. */
function opensslKey(name: string): { key: string; pub: string; privHex: string; pubHex: string } {
  const key = file(`${name}.pem`);
  const pub = file(`${name}.pub.pem`);
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key);
  openssl('pkey', '-in', key, '-pubout', '-out', pub);
  const text = openssl('pkey', '-in', key, '-text', '-noout');
  return { key, pub, privHex: textHex(text, 'priv').padStart(64, '0'), pubHex: textHex(text, 'pub') };
}

/** The box's public key as a SubjectPublicKeyInfo PEM, for `openssl dgst -verify` (RFC 5280; SM2 curve OID). */
function spkiPem(pub04: string): string {
  const der = Buffer.from(`3059301306072a8648ce3d020106082a811ccf5501822d034200${pub04}`, 'hex');
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
}

/** DER bytes of a signature in any of the box's formats, built by OpenSSL itself for the raw forms. */
function toDer(sig: string, format: SignatureFormat): Buffer {
  const bytes = Buffer.from(sig, format.endsWith('hex') ? 'hex' : 'base64');
  if (format.startsWith('der')) return bytes;
  expect(bytes).toHaveLength(64);
  const conf = file('sig.cnf');
  writeFileSync(conf, `asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x${bytes.subarray(0, 32).toString('hex')}\ns=INTEGER:0x${bytes.subarray(32).toString('hex')}\n`);
  openssl('asn1parse', '-genconf', conf, '-out', file('sig.der'), '-noout');
  return readFileSync(file('sig.der'));
}

/** OpenSSL signs `message` (UTF-8) with SM3withSM2 and the default user id: DER bytes. */
function opensslSign(message: string, key: string): Buffer {
  writeFileSync(file('msg'), message);
  openssl('dgst', '-sm3', '-sign', key, '-sigopt', DISTID, '-out', file('out.der'), file('msg'));
  return readFileSync(file('out.der'));
}

function opensslVerifies(message: Buffer, der: Buffer, pubPem: string): boolean {
  writeFileSync(file('vmsg'), message);
  writeFileSync(file('vsig.der'), der);
  writeFileSync(file('vpub.pem'), pubPem);
  try {
    return openssl('dgst', '-sm3', '-verify', file('vpub.pem'), '-sigopt', DISTID, '-signature', file('vsig.der'), file('vmsg')).includes('Verified OK');
  } catch {
    return false;
  }
}

/** DER → the four forms a platform might send. */
function asFormat(der: Buffer, format: SignatureFormat): string {
  if (format === 'der-hex') return der.toString('hex');
  if (format === 'der-base64') return der.toString('base64');
  const ints = [...openssl('asn1parse', '-inform', 'DER', '-in', writeTmp('conv.der', der)).matchAll(/INTEGER\s+:([0-9A-F]+)/g)].map((m) =>
    (m[1] ?? '').padStart(64, '0'),
  );
  const raw = Buffer.from(ints.join(''), 'hex');
  return format === 'raw-hex' ? raw.toString('hex') : raw.toString('base64');
}

function writeTmp(name: string, data: Buffer | string): string {
  writeFileSync(file(name), data);
  return file(name);
}

const FORMATS: SignatureFormat[] = ['raw-hex', 'raw-base64', 'der-hex', 'der-base64'];
const box = smCrypto.sm2.generateKeyPairHex();
let platform: ReturnType<typeof opensslKey>;
let server: Server;
let url: string;
// The box's own ledger file: the msgid reservations are one of its tables (created by its migrations).
const db = openLedger(join(tmp.dir, 'box.sqlite'));
/** What the stub platform received, and how it answers (the output text exactly as sent, unsorted, with blanks). */
let received: { body: string } | undefined;
let answer: (outputText: string) => { cainfo: string; outputText: string };

// Deliberately not canonical JSON: keys out of order and blanks, so only the exact bytes verify.
const OUTPUT_TEXT = '{ "signinoutb": { "sign_time": "2026-12-07 10:00:00", "sign_no": "签到-1" } }';

beforeAll(async () => {
  platform = opensslKey('platform');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received = { body: Buffer.concat(chunks).toString('utf8') };
      const { cainfo, outputText } = answer(OUTPUT_TEXT);
      res.end(
        `{"infcode":0,"inf_refmsgid":"R1","refmsg_time":"","respond_time":"","err_msg":"","signtype":"SM2","cainfo":${JSON.stringify(cainfo)},"output":${outputText}}`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fsi/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  db.close();
  tmp.remove();
});

function client(signing: SigningOptions): PlatformClient {
  return new PlatformClient({
    url,
    fixmedinsCode: 'P13010200001',
    fixmedinsName: '演示药店（长安店）',
    mdtrtareaAdmvs: '130102',
    insuplcAdmdvs: '130102',
    recerSysCode: 'CNTAGT',
    devNo: 'BOX-001',
    operator: { code: 'OP001', name: '张药师' },
    signing,
    timeoutMs: 5000,
    msgids: new MsgidAllocator(new LedgerMsgidReservations(db), 'P13010200001'),
    mac: 'aa',
    ip: '10.0.0.1',
  });
}

/** The `input` bytes of a request body, found without the box's own JSON scanner: input is the last member. */
function inputBytes(body: string): Buffer {
  const at = body.lastIndexOf(',"input":');
  expect(at).toBeGreaterThan(0);
  const text = body.slice(at + ',"input":'.length, -1);
  expect(JSON.parse(text)).toEqual((JSON.parse(body) as { input: unknown }).input);
  return Buffer.from(text, 'utf8');
}

describe('SM2 with OpenSSL 3, through the client over HTTP', () => {
  it.each(FORMATS)('the box signs (%s) → OpenSSL verifies the exact bytes received; OpenSSL signs (DER) → the box verifies', async (format) => {
    answer = (text) => ({ cainfo: asFormat(opensslSign(text, platform.key), 'der-base64'), outputText: text });
    const c = client({ mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.pubHex, signatureFormat: format });
    expect(await c.signIn()).toBe('签到-1');
    const env = JSON.parse(received!.body) as { cainfo: string; signtype: string };
    expect(env.signtype).toBe('SM2');
    const der = toDer(env.cainfo, format);
    expect(opensslVerifies(inputBytes(received!.body), der, spkiPem(box.publicKey))).toBe(true);
    // The same signature over other bytes does not verify: OpenSSL really checked these.
    expect(opensslVerifies(Buffer.from('{"signIn":{}}'), der, spkiPem(box.publicKey))).toBe(false);
  });

  it.each(FORMATS)('the box accepts an OpenSSL signature sent as %s over the bytes it received', async (format) => {
    answer = (text) => ({ cainfo: asFormat(opensslSign(text, platform.key), format), outputText: text });
    expect(await client({ mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.pubHex }).signIn()).toBe('签到-1');
  });

  it('refuses an answer whose bytes differ from what OpenSSL signed', async () => {
    answer = (text) => ({ cainfo: asFormat(opensslSign(text, platform.key), 'der-hex'), outputText: text.replace('签到-1', '签到-2') });
    const err = await client({ mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.pubHex })
      .signIn()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PlatformMalformedResponseError);
    expect((err as Error).message).toMatch(/cainfo.*does not verify/);
  });

  it('sm2+sm4: OpenSSL decrypts the input and verifies the plaintext the box signed', async () => {
    const sm4KeyHex = '00112233445566778899aabbccddeeff';
    answer = (text) => ({ cainfo: asFormat(opensslSign(text, platform.key), 'raw-hex'), outputText: text });
    const c = client({ mode: 'sm2+sm4', privateKeyHex: box.privateKey, platformPublicKeyHex: platform.pubHex, sm4KeyHex, signatureFormat: 'der-base64' });
    await c.signIn();
    const env = JSON.parse(received!.body) as { input: string; cainfo: string; enc_type: string };
    expect(env.enc_type).toBe('SM4');
    const plain = execFileSync('openssl', ['enc', '-d', '-sm4-ecb', '-K', sm4KeyHex, '-nosalt', '-in', writeTmp('c.bin', Buffer.from(env.input, 'hex'))]);
    expect(JSON.parse(plain.toString('utf8'))).toEqual({ signIn: { opter_no: 'OP001', mac: 'aa', ip: '10.0.0.1' } });
    expect(opensslVerifies(plain, toDer(env.cainfo, 'der-base64'), spkiPem(box.publicKey))).toBe(true);
  });
});

describe('SM2 keys in the forms OpenSSL writes', () => {
  it("loads OpenSSL's uncompressed, compressed and SubjectPublicKeyInfo (PEM, DER hex, DER base64) public keys alike", async () => {
    const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-in', platform.pub, '-outform', 'DER']);
    const compressedDer = execFileSync('openssl', ['ec', '-in', platform.key, '-pubout', '-conv_form', 'compressed', '-outform', 'DER'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const compressedHex = compressedDer.subarray(compressedDer.length - 33).toString('hex');
    expect(compressedHex).toMatch(/^0[23]/);
    const forms = [
      platform.pubHex,
      platform.pubHex.slice(2),
      compressedHex,
      readFileSync(platform.pub, 'utf8'),
      spkiDer.toString('hex'),
      spkiDer.toString('base64'),
      compressedDer.toString('base64'),
    ];
    const sig = asFormat(opensslSign('数据', platform.key), 'der-hex');
    for (const form of forms) {
      expect(parseSm2PublicKey(form), form).toEqual({ ok: true, hex: platform.pubHex });
      expect(await sm2Verify('数据', sig, form)).toBe(true);
      expect(await sm2Verify('数据!', sig, form)).toBe(false);
    }
  });

  it('the box signs with a key OpenSSL generated, and OpenSSL verifies with its own PEM', async () => {
    for (const format of FORMATS) {
      const sig = await sm2Sign('{"a":1}', platform.privHex, undefined, format);
      expect(opensslVerifies(Buffer.from('{"a":1}'), toDer(sig, format), readFileSync(platform.pub, 'utf8'))).toBe(true);
    }
  });

  it('a malformed key is false from verify (never a throw) and a clear error naming the config key at start-up', async () => {
    const sig = asFormat(opensslSign('x', platform.key), 'raw-hex');
    const offCurve = `04${'b'.repeat(128)}`;
    for (const key of [
      '',
      'garbage',
      '04abcd',
      offCurve,
      `02${'f'.repeat(64)}`,
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
    ]) {
      await expect(sm2Verify('x', sig, key), key).resolves.toBe(false);
      expect(() => prepareSigning({ mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: key }), key).toThrow(
        /^platform\.signing\.platformPublicKeyHex is not a usable SM2 public key: /,
      );
    }
    expect(() => prepareSigning({ mode: 'sm2', privateKeyHex: '0'.repeat(64) })).toThrow(/^platform\.signing\.privateKeyHex .*outside/);
    expect(() => prepareSigning({ mode: 'sm2', privateKeyHex: 'zz' })).toThrow(/^platform\.signing\.privateKeyHex .*64 hex/);
    expect(() => prepareSigning({ mode: 'none', signatureFormat: 'pem' as SignatureFormat })).toThrow(/platform\.signing\.signatureFormat/);
    expect(() => client({ mode: 'sm2', privateKeyHex: box.privateKey, platformPublicKeyHex: offCurve })).toThrow(/platform\.signing\.platformPublicKeyHex/);
    // Signatures that are none of raw/DER, hex/base64, or out of range, are simply false.
    for (const bad of ['', 'zz', '00'.repeat(64), `30${'00'.repeat(70)}`, Buffer.alloc(64, 0xff).toString('base64')]) {
      await expect(sm2Verify('x', bad, platform.pubHex), bad).resolves.toBe(false);
    }
  });
});

describe('SM4-ECB with OpenSSL 3', () => {
  const key = '0123456789abcdeffedcba9876543210';
  it("OpenSSL decrypts the box's ciphertext and the box decrypts OpenSSL's, for any length", () => {
    for (const text of ['', 'a', '0123456789abcdef', '医保结算：二甲双胍片 ×2']) {
      const ours = Buffer.from(sm4EncryptHex(text, key), 'hex');
      expect(execFileSync('openssl', ['enc', '-d', '-sm4-ecb', '-K', key, '-nosalt', '-in', writeTmp('s.bin', ours)]).toString('utf8')).toBe(text);
      const theirs = execFileSync('openssl', ['enc', '-sm4-ecb', '-K', key, '-nosalt', '-in', writeTmp('p.txt', text)]);
      expect(sm4DecryptHex(theirs.toString('hex'), key)).toBe(text);
    }
  });
});
