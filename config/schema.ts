// The config file's JSON Schema (validated with Ajv, defaults filled in) and the typed result.
// Annotation keywords read by the error formatter (errors.ts):
//   x-message: text used instead of the generic one, either for every error on the node (string)
//              or per Ajv keyword ({ pattern: '...' }).
//   x-secret:  never echo the value in an error message (keys, token hashes, passwords).

export type SigningMode = 'none' | 'sm2' | 'sm2+sm4';
export type SignatureFormat = 'raw-hex' | 'raw-base64' | 'der-hex' | 'der-base64';
export type ApiRole = 'cashier' | 'manager' | 'technician';
export type FaceMode = 'none' | 'terminal' | 'camera';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ScanDelimiter = '\r' | '\n' | '\r\n';
export type HidMode = 'pos' | 'keyboard';

export interface StoreConfig {
  /** fixmedins_code (定点医药机构编码): 12 characters A–Z/0–9. */
  code: string;
  name: string;
  /** Medical-insurance area code (医保区划) of the store, 6 digits. */
  admdvs: string;
  /** Insured persons' area code (参保地区划); defaults to `admdvs`. */
  insuplcAdmdvs: string;
  /**
   * The store's licensed pharmacists (执业药师) with their 执业药师注册证号; the first is on duty by default.
   * 3505 carries the one on duty (phar_name, phar_prac_cert_no); prescription drugs need one (PHARMACIST_REQUIRED).
   */
  pharmacists: { name: string; certNo: string }[];
}

export interface SigningConfig {
  mode: SigningMode;
  /** Present when mode is sm2 or sm2+sm4. 64 hex. */
  privateKeyHex?: string;
  /** Our SM2 public key, 130 hex (04…), optional. */
  publicKeyHex?: string;
  /** Present when mode is sm2 or sm2+sm4. 130 hex (04…). */
  platformPublicKeyHex?: string;
  /** Present when mode is sm2+sm4. 32 hex. */
  sm4KeyHex?: string;
  /** How the box writes cainfo: r‖s raw or DER, hex or base64; absent = raw-hex. Peers' signatures are read in any of them. */
  signatureFormat?: SignatureFormat;
}

export interface PlatformConfig {
  simulator: boolean;
  /** Present unless `simulator` is true. */
  url?: string;
  timeoutMs: number;
  recerSysCode: string;
  devNo: string;
  operator: { code: string; name: string };
  signing: SigningConfig;
  /** Port of the embedded simulator; 0 = ephemeral. Only used when `simulator` is true. */
  simulatorPort: number;
  /** Province variant of the message shapes (sync/spec/profiles/): national (default) or prodentp-name. */
  profile: string;
}

export interface ApiTokenConfig {
  name: string;
  role: ApiRole;
  /** SHA-256 (64 lowercase hex) of the token; the token itself is never stored. */
  sha256: string;
}

export interface HttpConfig {
  host: string;
  port: number;
  apiTokens: ApiTokenConfig[];
  /** Host header values (no port) a session cookie is honoured for; unset: the listen host, localhost, 127.0.0.1, ::1 and the box's hostname. */
  allowedHosts?: string[];
  /** Limits for callers who are not signed in, per client address; unset: DEFAULT_RATE_LIMIT (agent/web/client-limit.ts). */
  rateLimit?: HttpRateLimitConfig;
}

export interface HttpRateLimitConfig {
  signInsPerMinute: number;
  signInBurst: number;
  requestsPerSecond: number;
  requestBurst: number;
}

interface ScannerBase {
  id: string;
  counter: string;
  role: 'scanner' | 'face_terminal';
  baudRate: number;
  delimiter: ScanDelimiter;
  mode: HidMode;
  prefix?: string;
  suffix?: string;
  path?: string;
  vendorId?: number;
  productId?: number;
}
export type SerialScannerConfig = ScannerBase & { type: 'serial'; path: string };
export type HidScannerConfig = ScannerBase & { type: 'hid'; vendorId: number; productId: number };
export type SimulatedScannerConfig = ScannerBase & { type: 'simulated' };
export type ScannerConfig = SerialScannerConfig | HidScannerConfig | SimulatedScannerConfig;

