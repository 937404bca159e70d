// The config side of `counter-agent provision`: which flag sets which config key, the answers gathered
// from flags or prompts, the settings refused as unsafe, the first config file (with comments a
// technician can follow later) and the edit of an existing one.

import { type Document, parseDocument } from 'yaml';
import { formatShanghaiDateTime } from '../../common/time.js';
import { describeValue } from '../../config/errors.js';
import type { FoundDevices } from './provision-devices.js';

export const DEFAULT_DATA_DIR = '/var/lib/counter-agent';
export const DEFAULT_VIDEO_DIR = '/var/lib/counter-agent/video';
const MIN_RETENTION_DAYS = 365;

type Answers = Record<string, string>;

export interface ConfigFlag {
  /** Command-line option without the leading --. */
  flag: string;
  /** Config key path (store.code → ['store', 'code']; a number indexes a list). */
  key: (string | number)[];
  /** Asked on a TTY when the flag is missing and the value is needed. */
  question?: string;
  secret?: boolean;
  /** Used when the flag is missing; the flag is then never asked for. */
  default?: string;
  /** Needed for a new config (given the answers so far); default: needed when `question` is set. */
  needed?: (a: Answers) => boolean;
}

const signs = (a: Answers) => a['platform-signing-mode'] === 'sm2' || a['platform-signing-mode'] === 'sm2+sm4';

/** Every config key provision can set, named as the config schema names it (platform.signing.privateKeyHex → --platform-signing-private-key-hex). */
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  { flag: 'store-code', key: ['store', 'code'], question: '定点医药机构编码（12 位大写字母或数字）' },
  { flag: 'store-name', key: ['store', 'name'], question: '药店名称（与医保备案一致）' },
  { flag: 'admdvs', key: ['store', 'admdvs'], question: '医保区划（6 位数字，如 130102）' },
  // The pharmacist on duty (药师在岗), sent with every sale; doctor fails without one.
  { flag: 'pharmacist-name', key: ['store', 'pharmacists', 0, 'name'] },
  { flag: 'pharmacist-cert-no', key: ['store', 'pharmacists', 0, 'certNo'] },
  { flag: 'platform-url', key: ['platform', 'url'], question: '医保平台接口地址（https://…）' },
  { flag: 'platform-signing-mode', key: ['platform', 'signing', 'mode'], question: '报文签名方式 none | sm2 | sm2+sm4' },
  {
    flag: 'platform-signing-private-key-hex',
    key: ['platform', 'signing', 'privateKeyHex'],
    question: '本机 SM2 私钥（64 位十六进制）',
    secret: true,
    needed: signs,
  },
  {
    flag: 'platform-signing-platform-public-key-hex',
    key: ['platform', 'signing', 'platformPublicKeyHex'],
    question: '平台 SM2 公钥（04 开头，130 位十六进制）',
    needed: signs,
  },
  {
    flag: 'platform-signing-sm4-key-hex',
    key: ['platform', 'signing', 'sm4KeyHex'],
    question: 'SM4 密钥（32 位十六进制）',
    secret: true,
    needed: (a) => a['platform-signing-mode'] === 'sm2+sm4',
  },
  { flag: 'platform-signing-public-key-hex', key: ['platform', 'signing', 'publicKeyHex'] },
  { flag: 'platform-dev-no', key: ['platform', 'devNo'] },
  { flag: 'platform-recer-sys-code', key: ['platform', 'recerSysCode'] },
  { flag: 'http-host', key: ['http', 'host'], default: '127.0.0.1' },
  { flag: 'http-port', key: ['http', 'port'], default: '8080' },
  { flag: 'video-dir', key: ['video', 'dir'], default: DEFAULT_VIDEO_DIR },
  { flag: 'retention-days', key: ['video', 'retentionDays'], default: String(MIN_RETENTION_DAYS) },
];

export const keyName = (f: ConfigFlag) => f.key.join('.');
const isNeeded = (f: ConfigFlag, a: Answers) => (f.needed ? f.needed(a) : f.question !== undefined);

