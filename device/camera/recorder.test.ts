// CameraRecorder against real ffmpeg and real RTSP servers on 127.0.0.1:
//   - UDP: the test camera served by Debian's rtsp-server-perl (installed by scripts/debian-deps.sh);
//   - TCP: the test camera served by RtspTcpRelay (interleaved RTP; rtsp-server-perl has no TCP).
// Segments are 2 s here (60 s in production).

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'vitest';
import type { DeviceStatus } from '../types.js';
import { probeMedia } from './ffmpeg.js';
import { CameraRecorder, maskUrl, type SegmentEvent } from './recorder.js';
import { freeTcpPort, rtspServerPerlAvailable, startTestCamera, type TestCamera } from './testcam.js';

// The tests run concurrently (they mostly wait for segments); each has its own camera, recorder and
// directory, cleaned up when it finishes.
type OnFinished = (fn: () => Promise<void>) => void;

function fixture(onTestFinished: OnFinished) {
  const cleanups: (() => Promise<void>)[] = [];
  onTestFinished(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), 'recorder-test-'));
      cleanups.push(async () => rmSync(d, { recursive: true, force: true }));
      return d;
    },
    async camera(opts: Parameters<typeof startTestCamera>[0]): Promise<TestCamera> {
      const c = await startTestCamera(opts);
      cleanups.push(() => c.stop());
      return c;
    },
    recorder(opts: ConstructorParameters<typeof CameraRecorder>[0]): CameraRecorder {
      const r = new CameraRecorder(opts);
      cleanups.push(() => r.stop());
      return r;
    },
  };
}

interface Seen {
  segments: (SegmentEvent & { seenAt: number })[];
  statuses: DeviceStatus[];
}

