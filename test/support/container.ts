// A real systemd (Debian 12's, 252) booted as PID 1 of a systemd-nspawn container, for
// test/systemd-container.test.ts. The machine running the tests need not run systemd itself:
//   - the root file system is a minimal bookworm from mmdebstrap, cached as a tarball outside the checkout
//     (scripts/container/rootfs.sh); each boot unpacks a fresh copy;
//   - nspawn runs in a private mount namespace with a tmpfs over /run/systemd, because it creates
//     /run/systemd/nspawn/{locks,propagate} and the host's /run may be plain disk;
//   - --register=no --keep-unit: no machined or D-Bus needed on the host ("Failed to open system bus");
//   - SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 gives the container cgroup2, and CAP_BPF with the bpf() system call
//     let its systemd attach the BPF device programs (without them DevicePolicy= is silently not enforced);
//   - commands run inside through nsenter into the namespaces of the container's PID 1.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sh } from './package.js';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (async, so the test's timers keep running); never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : null),
        stdout,
        stderr: signal === 'SIGKILL' ? `${stderr}\n(killed after ${opts.timeoutMs ?? 120_000} ms)` : stderr,
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Polls `probe` until it returns a value (not undefined) or the time is up; then throws with the last state. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The cached root file system's tarball (built on first use: several minutes). */
export function rootfsTarball(): string {
  const r = sh('sh', [join(ROOT, 'scripts', 'container', 'rootfs.sh')], { timeout: 20 * 60_000 });
  if (r.code !== 0) throw new Error(`the container's root file system could not be built:\n${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1) as string;
}

/** Mounts of this (the host's) mount namespace under `dir`: nspawn's stay in its own namespace. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
}

export class Container {
  readonly dir: string;
  readonly root: string;
  readonly consoleLog: string;
  private nspawn?: ChildProcess;
  /** Host pid of the container's PID 1 (systemd). */
  pid1 = 0;

  constructor(private readonly tarball: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'counter-agent-container-'));
    this.root = join(this.dir, 'rootfs');
    this.consoleLog = join(this.dir, 'console.log');
  }

  /** Unpacks a fresh root, boots systemd in it and waits until it has finished starting up. */
  async boot(hostname: string): Promise<string> {
    mkdirSync(this.root);
    const untar = await run('tar', ['-C', this.root, '-xf', this.tarball], { timeoutMs: 300_000 });
    if (untar.code !== 0) throw new Error(`unpacking ${this.tarball}: ${untar.stderr}`);
    writeFileSync(join(this.root, 'etc', 'hostname'), `${hostname}\n`);
    const wrapper = join(this.dir, 'nspawn-in-private-ns.sh');
    writeFileSync(wrapper, '#!/bin/sh\nset -e\nmount --make-rprivate /\nmount -t tmpfs -o mode=755 tmpfs /run/systemd\nexec systemd-nspawn "$@"\n', {
      mode: 0o755,
    });
    const out = createWriteStream(this.consoleLog);
    await new Promise((r) => out.once('open', r));
    this.nspawn = spawn(
      'unshare',
      [
        '--mount',
        '--',
        wrapper,
        '-D',
        this.root,
        '--boot',
        '--register=no',
        '--keep-unit',
        '--private-network',
        '--capability=CAP_BPF',
        '--system-call-filter=bpf',
        `--machine=${hostname}`,
        '--console=read-only',
      ],
      { env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' }, stdio: ['ignore', out, out], detached: true },
    );
    const nspawnPid = this.nspawn.pid as number;
    // nspawn's child becomes the container's PID 1 and execs systemd.
    this.pid1 = await waitFor(
      "the container's systemd to start",
      async () => {
        if (this.nspawn?.exitCode !== null) throw new Error(`systemd-nspawn exited: ${readFileSync(this.consoleLog, 'utf8').slice(-3000)}`);
        const children = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        for (const c of children) if (readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'systemd') return Number(c);
        return undefined;
      },
      60_000,
      250,
    );
    return waitFor(
      'systemd in the container to finish booting',
      async () => {
        const s = (await this.sh('systemctl is-system-running')).stdout.trim();
        return s === 'running' || s === 'degraded' ? s : undefined;
      },
      180_000,
      1000,
    );
  }

  /** A shell command inside the container (every namespace of its PID 1, a clean environment). */
  sh(command: string, timeoutMs = 120_000): Promise<Result> {
    return run(
      'nsenter',
      [
        '-t',
        String(this.pid1),
        '-m',
        '-u',
        '-i',
        '-n',
        '-p',
        '-C',
        '--',
        '/usr/bin/env',
        '-i',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        'LANG=C.UTF-8',
        'SYSTEMD_PAGER=',
        'SYSTEMD_COLORS=0',
        'HOME=/root',
        'bash',
        '-c',
        command,
      ],
      { timeoutMs },
    );
  }

  /** A program of this machine (the test's Node) inside the container's network namespace only. */
  inNetwork(cmd: string, args: string[], timeoutMs = 60_000): Promise<Result> {
    return run('nsenter', ['-t', String(this.pid1), '-n', '--', cmd, ...args], { timeoutMs });
  }

  /** Powers the container off (SIGTERM, then SIGKILL to nspawn if it hangs) and removes its files. */
  async destroy(): Promise<string[]> {
    const notes: string[] = [];
    const nspawn = this.nspawn;
    if (nspawn && nspawn.exitCode === null && nspawn.signalCode === null) {
      const exited = new Promise<void>((r) => nspawn.once('exit', () => r()));
      const within = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
      if (this.pid1) await this.sh('systemctl poweroff', 15_000).catch(() => undefined);
      if (!(await within(45_000))) {
        notes.push('the container did not power off within 45 s: SIGTERM to systemd-nspawn');
        nspawn.kill('SIGTERM');
        if (!(await within(15_000))) {
          notes.push('systemd-nspawn ignored SIGTERM: SIGKILL');
          nspawn.kill('SIGKILL');
          await within(10_000);
        }
      }
    }
    // Never delete through a mount point (a bind mount would take the host's files with it).
    const mounts = mountsUnder(this.dir);
    if (mounts.length > 0) notes.push(`left ${this.dir} in place: still mounted here: ${mounts.join(', ')}`);
    else if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    return notes;
  }
}
