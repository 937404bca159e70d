import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { keyName } from './errors.js';
import { ConfigError, parseConfig } from './index.js';

type Obj = Record<string, unknown>;
const BASE: Obj = {
  store: { code: 'P13010200001', name: '测试药店', admdvs: '130102' },
  platform: { url: 'https://fsi.example.cn/api' },
};
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Deep-merge `patch` into `base`; objects merge, anything else replaces, undefined deletes. */
function merge(base: Obj, patch: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = isObj(v) && isObj(out[k]) ? merge(out[k] as Obj, v) : v;
  }
  return out;
}

function problemsOf(yamlText: string): string[] {
  try {
    parseConfig(yamlText, 'test.yaml', '/');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
const problems = (patch: Obj): string[] => problemsOf(stringify(merge(BASE, patch)));

const KEY64 = 'a'.repeat(64);
const PUB = `04${'b'.repeat(128)}`;
const regexError = (p: string): string => {
  try {
    new RegExp(p);
  } catch (err) {
    return (err as Error).message;
  }
  return 'compiled';
};
const badPub = `05${'b'.repeat(128)}`;

// [what, patch, exact problems]
const CASES: [string, Obj, string[]][] = [
  ['short store.code', { store: { code: 'P1' } }, ['store.code: expected 12 characters, got "P1"']],
  ['long store.code', { store: { code: 'P130102000011' } }, ['store.code: expected 12 characters, got "P130102000011"']],
  [
    'lowercase store.code',
    { store: { code: 'p13010200001' } },
    ['store.code: expected 12 characters, only capital letters A–Z and digits 0–9, got "p13010200001"'],
  ],
  ['short lowercase store.code (one line only)', { store: { code: 'p1' } }, ['store.code: expected 12 characters, got "p1"']],
  ['missing store.name', { store: { name: undefined } }, ['store.name: required']],
  ['empty store.name', { store: { name: '' } }, ['store.name: must not be empty']],
  ['bad store.admdvs', { store: { admdvs: '13010' } }, ['store.admdvs: expected 6 digits (an area code such as 130102), got "13010"']],
  ['bad store.insuplcAdmdvs', { store: { insuplcAdmdvs: 'abcdef' } }, ['store.insuplcAdmdvs: expected 6 digits (an area code such as 130102), got "abcdef"']],
  [
    'long store.pharmacists certNo',
    { store: { pharmacists: [{ name: '李药师', certNo: `ZY${'1'.repeat(49)}` }] } },
    [`store.pharmacists[0].certNo: expected at most 50 characters, got "ZY${'1'.repeat(49)}"`],
  ],
  ['store not a mapping', { store: 'hello' }, ['store: expected a mapping (key: value lines), got "hello"']],
  ['unknown store key', { store: { foo: 1 } }, ['store.foo: unknown key']],
  ['unknown top-level key', { foo: 1 }, ['foo: unknown key']],
  ['platform.simulator not a boolean', { platform: { simulator: 'yes' } }, ['platform.simulator: expected true or false, got "yes"']],
  ['missing platform.url', { platform: { url: undefined } }, ['platform.url: required unless platform.simulator is true']],
  ['bad platform.url', { platform: { url: 'not a url' } }, ['platform.url: expected an http:// or https:// URL, got "not a url"']],
  ['ftp platform.url', { platform: { url: 'ftp://fsi.example.cn' } }, ['platform.url: expected an http:// or https:// URL, got "ftp://fsi.example.cn"']],
  ['low platform.timeoutMs', { platform: { timeoutMs: 99 } }, ['platform.timeoutMs: expected an integer from 100 to 120000, got 99']],
  ['high platform.timeoutMs', { platform: { timeoutMs: 120001 } }, ['platform.timeoutMs: expected an integer from 100 to 120000, got 120001']],
  ['fractional platform.timeoutMs', { platform: { timeoutMs: 5.5 } }, ['platform.timeoutMs: expected an integer from 100 to 120000, got "5.5"']],
  ['empty platform.recerSysCode', { platform: { recerSysCode: '' } }, ['platform.recerSysCode: must not be empty']],
  ['platform.devNo a mapping', { platform: { devNo: { a: 1 } } }, ['platform.devNo: expected text, got a mapping']],
  ['empty operator name', { platform: { operator: { name: '' } } }, ['platform.operator.name: must not be empty']],
  ['unknown operator key', { platform: { operator: { role: 'x' } } }, ['platform.operator.role: unknown key']],
  ['bad signing mode', { platform: { signing: { mode: 'rsa' } } }, ['platform.signing.mode: expected one of none, sm2, sm2+sm4, got "rsa"']],
  [
    'sm2 without keys',
    { platform: { signing: { mode: 'sm2' } } },
    [
      'platform.signing.privateKeyHex: required when platform.signing.mode is sm2',
      'platform.signing.platformPublicKeyHex: required when platform.signing.mode is sm2',
    ],
  ],
  [
    'sm2+sm4 without sm4 key',
    { platform: { signing: { mode: 'sm2+sm4', privateKeyHex: KEY64, platformPublicKeyHex: PUB } } },
    ['platform.signing.sm4KeyHex: required when platform.signing.mode is sm2+sm4'],
  ],
  [
    'private key not shown',
    { platform: { signing: { privateKeyHex: 'abc' } } },
    ['platform.signing.privateKeyHex: expected 64 hex characters (an SM2 private key), got a value of 3 characters (not shown)'],
  ],
  [
    'public key without 04',
    { platform: { signing: { publicKeyHex: badPub } } },
    [
      `platform.signing.publicKeyHex: expected 130 hex characters (an uncompressed SM2 public key starting with 04), got ${JSON.stringify(badPub.slice(0, 77) + '...')}`,
    ],
  ],
  [
    'bad sm4 key',
    { platform: { signing: { sm4KeyHex: 'g'.repeat(32) } } },
    ['platform.signing.sm4KeyHex: expected 32 hex characters (an SM4 key), got a value of 32 characters (not shown)'],
  ],
  ['bad simulatorPort', { platform: { simulatorPort: 65536 } }, ['platform.simulatorPort: expected an integer from 0 to 65535, got 65536']],
  ['http.port text', { http: { port: 'abc' } }, ['http.port: expected an integer from 0 to 65535, got "abc"']],
  ['http.port negative', { http: { port: -1 } }, ['http.port: expected an integer from 0 to 65535, got -1']],
  ['empty http.host', { http: { host: '' } }, ['http.host: must not be empty']],
  ['apiTokens not a list', { http: { apiTokens: 'none' } }, ['http.apiTokens: expected a list, got "none"']],
  [
    'bad api token',
    { http: { apiTokens: [{ name: 'a', role: 'admin', sha256: 'A'.repeat(64) }] } },
    [
      'http.apiTokens[0].role: expected one of cashier, manager, technician, got "admin"',
      'http.apiTokens[0].sha256: expected 64 lowercase hex characters (the SHA-256 of the token, never the token itself), got a value of 64 characters (not shown)',
    ],
  ],
  ['incomplete api token', { http: { apiTokens: [{ name: 'a' }] } }, ['http.apiTokens[0].role: required', 'http.apiTokens[0].sha256: required']],
  [
    'duplicate api token name',
    {
      http: {
        apiTokens: [
          { name: 'a', role: 'manager', sha256: KEY64 },
          { name: 'a', role: 'cashier', sha256: KEY64 },
        ],
      },
    },
    ['http.apiTokens[1].name: duplicate name "a"'],
  ],
  ['empty dataDir', { dataDir: '' }, ['dataDir: must not be empty']],
  ['scanners a mapping', { scanners: { id: 's1' } }, ['scanners: expected a list, got a mapping']],
  ['scanner item not a mapping', { scanners: ['s1'] }, ['scanners[0]: expected a mapping (key: value lines), got "s1"']],
  ['scanner without id and type', { scanners: [{ counter: 'c' }] }, ['scanners[0].id: required', 'scanners[0].type: required']],
  ['scanner bad type', { scanners: [{ id: 's1', type: 'usb' }] }, ['scanners[0].type: expected one of serial, hid, simulated, got "usb"']],
  [
    'scanner bad id',
    { scanners: [{ id: 'a b', type: 'simulated' }] },
    [`scanners[0].id: expected letters, digits, '.', '_' or '-' (ids are used in file names), got "a b"`],
  ],
  ['serial scanner without path', { scanners: [{ id: 's1', type: 'serial' }] }, ['scanners[0].path: required when type is serial']],
  [
    'hid scanner without ids',
    { scanners: [{ id: 's1', type: 'hid' }] },
    ['scanners[0].vendorId: required when type is hid', 'scanners[0].productId: required when type is hid'],
  ],
  [
    'hid vendorId too big',
    { scanners: [{ id: 's1', type: 'hid', vendorId: 70000, productId: 1 }] },
    ['scanners[0].vendorId: expected an integer from 0 to 65535 (decimal, or hex as lsusb shows it: 0x0c2e), got 70000'],
  ],
  [
    'duplicate scanner id',
    {
      scanners: [
        { id: 's1', type: 'simulated' },
        { id: 's1', type: 'simulated' },
      ],
    },
    ['scanners[1].id: duplicate id "s1"'],
  ],
  [
    'single-quoted delimiter',
    { scanners: [{ id: 's1', type: 'simulated', delimiter: '\\r' }] },
    ['scanners[0].delimiter: expected "\\r", "\\n" or "\\r\\n" (written in double quotes), got "\\\\r"'],
  ],
  [
    'bad scanner mode',
    { scanners: [{ id: 's1', type: 'hid', vendorId: 1, productId: 2, mode: 'wedge' }] },
    ['scanners[0].mode: expected one of pos, keyboard, got "wedge"'],
  ],
  [
    'bad baudRate',
    { scanners: [{ id: 's1', type: 'serial', path: '/dev/ttyACM0', baudRate: 'fast' }] },
    ['scanners[0].baudRate: expected an integer from 50 to 4000000, got "fast"'],
  ],
  ['unknown scanner key', { scanners: [{ id: 's1', type: 'simulated', colour: 'red' }] }, ['scanners[0].colour: unknown key']],
  ['id reader bad type', { idReaders: [{ id: 'r1', type: 'hid' }] }, ['idReaders[0].type: expected one of serial, simulated, got "hid"']],
  ['serial id reader without path', { idReaders: [{ id: 'r1', type: 'serial' }] }, ['idReaders[0].path: required when type is serial']],
  [
    'duplicate id reader',
    {
      idReaders: [
        { id: 'r', type: 'simulated' },
        { id: 'r', type: 'simulated' },
      ],
    },
    ['idReaders[1].id: duplicate id "r"'],
  ],
  ['camera without a source', { cameras: [{ id: 'c1' }] }, ['cameras[0]: expected onvif (with onvif.url) or rtspUrl, got neither']],
  ['onvif without url', { cameras: [{ id: 'c1', onvif: { username: 'admin' } }] }, ['cameras[0].onvif.url: required']],
  [
    'onvif url not http',
    { cameras: [{ id: 'c1', onvif: { url: 'rtsp://10.0.0.2' } }] },
    ['cameras[0].onvif.url: expected an http:// or https:// URL, got "rtsp://10.0.0.2"'],
  ],
  [
    'rtspUrl not rtsp',
    { cameras: [{ id: 'c1', rtspUrl: 'http://10.0.0.2' }] },
    ['cameras[0].rtspUrl: expected an rtsp:// or rtsps:// URL, got "http://10.0.0.2"'],
  ],
  [
    'bad transport',
    { cameras: [{ id: 'c1', rtspUrl: 'rtsp://10.0.0.2/1', transport: 'quic' }] },
    ['cameras[0].transport: expected one of tcp, udp, got "quic"'],
  ],
  [
    'duplicate camera',
    {
      cameras: [
        { id: 'c', rtspUrl: 'rtsp://a/1' },
        { id: 'c', rtspUrl: 'rtsp://b/1' },
      ],
    },
    ['cameras[1].id: duplicate id "c"'],
  ],
  ['short retention', { video: { retentionDays: 30 } }, ['video.retentionDays: must be at least 365 (the rules require one year of video), got 30']],
  ['retention not a number', { video: { retentionDays: 'a year' } }, ['video.retentionDays: expected an integer of at least 365, got "a year"']],
  ['short segments', { video: { segmentSeconds: 5 } }, ['video.segmentSeconds: expected an integer from 10 to 600, got 5']],
  ['empty video dir', { video: { dir: '' } }, ['video.dir: must not be empty']],
  ['bad face mode', { face: { mode: 'x' } }, ['face.mode: expected one of none, terminal, camera, got "x"']],
  [
    'bad manufacturer pattern',
    { traceCodes: { manufacturerPatterns: [{ name: 'm', pattern: '(' }] } },
    [`traceCodes.manufacturerPatterns[0].pattern: not a valid regular expression (${regexError('(')})`],
  ],
  ['manufacturer pattern without name', { traceCodes: { manufacturerPatterns: [{ pattern: '^1' }] } }, ['traceCodes.manufacturerPatterns[0].name: required']],
  [
    'checkout flag not a boolean',
    { checkout: { requireTraceCodesForSelfPay: 'maybe' } },
    ['checkout.requireTraceCodesForSelfPay: expected true or false, got "maybe"'],
  ],
  ['bad log level', { log: { level: 'verbose' } }, ['log.level: expected one of debug, info, warn, error, got "verbose"']],
];

describe('error messages', () => {
  it.each(CASES)('%s', (_what, patch, expected) => {
    expect(problems(patch)).toEqual(expected);
  });

  it('the base document of these cases is valid', () => {
    expect(problems({})).toEqual([]);
  });

  it('reports a top level that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      '(top level): expected a mapping (key: value lines), got a list',
      'platform.url: required unless platform.simulator is true',
    ]);
  });

  it('reports every problem at once, in file order, in one message', () => {
    const text = `store:
  code: P1
  admdvs: "130102"
platform:
  simulator: true
  signing: { mode: sm2+sm4 }
http:
  port: abc
scanners:
  - { id: s1, type: serial }
  - { id: s1, type: simulated, speed: 3 }
video:
  retentionDays: 30
face:
  mode: x
`;
    const expected = [
      'store.name: required',
      'store.code: expected 12 characters, got "P1"',
      'platform.signing.privateKeyHex: required when platform.signing.mode is sm2+sm4',
      'platform.signing.platformPublicKeyHex: required when platform.signing.mode is sm2+sm4',
      'platform.signing.sm4KeyHex: required when platform.signing.mode is sm2+sm4',
      'http.port: expected an integer from 0 to 65535, got "abc"',
      'scanners[0].path: required when type is serial',
      'scanners[1].speed: unknown key',
      'scanners[1].id: duplicate id "s1"',
      'video.retentionDays: must be at least 365 (the rules require one year of video), got 30',
      'face.mode: expected one of none, terminal, camera, got "x"',
    ];
    let caught: unknown;
    try {
      parseConfig(text, '/etc/counter-agent/config.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.name).toBe('ConfigError');
    expect(err.source).toBe('/etc/counter-agent/config.yaml');
    expect(err.problems).toEqual(expected);
    expect(err.message).toBe('invalid config /etc/counter-agent/config.yaml:\n  - ' + expected.join('\n  - '));
  });
});

describe('keyName', () => {
  it('turns JSON pointers into the keys a technician writes', () => {
    expect(keyName('')).toBe('');
    expect(keyName('/scanners/0/path')).toBe('scanners[0].path');
    expect(keyName('/http/apiTokens/12/sha256')).toBe('http.apiTokens[12].sha256');
    expect(keyName('/store/a~1b~0c')).toBe('store.a/b~c');
  });
});
