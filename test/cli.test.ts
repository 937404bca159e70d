import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../agent/ledger/msgids.js';
import { PlatformClient } from '../sync/client.js';
import { MsgidAllocator } from '../sync/msgid.js';
import { tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/counter-agent.js', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, COUNTER_AGENT_CONFIG: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: { dir: string; cleanup: () => void };
let configFile: string;

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL('../dist/agent/cli/main.js', import.meta.url)))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the CLI tests');
  }
  tmp = tempDir();
  configFile = join(tmp.dir, 'counter-agent.yaml');
  // Relative dataDir: resolved against the config file's folder.
  writeFileSync(configFile, 'store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ./data\n');
});
afterAll(() => tmp.cleanup());

describe('counter-agent CLI', () => {
  it('prints help listing the commands', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['run', 'verify-ledger', 'import-catalog']) expect(r.stdout).toContain(cmd);
  });

  it('refuses a bad config before doing anything, naming every wrong key', () => {
    const bad = join(tmp.dir, 'bad.yaml');
    writeFileSync(bad, 'store: { code: P1, name: x, admdvs: "13" }\nhttp: { port: abc }\nvideo: { retentionDays: 30 }\n');
    const r = cli(['verify-ledger', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('store.code: expected 12 characters, got "P1"');
    expect(r.stderr).toContain('store.admdvs');
    expect(r.stderr).toContain('http.port');
    expect(r.stderr).toContain('video.retentionDays: must be at least 365');
    expect(r.stderr).toContain('platform.url: required unless platform.simulator is true');
  });

  it('imports a GB18030 catalogue CSV, via COUNTER_AGENT_CONFIG', () => {
    const csv = join(tmp.dir, 'products.csv');
    writeFileSync(
      csv,
      iconv.encode(
        '商品编码,药品名称,规格,生产企业,批准文号,医保编码,药品标识码,处方药,医保,类别,包装数量,零售价\nA1,阿莫西林胶囊,0.25g*24粒,某药业,国药准字H1,XJ01,8100003,是,是,西药,24,15.60\n',
        'gb18030',
      ),
    );
    const r = cli(['import-catalog', csv], { COUNTER_AGENT_CONFIG: configFile });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(gb18030\): imported 1 products/);
    const db = new Database(join(tmp.dir, 'data', 'ledger.db'), { readonly: true });
    expect(db.prepare('SELECT name, price_per_pack FROM products').get()).toEqual({ name: '阿莫西林胶囊', price_per_pack: 1560 });
    db.close();
  });

  it('refuses a CSV with problems and imports nothing', () => {
    const csv = join(tmp.dir, 'bad.csv');
    writeFileSync(csv, 'id,name\nZ,x\n');
    const r = cli(['import-catalog', csv, '--config', configFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing imported.*\n.*missing column "spec"/);
  });

  it('verify-ledger passes on a sound ledger and fails naming the altered event', () => {
    const ok = cli(['verify-ledger', '--config', configFile]);
    expect(ok.stdout).toMatch(/OK — 1 events/);
    expect(ok.code).toBe(0);

    const db = new Database(join(tmp.dir, 'data', 'ledger.db'));
    db.exec("DROP TRIGGER events_append_only_update; UPDATE events SET payload = replace(payload, '1560', '1') WHERE seq = 1;");
    db.close();
    const broken = cli(['verify-ledger', '--config', configFile]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN .* first: event 1 \(catalog\.imported.*does not match its hash/);
    const json = cli(['verify-ledger', '--config', configFile, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, problems: [{ seq: 1 }] });
  });

  it('runs the platform simulator, which a client can sign in to, until stopped', async () => {
    const child = spawn(process.execPath, [BIN, 'simulate-platform', '--port', '0', '--db', join(tmp.dir, 'sim.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
      child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fsi\/api\/rsfComIfsService\/callService$/);
    const db = openLedger(':memory:');
    const client = new PlatformClient({
      url,
      fixmedinsCode: 'P13010200001',
      fixmedinsName: 'x',
      mdtrtareaAdmvs: '130102',
      insuplcAdmdvs: '130102',
      recerSysCode: 'T',
      devNo: '',
      operator: { code: '1', name: 'x' },
      signing: { mode: 'none' },
      timeoutMs: 2000,
      msgids: new MsgidAllocator(new LedgerMsgidReservations(db), 'P13010200001'),
    });
    expect(await client.signIn()).toMatch(/.+/);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('doctor: every check with pass/warn/fail and the fix, exit 2 naming a missing scanner path', () => {
    const cfg = join(tmp.dir, 'doctor.yaml');
    writeFileSync(
      cfg,
      `store: { code: P13010200001, name: x, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ./doctor-data\nscanners:\n  - { id: front, type: serial, path: ${join(tmp.dir, 'no-such-tty')} }\n`,
    );
    const r = cli(['doctor', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^PASS {2}config: valid/m);
    expect(r.stdout).toMatch(/^WARN {2}ledger: no ledger yet/m);
    expect(r.stdout).toContain(`FAIL  scanner front: ${join(tmp.dir, 'no-such-tty')} not found`);
    expect(r.stdout).toMatch(/fix: plug the scanner in/);
    const json = JSON.parse(cli(['doctor', '--config', cfg, '--json']).stdout) as { checks: { name: string; status: string }[]; exitCode: number };
    expect(json.exitCode).toBe(2);
    expect(json.checks.find((c) => c.name === 'scanner front')?.status).toBe('fail');
  });

  it('doctor --scan prints what a scanner sends, GS shown as <GS>', async () => {
    const pty = join(tmp.dir, 'scan-pty');
    const cfg = join(tmp.dir, 'scan.yaml');
    writeFileSync(
      cfg,
      `store: { code: P13010200001, name: x, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ./scan-data\nscanners:\n  - { id: front, type: simulated, path: ${pty} }\n`,
    );
    const child = spawn(process.execPath, [BIN, 'doctor', '--scan', '4', '--config', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, COUNTER_AGENT_CONFIG: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 100 && !out.includes('scan something now'); i++) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(pty, ']d20106901234567892\x1d21SERIAL1\r');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(out).toContain('front: 0106901234567892<GS>21SERIAL1  (symbology ]d2)');
    expect(out).toContain('1 scan(s) received');
    expect(code).toBe(0);
  });

  it('says so when there is no ledger yet', () => {
    const other = join(tmp.dir, 'empty.yaml');
    writeFileSync(other, 'store: { code: P13010200001, name: x, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ./nothing-here\n');
    const r = cli(['verify-ledger', '--config', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no ledger at .*nothing-here\/ledger\.db/);
  });
});
