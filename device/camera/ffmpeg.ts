// ffmpeg / ffprobe child processes: spawn with tracking (so none outlives the agent), run to completion
// with a time limit, probe a media file. Debian's ffmpeg 5.1 is the reference.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface FfmpegPaths {
  ffmpeg?: string;
  ffprobe?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Spawn a child that is SIGKILLed if this process exits first (tests, crashes): no orphans. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    });
  }
  const child = spawn(command, args, options);
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Resolves when the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

/** Ask a child to finish (SIGINT: ffmpeg writes its trailers), SIGKILL after `graceMs`. */
export async function terminate(child: ChildProcess, graceMs = 5000, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await done;
  } finally {
    clearTimeout(timer);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run a command to completion, killing it after `timeoutMs`; never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawnTracked(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => {
      if (err.length < 256) err.push(b);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') + extra, timedOut });
    };
    child.once('error', (e) => finish(null, null, `${command}: ${e.message}`));
    child.once('close', (code, signal) => finish(code, signal));
  });
}

export interface MediaProbe {
  /** Seconds; undefined when the container gives none and no packet could be read. */
  durationSec: number | undefined;
  streams: { type: string; codec: string; width?: number; height?: number }[];
  /** ffprobe's complaint when it could not read the file. */
  error?: string;
}

/**
 * What ffprobe says about a media file. A file cut short (ffmpeg killed before its trailer) often has no
 * container duration; then the last video packet's end time is used.
 */
export async function probeMedia(path: string, paths: FfmpegPaths = {}, timeoutMs = 15_000): Promise<MediaProbe> {
  const ffprobe = paths.ffprobe ?? 'ffprobe';
  const r = await run(ffprobe, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height', '-of', 'json', path], timeoutMs);
  if (r.code !== 0) return { durationSec: undefined, streams: [], error: firstLine(r.stderr) || `ffprobe exit ${r.code ?? r.signal}` };
  let parsed: { format?: { duration?: string }; streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number }[] };
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    return { durationSec: undefined, streams: [], error: 'ffprobe printed no JSON' };
  }
  const streams = (parsed.streams ?? []).map((s) => {
    const out: MediaProbe['streams'][number] = { type: s.codec_type ?? '', codec: s.codec_name ?? '' };
    if (s.width !== undefined) out.width = s.width;
    if (s.height !== undefined) out.height = s.height;
    return out;
  });
  let durationSec = Number(parsed.format?.duration);
  if (!Number.isFinite(durationSec) && streams.length > 0) durationSec = await lastPacketEnd(path, ffprobe, timeoutMs);
  return { durationSec: Number.isFinite(durationSec) && durationSec > 0 ? durationSec : undefined, streams };
}

async function lastPacketEnd(path: string, ffprobe: string, timeoutMs: number): Promise<number> {
  const r = await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', path], timeoutMs);
  if (r.code !== 0) return Number.NaN;
  let first = Number.NaN;
  let last = Number.NaN;
  for (const line of r.stdout.split('\n')) {
    const [pts, dur] = line.split(',');
    const p = Number(pts);
    if (!Number.isFinite(p)) continue;
    if (!Number.isFinite(first) || p < first) first = p;
    const end = p + (Number.isFinite(Number(dur)) ? Number(dur) : 0);
    if (!Number.isFinite(last) || end > last) last = end;
  }
  return last - first;
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/** The last `n` non-empty lines of ffmpeg's stderr, for status and logs. */
export class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly n = 20) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const p of parts) {
      const t = p.trim();
      if (t) this.lines.push(t);
    }
    if (this.lines.length > this.n) this.lines = this.lines.slice(-this.n);
  }

  last(): string | undefined {
    return this.partial.trim() || this.lines[this.lines.length - 1];
  }

  all(): string[] {
    return this.partial.trim() ? [...this.lines, this.partial.trim()] : [...this.lines];
  }
}