/** "platform.url: …" → "platform.url: … (--platform-url)", so a config problem names the flag that set it. */
export function withFlagHint(problem: string): string {
  const f = CONFIG_FLAGS.find((c) => problem.startsWith(`${keyName(c)}:`));
  return f ? `${problem}（参数 --${f.flag}）` : problem;
}

/** Settings refused whatever the schema allows; each names the flag and the key. */
export function unsafeSettings(a: Answers, insecure: boolean): string[] {
  const problems: string[] = [];
  const days = a['retention-days'];
  if (days !== undefined && !(/^[0-9]+$/.test(days) && Number(days) >= MIN_RETENTION_DAYS)) {
    problems.push(
      `--retention-days ${days}：录像须至少保留 ${MIN_RETENTION_DAYS} 天（video.retentionDays ≥ ${MIN_RETENTION_DAYS}，规定保存不少于 1 年），请改为 ${MIN_RETENTION_DAYS} 或更大`,
    );
  }
  const url = a['platform-url'];
  if (url !== undefined && /^http:\/\//i.test(url) && !insecure) {
    problems.push(`--platform-url ${url}：医保平台地址未使用 TLS（platform.url 应为 https://），报文和密钥会明文传输；确需使用（如内网前置机）请加 --insecure`);
  }
  return problems;
}

/** The flags that still have to be given (or asked) before a new config can be written, in order. */
export function missingFlags(a: Answers): ConfigFlag[] {
  return CONFIG_FLAGS.filter((f) => a[f.flag] === undefined && f.default === undefined && isNeeded(f, a));
}

export function withDefaults(a: Answers): Answers {
  const out = { ...a };
  for (const f of CONFIG_FLAGS) if (out[f.flag] === undefined && f.default !== undefined) out[f.flag] = f.default;
  return out;
}

// ---------------------------------------------------------------------------------------------
// A new config file

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

function signingLines(a: Answers): string[] {
  const lines = [`    mode: ${q(a['platform-signing-mode'] ?? 'none')}`];
  for (const f of CONFIG_FLAGS.filter((c) => c.key[1] === 'signing' && c.key[2] !== 'mode')) {
    const v = a[f.flag];
    if (v !== undefined) lines.push(`    ${f.key[2]}: ${q(v)}`);
  }
  return lines;
}

function deviceLines(devices: FoundDevices): string[] {
  const lines: string[] = [
    '# ---- Devices found when this file was written (counter-agent provision) ----------------------',
    '# Every device starts at counter-1 as a scanner. To change one, edit it here and restart the service',
    '# (sudo systemctl restart counter-agent), then check with `counter-agent doctor` and `doctor --scan 30`:',
    '#   counter: counter-2           another counter (one counter page per counter)',
    '#   role: face_terminal          an NHSA face terminal (with face.mode: terminal)',
    '#   mode: keyboard               an HID scanner set to keyboard (wedge) mode instead of HID-POS',
    '#   delete the entry             a device that is not a scanner (move an ID reader to idReaders)',
    '# Every key is described in /etc/counter-agent/config.example.yaml.',
  ];
  if (devices.scanners.length === 0) lines.push('scanners: []');
  else {
    lines.push('scanners:');
    devices.scanners.forEach((s, i) => {
      lines.push(`  # ${s.seen}`);
      lines.push(`  - id: scanner-${i + 1}`, `    type: ${s.type}`, '    counter: counter-1');
      if (s.type === 'serial') lines.push(`    path: ${q(s.path as string)}`);
      else lines.push(`    vendorId: ${hex4(s.vendorId as number)}`, `    productId: ${hex4(s.productId as number)}`, '    mode: pos');
    });
  }
  if (devices.idReaders.length === 0) lines.push('idReaders: []');
  else {
    lines.push('# USB-serial ports (ttyUSB) are taken for 二代证 ID readers; a serial scanner behind one belongs in scanners.');
    lines.push('idReaders:');
    devices.idReaders.forEach((r, i) => {
      lines.push(`  # ${r.seen}`, `  - id: id-reader-${i + 1}`, '    type: serial', '    counter: counter-1', `    path: ${q(r.path)}`);
    });
  }
  for (const s of devices.skipped) lines.push(`# not added: ${s.seen} — ${s.why}`);
  return lines;
}