interface IdReaderBase {
  id: string;
  counter: string;
  baudRate: number;
  path?: string;
}
export type IdReaderConfig = (IdReaderBase & { type: 'serial'; path: string }) | (IdReaderBase & { type: 'simulated' });

export interface CounterConfig {
  /** The id scanners, ID readers and cameras name in `counter` (e.g. counter-1). */
  id: string;
  /** What people see, e.g. 1号收银台 (the default for counter-N) or 处方药柜台. */
  name?: string;
}

export interface CameraConfig {
  id: string;
  counter: string;
  /** At least one of `onvif` and `rtspUrl` is present. */
  onvif?: { url: string; username?: string; password?: string };
  rtspUrl?: string;
  transport: 'tcp' | 'udp';
}

export interface VideoConfig {
  /** Absolute; defaults to `${dataDir}/video`. */
  dir: string;
  retentionDays: number;
  segmentSeconds: number;
}

/** The chain HQ (`counter-agent hq`): replication of the ledger and the chain-wide trace-code check. */
export interface HqConfig {
  /** HQ's base URL, https:// in production (http:// on a trusted network or in tests). */
  url: string;
  /** The store's credential `STORE.TOKEN` from enrolment; or leave it out and give `enrolmentCode` once. */
  credential?: string;
  /** A one-time code from `counter-agent hq enrol-code`; exchanged at start, the credential is kept in the ledger. */
  enrolmentCode?: string;
  /** Events per request, 1..2000. */
  batchSize: number;
  /** How long a scan waits for HQ's answer before selling without it (ms). */
  checkTimeoutMs: number;
  /** How often lines sold unchecked are asked again and HQ's conflict feed is read (s). */
  recheckSeconds: number;
}

export interface Config {
  store: StoreConfig;
  platform: PlatformConfig;
  http: HttpConfig;
  /** Absolute path. */
  dataDir: string;
  /** Names the pages show for the counters (devices refer to a counter by its id); default none. */
  counters: CounterConfig[];
  scanners: ScannerConfig[];
  idReaders: IdReaderConfig[];
  cameras: CameraConfig[];
  video: VideoConfig;
  face: { mode: FaceMode };
  traceCodes: { manufacturerPatterns: { name: string; pattern: string }[] };
  checkout: { requireTraceCodesForSelfPay: boolean; idleVoidMinutes: number };
  log: { level: LogLevel };
  /** Absent: the box works alone, exactly as without a chain. */
  hq?: HqConfig;
}

// ---------------------------------------------------------------------------------------------
// Schema building blocks (plain JSON Schema draft-07 objects).

type S = Record<string, unknown>;

const obj = (properties: Record<string, S>, extra: S = {}): S => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...extra,
});
const nonEmpty = (extra: S = {}): S => ({ type: 'string', minLength: 1, ...extra });
const int = (minimum: number, maximum: number, extra: S = {}): S => ({ type: 'integer', minimum, maximum, ...extra });
const bool = (dflt: boolean): S => ({ type: 'boolean', default: dflt });
const oneOf = (values: string[], dflt?: string): S => ({ type: 'string', enum: values, ...(dflt === undefined ? {} : { default: dflt }) });
const hex = (length: number, what: string, extra: S = {}): S => ({
  type: 'string',
  pattern: `^[0-9a-fA-F]{${length}}$`,
  'x-message': `expected ${length} hex characters (${what})`,
  'x-secret': true,
  ...extra,
});
const list = (items: S): S => ({ type: 'array', items, default: [] });

