// systemd/99-counter-agent.rules: what it must contain, and (when udevadm is installed and we are root)
// udev's own parser reading it. Debian 12's systemd 252 has no `udevadm verify`, so the rules are loaded
// by `udevadm test` inside a private mount namespace where /etc/udev/rules.d holds only this file,
// /etc/group has the counter-agent group, and /dev and /run are empty tmpfs (the run touches nothing real).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './scanner.test-helpers.js';

const RULES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'systemd', '99-counter-agent.rules');
const text = readFileSync(RULES, 'utf8');
const rules = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('udev rules', () => {
  it('every rule line is comma-separated KEY op "value" pairs', () => {
    const pair = /^\s*[A-Z_]+(\{[A-Za-z0-9_]+\})?\s*(==|!=|\+=|-=|:=|=)\s*"[^"]*"\s*$/;
    for (const line of rules) for (const part of line.split(',')) expect(part, line).toMatch(pair);
  });

  it('gives the service group the hidraw and ttyACM/ttyUSB nodes of known devices', () => {
    expect(rules).toContain('SUBSYSTEM=="hidraw", GROUP="counter-agent", MODE="0660"');
    const tty = rules.find((l) => l.startsWith('SUBSYSTEM=="tty"'));
    expect(tty).toMatch(/KERNEL=="ttyACM\[0-9\]\*\|ttyUSB\[0-9\]\*"/);
    expect(tty).toContain('GROUP="counter-agent", MODE="0660"');
  });

  it('keeps ModemManager off them and keyboard-mode scanners out of the kiosk', () => {
    expect(rules.find((l) => l.startsWith('SUBSYSTEM=="tty"'))).toContain('ENV{ID_MM_DEVICE_IGNORE}="1"');
    const input = rules.filter((l) => l.startsWith('SUBSYSTEM=="input"')).join('\n');
    expect(input).toContain('ENV{LIBINPUT_IGNORE_DEVICE}="1"');
    expect(input).toContain('ENV{ID_INPUT_KEYBOARD}=""');
    expect(input).toContain('ATTR{inhibited}="1"');
    expect(input).toContain('ENV{COUNTER_AGENT_DEVICE}=="scanner"');
  });

  it('lists devices as lower-case 4-digit hex and documents how a technician adds one', () => {
    const ids = rules.filter((l) => l.startsWith('ATTRS{idVendor}'));
    expect(ids.length).toBeGreaterThanOrEqual(4);
    for (const l of ids)
      expect(l).toMatch(/^ATTRS\{idVendor\}=="[0-9a-f]{4}"(, ATTRS\{idProduct\}=="[0-9a-f]{4}")?, ENV\{COUNTER_AGENT_DEVICE\}="(scanner|serial)"$/);
    expect(text).toContain('How a technician adds a scanner or reader');
    expect(text).toContain('udevadm control --reload && sudo udevadm trigger');
    // Every GOTO has its LABEL.
    for (const m of text.matchAll(/GOTO="([^"]+)"/g)) expect(text).toContain(`LABEL="${m[1]}"`);
  });

  const udevadm = ['/usr/bin/udevadm', '/bin/udevadm', '/sbin/udevadm'].find((p) => existsSync(p));
  const device = ['/sys/class/mem/null', '/sys/class/tty/tty0'].find((p) => existsSync(p)) ?? '/sys/class/mem/null';

  /** Loads `rulesText` with udevadm test in a throw-away mount namespace; returns its output. */
  function udevParse(rulesText: string): string {
    const dir = join(tmp.dir, 'rules.d');
    spawnSync('mkdir', [dir]);
    writeFileSync(join(dir, '99-counter-agent.rules'), rulesText);
    const group = join(tmp.dir, 'group');
    copyFileSync('/etc/group', group);
    writeFileSync(group, `${readFileSync(group, 'utf8').trimEnd()}\ncounter-agent:x:64999:\n`);
    const script = [
      'set -e',
      'mount --make-rprivate /',
      `mount --bind '${dir}' /etc/udev/rules.d`,
      `mount --bind '${group}' /etc/group`,
      'mount -t tmpfs tmpfs /dev',
      'mount -t tmpfs tmpfs /run',
      `'${udevadm}' test --action=add '${device}' 2>&1`,
    ].join('\n');
    // -r: a user namespace mapped to root, so the private mounts work without being root.
    const r = spawnSync('unshare', ['-r', '-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
    return `${r.stdout}${r.stderr}`;
  }

  it('udevadm parses the file without a complaint (and does complain about a broken copy)', () => {
    // udev comes from scripts/debian-deps.sh; without it this check cannot run, which is a failure.
    expect(udevadm, 'udevadm not found: run scripts/debian-deps.sh (installs udev)').toBeDefined();
    const out = udevParse(text);
    expect(out).toContain('Reading rules file: /etc/udev/rules.d/99-counter-agent.rules');
    const complaints = out.split('\n').filter((l) => l.includes('99-counter-agent.rules:'));
    expect(complaints).toEqual([]);
    // The check can fail: a wrong operator and an unknown group are reported with file and line.
    const broken = udevParse(`${text}\nSUBSYSTEM="tty", GROUP="counter-agent"\nKERNEL=="hidraw*", GROUP="no-such-group-x"\n`);
    expect(broken.split('\n').filter((l) => l.includes('99-counter-agent.rules:')).length).toBe(2);
  });
});
