// The one door through which `counter-agent provision` touches the running system: the service user,
// file ownership, systemd and udev. Everything else provision does is plain file I/O under --root.
//
// The real port runs the system's own tools with execFile (no shell). Tests use a recording fake
// instead: systemctl, udevadm and chown to another user cannot run in the test sandbox (no systemd as
// PID 1, no root), so what the tests check is that provision asks for the right actions, in order.

import { execFile } from 'node:child_process';
import { chown, stat } from 'node:fs/promises';

interface RunError extends Error {
  /** The exit code, or the errno string (ENOENT) when the program could not be started. */
  code?: number | string;
  stdout?: string;
  stderr?: string;
}

/**
 * execFile as a Promise, written out rather than util.promisify(execFile): the packaged executable replaces
 * child_process.execFile with a wrapper that lacks util.promisify.custom, so the promisified form resolved with
 * a bare string there and `{ stdout }` was undefined ("Cannot read properties of undefined (reading 'trim')").
 */
function run(file: string, args: string[], opts: { timeout: number }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: opts.timeout, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err as RunError, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

export interface Owner {
  user: string;
  group: string;
}

export interface UnitState {
  enabled: boolean;
  active: boolean;
}

export interface SystemPort {
  userExists(name: string): Promise<boolean>;
  /** Creates the system user and group from an installed sysusers.d file. */
  createUser(name: string, sysusersFile: string): Promise<void>;
  /** Owner of a path by name (numeric ids when the name is unknown); undefined when it does not exist. */
  ownerOf(path: string): Promise<Owner | undefined>;
  chown(path: string, owner: Owner): Promise<void>;
  /** systemd-tmpfiles --create FILE */
  tmpfilesCreate(file: string): Promise<void>;
  daemonReload(): Promise<void>;
  /** Re-reads the udev rules and re-applies them to devices already plugged in. */
  udevReload(): Promise<void>;
  unitState(unit: string): Promise<UnitState>;
  enableNow(unit: string): Promise<void>;
  restart(unit: string): Promise<void>;
}

/** What a failed command said, in one line, naming the command. */
async function exec(file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args, { timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as RunError;
    const why = (e.stderr ?? '').trim().split('\n')[0] || e.message;
    throw new Error(`${file} ${args.join(' ')}: ${why}`);
  }
}

/** stdout of a query command, or undefined when it exits non-zero (is-enabled, getent: "no"). */
async function query(file: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(file, args, { timeout: 30_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as RunError;
    // A non-zero exit is the answer "no"; a missing tool (ENOENT) is "no" too (no systemd: nothing enabled).
    if (typeof e.code === 'number' || e.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function idOf(db: 'passwd' | 'group', name: string): Promise<number> {
  const line = await query('getent', [db, name]);
  const id = Number(line?.split(':')[2]);
  if (!Number.isInteger(id)) throw new Error(`getent ${db} ${name}: no such ${db === 'passwd' ? 'user' : 'group'}`);
  return id;
}

async function nameOf(db: 'passwd' | 'group', id: number): Promise<string> {
  const line = await query('getent', [db, String(id)]);
  return line?.split(':')[0] || String(id);
}

/** The live system, through its own tools. Needs root for everything but the queries. */
export const realSystem: SystemPort = {
  async userExists(name) {
    return (await query('getent', ['passwd', name])) !== undefined;
  },
  async createUser(name, sysusersFile) {
    // systemd-sysusers applies the packaged definition (user, group, home); useradd where it is absent.
    if ((await query('sh', ['-c', 'command -v systemd-sysusers'])) !== undefined) await exec('systemd-sysusers', [sysusersFile]);
    else await exec('useradd', ['--system', '--user-group', '--home-dir', '/var/lib/counter-agent', '--shell', '/usr/sbin/nologin', name]);
  },
  async ownerOf(path) {
    const s = await stat(path).catch(() => undefined);
    if (!s) return undefined;
    return { user: await nameOf('passwd', s.uid), group: await nameOf('group', s.gid) };
  },
  async chown(path, owner) {
    await chown(path, await idOf('passwd', owner.user), await idOf('group', owner.group));
  },
  async tmpfilesCreate(file) {
    await exec('systemd-tmpfiles', ['--create', file]);
  },
  async daemonReload() {
    await exec('systemctl', ['daemon-reload']);
  },
  async udevReload() {
    await exec('udevadm', ['control', '--reload']);
    await exec('udevadm', ['trigger', '--action=change', '--subsystem-match=hidraw', '--subsystem-match=tty', '--subsystem-match=input']);
  },
  async unitState(unit) {
    const enabled = (await query('systemctl', ['is-enabled', unit])) === 'enabled';
    const active = (await query('systemctl', ['is-active', unit])) === 'active';
    return { enabled, active };
  },
  async enableNow(unit) {
    await exec('systemctl', ['enable', '--now', unit]);
  },
  async restart(unit) {
    await exec('systemctl', ['restart', unit]);
  },
};
