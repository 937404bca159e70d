// One supervised ffmpeg per camera: RTSP in, `-c copy` out (no re-encoding) into fixed-length segments.
//
// ffmpeg writes `<dir>/<camera>/.rec/<camera>_<runStart>_r<run>_<seq>.mkv` (sequence numbers, so two
// segments of one run can never share a name, even when a burst after a network stall closes several
// within one second) and prints each closed segment on stdout (`-segment_list pipe:1`, csv). The
// recorder then moves the file to `<dir>/<camera>/<YYYYMMDD>/<camera>_<wall-clock start UTC>_r<run>_<seq>.mkv`
// and emits `segment`. A run's prefix is checked against what is on disk before ffmpeg starts, so runs
// cannot collide either, across restarts of the agent included.
//
// Wall-clock times: ffmpeg's list gives each segment's start and end on the stream's own timeline; the
// offset to the box's clock is the smallest (closed-at − stream end) over the run's last segments, i.e.
// the least-delayed observation (bursts after a stall only make the observation later, never earlier).
//
// Supervision: ffmpeg exiting, or no new segment within 2 × the segment length (a stall), puts the camera
// in `error` (or `missing` when it never delivered data) and restarts ffmpeg with exponential backoff.
// A segment left half-written by an ffmpeg that died is not lost: it is emitted with `recovered: true`
// (the agent probes it and indexes it, broken or not). stop() sends SIGINT so ffmpeg finalizes the last
// segment, then SIGKILL after a grace period.
//
// ffmpeg's arguments, the segment-list parsing and the file naming are in segment-list.ts.
//
// No business logic here: what a segment means for a sale is the agent's business.

import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Backoff, type BackoffPolicy, backoffPolicy } from '../../common/backoff.js';
import type { DeviceState, DeviceStatus } from '../types.js';
import { spawnTracked, TailBuffer, terminate } from './ffmpeg.js';
import { compactTime, EXT, ffmpegSegmentArgs, lines, maskUrl, parseSegmentListLine, REC, safeName, seqOf } from './segment-list.js';

// Moved to segment-list.ts; re-exported so existing imports keep working.
export { maskUrl, safeName } from './segment-list.js';

export interface CameraRecorderOptions {
  cameraId: string;
  counter: string;
  /** rtsp://… (a camera); other ffmpeg input URLs work too (no RTSP options are then passed). */
  url: string;
  transport: 'tcp' | 'udp';
  /** Root video directory; this camera writes under `<dir>/<cameraId>/`. */
  dir: string;
  segmentSeconds: number;
  ffmpegPath?: string;
  clock?: () => Date;
  /** Restart delays: first `initialMs` (default 1 s), doubling up to `maxMs` (default 30 s). */
  backoff?: Partial<BackoffPolicy>;
  /** No new segment for this long = stalled; default 2 × segmentSeconds. */
  stallMs?: number;
  /** Extra allowance for a run's first segment (connecting, first keyframe); default 10 s. */
  startGraceMs?: number;
  /** ffmpeg `-timeout` for RTSP socket I/O; default 15 s. */
  socketTimeoutMs?: number;
  /** SIGINT → SIGKILL grace when stopping or restarting; default 5 s. */
  killGraceMs?: number;
}

export interface SegmentEvent {
  cameraId: string;
  /** Absolute path of the closed segment (its final name). */
  path: string;
  /** Wall clock of the segment's first frame. */
  startedAt: Date;
  /** Wall clock of the segment's last frame end. */
  endedAt: Date;
  /** When ffmpeg closed the file (box clock). */
  closedAt: Date;
  run: number;
  seq: number;
  /** Seconds, from ffmpeg's segment list; absent for a recovered segment. */
  durationSec?: number;
  /** Left half-written by an ffmpeg that died; its times are estimated from the file. */
  recovered?: boolean;
}

export interface CameraRecorderEvents {
  segment: [SegmentEvent];
  status: [DeviceStatus];
  warning: [{ deviceId: string; message: string }];
}

interface Run {
  n: number;
  prefix: string;
  child: ChildProcess;
  /** (closedAt ms − stream end ms) of the run's recent segments. */
  offsets: number[];
  gotData: boolean;
  segments: number;
  lastEndMs: number | undefined;
  stalled: boolean;
  stderr: TailBuffer;
  stallTimer: NodeJS.Timeout | undefined;
  done: Promise<void>;
  /** The run's first closed segment, until a second observation of the clock offset. */
  held: Closed | undefined;
}

interface Closed {
  file: string;
  startSec: number;
  endSec: number;
  closedAt: Date;
}

export class CameraRecorder extends EventEmitter<CameraRecorderEvents> {
  readonly id: string;
  private readonly opts: Required<Omit<CameraRecorderOptions, 'backoff'>>;
  private readonly camDir: string;
  private readonly recDir: string;
  private running = false;
  private run: Run | undefined;
  private runCounter = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private state: DeviceState = 'stopped';
  private error: string | undefined;
  private since: string;
  /** Renames and emits in order; stop() waits for it. */
  private chain: Promise<void> = Promise.resolve();

