// `npm run package`: the single executable and the .deb, built once for this file (about 25 s with a warm
// out/cache; the first build also fetches Node from npm and compiles better-sqlite3 for it: +1–2 min).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATIVE_DIR_ENV, NATIVE_FILES } from '../agent/native.js';
import { vendorFiles } from '../agent/web/routes/pages.js';
import { startLocalPostgres } from '../hq/pg-local.js';
import { tempDir } from './helpers.js';
import { type Built, buildPackage, demoRunAway, ROOT, requireTool, sh } from './support/package.js';
import { CLI_TECH_TOKEN, cliFixture, exists, runCli, runUntil } from './support/package-cli.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ADDONS = Object.values(NATIVE_FILES).sort();

let tmp: { dir: string; cleanup: () => void };
let built: Built;

beforeAll(() => {
  for (const [cmd, pkg] of [
    ['dpkg-deb', 'dpkg'],
    ['dpkg-shlibdeps', 'dpkg-dev'],
    ['unshare', 'util-linux'],
    ['ip', 'iproute2'],
    ['systemd-sysusers', 'systemd'],
    ['systemd-tmpfiles', 'systemd'],
  ])
    requireTool(cmd as string, pkg as string);
  tmp = tempDir('counter-agent-package-');
  built = buildPackage(join(tmp.dir, 'out'));
}, 660_000);
afterAll(() => tmp?.cleanup());

