// A throwaway PostgreSQL server in a temp dir, from Debian's `postgresql` binaries (initdb, pg_ctl): the HQ tests,
// the bench and a demo run against a real server without touching a system cluster.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalPostgres {
  /** Directory holding the data dir and the unix socket. */
  dir: string;
  /** libpq-style connection string over the unix socket (no TCP port to race for). */
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<major>/bin` (Debian's layout), or the PATH when there is none. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  return majors.map((m) => join(root, m, 'bin')).find((d) => existsSync(join(d, 'initdb')));
}

// initdb refuses to run as root: as root the server runs as `nobody` in a dir that user owns.
const NOBODY_UID = 65534;

async function as(cmd: string, args: string[], opts: { root: boolean; bin: string | undefined }): Promise<void> {
  const exe = opts.bin ? join(opts.bin, cmd) : cmd;
  if (opts.root) await run('runuser', ['-u', 'nobody', '--', exe, ...args], { cwd: '/' });
  else await run(exe, args);
}

export interface StartOptions {
  /** Extra postgresql.conf lines (e.g. `fsync = off` where durability is not under test). */
  settings?: Record<string, string | number>;
  database?: string;
}

export async function startLocalPostgres(opts: StartOptions = {}): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/debian-deps.sh (installs postgresql)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'hq-pg-'));
  if (root) chownSync(dir, NOBODY_UID, NOBODY_UID);
  const data = join(dir, 'data');
  const ctx = { root, bin };
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions'], ctx);
  const settings: Record<string, string | number> = {
    listen_addresses: "''",
    unix_socket_directories: `'${dir}'`,
    max_connections: 200,
    ...opts.settings,
  };
  writeFileSync(
    join(data, 'postgresql.auto.conf'),
    Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n') + '\n',
  );
  if (root) chownSync(join(data, 'postgresql.auto.conf'), NOBODY_UID, NOBODY_UID);
  const log = join(dir, 'server.log');
  const start = () => as('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start'], ctx);
  const stopServer = () => as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], ctx);
  await start();
  const database = opts.database ?? 'hq';
  await as('createdb', ['-h', dir, '-U', 'postgres', database], ctx);
  let stopped = false;
  return {
    dir,
    url: `postgresql://postgres@/${database}?host=${encodeURIComponent(dir)}`,
    async restart() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-l', log, 'restart'], ctx);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopServer();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