function watch(r: CameraRecorder): Seen {
  const seen: Seen = { segments: [], statuses: [] };
  r.on('segment', (s) => seen.segments.push({ ...s, seenAt: Date.now() }));
  r.on('status', (s) => seen.statuses.push(s));
  return seen;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.concurrent('CameraRecorder (real ffmpeg)', () => {
  it('records a UDP camera served by rtsp-server-perl into 2 s segments with wall-clock times', async ({ expect, onTestFinished }) => {
    expect(rtspServerPerlAvailable(), 'rtsp-server-perl is not installed: run scripts/debian-deps.sh').toBe(true);
    const f = fixture(onTestFinished);
    const dir = f.dir();
    const cam = await f.camera({ transport: 'udp', path: 'udpcam' });
    expect(cam.server).toBe('rtsp-server-perl');
    const t0 = Date.now();
    const rec = f.recorder({ cameraId: 'cam-udp', counter: 'c1', url: cam.rtspUrl, transport: 'udp', dir, segmentSeconds: 2, backoff: { initialMs: 200 } });
    const seen = watch(rec);
    await rec.start();
    await until('3 segments', () => seen.segments.length >= 3);
    expect(rec.status()).toMatchObject({ id: 'cam-udp', kind: 'camera', type: 'rtsp-udp', counter: 'c1', state: 'connected' });

    for (const [i, s] of seen.segments.entries()) {
      expect(existsSync(s.path)).toBe(true);
      // <dir>/cam-udp/YYYYMMDD/cam-udp_<start>_r1_<seq>.mkv
      expect(dirname(s.path)).toBe(join(dir, 'cam-udp', s.startedAt.toISOString().slice(0, 10).replace(/-/g, '')));
      expect(basename(s.path)).toBe(`cam-udp_${s.startedAt.toISOString().replace(/[-:.]/g, '')}_r1_${String(i).padStart(6, '0')}.mkv`);
      // Wall clock: the segment ends when ffmpeg closes it (± 2 s of the test's clock), and starts its
      // duration earlier. (A run's first segment is emitted with the second: it waits for a better clock offset.)
      expect(Math.abs(s.endedAt.getTime() - s.closedAt.getTime())).toBeLessThan(2000);
      expect(s.seenAt - s.closedAt.getTime()).toBeLessThan(i === 0 ? 4000 : 1000);
      expect(s.startedAt.getTime()).toBeGreaterThanOrEqual(t0 - 2000);
      expect(s.endedAt.getTime() - s.startedAt.getTime()).toBeCloseTo((s.durationSec ?? 0) * 1000, -2);
      const probe = await probeMedia(s.path);
      expect(probe.streams[0]?.codec).toBe('h264');
      expect(probe.durationSec).toBeGreaterThan(1.5);
    }
    // Consecutive segments are contiguous on the wall clock.
    for (let i = 1; i < seen.segments.length; i++) {
      const gap = (seen.segments[i]?.startedAt.getTime() ?? 0) - (seen.segments[i - 1]?.endedAt.getTime() ?? 0);
      expect(Math.abs(gap)).toBeLessThan(300);
    }

    // stop() lets ffmpeg finish the open segment: it is emitted, complete, and nothing is left in .rec.
    const before = seen.segments.length;
    await rec.stop();
    expect(seen.segments.length).toBe(before + 1);
    expect(seen.segments.at(-1)?.recovered).toBeUndefined();
    expect(readdirSync(join(dir, 'cam-udp', '.rec'))).toEqual([]);
    expect(rec.status().state).toBe('stopped');
  });

  it('TCP camera: ffmpeg SIGKILLed mid-run -> error -> restarted, records again under new names', async ({ expect, onTestFinished }) => {
    const f = fixture(onTestFinished);
    const dir = f.dir();
    const cam = await f.camera({ transport: 'tcp', path: 'tcpcam' });
    expect(cam.server).toBe('rtsp-tcp-relay');
    const rec = f.recorder({
      cameraId: 'cam-tcp',
      counter: 'c1',
      url: cam.rtspUrl,
      transport: 'tcp',
      dir,
      segmentSeconds: 2,
      backoff: { initialMs: 300, maxMs: 1000 },
    });
    const seen = watch(rec);
    await rec.start();
    await until('first segment', () => seen.segments.length >= 1);
    expect(rec.status().type).toBe('rtsp-tcp');
    await new Promise((r) => setTimeout(r, 1300)); // mid-segment, after its first keyframe cluster
    const pid = rec.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');

    await until('error status', () => seen.statuses.some((s) => s.state === 'error'));
    const err = seen.statuses.find((s) => s.state === 'error');
    expect(err?.error).toMatch(/SIGKILL/);
    await until('a segment from the second run', () => seen.segments.some((s) => s.run === 2 && !s.recovered));
    expect(rec.status().state).toBe('connected');
    expect(rec.pid).not.toBe(pid);

    // The half-written segment of the killed run is handed over (recovered), not lost.
    const recovered = seen.segments.filter((s) => s.recovered);
    expect(recovered.length).toBe(1);
    for (const s of recovered) {
      expect(s.run).toBe(1);
      const probe = await probeMedia(s.path); // what was flushed before the kill is readable
      expect(probe.streams[0]?.codec).toBe('h264');
    }
    const paths = seen.segments.map((s) => s.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths) expect(existsSync(p)).toBe(true);
  });

  it('TCP camera that freezes: no segment in 2 x segment length -> stalled error -> recovers when it resumes', async ({ expect, onTestFinished }) => {
    const f = fixture(onTestFinished);
    const dir = f.dir();
    const cam = await f.camera({ transport: 'tcp', path: 'frozen' });
    const rec = f.recorder({
      cameraId: 'cam-stall',
      counter: 'c2',
      url: cam.rtspUrl,
      transport: 'tcp',
      dir,
      segmentSeconds: 2,
      startGraceMs: 3000,
      backoff: { initialMs: 200, maxMs: 500 },
    });
    const seen = watch(rec);
    await rec.start();
    await until('first segment', () => seen.segments.length >= 1);
    cam.pause();
    const pausedAt = Date.now();
    await until('stall detected', () => seen.statuses.some((s) => s.state === 'error' && /stalled/.test(s.error ?? '')), 12_000);
    // No segment for 2 x 2 s after the last one: detected no earlier than that.
    expect(Date.now() - pausedAt).toBeGreaterThan(2000);
    const n = seen.segments.length;
    cam.resume();
    await until('recording again', () => seen.segments.length > n + 1 && rec.status().state === 'connected', 15_000);
  });

  it('a camera that is not there: missing, retried with growing backoff, password masked', async ({ expect, onTestFinished }) => {
    const f = fixture(onTestFinished);
    const dir = f.dir();
    const port = await freeTcpPort();
    const url = `rtsp://admin:secret@127.0.0.1:${port}/none`;
    const rec = f.recorder({ cameraId: 'cam-none', counter: 'c3', url, transport: 'tcp', dir, segmentSeconds: 2, backoff: { initialMs: 100, maxMs: 400 } });
    const seen = watch(rec);
    await rec.start();
    await until('two failed attempts', () => rec.retryDelayMs >= 400, 10_000);
    const s = rec.status();
    expect(s.state).toBe('missing');
    expect(s.path).toBe(`rtsp://admin:***@127.0.0.1:${port}/none`);
    expect(s.error).toMatch(/ffmpeg exited/);
    expect(JSON.stringify(seen.statuses)).not.toContain('secret');
    expect(maskUrl('rtsp://10.0.0.2/x')).toBe('rtsp://10.0.0.2/x');
  });
});