  constructor(options: CameraRecorderOptions) {
    super();
    this.id = options.cameraId;
    const clock = options.clock ?? (() => new Date());
    this.opts = {
      ...options,
      ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
      clock,
      stallMs: options.stallMs ?? 2 * options.segmentSeconds * 1000,
      startGraceMs: options.startGraceMs ?? 10_000,
      socketTimeoutMs: options.socketTimeoutMs ?? 15_000,
      killGraceMs: options.killGraceMs ?? 5000,
    };
    this.camDir = join(options.dir, safeName(options.cameraId));
    this.recDir = join(this.camDir, REC);
    this.backoff = new Backoff(backoffPolicy(options.backoff, { initialMs: 1000, maxMs: 30_000 }));
    this.since = clock().toISOString();
  }

  /** The running ffmpeg's pid (benchmarks read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  get retryDelayMs(): number {
    return this.backoff.delayMs;
  }

  status(): DeviceStatus {
    const s: DeviceStatus = {
      id: this.id,
      kind: 'camera',
      type: `rtsp-${this.opts.transport}`,
      path: maskUrl(this.opts.url),
      counter: this.opts.counter,
      state: this.state,
      since: this.since,
    };
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await mkdir(this.recDir, { recursive: true });
    // Anything still in .rec belongs to an ffmpeg of an earlier agent process that died mid-segment.
    await this.recoverLeftovers(undefined);
    this.setState('missing', `connecting to ${maskUrl(this.opts.url)}`);
    await this.launch();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const r = this.run;
    if (r) {
      clearTimeout(r.stallTimer);
      await terminate(r.child, this.opts.killGraceMs, 'SIGINT');
      await r.done;
    }
    await this.chain;
    this.setState('stopped', undefined);
  }

  private async launch(): Promise<void> {
    if (!this.running) return;
    const n = ++this.runCounter;
    const runStart = compactTime(this.opts.clock());
    let prefix = `${safeName(this.id)}_${runStart}_r${n}`;
    // Never reuse a prefix that already has files (an agent restarted within the same millisecond...).
    const existing = await readdir(this.recDir).catch(() => [] as string[]);
    for (let k = 2; existing.some((f) => f.startsWith(`${prefix}_`)); k++) prefix = `${safeName(this.id)}_${runStart}_r${n}x${k}`;
    if (!this.running) return; // stopped while we looked

    const args = ffmpegSegmentArgs(this.opts, join(this.recDir, `${prefix}_%06d${EXT}`));
    const child = spawnTracked(this.opts.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let resolveDone: () => void = () => undefined;
    const run: Run = {
      n,
      prefix,
      child,
      offsets: [],
      gotData: false,
      segments: 0,
      lastEndMs: undefined,
      stalled: false,
      stderr: new TailBuffer(20),
      stallTimer: undefined,
      held: undefined,
      done: new Promise<void>((r) => (resolveDone = r)),
    };
    this.run = run;
    this.armStall(run, this.opts.startGraceMs + this.opts.stallMs);

    child.stderr?.on('data', (b: Buffer) => run.stderr.push(b));
    lines(child.stdout, (line) => this.onListLine(run, line));
    const progress = child.stdio[3] as Readable | null | undefined;
    lines(progress ?? null, (line) => {
      // -progress: key=value lines every 0.5 s; data is flowing once ffmpeg has written output.
      const m = /^(?:frame|out_time_us)=(\d+)$/.exec(line);
      if (!run.gotData && m && Number(m[1]) > 0) this.onData(run);
    });
    child.once('error', (e) => run.stderr.push(`spawn ${this.opts.ffmpegPath}: ${e.message}`));
    child.once('close', (code, signal) => {
      void this.onExit(run, code, signal).finally(resolveDone);
    });
    await Promise.resolve();
  }

  private armStall(run: Run, ms: number): void {
    clearTimeout(run.stallTimer);
    run.stallTimer = setTimeout(() => {
      if (this.run !== run || !this.running) return;
      run.stalled = true;
      this.setState('error', `no new segment from ${maskUrl(this.opts.url)} in ${Math.round(ms / 1000)} s (stalled); restarting ffmpeg`);
      void terminate(run.child, Math.min(2000, this.opts.killGraceMs), 'SIGINT');
    }, ms);
    run.stallTimer.unref();
  }

  private onData(run: Run): void {
    run.gotData = true;
    if (this.run === run && this.running && !run.stalled) this.setState('connected', undefined);
  }

  private onListLine(run: Run, line: string): void {
    const entry = parseSegmentListLine(line);
    if (!entry) return;
    const closed: Closed = { file: join(this.recDir, basename(entry.file)), startSec: entry.startSec, endSec: entry.endSec, closedAt: this.opts.clock() };
    run.offsets.push(closed.closedAt.getTime() - closed.endSec * 1000);
    if (run.offsets.length > 10) run.offsets.shift();
    run.segments++;
    if (!run.gotData) this.onData(run);
    if (this.run === run && this.running) {
      this.armStall(run, this.opts.stallMs);
      this.backoff.reset(); // a run that records resets the backoff
      if (!run.stalled && this.state !== 'connected') this.setState('connected', undefined);
    }
    // A run's first observation is the least reliable (ffmpeg was still probing the stream): its segment
    // waits for the second one's clock offset, or for the run's end.
    if (run.segments === 1) {
      run.held = closed;
      return;
    }
    this.flushHeld(run);
    this.emitClosed(run, closed);
  }

  private flushHeld(run: Run): void {
    if (!run.held) return;
    const held = run.held;
    run.held = undefined;
    this.emitClosed(run, held);
  }

  private emitClosed(run: Run, c: Closed): void {
    const offset = Math.min(...run.offsets);
    const startedAt = new Date(Math.round(offset + c.startSec * 1000));
    const endedAt = new Date(Math.round(offset + c.endSec * 1000));
    run.lastEndMs = endedAt.getTime();
    const seq = seqOf(c.file);
    this.enqueue(async () => {
      const path = await this.moveToFinal(c.file, startedAt, run.n, seq);
      this.emit('segment', {
        cameraId: this.id,
        path,
        startedAt,
        endedAt,
        closedAt: c.closedAt,
        run: run.n,
        seq,
        durationSec: Math.max(0, c.endSec - c.startSec),
      });
    });
  }

  private async onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    clearTimeout(run.stallTimer);
    this.flushHeld(run);
    await this.chain; // every listed segment moved first
    await this.recoverLeftovers(run);
    if (this.run === run) this.run = undefined;
    if (!this.running) return;
    const why = run.stalled
      ? (this.error ?? 'stalled')
      : `ffmpeg exited (${signal ? `signal ${signal}` : `code ${code}`}) recording ${maskUrl(this.opts.url)}${run.stderr.last() ? `: ${maskUrl(run.stderr.last() ?? '')}` : ''}`;
    this.setState(run.gotData || run.stalled ? 'error' : this.state === 'error' ? 'error' : 'missing', why);
    const delay = this.backoff.next();
    this.emit('warning', { deviceId: this.id, message: `${why}; restarting in ${delay} ms` });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.launch();
    }, delay);
  }

  /** Files in .rec that ffmpeg never listed as closed: `run` given = that run's, else all of them. */
  private async recoverLeftovers(run: Run | undefined): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.recDir)).filter((f) => f.endsWith(EXT) && (!run || f.startsWith(`${run.prefix}_`))).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(this.recDir, name);
      let st;
      try {
        st = await stat(file);
      } catch {
        continue;
      }
      const endedAt = st.mtime;
      const prevEnd = run?.lastEndMs;
      const born = st.birthtimeMs > 0 ? st.birthtimeMs : endedAt.getTime() - this.opts.segmentSeconds * 1000;
      const startedAt = new Date(Math.min(endedAt.getTime(), prevEnd ?? born));
      const runNo = run?.n ?? Number(/_r(\d+)/.exec(name)?.[1] ?? 0);
      const seq = seqOf(file);
      const path = await this.moveToFinal(file, startedAt, runNo, seq);
      this.emit('warning', { deviceId: this.id, message: `segment ${path} was left unfinished by ffmpeg; indexing what was written` });
      this.emit('segment', { cameraId: this.id, path, startedAt, endedAt, closedAt: this.opts.clock(), run: runNo, seq, recovered: true });
      if (run) run.lastEndMs = endedAt.getTime();
    }
  }

  private async moveToFinal(file: string, startedAt: Date, run: number, seq: number): Promise<string> {
    const day = startedAt.toISOString().slice(0, 10).replace(/-/g, '');
    const dayDir = join(this.camDir, day);
    await mkdir(dayDir, { recursive: true });
    const base = `${safeName(this.id)}_${compactTime(startedAt)}_r${run}_${String(seq).padStart(6, '0')}`;
    let target = join(dayDir, `${base}${EXT}`);
    for (let k = 2; await exists(target); k++) target = join(dayDir, `${base}_${k}${EXT}`);
    try {
      await rename(file, target);
      return target;
    } catch (err) {
      this.emit('warning', { deviceId: this.id, message: `cannot move ${file} to ${target}: ${(err as Error).message}` });
      return file;
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.emit('warning', { deviceId: this.id, message: `segment handling failed: ${(err as Error).message}` });
    });
  }

  private setState(state: DeviceState, error: string | undefined): void {
    if (state === this.state && error === this.error) return;
    const changed = state !== this.state;
    this.state = state;
    this.error = error;
    if (changed) this.since = this.opts.clock().toISOString();
    this.emit('status', this.status());
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
