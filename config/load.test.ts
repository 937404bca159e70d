import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, demoConfig, loadConfig, parseConfig } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

const MINIMAL = `store:
  code: P13010200001
  name: 测试药店
  admdvs: 130102
platform:
  url: https://fsi.example.cn/api
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'counter-agent-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default into a minimal file', () => {
    const c = parseConfig(MINIMAL, 'minimal.yaml', '/etc/counter-agent');
    expect(c).toEqual({
      store: { code: 'P13010200001', name: '测试药店', admdvs: '130102', insuplcAdmdvs: '130102', pharmacists: [] },
      platform: {
        simulator: false,
        url: 'https://fsi.example.cn/api',
        timeoutMs: 10000,
        recerSysCode: 'COUNTERAGENT',
        devNo: '',
        operator: { code: '0001', name: '收银员' },
        signing: { mode: 'none' },
        simulatorPort: 0,
        profile: 'national',
      },
      http: { host: '127.0.0.1', port: 8080, apiTokens: [] },
      dataDir: '/var/lib/counter-agent',
      counters: [],
      scanners: [],
      idReaders: [],
      cameras: [],
      video: { dir: '/var/lib/counter-agent/video', retentionDays: 365, segmentSeconds: 60 },
      face: { mode: 'none' },
      traceCodes: { manufacturerPatterns: [] },
      checkout: { requireTraceCodesForSelfPay: true, idleVoidMinutes: 10 },
      log: { level: 'info' },
    });
  });

  it('fills defaults inside list items and keeps codes exactly as written', () => {
    const c = parseConfig(
      `${MINIMAL}  devNo: 0012
  operator:
    code: 007
http:
  port: "9000"
scanners:
  - { id: s1, type: serial, path: /dev/ttyACM0 }
  - { id: s2, type: hid, vendorId: 0x0c2e, productId: 2304 }
idReaders:
  - { id: r1, type: simulated }
cameras:
  - id: c1
    onvif:
      url: http://192.168.1.64/onvif/device_service
      username:
`,
      'x.yaml',
      '/',
    );
    expect(c.platform.devNo).toBe('0012');
    expect(c.platform.operator).toEqual({ code: '007', name: '收银员' });
    expect(c.http.port).toBe(9000);
    expect(c.scanners[0]).toEqual({
      id: 's1',
      type: 'serial',
      path: '/dev/ttyACM0',
      counter: 'counter-1',
      baudRate: 9600,
      delimiter: '\r',
      mode: 'pos',
      role: 'scanner',
    });
    expect(c.scanners[1]).toMatchObject({ id: 's2', type: 'hid', vendorId: 3118, productId: 2304 });
    expect(c.idReaders[0]).toEqual({ id: 'r1', type: 'simulated', counter: 'counter-1', baudRate: 115200 });
    // `username:` with no value counts as absent.
    expect(c.cameras[0]).toEqual({ id: 'c1', counter: 'counter-1', transport: 'tcp', onvif: { url: 'http://192.168.1.64/onvif/device_service' } });
  });

  it('accepts the simulator instead of a platform url, and signing keys when the mode needs them', () => {
    const c = parseConfig(
      `store: { code: H13010200001, name: x, admdvs: "130102", insuplcAdmdvs: 130100 }
platform:
  simulator: true
  simulatorPort: 18080
  signing:
    mode: sm2+sm4
    privateKeyHex: ${'1'.repeat(64)}
    platformPublicKeyHex: 04${'a'.repeat(128)}
    sm4KeyHex: ${'0'.repeat(32)}
