// `npm run package --arch <the other one>`: the executable and .deb for the architecture this machine is not
// (linux-arm64 here), cross-built (scripts/package/cross.mjs) and run under qemu-user. The first build compiles
// better-sqlite3 with the cross compiler (about a minute); out/cache keeps it.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_DIR_ENV, NATIVE_FILES } from '../agent/native.js';
import { tempDir } from './helpers.js';
import { type Built, buildPackage, demoRunAway, ROOT, requireTool, sh } from './support/package.js';

const TARGET = process.arch === 'x64' ? 'arm64' : 'x64';
const TARGET_INFO = {
  arm64: { elfMachine: 183, qemu: 'qemu-aarch64', deb: 'arm64' },
  x64: { elfMachine: 62, qemu: 'qemu-x86_64', deb: 'amd64' },
}[TARGET];
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** An ELF file's e_machine (bytes 18–19, little-endian): 62 x86-64, 183 AArch64. */
function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(20);
    readSync(fd, head, 0, 20, 0);
    if (head.subarray(0, 4).toString('latin1') !== '\x7fELF') throw new Error(`${path} is not an ELF file`);
    return head.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

let tmp: { dir: string; cleanup: () => void };
let built: Built;

beforeAll(() => {
  for (const [cmd, pkg] of [
    [TARGET_INFO.qemu, 'qemu-user'],
    ['dpkg-deb', 'dpkg'],
    ['unshare', 'util-linux'],
    ['ip', 'iproute2'],
  ])
    requireTool(cmd as string, pkg as string);
  tmp = tempDir('counter-agent-package-cross-');
  built = buildPackage(join(tmp.dir, 'out'), TARGET);
}, 660_000);
afterAll(() => tmp?.cleanup());

describe(`the linux-${TARGET} executable, built on linux-${process.arch}`, () => {
  it(`is a linux-${TARGET} executable with linux-${TARGET} addons beside it`, () => {
    expect(built.arch).toBe(TARGET);
    expect(elfMachine(built.binary.path)).toBe(TARGET_INFO.elfMachine);
    expect(readdirSync(built.native.path).sort()).toEqual(Object.values(NATIVE_FILES).sort());
    for (const addon of readdirSync(built.native.path)) expect(elfMachine(join(built.native.path, addon)), addon).toBe(TARGET_INFO.elfMachine);
  });

  it('starts in demo mode under qemu-user away from the checkout, writes its ledger and serves both pages', () => {
    const out = demoRunAway(built, tmp.dir, TARGET_INFO.qemu);

    expect(out.health?.status, out.stderr).toBe(200);
    const health = JSON.parse(out.health?.body ?? '{}') as { status: string; version: string };
    expect(health).toMatchObject({ status: 'ok', version: VERSION });
    expect(out.counter?.body).toBe(readFileSync(join(ROOT, 'agent', 'web', 'pages', 'counter', 'index.html'), 'utf8'));
    expect(out.manager?.status).toBe(200);
    // The sample sales went through better-sqlite3 built by the cross compiler.
    expect(readdirSync(join(out.cwd, 'data', 'demo'))).toContain('ledger.db');
    expect(out.exit).toBe(0);
  }, 300_000);
});

describe(`the ${TARGET_INFO.deb} .deb`, () => {
  it(`is for ${TARGET_INFO.deb} and depends on the libraries the ${TARGET_INFO.deb} addons link`, () => {
    const info = sh('dpkg-deb', ['--info', built.deb.path]).stdout;
    expect(built.deb.path.endsWith(`_${TARGET_INFO.deb}.deb`)).toBe(true);
    expect(info).toMatch(new RegExp(`^ Architecture: ${TARGET_INFO.deb}$`, 'm'));
    const depends = /^ Depends: (.*)$/m.exec(info)?.[1] ?? '';
    for (const dep of ['libc6', 'libstdc++6', 'libudev1', 'libusb-1.0-0', 'ffmpeg', 'systemd', 'udev'])
      expect(depends).toMatch(new RegExp(`(^|, )${dep.replace(/[.+]/g, '\\$&')}( |,|$)`));
  });

  it(`installs into a scratch ${TARGET_INFO.deb} root, and the installed executable imports a catalogue and verifies its ledger under qemu-user`, () => {
    const root = join(tmp.dir, 'root');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    const dpkg = (...args: string[]) => sh('dpkg', [`--root=${root}`, '--force-not-root', '--force-script-chrootless', '--log=/dev/null', ...args]);
    // The scratch root stands for a box of that architecture: dpkg there must accept the package's architecture.
    expect(dpkg('--add-architecture', TARGET_INFO.deb).code).toBe(0);
    const install = dpkg('--force-depends', '--install', built.deb.path);
    expect(install.code, install.stderr).toBe(0);
    expect(readdirSync(join(root, 'usr/lib/counter-agent/native')).sort()).toEqual(Object.values(NATIVE_FILES).sort());

    const env = { ...process.env, [NATIVE_DIR_ENV]: join(root, 'usr/lib/counter-agent/native'), COUNTER_AGENT_CONFIG: '' };
    const agent = (...args: string[]) => sh(TARGET_INFO.qemu, [join(root, 'usr/bin/counter-agent'), ...args], { env, timeout: 120_000 });
    expect(agent('--version').stdout.trim()).toBe(VERSION);
    const config = join(tmp.dir, 'installed.yaml');
    writeFileSync(
      config,
      `store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ${JSON.stringify(join(root, 'var/lib/counter-agent'))}\n`,
    );
    const csv = join(tmp.dir, 'products.csv');
    writeFileSync(
      csv,
      '商品编码,药品名称,规格,生产企业,批准文号,医保编码,药品标识码,处方药,医保,类别,包装数量,零售价\nA1,阿莫西林胶囊,0.25g*24粒,某药业,国药准字H1,XJ01,8100003,是,是,西药,24,15.60\n',
    );
    const imported = agent('import-catalog', csv, '--config', config);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/imported 1 products/);
    const verified = agent('verify-ledger', '--config', config);
    expect(verified.code, verified.stderr).toBe(0);
    expect(readdirSync(join(root, 'var/lib/counter-agent'))).toContain('ledger.db');
  }, 180_000);
});
