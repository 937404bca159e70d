// video_record_cpu: CPU of the recorder's ffmpeg (copy mode, segmenting) recording one 1080p H.264
// stream of about 2 Mbit/s pulled over RTSP, as a share of one core: (utime + stime) from
// /proc/<pid>/stat over wall time. The test camera (a pre-encoded 1080p clip looped with -c copy, pushed
// by its own ffmpeg to the RTSP server) and the RTSP relay are not counted; the generator's CPU is
// reported beside it for reference. TCP through RtspTcpRelay; UDP through rtsp-server-perl as well when
// it is installed (video_record_cpu_udp).
//
// video_clip_cut: time of VideoService.clip() for a 2-minute sale window over 60 s 1080p segments
// (three segments joined, trimmed, copied into one MP4, hashed), median over fresh cuts.
//
//   BENCH_VIDEO_SECONDS=30   how long each recording is measured (default 30)
//   BENCH_VIDEO_CUTS=7       clip cuts (default 7)

import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Recorder, VideoService } from '../agent/video/service.js';
import { run } from '../device/camera/ffmpeg.js';
import { CameraRecorder, type CameraRecorderEvents, type SegmentEvent } from '../device/camera/recorder.js';
import { encodeTestClip, rtspServerPerlAvailable, startTestCamera } from '../device/camera/testcam.js';
import type { DeviceStatus } from '../device/types.js';
import { emit, envInt, median, note } from './util.js';

const WIDTH = 1920;
const HEIGHT = 1080;
const FPS = 25;
const KBPS = 2000;

