// `counter-agent provision` into a temporary root. File work is real (config, units, rules, sysusers,
// tmpfiles, the ledger with its manager); system actions go to a recording SystemPort, because
// systemctl, udevadm and chown to another user cannot run here (no systemd as PID 1, no root). The fake
// refuses what the real system would refuse (chown to a user not yet created, enabling a unit that is not
// installed or not yet reloaded), so the order of the plan is checked too.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { tempDir } from '../../test/helpers.js';
import { AccountStore } from '../accounts/store.js';
import { Ledger } from '../ledger/index.js';
import { runCli } from './main.js';
import { type ProvisionOptions, provision } from './provision.js';
import { RecordingSystem } from './provision.test-helpers.js';
import { CONFIG_PATH, findSystemdSources, VIDEO_DROP_IN } from './provision-plan.js';
import type { Prompter } from './provision-prompt.js';

const noTty: Prompter = { interactive: false, ask: () => Promise.reject(new Error('asked on a non-TTY')) };

const FLAGS = {
  'store-code': 'P13010200001',
  'store-name': '测试大药房（长安店）',
  admdvs: '130102',
  'platform-url': 'https://fsi.example.gov.cn/fsi/api',
  'platform-signing-mode': 'sm2',
  'platform-signing-private-key-hex': '1'.repeat(64),
  'platform-signing-platform-public-key-hex': `04${'a'.repeat(128)}`,
};
const PASSWORD = 'Zhang-店长-2026';

let sources: string;
let tmp: { dir: string; cleanup: () => void };
let root: string;
let sys: RecordingSystem;
let out: string[];
let err: string[];
let passwordFile: string;

beforeAll(() => {
  const found = findSystemdSources();
  if (!found) throw new Error('systemd/ (99-counter-agent.rules) not found beside agent/cli: provision has nothing to install');
  for (const f of ['counter-agent.service', 'counter-agent.sysusers', 'counter-agent.tmpfiles']) {
    if (!existsSync(join(found, f))) throw new Error(`systemd/${f} is missing: provision installs it (the systemd helper writes it)`);
  }
  sources = found;
});

beforeEach(() => {
  tmp = tempDir('provision-test-');
  root = join(tmp.dir, 'root');
  mkdirSync(root);
  passwordFile = join(tmp.dir, 'manager-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  sys = new RecordingSystem(root);
  out = [];
  err = [];
});
afterEach(() => tmp.cleanup());

/** A /dev and /sys as udev would leave them with a Honeywell scanner (CDC and HID-POS), a CH340 reader and a keyboard. */
function plugDevices(): void {
  mkdirSync(join(root, 'dev/serial/by-id'), { recursive: true });
  for (const n of ['ttyACM0', 'ttyUSB0', 'hidraw0', 'hidraw1', 'hidraw2']) writeFileSync(join(root, 'dev', n), '');
  symlinkSync('../../ttyACM0', join(root, 'dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-if00'));
  symlinkSync('../../ttyUSB0', join(root, 'dev/serial/by-id/usb-1a86_USB_Serial-if00-port0'));
  const hid = (node: string, id: string, name: string) => {
    mkdirSync(join(root, 'sys/class/hidraw', node, 'device'), { recursive: true });
    writeFileSync(join(root, 'sys/class/hidraw', node, 'device/uevent'), `DRIVER=hid-generic\nHID_ID=${id}\nHID_NAME=${name}\n`);
  };
  hid('hidraw0', '0003:00000C2E:00000B61', 'Honeywell Imaging & Mobility 1900');
  hid('hidraw1', '0003:00000C2E:00000B61', 'Honeywell Imaging & Mobility 1900');
  hid('hidraw2', '0003:0000046D:0000C31C', 'Logitech USB Keyboard');
}

function options(extra: Partial<ProvisionOptions> = {}): ProvisionOptions {
  return {
    root,
    dryRun: false,
    forceConfig: false,
    insecure: false,
    answers: { ...FLAGS },
    managerUser: 'zhang',
    managerPasswordFile: passwordFile,
    system: sys,
    prompter: noTty,
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    systemdDir: sources,
    clock: () => new Date('2026-03-01T02:00:00Z'),
    ...extra,
  };
}

/** Every file and directory under the root with its mode and content hash, to prove nothing changed. */
function snapshot(): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = lstatSync(p);
      // A directory's mtime is left out: reading the ledger creates and removes its -wal and -shm.
      result[relative(root, p)] = st.isFile() ? `${st.mode.toString(8)} ${readFileSync(p).toString('base64')} ${st.mtimeMs}` : st.mode.toString(8);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return result;
}

