// The files in systemd/ as this machine's systemd 252 reads them: every unit passes `systemd-analyze verify`,
// the main service is hardened to an exposure of 2.5 or lower (`systemd-analyze security --offline=true`)
// and keeps the names other parts rely on, and sysusers + tmpfiles make the user and the directories.
//
// `verify` also checks that ExecStart= is an executable file. Rather than rewrite the unit, each unit is
// verified unchanged inside a scratch root (--root) that holds this machine's own system units and, at the
// exact ExecStart= path, a stand-in executable: only the program's presence is stood in for, every line of
// the unit is checked as written. A control run without the stand-in must fail, or the check proves nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const SYSTEMD_DIR = fileURLToPath(new URL('../systemd/', import.meta.url));
const UNITS = readdirSync(SYSTEMD_DIR).filter((f) => f.endsWith('.service'));
const MAX_EXPOSURE = 2.5;

let tmp: { dir: string; cleanup: () => void };

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run ${cmd} (sh scripts/debian-deps.sh installs systemd): ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** A unit's settings: key → every value given, in order (comments and section headers dropped). */
function settings(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('[')) continue;
    const eq = t.indexOf('=');
    const key = t.slice(0, eq);
    m.set(key, [...(m.get(key) ?? []), t.slice(eq + 1)]);
  }
  return m;
}

/** The programs a unit executes (ExecStart=, ExecStartPre=, …), prefixes such as "-" and "+" removed. */
function executables(text: string): string[] {
  return [...settings(text).entries()].filter(([k]) => k.startsWith('Exec')).flatMap(([, vs]) => vs.map((v) => v.replace(/^[-+!@:]+/, '').split(/\s+/)[0]!));
}