export async function benchVideo(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'counter-bench-video-'));
  try {
    const source = join(dir, 'source-1080p.mkv');
    const t0 = Date.now();
    await encodeTestClip(source, { width: WIDTH, height: HEIGHT, fps: FPS, seconds: 20, bitrateKbps: KBPS });
    const sourceKbps = (statSync(source).size * 8) / 20 / 1000;
    note(`video: encoded a 20 s ${WIDTH}x${HEIGHT} ${FPS} fps test clip (${sourceKbps.toFixed(0)} kbit/s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const seconds = envInt('BENCH_VIDEO_SECONDS', 30);
    await recordCpu(dir, source, 'tcp', seconds, sourceKbps);
    if (rtspServerPerlAvailable()) await recordCpu(dir, source, 'udp', seconds, sourceKbps);
    else note('video: rtsp-server-perl not installed, UDP recording not measured');
    await clipCut(dir, source, envInt('BENCH_VIDEO_CUTS', 7));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function recordCpu(dir: string, source: string, transport: 'tcp' | 'udp', seconds: number, sourceKbps: number): Promise<void> {
  const cam = await startTestCamera({ transport, path: `bench-${transport}`, file: source, maxSeconds: seconds + 60 });
  const out = join(dir, `rec-${transport}`);
  const rec = new CameraRecorder({ cameraId: `bench-${transport}`, counter: 'bench', url: cam.rtspUrl, transport, dir: out, segmentSeconds: 10 });
  const segments: SegmentEvent[] = [];
  rec.on('segment', (s) => segments.push(s));
  try {
    await rec.start();
    const deadline = Date.now() + 20_000;
    while (rec.status().state !== 'connected') {
      if (Date.now() > deadline) throw new Error(`recorder never connected to ${cam.rtspUrl}: ${rec.status().error ?? ''}`);
      await sleep(100);
    }
    await sleep(3000); // past connection and probing: steady state only
    const pid = rec.pid;
    const gen = cam.generatorPid;
    if (pid === undefined || gen === undefined) throw new Error('no ffmpeg pid');
    const a = cpuTicks(pid);
    const g = cpuTicks(gen);
    const w = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const wall = Number(process.hrtime.bigint() - w) / 1e9;
    if (rec.pid !== pid) throw new Error('the recorder restarted during the measurement');
    const tck = clockTicks();
    const pct = ((cpuTicks(pid) - a) / tck / wall) * 100;
    const genPct = ((cpuTicks(gen) - g) / tck / wall) * 100;
    await rec.stop();
    const bytes = segments.reduce((n, s) => n + statSync(s.path).size, 0);
    const recSeconds = segments.reduce((n, s) => n + (s.durationSec ?? 0), 0);
    emit(transport === 'tcp' ? 'video_record_cpu' : 'video_record_cpu_udp', pct, '% of one core', {
      transport,
      server: cam.server,
      resolution: `${WIDTH}x${HEIGHT}`,
      fps: FPS,
      stream_kbps: recSeconds > 0 ? (bytes * 8) / recSeconds / 1000 : sourceKbps,
      measured_s: wall,
      segments: segments.length,
      generator_cpu_pct_excluded: genPct,
      target: '<= 3 %',
      meets_target: pct <= 3,
    });
  } finally {
    await rec.stop();
    await cam.stop();
  }
}

class InjectedRecorder extends EventEmitter<CameraRecorderEvents> implements Recorder {
  readonly id = 'bench-cam';
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status(): DeviceStatus {
    return { id: this.id, kind: 'camera', type: 'bench', counter: 'bench', state: 'connected', since: new Date().toISOString() };
  }
}

async function clipCut(dir: string, source: string, cuts: number): Promise<void> {
  // Four 60 s 1080p segments as the recorder writes them (Matroska, copy, timestamps reset).
  const segDir = join(dir, 'segments');
  mkdirSync(segDir, { recursive: true });
  const r = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-stream_loop',
      '-1',
      '-i',
      source,
      '-t',
      '240',
      '-map',
      '0:v',
      '-c',
      'copy',
      '-f',
      'segment',
      '-segment_time',
      '60',
      '-segment_format',
      'matroska',
      '-reset_timestamps',
      '1',
      join(segDir, 'seg%03d.mkv'),
    ],
    120_000,
  );
  if (r.code !== 0) throw new Error(`segmenting failed: ${r.stderr}`);
  const rec = new InjectedRecorder();
  const svc = new VideoService({
    dir: join(dir, 'video'),
    dbPath: join(dir, 'video.db'),
    retentionDays: 365,
    segmentSeconds: 60,
    cameras: [{ id: 'bench-cam', counter: 'bench', rtspUrl: 'rtsp://127.0.0.1:1/none', transport: 'tcp' }],
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    recorderFactory: () => rec,
  });
  try {
    await svc.start();
    const T = Date.parse('2026-06-01T02:00:00Z');
    for (let i = 0; i < 4; i++) {
      const path = join(segDir, `seg${String(i).padStart(3, '0')}.mkv`);
      rec.emit('segment', {
        cameraId: 'bench-cam',
        path,
        startedAt: new Date(T + i * 60_000),
        endedAt: new Date(T + (i + 1) * 60_000),
        closedAt: new Date(T + (i + 1) * 60_000),
        run: 1,
        seq: i,
        durationSec: 60,
      });
    }
    await svc.idle();
    const times: number[] = [];
    let last: { bytes: number; segments: number; seconds: number } | undefined;
    for (let i = 0; i < cuts; i++) {
      // A fresh sale each time (a cached clip would not be cut): first scan at 1:10, settled at 2:10 -> window 0:40..2:40.
      svc.linkSale(1000 + i, 'bench', new Date(T + 70_000), new Date(T + 130_000));
      const t = process.hrtime.bigint();
      const clip = await svc.clip(1000 + i);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (!clip) throw new Error('no clip');
      last = { bytes: clip.bytes, segments: svc.saleVideo(1000 + i).length, seconds: (Date.parse(clip.to) - Date.parse(clip.from)) / 1000 };
    }
    const ms = median(times);
    emit('video_clip_cut', ms, 'ms', {
      window_s: 120,
      clip_s: last?.seconds,
      clip_bytes: last?.bytes,
      segments_joined: last?.segments,
      resolution: `${WIDTH}x${HEIGHT}`,
      runs: cuts,
      min_ms: Math.min(...times),
      max_ms: Math.max(...times),
      target: '<= 1000 ms',
      meets_target: ms <= 1000,
    });
  } finally {
    await svc.stop();
  }
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14 -> index 11, stime field 15 -> index 12
  return Number(fields[11]) + Number(fields[12]);
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