const unitFiles = () => readdirSync(sources).filter((n) => n.endsWith('.service'));
const at = (path: string) => join(root, path);
const mode = (path: string) => (statSync(at(path)).mode & 0o7777).toString(8);

describe('counter-agent provision', () => {
  it('--dry-run prints every change, with the config it would write (keys masked), and writes nothing', async () => {
    plugDevices();
    const before = snapshot();
    expect(await provision(options({ dryRun: true }))).toBe(0);
    expect(err).toEqual([]);
    const text = out.join('\n');
    for (const path of [
      CONFIG_PATH,
      '/lib/udev/rules.d/99-counter-agent.rules',
      '/usr/lib/sysusers.d/counter-agent.conf',
      '/usr/lib/tmpfiles.d/counter-agent.conf',
      '/var/lib/counter-agent',
      '/var/lib/counter-agent/video',
    ]) {
      expect(text).toContain(path);
    }
    for (const unit of unitFiles()) expect(text).toContain(`/lib/systemd/system/${unit}`);
    expect(text).toContain('创建系统用户和组 counter-agent');
    expect(text).toContain('创建第一个店长账号 zhang');
    expect(text).toContain('systemctl daemon-reload');
    expect(text).toContain('systemctl enable --now counter-agent.service');
    expect(text).toMatch(/\| +code: "P13010200001"/);
    expect(text).toContain('privateKeyHex: （不显示）');
    expect(text).not.toContain('1'.repeat(64));
    expect(text).toContain('/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-if00');
    expect(snapshot()).toEqual(before);
    expect(sys.actions).toEqual([]);
  });

  it('applies: config that loads, units, rules, sysusers, tmpfiles, the manager, the service started — in an order the system accepts', async () => {
    plugDevices();
    expect(await provision(options())).toBe(0);
    expect(err).toEqual([]);

    const loaded = loadConfig({ path: at(CONFIG_PATH) });
    expect(loaded.config.store).toMatchObject({ code: 'P13010200001', name: '测试大药房（长安店）', admdvs: '130102' });
    expect(loaded.config.platform).toMatchObject({ url: FLAGS['platform-url'], signing: { mode: 'sm2', privateKeyHex: '1'.repeat(64) } });
    expect(loaded.config.video).toMatchObject({ dir: '/var/lib/counter-agent/video', retentionDays: 365 });
    expect(loaded.config.dataDir).toBe('/var/lib/counter-agent');
    expect(loaded.config.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    // The CDC scanner by its stable name, the HID-POS scanner once (two interfaces), the CH340 as ID reader, not the keyboard.
    expect(loaded.config.scanners).toEqual([
      expect.objectContaining({ id: 'scanner-1', type: 'serial', path: '/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-if00' }),
      expect.objectContaining({ id: 'scanner-2', type: 'hid', vendorId: 0x0c2e, productId: 0x0b61, mode: 'pos' }),
    ]);
    expect(loaded.config.idReaders).toEqual([
      expect.objectContaining({ id: 'id-reader-1', type: 'serial', path: '/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0' }),
    ]);
    expect(readFileSync(at(CONFIG_PATH), 'utf8')).toContain('0x046d:0xc31c "Logitech USB Keyboard" — not a scanner');
    expect(mode(CONFIG_PATH)).toBe('640');
    expect(mode('/etc/counter-agent')).toBe('750');
    expect(sys.owners.get(at('/etc/counter-agent'))).toEqual({ user: 'root', group: 'counter-agent' });
    expect(sys.owners.get(at(CONFIG_PATH))).toEqual({ user: 'root', group: 'counter-agent' });

    const installed: [string, string][] = [
      ['99-counter-agent.rules', '/lib/udev/rules.d/99-counter-agent.rules'],
      ['counter-agent.sysusers', '/usr/lib/sysusers.d/counter-agent.conf'],
      ['counter-agent.tmpfiles', '/usr/lib/tmpfiles.d/counter-agent.conf'],
      ...unitFiles().map((u) => [u, `/lib/systemd/system/${u}`] as [string, string]),
    ];
    for (const [src, dest] of installed) {
      expect(readFileSync(at(dest)), dest).toEqual(readFileSync(join(sources, src)));
      expect(mode(dest), dest).toBe('644');
    }
    expect(sys.owners.get(at('/var/lib/counter-agent'))).toEqual({ user: 'counter-agent', group: 'counter-agent' });
    expect(sys.owners.get(at('/var/lib/counter-agent/video'))).toEqual({ user: 'counter-agent', group: 'counter-agent' });
    expect(existsSync(at(VIDEO_DROP_IN))).toBe(false);

    const ledger = Ledger.open(at('/var/lib/counter-agent/ledger.db'));
    try {
      const accounts = new AccountStore(ledger.db);
      expect(accounts.list().map((u) => [u.username, u.role])).toEqual([['zhang', 'manager']]);
      const login = await accounts.login('zhang', PASSWORD, { ip: '127.0.0.1' });
      expect(login.ok).toBe(true);
    } finally {
      ledger.close();
    }
    expect(sys.owners.get(at('/var/lib/counter-agent/ledger.db'))).toEqual({ user: 'counter-agent', group: 'counter-agent' });

    const a = sys.actions;
    expect(a.indexOf('createUser counter-agent /usr/lib/sysusers.d/counter-agent.conf')).toBe(a.findIndex((x) => x.startsWith('createUser')));
    expect(a.findIndex((x) => x.startsWith('createUser'))).toBeLessThan(a.findIndex((x) => x.includes('counter-agent:')));
    expect(a).toContain('tmpfiles /usr/lib/tmpfiles.d/counter-agent.conf');
    expect(a).toContain('udev-reload');
    expect(a.indexOf('daemon-reload')).toBeLessThan(a.indexOf('enable --now counter-agent.service'));
    expect(a.at(-1)).toBe('enable --now counter-agent.service');
    expect(out.at(-1)).toMatch(/^完成：\d+ 项更改/);
  });

  it('a second run, with or without the flags, changes nothing and says so', async () => {
    plugDevices();
    expect(await provision(options()), err.join('\n')).toBe(0);
    const before = snapshot();
    const actions = sys.actions.length;
    for (const again of [options(), options({ answers: {}, managerUser: undefined, managerPasswordFile: undefined })]) {
      out = [];
      expect(await provision({ ...again, io: { out: (l) => out.push(l), err: (l) => err.push(l) } })).toBe(0);
      expect(out.join('\n')).toContain('无需更改（nothing to change）');
    }
    expect(err).toEqual([]);
    expect(snapshot()).toEqual(before);
    expect(sys.actions.length).toBe(actions);
  });

  it('refuses a retention under 365 days, naming the flag and the key, and writes nothing', async () => {
    expect(await provision(options({ answers: { ...FLAGS, 'retention-days': '200' } }))).toBe(2);
    expect(err.join('\n')).toMatch(/--retention-days 200.*video\.retentionDays ≥ 365/);
    expect(readdirSync(root)).toEqual([]);
    expect(sys.actions).toEqual([]);
  });

  it('refuses a platform URL without TLS unless --insecure', async () => {
    const answers = { ...FLAGS, 'platform-url': 'http://10.1.2.3:8080/fsi/api' };
    expect(await provision(options({ answers }))).toBe(2);
    expect(err.join('\n')).toMatch(/--platform-url http:\/\/10\.1\.2\.3:8080\/fsi\/api.*platform\.url.*https:\/\/.*--insecure/);
    expect(readdirSync(root)).toEqual([]);

    err = [];
    expect(await provision(options({ answers, insecure: true }))).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain('未使用 TLS（--insecure）');
    expect(loadConfig({ path: at(CONFIG_PATH) }).config.platform.url).toBe('http://10.1.2.3:8080/fsi/api');
  });

  it('on a non-TTY, names every missing flag (and the signing keys the mode needs) and writes nothing', async () => {
    const { 'store-name': _n, admdvs: _a, 'platform-signing-private-key-hex': _k, ...rest } = FLAGS;
    expect(await provision(options({ answers: rest }))).toBe(2);
    const text = err.join('\n');
    expect(text).toContain('--store-name（store.name）');
    expect(text).toContain('--admdvs（store.admdvs）');
    expect(text).toContain('--platform-signing-private-key-hex（platform.signing.privateKeyHex）');
    expect(text).not.toContain('--store-code');
    expect(readdirSync(root)).toEqual([]);

    err = [];
    expect(await provision(options({ managerPasswordFile: undefined }))).toBe(2);
    expect(err.join('\n')).toContain('--manager-password-file');
    err = [];
    expect(await provision(options({ managerUser: undefined }))).toBe(2);
    expect(err.join('\n')).toContain('--manager-user');
    // The account rules are checked before anything is written.
    err = [];
    expect(await provision(options({ managerUser: '1zhang' }))).toBe(2);
    expect(err.join('\n')).toMatch(/店长账号 1zhang 不能创建：用户名须为.*--manager-user/);
    writeFileSync(passwordFile, 'short\n');
    err = [];
    expect(await provision(options())).toBe(2);
    expect(err.join('\n')).toMatch(/密码长度须为 8–128 个字符.*--manager-password-file/);
    expect(readdirSync(root)).toEqual([]);
    expect(sys.actions).toEqual([]);
  });

  it('asks for missing values on a terminal', async () => {
    const asked: string[] = [];
    const replies: Record<string, string> = { 'store-name': '问答药房', admdvs: '130104' };
    const tty: Prompter = {
      interactive: true,
      ask: async (question) => {
        asked.push(question);
        const flag = /--([a-z0-9-]+)）$/.exec(question)?.[1] ?? '';
        if (flag === '') return PASSWORD; // the manager's password, twice
        return replies[flag] ?? '';
      },
    };
    const { 'store-name': _n, admdvs: _a, ...rest } = FLAGS;
    expect(await provision(options({ answers: rest, prompter: tty, managerPasswordFile: undefined }))).toBe(0);
    expect(asked.filter((q) => q.includes('--'))).toEqual(['药店名称（与医保备案一致）（--store-name）', '医保区划（6 位数字，如 130102）（--admdvs）']);
    expect(asked.filter((q) => !q.includes('--'))).toHaveLength(2);
    expect(loadConfig({ path: at(CONFIG_PATH) }).config.store).toMatchObject({ name: '问答药房', admdvs: '130104' });
  });

  it('keeps an existing config that differs (reporting the difference), and with --force-config changes only those keys and restarts the service', async () => {
    expect(await provision(options())).toBe(0);
    const path = at(CONFIG_PATH);
    // The technician opens the manager page to the LAN by hand, with a comment.
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^http:\n {2}host: .*$/m, '# the LAN may reach the manager page\nhttp:\n  host: 0.0.0.0'));
    const edited = readFileSync(path, 'utf8');

    out = [];
    const changed = { ...FLAGS, 'platform-url': 'https://fsi2.example.gov.cn/fsi/api', 'platform-signing-private-key-hex': '2'.repeat(64) };
    expect(await provision(options({ answers: changed }))).toBe(1);
    const report = out.join('\n');
    expect(report).toContain('保留现有配置');
    expect(report).toContain('platform.url：现为 "https://fsi.example.gov.cn/fsi/api"，参数 --platform-url 为 "https://fsi2.example.gov.cn/fsi/api"');
    expect(report).toMatch(/platform\.signing\.privateKeyHex：现为 a value of 64 characters \(not shown\)/);
    expect(report).not.toContain('2'.repeat(64));
    expect(report).toContain('无需更改');
    expect(readFileSync(path, 'utf8')).toBe(edited);

    out = [];
    expect(await provision(options({ answers: changed, forceConfig: true }))).toBe(0);
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('# the LAN may reach the manager page');
    const c = loadConfig({ path }).config;
    expect(c.platform.url).toBe('https://fsi2.example.gov.cn/fsi/api');
    expect(c.platform.signing.privateKeyHex).toBe('2'.repeat(64));
    expect(c.http.host).toBe('0.0.0.0');
    expect(c.scanners).toEqual([]);
    expect(sys.actions.at(-1)).toBe('restart counter-agent.service');
  });

  it('a video dir outside /var/lib/counter-agent gets a drop-in with ReadWritePaths and is created owned by the service user', async () => {
    expect(await provision(options({ answers: { ...FLAGS, 'video-dir': '/srv/video', 'retention-days': '400' } }))).toBe(0);
    expect(readFileSync(at(VIDEO_DROP_IN), 'utf8')).toMatch(/^\[Service\]\nReadWritePaths=\/srv\/video$/m);
    expect(statSync(at('/srv/video')).isDirectory()).toBe(true);
    expect(sys.owners.get(at('/srv/video'))).toEqual({ user: 'counter-agent', group: 'counter-agent' });
    expect(loadConfig({ path: at(CONFIG_PATH) }).config.video).toMatchObject({ dir: '/srv/video', retentionDays: 400 });
    const dropInWritten = sys.actions.indexOf('chown root:root /etc/systemd/system/counter-agent.service.d/video.conf');
    expect(dropInWritten).toBeGreaterThanOrEqual(0);
    expect(dropInWritten).toBeLessThan(sys.actions.indexOf('daemon-reload'));
  });

  it('installed from the .deb (files in place, no systemd/ folder beside the binary): the package files are only checked', async () => {
    const placed: [string, string][] = [
      ['99-counter-agent.rules', '/lib/udev/rules.d/99-counter-agent.rules'],
      ['counter-agent.sysusers', '/usr/lib/sysusers.d/counter-agent.conf'],
      ['counter-agent.tmpfiles', '/usr/lib/tmpfiles.d/counter-agent.conf'],
      ...unitFiles().map((u) => [u, `/lib/systemd/system/${u}`] as [string, string]),
    ];
    for (const [src, dest] of placed) {
      mkdirSync(join(at(dest), '..'), { recursive: true });
      writeFileSync(at(dest), readFileSync(join(sources, src)), { mode: 0o644 });
    }
    // What the package's postinst did: the user, and systemd told about the units.
    await sys.createUser('counter-agent', at('/usr/lib/sysusers.d/counter-agent.conf'));
    await sys.daemonReload();
    sys.actions.length = 0;

    expect(await provision(options({ systemdDir: join(tmp.dir, 'no-such-folder') }))).toBe(0);
    expect(err).toEqual([]);
    const text = out.join('\n');
    for (const [, dest] of placed) expect(text).not.toContain(dest);
    expect(sys.actions.filter((a) => /createUser|daemon-reload|udev-reload|tmpfiles/.test(a))).toEqual([]);
    expect(sys.actions.at(-1)).toBe('enable --now counter-agent.service');
    expect(loadConfig({ path: at(CONFIG_PATH) }).config.store.code).toBe('P13010200001');
  });

  it('the CLI refuses --root without --dry-run, and dry-runs against the real system tools', async () => {
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const flags = Object.entries(FLAGS).flatMap(([k, v]) => [`--${k}`, v]);
    expect(await runCli(['provision', '--root', root, ...flags, '--manager-user', 'zhang', '--manager-password-file', passwordFile], io)).toBe(2);
    expect(err.join('\n')).toContain('--root 只能与 --dry-run 一起使用');
    err = [];
    expect(await runCli(['provision', '--root', root, '--dry-run', ...flags, '--manager-user', 'zhang', '--manager-password-file', passwordFile], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain(`写入 ${CONFIG_PATH}（新文件，0640 root:counter-agent）`);
    expect(readdirSync(root)).toEqual([]);
  });
});