/** The first config of a box: the answers, the devices found and every default spelled out. */
export function renderConfig(answers: Answers, devices: FoundDevices, at: Date): string {
  const a = withDefaults(answers);
  const v = (flag: string) => q(a[flag] as string);
  const optional = (flag: string, key: string) => (a[flag] === undefined ? [] : [`  ${key}: ${v(flag)}`]);
  return [
    `# counter-agent configuration, written by \`counter-agent provision\` on ${formatShanghaiDateTime(at)} (Asia/Shanghai).`,
    '# Read by the counter-agent service (mode 0640 root:counter-agent: it holds the platform keys).',
    '# After an edit: sudo systemctl restart counter-agent && counter-agent doctor',
    '',
    'store:',
    `  code: ${v('store-code')}`,
    `  name: ${v('store-name')}`,
    `  admdvs: ${v('admdvs')}`,
    ...(a['pharmacist-name'] !== undefined && a['pharmacist-cert-no'] !== undefined
      ? [
          '  # The pharmacist on duty (药师在岗): 3505 phar_name / phar_prac_cert_no.',
          '  pharmacists:',
          `    - name: ${v('pharmacist-name')}`,
          `      certNo: ${v('pharmacist-cert-no')}`,
        ]
      : []),
    '',
    'platform:',
    `  url: ${v('platform-url')}`,
    ...optional('platform-dev-no', 'devNo'),
    ...optional('platform-recer-sys-code', 'recerSysCode'),
    '  signing:',
    ...signingLines(a),
    '',
    '# The web server. 0.0.0.0 lets the manager page be reached from the store LAN (--http-host).',
    'http:',
    `  host: ${v('http-host')}`,
    `  port: ${a['http-port'] as string}`,
    '',
    `dataDir: ${q(DEFAULT_DATA_DIR)}`,
    '',
    'video:',
    `  dir: ${v('video-dir')}`,
    `  retentionDays: ${a['retention-days'] as string}`,
    '',
    ...deviceLines(devices),
    '',
    'cameras: []',
    '# cameras:',
    '#   - id: cam-1',
    '#     counter: counter-1',
    '#     onvif: { url: http://192.168.1.64/onvif/device_service, username: admin, password: … }',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// An existing config file

export interface ConfigEdit {
  /** The edited text; the original text, byte for byte, when no flag changes anything. */
  text: string;
  /** One line per key whose value the flags change (secrets not shown). */
  differences: string[];
}

function scalarAt(doc: Document, key: (string | number)[]): string | undefined {
  const v = doc.getIn(key);
  return v === undefined || v === null ? undefined : String(v as string | number);
}

/** Sets the given flags' keys in an existing config, keeping its comments and every other key. */
export function editConfig(text: string, answers: Answers): ConfigEdit {
  // failsafe: every scalar is text, as the loader reads it (admdvs 130102 stays "130102").
  const doc = parseDocument(text, { schema: 'failsafe' });
  const differences: string[] = [];
  for (const f of CONFIG_FLAGS) {
    const next = answers[f.flag];
    if (next === undefined) continue;
    const now = scalarAt(doc, f.key);
    if (now === next) continue;
    const shown = (value: string | undefined) => (value === undefined ? '（未设置）' : describeValue(value, f.secret));
    differences.push(`${keyName(f)}：现为 ${shown(now)}，参数 --${f.flag} 为 ${shown(next)}`);
    doc.setIn(f.key, next);
  }
  return { text: differences.length === 0 ? text : doc.toString(), differences };
}