const id = nonEmpty({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  'x-message': { pattern: "expected letters, digits, '.', '_' or '-' (ids are used in file names)" },
});
const counter = nonEmpty({ default: 'counter-1' });
const usbId = int(0, 65535, { 'x-message': 'expected an integer from 0 to 65535 (decimal, or hex as lsusb shows it: 0x0c2e)' });
const sixDigits = { type: 'string', pattern: '^[0-9]{6}$', 'x-message': 'expected 6 digits (an area code such as 130102)' };
// Config takes the uncompressed form only (what bureaus hand out and sm-crypto prints); that the point lies on
// the SM2 curve is checked when the platform client starts (sync/signing.ts prepareSigning), naming this key.
const publicKey = hex(130, 'an uncompressed SM2 public key starting with 04', {
  pattern: '^04[0-9a-fA-F]{128}$',
  'x-secret': false,
});

export const configSchema: S = obj({
  store: obj(
    {
      code: {
        type: 'string',
        minLength: 12,
        maxLength: 12,
        pattern: '^[A-Z0-9]{12}$',
        'x-message': { pattern: 'expected 12 characters, only capital letters A–Z and digits 0–9' },
      },
      name: nonEmpty(),
      admdvs: sixDigits,
      insuplcAdmdvs: sixDigits,
      // 50: 3505 phar_name / phar_prac_cert_no (sync/spec/uploads.ts; public hsa-his InsureGoodSell.java "药师执业资格证号
      // 字符型 50"): a longer one here would have every prescription sale's upload refused by the platform.
      pharmacists: list(obj({ name: nonEmpty({ maxLength: 50 }), certNo: nonEmpty({ maxLength: 50 }) }, { required: ['name', 'certNo'] })),
    },
    { required: ['code', 'name', 'admdvs'], default: {} },
  ),
  platform: obj(
    {
      simulator: bool(false),
      url: { type: 'string' }, // required-unless-simulator and URL syntax are checked in checks.ts
      timeoutMs: int(100, 120000, { default: 10000 }),
      recerSysCode: nonEmpty({ default: 'COUNTERAGENT' }),
      devNo: { type: 'string', default: '' },
      operator: obj({ code: nonEmpty({ default: '0001' }), name: nonEmpty({ default: '收银员' }) }, { default: {} }),
      signing: obj(
        {
          mode: oneOf(['none', 'sm2', 'sm2+sm4'], 'none'),
          privateKeyHex: hex(64, 'an SM2 private key'),
          publicKeyHex: publicKey,
          platformPublicKeyHex: publicKey,
          sm4KeyHex: hex(32, 'an SM4 key'),
          signatureFormat: oneOf(['raw-hex', 'raw-base64', 'der-hex', 'der-base64']),
        },
        { default: {} },
      ),
      simulatorPort: int(0, 65535, { default: 0 }),
      profile: oneOf(['national', 'prodentp-name'], 'national'),
    },
    { default: {} },
  ),
  http: obj(
    {
      host: nonEmpty({ default: '127.0.0.1' }),
      port: int(0, 65535, { default: 8080 }),
      apiTokens: list(
        obj(
          {
            name: nonEmpty(),
            role: oneOf(['cashier', 'manager', 'technician']),
            sha256: {
              type: 'string',
              pattern: '^[0-9a-f]{64}$',
              'x-message': 'expected 64 lowercase hex characters (the SHA-256 of the token, never the token itself)',
              'x-secret': true,
            },
          },
          { required: ['name', 'role', 'sha256'] },
        ),
      ),
      // No default here: unset means "the listen host, localhost, 127.0.0.1, ::1 and the hostname" (agent/web/host-guard.ts).
      allowedHosts: {
        type: 'array',
        items: {
          type: 'string',
          minLength: 1,
          pattern: '^[^\\s/:]+$|^\\[[0-9a-fA-F:.]+\\]$',
          'x-message': 'expected a host name or address without port or path',
        },
      },
      // Per client address, callers not signed in only (agent/web/client-limit.ts says why these numbers).
      rateLimit: obj(
        {
          signInsPerMinute: int(1, 6000, { default: 30 }),
          signInBurst: int(1, 1000, { default: 30 }),
          requestsPerSecond: int(1, 10000, { default: 30 }),
          requestBurst: int(1, 100000, { default: 120 }),
        },
        // No default object: unset means DEFAULT_RATE_LIMIT (the same numbers), as allowedHosts does.
      ),
    },
    { default: {} },
  ),
  dataDir: nonEmpty({ default: '/var/lib/counter-agent' }),
  counters: list(obj({ id: nonEmpty({ maxLength: 40 }), name: nonEmpty({ maxLength: 40 }) }, { required: ['id'] })),
  scanners: list(
    obj(
      {
        id,
        type: oneOf(['serial', 'hid', 'simulated']),
        counter,
        path: nonEmpty(),
        baudRate: int(50, 4000000, { default: 9600 }),
        delimiter: {
          type: 'string',
          enum: ['\r', '\n', '\r\n'],
          default: '\r',
          'x-message': { enum: 'expected "\\r", "\\n" or "\\r\\n" (written in double quotes)' },
        },
        prefix: { type: 'string' },
        suffix: { type: 'string' },
        vendorId: usbId,
        productId: usbId,
        mode: oneOf(['pos', 'keyboard'], 'pos'),
        // face_terminal: an NHSA face terminal that outputs the person's e-voucher code like a scanner;
        // what it sends is recorded as a face check (face.mode: terminal).
        role: oneOf(['scanner', 'face_terminal'], 'scanner'),
      },
      { required: ['id', 'type'] },
    ),
  ),
  idReaders: list(
    obj(
      {
        id,
        type: oneOf(['serial', 'simulated']),
        path: nonEmpty(),
        baudRate: int(50, 4000000, { default: 115200 }),
        counter,
      },
      { required: ['id', 'type'] },
    ),
  ),
  cameras: list(
    obj(
      {
        id,
        counter,
        onvif: obj(
          {
            url: { type: 'string' },
            username: { type: 'string' },
            password: { type: 'string', 'x-secret': true },
          },
          { required: ['url'] },
        ),
        rtspUrl: { type: 'string' },
        transport: oneOf(['tcp', 'udp'], 'tcp'),
      },
      { required: ['id'] },
    ),
  ),
  video: obj(
    {
      dir: nonEmpty(),
      retentionDays: {
        type: 'integer',
        minimum: 365,
        default: 365,
        'x-message': { minimum: 'must be at least 365 (the rules require one year of video)' },
      },
      segmentSeconds: int(10, 600, { default: 60 }),
    },
    { default: {} },
  ),
  face: obj({ mode: oneOf(['none', 'terminal', 'camera'], 'none') }, { default: {} }),
  traceCodes: obj({ manufacturerPatterns: list(obj({ name: nonEmpty(), pattern: nonEmpty() }, { required: ['name', 'pattern'] })) }, { default: {} }),
  // idleVoidMinutes: an open sale untouched this long is voided and its boxes freed (0: never).
  checkout: obj({ requireTraceCodesForSelfPay: bool(true), idleVoidMinutes: int(0, 1440, { default: 10 }) }, { default: {} }),
  log: obj({ level: oneOf(['debug', 'info', 'warn', 'error'], 'info') }, { default: {} }),
  hq: obj(
    {
      url: nonEmpty(), // URL syntax checked in checks.ts
      credential: nonEmpty({ pattern: '^[A-Z0-9]{12}\\.[A-Za-z0-9_-]{20,}$', 'x-message': 'expected STORE.TOKEN as enrolment printed it', 'x-secret': true }),
      enrolmentCode: nonEmpty({ 'x-secret': true }),
      batchSize: int(1, 2000, { default: 500 }),
      checkTimeoutMs: int(20, 5000, { default: 150 }),
      // 5 s at least: each pass asks HQ about every unchecked line; an hour at most: a late hit must still reach the manager the same day.
      recheckSeconds: int(5, 3600, { default: 30 }),
    },
    { required: ['url'] },
  ),
});