/** A scratch root with this machine's system units, the unit under test and, optionally, stand-in programs. */
function scratchRoot(name: string, unit: string, standIns: boolean, dropIn?: { name: string; text: string }): string {
  const root = join(tmp.dir, name);
  mkdirSync(join(root, 'lib/systemd'), { recursive: true });
  cpSync('/lib/systemd/system', join(root, 'lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  const text = readFileSync(join(SYSTEMD_DIR, unit), 'utf8');
  writeFileSync(join(root, 'lib/systemd/system', unit), text);
  if (dropIn) {
    mkdirSync(join(root, 'etc/systemd/system', `${unit}.d`), { recursive: true });
    writeFileSync(join(root, 'etc/systemd/system', `${unit}.d`, dropIn.name), dropIn.text);
  }
  if (standIns) {
    for (const exe of executables(text)) {
      mkdirSync(join(root, dirname(exe)), { recursive: true });
      writeFileSync(join(root, exe), '#!/bin/sh\nexit 0\n');
      chmodSync(join(root, exe), 0o755);
    }
  }
  return root;
}

function verify(root: string, unit: string) {
  return run('systemd-analyze', ['verify', `--root=${root}`, join(root, 'lib/systemd/system', unit)]);
}

beforeAll(() => {
  tmp = tempDir('counter-agent-systemd-');
});
afterAll(() => tmp.cleanup());

describe('systemd units', () => {
  it('systemd/ holds the main service', () => {
    expect(UNITS).toContain('counter-agent.service');
  });

  it.each(UNITS)('%s passes systemd-analyze verify with no warning', (unit) => {
    const r = verify(scratchRoot(`verify-${unit}`, unit, true), unit);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('verify is live: without the program at its ExecStart path it fails naming it', () => {
    const r = verify(scratchRoot('verify-control', 'counter-agent.service', false), 'counter-agent.service');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('/usr/lib/counter-agent/counter-agent');
  });

  it('the drop-in provision writes for a video dir elsewhere is accepted', () => {
    const dropIn = { name: 'video.conf', text: '# Written by counter-agent provision\n[Service]\nReadWritePaths=/srv/counter-video\n' };
    const r = verify(scratchRoot('verify-dropin', 'counter-agent.service', true, dropIn), 'counter-agent.service');
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it(`the main service is hardened: overall exposure ${MAX_EXPOSURE} or lower`, () => {
    const r = run('systemd-analyze', ['security', '--offline=true', '--no-pager', join(SYSTEMD_DIR, 'counter-agent.service')]);
    const m = /Overall exposure level for counter-agent\.service: (\d+(?:\.\d+)?)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    const score = Number(m![1]);
    console.log(`systemd-analyze security --offline=true counter-agent.service: ${score}`);
    expect(score).toBeLessThanOrEqual(MAX_EXPOSURE);
    // What the score must not be bought with: the service runs as its own user, with no capabilities.
    // (A passed check is marked ✓ in a UTF-8 locale, + in the C locale.)
    expect(r.out).toMatch(/^[✓+] User=\/DynamicUser=/m);
    expect(r.out).toMatch(/^[✓+] NoNewPrivileges=/m);
    expect(r.out).toMatch(/^[✓+] CapabilityBoundingSet=~CAP_SYS_ADMIN/m);
    // Devices: the three scanner/reader classes (and the clock, read-only, from ProtectClock=), nothing else.
    const acl = /DeviceAllow=\s+Service has a device ACL with some special devices: (.*?)\s+\d/.exec(r.out)?.[1]?.split(' ').sort();
    expect(acl).toEqual(['char-hidraw:rw', 'char-rtc:r', 'char-ttyACM:rw', 'char-ttyUSB:rw']);
  });

  it('keeps the names and settings the rest of the box relies on', () => {
    const s = settings(readFileSync(join(SYSTEMD_DIR, 'counter-agent.service'), 'utf8'));
    const one = (k: string) => s.get(k)?.at(-1);
    expect(one('Type')).toBe('notify');
    expect(one('NotifyAccess')).toBe('all'); // systemd-notify is a child of the agent
    expect(Number.parseInt(one('WatchdogSec') ?? '', 10)).toBeGreaterThanOrEqual(20); // pings wait up to 5 s on PID 1
    expect(one('ExecStart')).toBe('/usr/lib/counter-agent/counter-agent run --config /etc/counter-agent/config.yaml');
    expect(s.get('Environment')).toContain('COUNTER_AGENT_NATIVE_DIR=/usr/lib/counter-agent/native');
    expect([one('User'), one('Group'), one('StateDirectory'), one('LogsDirectory')]).toEqual([
      'counter-agent',
      'counter-agent',
      'counter-agent',
      'counter-agent',
    ]);
    expect(one('Restart')).toBe('on-failure');
    expect(one('MemoryMax')).toMatch(/^\d+[KMG]$/);
    expect(one('MemoryDenyWriteExecute') ?? 'no').toBe('no'); // Node's JIT needs W+X pages
    expect(one('OOMPolicy')).toBe('continue'); // an ffmpeg killed for memory does not stop the counter
    expect(one('KillMode')).toBe('mixed'); // the agent stops its ffmpeg children itself, finalizing segments
  });
});

describe('sysusers and tmpfiles', () => {
  it('make the counter-agent user and its directories, owned and private', () => {
    const root = join(tmp.dir, 'install');
    mkdirSync(join(root, 'etc'), { recursive: true });
    const users = run('systemd-sysusers', [`--root=${root}`, join(SYSTEMD_DIR, 'counter-agent.sysusers')]);
    expect(users.code, users.out).toBe(0);
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('counter-agent:'));
    const [, , uid, gid, , home, shell] = (passwd ?? '').split(':');
    expect(home).toBe('/var/lib/counter-agent');
    expect(shell).toBe('/usr/sbin/nologin');
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toContain(`counter-agent:x:${gid}:`);

    const dirs = run('systemd-tmpfiles', ['--create', `--root=${root}`, join(SYSTEMD_DIR, 'counter-agent.tmpfiles')]);
    expect(dirs.code, dirs.out).toBe(0);
    const owner = (p: string) => {
      const st = statSync(join(root, p));
      return { mode: (st.mode & 0o7777).toString(8), uid: String(st.uid), gid: String(st.gid) };
    };
    expect(owner('etc/counter-agent')).toEqual({ mode: '750', uid: '0', gid });
    for (const d of ['var/lib/counter-agent', 'var/lib/counter-agent/video', 'var/log/counter-agent']) expect(owner(d)).toEqual({ mode: '750', uid, gid });
  });
});