describe('the single executable', () => {
  it('is built with its native addons beside it', () => {
    expect(statSync(built.binary.path).mode & 0o111).not.toBe(0);
    expect(readFileSync(built.binary.path).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(readdirSync(built.native.path).sort()).toEqual(ADDONS);
    expect(built.binary.bytes).toBeGreaterThan(50 * 1024 * 1024); // Node itself is most of it
  });

  it('starts in demo mode away from the checkout, answers /api/health and serves the pages from inside itself', () => {
    const out = demoRunAway(built, tmp.dir);

    expect(out.health?.status, out.stderr).toBe(200);
    const health = JSON.parse(out.health?.body ?? '{}') as { status: string; version: string; ledger?: { checkpoints: string } };
    expect(health.status).toBe('ok');
    // The WAL checkpoint worker thread runs inside the executable too (its own better-sqlite3 from native/).
    expect(health.ledger?.checkpoints).toBe('worker');
    expect(health.version).toBe(VERSION);
    expect(out.counter?.status).toBe(200);
    expect(out.counter?.type).toContain('text/html');
    expect(out.counter?.body).toBe(readFileSync(join(ROOT, 'agent', 'web', 'pages', 'counter', 'index.html'), 'utf8'));
    if (existsSync(join(ROOT, 'agent', 'web', 'pages', 'manager', 'index.html'))) expect(out.manager?.status).toBe(200);
    // The browser libraries the pages load from node_modules (Chart.js) are carried too.
    expect(out.vendor).toEqual(Object.fromEntries([...vendorFiles().keys()].map((name) => [name, 200])));
    // The demo ledger was written through better-sqlite3, loaded from native/ beside the executable.
    expect(existsSync(join(out.cwd, 'data', 'demo', 'ledger.db'))).toBe(true);
    expect(out.exit).toBe(0);
  }, 120_000);

  it('without its native folder, says which addon file is missing and where it looked', () => {
    const alone = join(tmp.dir, 'alone');
    mkdirSync(alone);
    copyFileSync(built.binary.path, join(alone, 'counter-agent'));
    const config = join(alone, 'box.yaml');
    writeFileSync(config, 'store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ./data\n');
    const env: NodeJS.ProcessEnv = { ...process.env, COUNTER_AGENT_CONFIG: '' };
    delete env[NATIVE_DIR_ENV];
    const r = sh(join(alone, 'counter-agent'), ['verify-ledger', '--config', config], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^counter-agent: native addon missing: ${join(alone, 'native')}/\\S+\\.node \\(folder from ${NATIVE_DIR_ENV}`));
  }, 60_000);
});

describe('the .deb', () => {
  it('names the package, its version, architecture and run-time dependencies, and the conffile', () => {
    const info = sh('dpkg-deb', ['--info', built.deb.path]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^ Package: counter-agent$/m);
    expect(info.stdout).toMatch(new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    expect(info.stdout).toMatch(new RegExp(`^ Architecture: ${process.arch === 'x64' ? 'amd64' : process.arch}$`, 'm'));
    const depends = /^ Depends: (.*)$/m.exec(info.stdout)?.[1] ?? '';
    for (const dep of ['libc6', 'libstdc++6', 'libudev1', 'libusb-1.0-0', 'ffmpeg', 'systemd', 'udev'])
      expect(depends).toMatch(new RegExp(`(^|, )${dep.replace(/[.+]/g, '\\$&')}( |,|$)`));
    for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) expect(info.stdout).toMatch(new RegExp(`^ .* ${script}\\b`, 'm'));
    expect(sh('dpkg-deb', ['--field', built.deb.path, 'Installed-Size']).stdout.trim()).toMatch(/^\d+$/);
    const conffiles = sh('sh', ['-c', `dpkg-deb --ctrl-tarfile ${built.deb.path} | tar -xO ./conffiles`]).stdout;
    expect(conffiles.trim().split('\n')).toEqual(['/etc/counter-agent/config.example.yaml']);
  });

  it('holds the executable, addons, units, udev rules, sysusers, tmpfiles and example config, root-owned with their modes', () => {
    const listing = sh('dpkg-deb', ['--contents', built.deb.path]).stdout;
    const entry = (path: string) => listing.split('\n').find((l) => l.endsWith(` .${path}`) || l.includes(` .${path} -> `));
    expect(entry('/usr/lib/counter-agent/counter-agent')).toMatch(/^-rwxr-xr-x root\/root /);
    for (const addon of ADDONS) expect(entry(`/usr/lib/counter-agent/native/${addon}`)).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry('/usr/bin/counter-agent')).toMatch(/^lrwxrwxrwx root\/root .* -> \.\.\/lib\/counter-agent\/counter-agent$/);
    for (const unit of readdirSync(join(ROOT, 'systemd')).filter((n) => n.endsWith('.service'))) {
      expect(entry(`/lib/systemd/system/${unit}`)).toMatch(/^-rw-r--r-- root\/root /);
    }
    for (const path of [
      '/lib/udev/rules.d/99-counter-agent.rules',
      '/usr/lib/sysusers.d/counter-agent.conf',
      '/usr/lib/tmpfiles.d/counter-agent.conf',
      '/etc/counter-agent/config.example.yaml',
    ]) {
      expect(entry(path), path).toMatch(/^-rw-r--r-- root\/root /);
    }
  });

  it('installs into a scratch root where the unit expects its files, runs from there, and purge keeps the records', () => {
    // dpkg --root with --force-script-chrootless: the maintainer scripts run from this system with DPKG_ROOT set
    // (no chroot, so no Debian inside the scratch root is needed), and ours then touch only that root.
    const root = join(tmp.dir, 'root');
    for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    const dpkg = (...args: string[]) => sh('dpkg', [`--root=${root}`, '--force-not-root', '--force-script-chrootless', '--log=/dev/null', ...args]);
    // The scratch root has no libc6, ffmpeg, systemd packages: dependencies are this system's business here.
    const install = dpkg('--force-depends', '--install', built.deb.path);
    expect(install.code, install.stderr).toBe(0);

    const unit = readFileSync(join(root, 'lib/systemd/system/counter-agent.service'), 'utf8');
    const execStart = /^ExecStart=(\S+)/m.exec(unit)?.[1] as string;
    expect(execStart).toBe('/usr/lib/counter-agent/counter-agent');
    expect(statSync(join(root, execStart)).mode & 0o111).not.toBe(0);
    const nativeDir = new RegExp(`^Environment=${NATIVE_DIR_ENV}=(\\S+)`, 'm').exec(unit)?.[1] as string;
    expect(nativeDir).toBe('/usr/lib/counter-agent/native');
    expect(readdirSync(join(root, nativeDir)).sort()).toEqual(ADDONS);
    for (const path of [
      'lib/udev/rules.d/99-counter-agent.rules',
      'usr/lib/sysusers.d/counter-agent.conf',
      'usr/lib/tmpfiles.d/counter-agent.conf',
      'etc/counter-agent/config.example.yaml',
    ]) {
      expect(existsSync(join(root, path)), path).toBe(true);
    }
    // postinst: the service user (systemd-sysusers) and its directories (systemd-tmpfiles), in that root only.
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const uid = Number(/^counter-agent:x:(\d+):/m.exec(passwd)?.[1]);
    expect(uid).toBeGreaterThan(0);
    for (const dir of ['var/lib/counter-agent', 'var/lib/counter-agent/video', 'var/log/counter-agent']) {
      expect(statSync(join(root, dir)).uid, dir).toBe(uid);
    }
    expect(install.stdout).toContain('counter-agent provision');

    // The installed executable runs through /usr/bin, with its addons from the unit's folder.
    const env = { ...process.env, [NATIVE_DIR_ENV]: join(root, nativeDir), COUNTER_AGENT_CONFIG: '' };
    expect(sh(join(root, 'usr/bin/counter-agent'), ['--version'], { env }).stdout.trim()).toBe(VERSION);
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
    const imported = sh(join(root, 'usr/bin/counter-agent'), ['import-catalog', csv, '--config', config], { env });
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(/imported 1 products/);
    expect(sh(join(root, 'usr/bin/counter-agent'), ['verify-ledger', '--config', config], { env }).code).toBe(0);

    // purge: the box's config goes, the ledger stays.
    writeFileSync(join(root, 'etc/counter-agent/config.yaml'), 'written by provision\n');
    const purge = dpkg('--purge', 'counter-agent');
    expect(purge.code, purge.stderr).toBe(0);
    expect(existsSync(join(root, 'usr/lib/counter-agent/counter-agent'))).toBe(false);
    expect(existsSync(join(root, 'etc/counter-agent'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/counter-agent/ledger.db'))).toBe(true);
  }, 120_000);
});

describe('every CLI command, from the packaged executable', () => {
  it('help, version, run (health), verify-ledger, import-catalog, doctor, doctor --json, provision --dry-run, simulate-platform', async () => {
    const dir = join(tmp.dir, 'cli');
    mkdirSync(dir);
    const f = cliFixture(dir);
    // The runtime the store gets: what the executable embeds, not the Node running these tests.
    expect(built.node).toMatch(/^24\./);

    const help = runCli(built, ['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['run', 'doctor', 'provision', 'verify-ledger', 'import-catalog', 'simulate-platform']) expect(help.stdout).toContain(`  ${cmd} `);
    expect(runCli(built, ['--version']).stdout.trim()).toBe(VERSION);

    // run: a real (non-demo) config; its start line on stdout names the URL.
    const run = await runUntil(
      built,
      ['run', '--config', f.config],
      (line) => (line.includes('"counter-agent started"') ? (JSON.parse(line) as { url: string }).url : undefined),
      async (url) =>
        (await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${CLI_TECH_TOKEN}` } })).json() as Promise<{
          version: string;
          platform: { simulator: boolean };
        }>,
    );
    expect(run.result).toMatchObject({ version: VERSION, platform: { simulator: true } });
    expect(run.exit, run.stderr).toBe(0);

    const imported = runCli(built, ['import-catalog', f.csv, '--config', f.config]);
    expect(imported.stdout, imported.stderr).toMatch(/imported 1 products/);
    const verified = runCli(built, ['verify-ledger', '--config', f.config]);
    expect(verified.code, verified.stderr).toBe(0);

    // doctor: warnings are this machine's business (no scanner, no camera); it must run every check and answer.
    const doctor = runCli(built, ['doctor', '--config', f.config]);
    expect([0, 1], doctor.stderr).toContain(doctor.code);
    expect(doctor.stdout).toMatch(/^PASS {2}ledger: /m);
    const json = runCli(built, ['doctor', '--json', '--config', f.config]);
    const report = JSON.parse(json.stdout) as { checks: { name: string; status: string }[]; exitCode: number };
    expect(report.exitCode).toBe(json.code);
    expect(report.checks.find((c) => c.name === 'ledger')?.status).toBe('pass');

    // provision --dry-run: the plan (its queries run the system's tools as child processes), nothing written.
    const plan = runCli(built, [
      'provision',
      '--dry-run',
      '--root',
      f.root,
      '--store-code',
      'H13010200001',
      '--store-name',
      '测试大药房',
      '--admdvs',
      '130102',
      '--platform-url',
      'https://platform.invalid/fsi/api',
      '--platform-signing-mode',
      'none',
      '--manager-user',
      'admin',
      '--manager-password-file',
      f.password,
    ]);
    expect(plan.code, `${plan.stdout}\n${plan.stderr}`).toBe(0);
    expect(plan.stdout).toContain('/etc/counter-agent/config.yaml');
    expect(exists(join(f.root, 'etc', 'counter-agent', 'config.yaml'))).toBe(false);

    const sim = await runUntil(
      built,
      ['simulate-platform', '--db', join(dir, 'platform.db'), '--port', '0', '--store', 'H13010200001:测试大药房:130102'],
      (line) => (/^http:\/\/127\.0\.0\.1:\d+\/fsi\/api\/rsfComIfsService\/callService$/.test(line) ? line : undefined),
      async (url) => (await fetch(url)).status,
    );
    expect(sim.result).toBe(405); // callService takes POST only
    expect(sim.exit, sim.stderr).toBe(0);
  }, 300_000);
  it('hq serve --workers 2 on a real PostgreSQL: both workers start from the executable, a store enrols, SIGTERM exits 0', async () => {
    // node:cluster starts a worker as `execPath argv[1] args…`; the executable sees its entry added to argv once more,
    // so before hq/workers.ts handed the command line over in the environment each worker failed at its first flag
    // and the primary waited for it for ever.
    const pg = await startLocalPostgres();
    try {
      const db = ['--database', pg.url];
      const enrol = runCli(built, ['hq', 'enrol-code', ...db, '--store', 'H13010200001', '--name', '一号店']);
      expect(enrol.code, enrol.stderr).toBe(0);
      const code = /enrolment code for store H13010200001: (\S+)/.exec(enrol.stdout)?.[1] as string;
      const token = 'package-hq-admin-token';
      const admin = createHash('sha256').update(token).digest('hex');
      const served = await runUntil(
        built,
        ['hq', 'serve', ...db, '--port', '0', '--workers', '2', '--admin-token-sha256', admin],
        (line) => /^counter-agent hq listening on (\S+) \(2 workers\)$/.exec(line)?.[1],
        async (url) => {
          const enrolled = await fetch(`${url}/hq/v1/enrol`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ store: 'H13010200001', code }),
          });
          const { credential } = (await enrolled.json()) as { credential: string };
          const head = await fetch(`${url}/hq/v1/head`, { headers: { authorization: `Bearer ${credential}` } });
          const stores = await fetch(`${url}/hq/v1/stores`, { headers: { authorization: `Bearer ${token}` } });
          // The HQ page, served from inside the executable (hq/pages is carried in its virtual file system).
          const page = await fetch(`${url}/hq/`);
          const html = await page.text();
          return { enrolled: enrolled.status, head: await head.json(), stores: stores.status, page: [page.status, html.includes('<html lang="zh-CN">')] };
        },
      );
      expect(served.result).toEqual({
        enrolled: 201,
        head: { store: 'H13010200001', head: { seq: 0, hash: '0'.repeat(64) }, flag: null },
        stores: 200,
        page: [200, true],
      });
      expect(served.exit, served.stderr).toBe(0);
    } finally {
      await pg.stop();
    }
  }, 120_000);
});
