// The sd_notify protocol (READY=1, STATUS=…, WATCHDOG=1, STOPPING=1) without a compiler on the box.
//
// Node cannot send a unix datagram, so each message is handed to systemd's own `systemd-notify`, run
// asynchronously (never spawnSync: the event loop is never blocked). systemd 252 attributes a message to a
// unit through the sender's cgroup, which it can read only while the sender lives; `systemd-notify` sends
// from its own PID (an unprivileged service cannot claim its parent's) and then waits on a BARRIER=1 until
// PID 1 has processed the message, so it is still alive when PID 1 looks. Hence the unit sets
// NotifyAccess=all, and this module never passes --no-block.
//
// Rate limit: one `systemd-notify` at a time. What is asked meanwhile is merged into the next one (flags
// are kept, the newest STATUS wins), and a message that carries only a STATUS waits at least
// `statusIntervalMs` after the previous spawn. With NOTIFY_SOCKET unset (not under systemd) every call is
// a no-op.

import { spawn } from 'node:child_process';
import type { Logger } from '../log.js';

export interface NotifyFields {
  ready?: boolean;
  stopping?: boolean;
  watchdog?: boolean;
  /** One line shown by `systemctl status`; newlines are replaced by spaces. */
  status?: string;
}

export interface NotifierOptions {
  /** Where NOTIFY_SOCKET (and PATH for finding systemd-notify) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default 'systemd-notify', found on PATH. */
  command?: string;
  /** Least time between two spawns when the message is only a STATUS; default 1000 ms. */
  statusIntervalMs?: number;
  /** A systemd-notify still running after this is killed; default 10 s (its own barrier waits 5 s). */
  killAfterMs?: number;
  log?: Pick<Logger, 'warn'>;
}

/** Sends sd_notify messages through `systemd-notify`, one process at a time. */
export class SdNotifier {
  /** False when NOTIFY_SOCKET is unset: every call does nothing. */
  readonly enabled: boolean;
  private readonly socket: string | undefined;
  private readonly command: string;
  private readonly path: string;
  private readonly statusIntervalMs: number;
  private readonly killAfterMs: number;
  private readonly log: Pick<Logger, 'warn'> | undefined;
  private pending: NotifyFields = {};
  private inFlight: Promise<void> | undefined;
  private lastSpawnAt = Number.NEGATIVE_INFINITY;
  private delayTimer: NodeJS.Timeout | undefined;
  private lastWarning: string | undefined;
  private spawnCount = 0;

  constructor(opts: NotifierOptions = {}) {
    const env = opts.env ?? process.env;
    const socket = env.NOTIFY_SOCKET;
    this.socket = socket ? socket : undefined;
    this.enabled = this.socket !== undefined;
    this.command = opts.command ?? 'systemd-notify';
    this.path = env.PATH ?? '/usr/bin:/bin';
    this.statusIntervalMs = opts.statusIntervalMs ?? 1000;
    this.killAfterMs = opts.killAfterMs ?? 10_000;
    this.log = opts.log;
  }

  /** How many systemd-notify processes were started (tests read it to see the rate limit). */
  get spawned(): number {
    return this.spawnCount;
  }

  /** Queue a message; returns at once. */
  notify(fields: NotifyFields): void {
    if (!this.enabled) return;
    const p = this.pending;
    if (fields.ready) p.ready = true;
    if (fields.stopping) p.stopping = true;
    if (fields.watchdog) p.watchdog = true;
    if (fields.status !== undefined) p.status = fields.status.replace(/[\r\n]+/g, ' ');
    this.pump();
  }

  /** Resolves when everything queued so far has been handed over, or after `timeoutMs`. */
  async flush(timeoutMs = 6000): Promise<void> {
    if (!this.enabled) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (this.inFlight || hasFields(this.pending))) {
      if (!this.inFlight) {
        // A STATUS held back by the rate limit goes now: the process is about to stop.
        clearTimeout(this.delayTimer);
        this.delayTimer = undefined;
        this.startOne();
      }
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  private pump(): void {
    if (this.inFlight || this.delayTimer || !hasFields(this.pending)) return;
    const onlyStatus = !this.pending.ready && !this.pending.stopping && !this.pending.watchdog;
    const wait = onlyStatus ? this.lastSpawnAt + this.statusIntervalMs - Date.now() : 0;
    if (wait > 0) {
      this.delayTimer = setTimeout(() => {
        this.delayTimer = undefined;
        this.pump();
      }, wait);
      this.delayTimer.unref();
      return;
    }
    this.startOne();
  }

  private startOne(): void {
    const fields = this.pending;
    this.pending = {};
    if (!hasFields(fields)) return;
    this.lastSpawnAt = Date.now();
    this.spawnCount++;
    this.inFlight = this.send(fields).finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  private send(fields: NotifyFields): Promise<void> {
    return new Promise<void>((resolve) => {
      const child = spawn(this.command, messageArgs(fields), {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: this.path, NOTIFY_SOCKET: this.socket },
      });
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => {
        if (stderr.length < 500) stderr += b.toString();
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), this.killAfterMs);
      killer.unref();
      const done = (problem: string | undefined) => {
        clearTimeout(killer);
        if (problem) this.warn(problem);
        else this.lastWarning = undefined;
        resolve();
      };
      child.once('error', (err) => done(`cannot run ${this.command}: ${err.message} (install systemd, or unset NOTIFY_SOCKET)`));
      child.once('close', (code, signal) => done(code === 0 ? undefined : `${this.command} ${signal ?? `exit ${code}`}: ${stderr.trim() || 'no message'}`));
    });
  }

  /** A problem is logged once, not on every watchdog ping (again only after a success in between). */
  private warn(problem: string): void {
    if (problem === this.lastWarning) return;
    this.lastWarning = problem;
    this.log?.warn({ notifySocket: this.socket, problem }, 'sd_notify message not delivered');
  }
}

function hasFields(f: NotifyFields): boolean {
  return f.ready === true || f.stopping === true || f.watchdog === true || f.status !== undefined;
}

/** systemd-notify's arguments: one VARIABLE=VALUE each, READY first (as sd_notify users send it). */
export function messageArgs(f: NotifyFields): string[] {
  const args: string[] = [];
  if (f.ready) args.push('READY=1');
  if (f.stopping) args.push('STOPPING=1');
  if (f.status !== undefined) args.push(`STATUS=${f.status}`);
  if (f.watchdog) args.push('WATCHDOG=1');
  return args;
}