`,
      'x.yaml',
    );
    expect(c.platform.url).toBeUndefined();
    expect(c.platform.simulator).toBe(true);
    expect(c.platform.simulatorPort).toBe(18080);
    expect(c.platform.signing).toEqual({
      mode: 'sm2+sm4',
      privateKeyHex: '1'.repeat(64),
      platformPublicKeyHex: `04${'a'.repeat(128)}`,
      sm4KeyHex: '0'.repeat(32),
    });
    expect(c.store.insuplcAdmdvs).toBe('130100');
  });

  it('has no hq section unless given; fills its defaults and names what is wrong', () => {
    expect(parseConfig(MINIMAL, 'x.yaml').hq).toBeUndefined();
    const c = parseConfig(`${MINIMAL}hq:\n  url: https://hq.example.cn\n  enrolmentCode: ABCD-EFGH-JK\n`, 'x.yaml');
    expect(c.hq).toEqual({ url: 'https://hq.example.cn', enrolmentCode: 'ABCD-EFGH-JK', batchSize: 500, checkTimeoutMs: 150, recheckSeconds: 30 });
    const err = errorOf(() => parseConfig(`${MINIMAL}hq:\n  url: hq.example.cn\n  credential: not-a-credential\n`, 'x.yaml'));
    expect(err.message).toContain('hq.url: expected an http:// or https:// URL');
    expect(err.message).toContain('hq.credential: expected STORE.TOKEN as enrolment printed it');
    expect(err.message).not.toContain('not-a-credential');
    expect(errorOf(() => parseConfig(`${MINIMAL}hq:\n  url: https://hq.example.cn\n`, 'x.yaml')).message).toContain(
      'hq: give hq.credential, or hq.enrolmentCode',
    );
  });

  it('resolves relative dataDir and video.dir against baseDir', () => {
    const c = parseConfig(`${MINIMAL}dataDir: ./state\n`, 'x.yaml', '/etc/counter-agent');
    expect(c.dataDir).toBe('/etc/counter-agent/state');
    expect(c.video.dir).toBe('/etc/counter-agent/state/video');
    const d = parseConfig(`${MINIMAL}dataDir: state\nvideo: { dir: ../video }\n`, 'x.yaml', '/etc/counter-agent');
    expect(d.video.dir).toBe('/etc/video');
  });

  it('reports a YAML syntax error with line and column', () => {
    const err = errorOf(() => parseConfig('store:\n  code: P13010200001\n  name: [unclosed\nhttp:\n  port: 1\n', 'bad.yaml'));
    expect(err.source).toBe('bad.yaml');
    expect(err.problems.length).toBeGreaterThan(0);
    expect(err.problems[0]).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    expect(err.message.startsWith('invalid config bad.yaml:\n  - YAML syntax error at line ')).toBe(true);
  });

  it('reports a duplicate key as a YAML error naming its line', () => {
    const err = errorOf(() => parseConfig(`${MINIMAL}log:\n  level: info\n  level: debug\n`, 'dup.yaml'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^YAML syntax error at line 9, column 3: .*unique/);
  });

  it('treats an empty file as a file with every required key missing', () => {
    expect(errorOf(() => parseConfig('', 'empty.yaml')).problems).toEqual([
      'store.code: required',
      'store.name: required',
      'store.admdvs: required',
      'platform.url: required unless platform.simulator is true',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads the file given by path and resolves relative dataDir against its directory', () => {
    const file = write('etc/counter-agent.yaml', `${MINIMAL}dataDir: data\n`);
    const { config, source, demo } = loadConfig({ path: file, env: {} });
    expect(demo).toBe(false);
    expect(source).toBe(file);
    expect(config.dataDir).toBe(join(dir, 'etc', 'data'));
    expect(config.video.dir).toBe(join(dir, 'etc', 'data', 'video'));
  });

  it('uses COUNTER_AGENT_CONFIG when no path is given', () => {
    const file = write('env.yaml', MINIMAL.replace('测试药店', '环境变量药店'));
    const loaded = loadConfig({ env: { COUNTER_AGENT_CONFIG: file } });
    expect(loaded.demo).toBe(false);
    expect(loaded.source).toBe(file);
    expect(loaded.config.store.name).toBe('环境变量药店');
  });

  it('prefers the path option over the environment', () => {
    const a = write('a.yaml', MINIMAL.replace('测试药店', 'A'));
    const b = write('b.yaml', MINIMAL.replace('测试药店', 'B'));
    expect(loadConfig({ path: a, env: { COUNTER_AGENT_CONFIG: b } }).config.store.name).toBe('A');
  });

  it('names the path and the OS error when the file is missing', () => {
    const missing = join(dir, 'nope.yaml');
    const err = errorOf(() => loadConfig({ path: missing, env: {} }));
    expect(err.source).toBe(missing);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(new RegExp(`^cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    expect(err.message).toContain(`invalid config ${missing}:\n  - cannot read ${missing}: ENOENT`);
  });

  it('names the path when it is a directory', () => {
    expect(errorOf(() => loadConfig({ path: dir, env: {} })).problems[0]).toMatch(/^cannot read .*: EISDIR/);
  });

  it('reports validation problems with the file path as source', () => {
    const file = write('bad.yaml', MINIMAL.replace('P13010200001', 'P1'));
    const err = errorOf(() => loadConfig({ path: file, env: {} }));
    expect(err.message).toBe(`invalid config ${file}:\n  - store.code: expected 12 characters, got "P1"`);
  });

  it('uses the installed box config (/etc/counter-agent/config.yaml) when neither path nor env is given and it exists', () => {
    const system = write('etc/counter-agent/config.yaml', MINIMAL.replace('测试药店', '已安装药店'));
    const loaded = loadConfig({ env: {}, systemPath: system });
    expect(loaded.demo).toBe(false);
    expect(loaded.source).toBe(system);
    expect(loaded.config.store.name).toBe('已安装药店');
    // an explicit path or COUNTER_AGENT_CONFIG still wins
    const other = write('other.yaml', MINIMAL.replace('测试药店', '另一家'));
    expect(loadConfig({ env: { COUNTER_AGENT_CONFIG: other }, systemPath: system }).config.store.name).toBe('另一家');
    expect(loadConfig({ env: {}, systemPath: join(dir, 'absent.yaml'), demoDataDir: join(dir, 'demo') }).demo).toBe(true);
  });

  it('falls back to the demo config when neither path nor env is given', () => {
    const loaded = loadConfig({ env: {}, demoDataDir: join(dir, 'demo'), systemPath: join(dir, 'absent.yaml') });
    expect(loaded.demo).toBe(true);
    expect(loaded.source).toBe('demo');
    expect(loaded.config.dataDir).toBe(join(dir, 'demo'));
    const dflt = loadConfig({ env: { COUNTER_AGENT_CONFIG: '' }, systemPath: join(dir, 'absent.yaml') });
    expect(dflt.demo).toBe(true);
    expect(dflt.config.dataDir).toBe(resolve(process.cwd(), 'data/demo'));
  });
});

describe('demoConfig', () => {
  it('is the documented demo store with simulated devices', () => {
    const c = demoConfig('./tmp-demo');
    expect(c.store).toEqual({
      code: 'P13010200001',
      name: '演示药店（长安店）',
      admdvs: '130102',
      insuplcAdmdvs: '130102',
      pharmacists: [{ name: '赵敏（演示药师）', certNo: 'ZY13010200001' }],
    });
    expect(c.platform.simulator).toBe(true);
    expect(c.platform.url).toBeUndefined();
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080, apiTokens: [] });
    expect(c.dataDir).toBe(resolve(process.cwd(), 'tmp-demo'));
    // The simulated scanner's pty lives in the data directory, where the demo banner tells a person to write.
    expect(c.scanners).toEqual([
      {
        id: 'scanner-1',
        type: 'simulated',
        counter: 'counter-1',
        path: resolve(process.cwd(), 'tmp-demo', 'scanner-1'),
        baudRate: 9600,
        delimiter: '\r',
        mode: 'pos',
        role: 'scanner',
      },
    ]);
    expect(c.idReaders).toEqual([{ id: 'id-reader-1', type: 'simulated', counter: 'counter-1', baudRate: 115200 }]);
    expect(c.cameras).toEqual([]);
    expect(c.face.mode).toBe('none');
    expect(c.video.retentionDays).toBe(365);
  });

  it('returns a fresh object each time', () => {
    const a = demoConfig('/d');
    a.scanners.push({ id: 'x', type: 'simulated', counter: 'c', baudRate: 1, delimiter: '\n', mode: 'pos', role: 'scanner' });
    expect(demoConfig('/d').scanners).toHaveLength(1);
  });
});

describe('the shipped example file', () => {
  it('parses cleanly and means what its comments say', () => {
    const file = join(here, 'counter-agent.example.yaml');
    const c = parseConfig(readFileSync(file, 'utf8'), file, here);
    expect(c.store.code).toBe('P13010200001');
    expect(c.platform.simulator).toBe(false);
    expect(c.scanners.map((s) => s.type)).toEqual(['serial', 'hid']);
    expect(c.scanners[1]).toMatchObject({ vendorId: 0x0c2e, productId: 0x0900 });
    expect(c.cameras).toHaveLength(2);
    expect(c.counters).toEqual([{ id: 'counter-1', name: '1号收银台' }]);
    expect(c.video.retentionDays).toBe(365);
    expect(c.traceCodes.manufacturerPatterns[0]?.pattern).toBe('^8[0-9]{21}$');
  });

  it('still parses with its commented-out signing keys and token switched on', () => {
    const text = readFileSync(join(here, 'counter-agent.example.yaml'), 'utf8')
      .replace('mode: none', 'mode: sm2+sm4')
      .replace('# privateKeyHex:', 'privateKeyHex:')
      .replace('# sm4KeyHex:', 'sm4KeyHex:')
      .replace('# platformPublicKeyHex: 04...', `platformPublicKeyHex: 04${'b'.repeat(128)}`)
      .replace('apiTokens: []', `apiTokens: [{ name: manager-zhang, role: manager, sha256: ${'c'.repeat(64)} }]`);
    const c = parseConfig(text, 'example', here);
    expect(c.platform.signing.mode).toBe('sm2+sm4');
    expect(c.platform.signing.sm4KeyHex).toBe('0123456789abcdef0123456789abcdef');
    expect(c.http.apiTokens).toEqual([{ name: 'manager-zhang', role: 'manager', sha256: 'c'.repeat(64) }]);
  });

  it('still parses with its commented-out hq section switched on', () => {
    const text = readFileSync(join(here, 'counter-agent.example.yaml'), 'utf8').replace(
      /^# hq:\n((?:# {3}.*\n)+)/m,
      (_all, body: string) => `hq:\n${body.replace(/^# /gm, '')}`,
    );
    expect(parseConfig(text, 'example', here).hq).toEqual({
      url: 'https://hq.example-chain.cn',
      enrolmentCode: 'ABCD-EFGH-JK',
      batchSize: 500,
      checkTimeoutMs: 150,
      recheckSeconds: 30,
    });
  });
});
