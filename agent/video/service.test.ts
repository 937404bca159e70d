// VideoService. The first test is end to end with real ffmpeg: two cameras on one counter, one pulled
// over TCP from RtspTcpRelay, one over UDP from Debian's rtsp-server-perl (left out, loudly, when that is
// not installed); 2 s segments and a 2 s sale pad so it runs in seconds. The others inject segments
// through a fake recorder or write index rows directly.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeMedia, run } from '../../device/camera/ffmpeg.js';
import type { CameraRecorderEvents, SegmentEvent } from '../../device/camera/recorder.js';
import { rtspServerPerlAvailable, startTestCamera, type TestCamera } from '../../device/camera/testcam.js';
import type { DeviceStatus } from '../../device/types.js';
import { type Recorder, type VideoCamera, VideoService, type VideoServiceOptions } from './service.js';
import type { NewSegment } from './store.js';

const DAY = 86_400_000;
let dir: string;
let svc: VideoService | undefined;
const cams: TestCamera[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-service-'));
});

afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  for (const c of cams.splice(0)) await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

function quietLog(): VideoServiceOptions['log'] & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** md5 of every video packet as stored: equal sets mean the clip was copied, not re-encoded. */
async function packetMd5s(path: string): Promise<string[]> {
  const r = await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-map', '0:v', '-c', 'copy', '-f', 'framemd5', '-']);
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)?.trim() ?? '');
}

class FakeRecorder extends EventEmitter<CameraRecorderEvents> implements Recorder {
  state: DeviceStatus = { id: '', kind: 'camera', type: 'fake', counter: '', state: 'connected', since: new Date().toISOString() };
  constructor(
    readonly id: string,
    counter: string,
  ) {
    super();
    this.state = { ...this.state, id, counter };
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  status(): DeviceStatus {
    return this.state;
  }
}

describe('VideoService end to end (real ffmpeg, RTSP over TCP and UDP)', () => {
  it('indexes segments with wall-clock times, links a sale (the open segment too), cuts a playable copy-mode clip, takes a snapshot', async () => {
    const tcp = await startTestCamera({ transport: 'tcp', path: 'counter1-tcp' });
    cams.push(tcp);
    const cameras: VideoCamera[] = [{ id: 'cam-tcp', counter: 'c1', rtspUrl: tcp.rtspUrl, transport: 'tcp' }];
    expect(rtspServerPerlAvailable(), 'rtsp-server-perl is not installed: run scripts/debian-deps.sh').toBe(true);
    const udp = await startTestCamera({ transport: 'udp', path: 'counter1-udp' });
    cams.push(udp);
    cameras.push({ id: 'cam-udp', counter: 'c1', rtspUrl: udp.rtspUrl, transport: 'udp' });
    const log = quietLog();
    const t0 = Date.now();
    svc = new VideoService({ dir: join(dir, 'video'), dbPath: join(dir, 'video.db'), retentionDays: 365, segmentSeconds: 2, cameras, log, salePadSeconds: 2 });
    await svc.start();
    const s = svc;
    await until('a segment from every camera', () => cameras.every((c) => s.store.db.prepare('SELECT 1 FROM segments WHERE camera = ?').get(c.id)));

    // The cashier scans, and settles 1.5 s later.
    const firstScanAt = new Date();
    await new Promise((r) => setTimeout(r, 1500));
    const settledAt = new Date();
    s.linkSale(42, 'c1', firstScanAt, settledAt);
    const from = firstScanAt.getTime() - 2000;
    const to = settledAt.getTime() + 2000;
    expect(s.saleWindow(42)).toMatchObject({ counter: 'c1', from: new Date(from).toISOString(), to: new Date(to).toISOString(), complete: false });

    // The segments still being written when the sale was linked are linked when they close.
    await until(
      'the window fully recorded',
      () => s.saleWindow(42)?.complete === true && cameras.every((c) => s.saleVideo(42).some((v) => v.cameraId === c.id && Date.parse(v.end) >= to)),
    );
    await s.idle();
    const video = s.saleVideo(42);
    for (const c of cameras) {
      const mine = video.filter((v) => v.cameraId === c.id);
      expect(Date.parse(mine[0]?.start ?? '')).toBeLessThanOrEqual(from);
      expect(Date.parse(mine.at(-1)?.end ?? '')).toBeGreaterThanOrEqual(to);
    }
    for (const v of video) {
      const row = s.store.segment(v.segmentId);
      expect(row && existsSync(row.path)).toBe(true);
      expect(v.broken).toBe(false);
      expect(v.bytes).toBe(statSync(row?.path ?? '').size);
      expect(v.sha256).toBe(sha256(row?.path ?? ''));
      expect(v.durationSec).toBeGreaterThan(0.5);
    }

    // Every indexed segment: wall-clock times within ±2 s of the test's clock, contiguous per camera.
    const rows = s.store.db.prepare('SELECT camera, start_ms, end_ms, duration_ms, indexed_ms FROM segments ORDER BY camera, start_ms').all() as {
      camera: string;
      start_ms: number;
      end_ms: number;
      duration_ms: number;
      indexed_ms: number;
    }[];
    for (const r of rows) {
      expect(r.start_ms).toBeGreaterThanOrEqual(t0 - 2000);
      expect(r.end_ms).toBeLessThanOrEqual(Date.now() + 2000);
      expect(Math.abs(r.end_ms - r.start_ms - r.duration_ms)).toBeLessThan(500);
    }
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1];
      const b = rows[i];
      if (a && b && a.camera === b.camera) expect(Math.abs(b.start_ms - a.end_ms)).toBeLessThan(500);
    }

    // The clip: one MP4 of the window, copied (packets identical to the segments'), playable.
    const started = Date.now();
    const clip = await s.clip(42, 'cam-tcp');
    const cutMs = Date.now() - started;
    expect(clip).toBeDefined();
    if (!clip) return;
    // It covers the window: from the keyframe at or before its start (keyframe every second) to its end.
    expect(clip).toMatchObject({ cameraId: 'cam-tcp', to: new Date(to).toISOString(), complete: true, gapSec: 0 });
    expect(Date.parse(clip.from)).toBeLessThanOrEqual(from);
    expect(Date.parse(clip.from)).toBeGreaterThan(from - 1200);
    expect(clip.sha256).toBe(sha256(clip.path));
    expect(clip.bytes).toBe(statSync(clip.path).size);
    const probe = await probeMedia(clip.path);
    expect(probe.streams).toEqual([{ type: 'video', codec: 'h264', width: 320, height: 240 }]);
    expect(Math.abs((probe.durationSec ?? 0) - (to - Date.parse(clip.from)) / 1000)).toBeLessThan(0.3);
    expect((probe.durationSec ?? 0) - (to - from) / 1000).toBeGreaterThan(-0.2);
    expect((probe.durationSec ?? 0) - (to - from) / 1000).toBeLessThan(1.2);
    const fmt = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', clip.path]);
    expect(fmt.stdout).toContain('mp4');
    const segPackets = new Set<string>();
    for (const v of video.filter((x) => x.cameraId === 'cam-tcp'))
      for (const m of await packetMd5s(s.store.segment(v.segmentId)?.path ?? '')) segPackets.add(m);
    const clipPackets = await packetMd5s(clip.path);
    expect(clipPackets.length).toBeGreaterThan(((to - from) / 1000) * 10 * 0.8); // 10 fps
    for (const m of clipPackets) expect(segPackets.has(m)).toBe(true);
    // Decodes from start to end without errors.
    const decode = await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', clip.path, '-f', 'null', '-']);
    expect(decode.code).toBe(0);
    expect(decode.stderr.trim()).toBe('');
    expect(cutMs).toBeLessThan(3000);

    // Cached; and cut again from scratch gives the same bytes (bit-exact).
    expect(await s.clip(42, 'cam-tcp')).toEqual(clip);
    unlinkSync(clip.path);
    const again = await s.clip(42, 'cam-tcp');
    expect(again?.sha256).toBe(clip.sha256);
    const udpClip = await s.clip(42, 'cam-udp');
    expect(udpClip?.cameraId).toBe('cam-udp');
    expect((await probeMedia(udpClip?.path ?? '')).streams[0]?.codec).toBe('h264');
    expect(await s.clip(999)).toBeUndefined();

    // Snapshot of the counter at settlement: a JPEG and its hash.
    const snap = await s.snapshot('c1');
    expect(snap).toBeDefined();
    expect(readFileSync(snap?.path ?? '').subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(snap?.sha256).toBe(sha256(snap?.path ?? ''));
    expect(await s.snapshot('no-such-counter')).toBeUndefined();

    expect(s.statuses().map((x) => [x.id, x.state])).toEqual(cameras.map((c) => [c.id, 'connected']));
    expect(s.alarms()).toEqual([]);
  });
});

describe('VideoService with injected segments', () => {
  function service(extra: Partial<VideoServiceOptions> = {}): { svc: VideoService; rec: FakeRecorder; log: ReturnType<typeof quietLog> } {
    const rec = new FakeRecorder('cam1', 'c1');
    const log = quietLog();
    const s = new VideoService({
      dir: join(dir, 'video'),
      dbPath: join(dir, 'video.db'),
      retentionDays: 365,
      segmentSeconds: 60,
      cameras: [{ id: 'cam1', counter: 'c1', rtspUrl: 'rtsp://127.0.0.1:1/none', transport: 'tcp' }],
      log,
      recorderFactory: () => rec,
      diskStats: async () => ({ totalBytes: 4e12, freeBytes: 3e12 }),
      ...extra,
    });
    svc = s;
    return { svc: s, rec, log };
  }

  it('a broken segment (zero bytes, garbage) is indexed as broken and alarmed, naming the file', async () => {
    const { svc: s, rec, log } = service();
    await s.start();
    mkdirSync(join(dir, 'video', 'cam1'), { recursive: true });
    const empty = join(dir, 'video', 'cam1', 'empty.mkv');
    const garbage = join(dir, 'video', 'cam1', 'garbage.mkv');
    writeFileSync(empty, '');
    writeFileSync(garbage, Buffer.alloc(5000, 0x5a));
    const now = Date.now();
    const ev = (path: string, recovered?: boolean): SegmentEvent => ({
      cameraId: 'cam1',
      path,
      startedAt: new Date(now - 60_000),
      endedAt: new Date(now),
      closedAt: new Date(now),
      run: 1,
      seq: 0,
      ...(recovered ? { recovered } : {}),
    });
    rec.emit('segment', ev(empty));
    rec.emit('segment', ev(garbage, true));
    rec.emit('segment', ev(join(dir, 'video', 'cam1', 'vanished.mkv')));
    await s.idle();
    const rows = s.store.brokenSince(0);
    expect(rows.map((r) => [r.path, r.broken, r.bytes])).toEqual([
      [join(dir, 'video', 'cam1', 'vanished.mkv'), true, 0],
      [garbage, true, 5000],
      [empty, true, 0],
    ]);
    expect(rows.find((r) => r.path === garbage)?.sha256).toBe(sha256(garbage));
    expect(rows.find((r) => r.path === garbage)?.recovered).toBe(true);
    expect(rows.find((r) => r.path === empty)?.problem).toMatch(/empty \(0 bytes\)/);
    const alarms = s.alarms();
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.code).toBe('VIDEO_SEGMENT_BROKEN');
    expect(alarms[0]?.message).toContain('摄像头 cam1 近24小时有 3 个录像片段损坏');
    expect(alarms[0]?.message).toContain('vanished.mkv');
    expect(log.lines.filter((l) => l.level === 'error' && l.msg === 'broken video segment indexed')).toHaveLength(3);

    // A broken segment is still listed with its sale (a gap in the evidence is shown, not hidden).
    s.linkSale(5, 'c1', new Date(now - 20_000), new Date(now - 10_000));
    expect(s.saleVideo(5).every((v) => v.broken)).toBe(true);
    expect(await s.clip(5)).toBeUndefined();

    // A recorder in error is an alarm too.
    rec.state = { ...rec.state, state: 'error', error: 'ffmpeg exited (signal SIGKILL) recording rtsp://127.0.0.1:1/none' };
    expect(s.alarms().map((a) => a.code)).toEqual(['VIDEO_RECORDER_DOWN', 'VIDEO_SEGMENT_BROKEN']);
    expect(s.alarms()[0]?.message).toContain('摄像头 cam1（c1）录像中断');
  });

  it('a segment on disk that was never indexed (agent died after the recorder moved it) is indexed at start', async () => {
    const day = join(dir, 'video', 'segments', 'cam1', '20260301');
    mkdirSync(day, { recursive: true });
    const path = join(day, 'cam1_20260301T020304567Z_r3_000012.mkv');
    const r = await run('ffmpeg', [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=160x120:rate=10',
      '-t',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      path,
    ]);
    expect(r.code).toBe(0);
    const { svc: s, log } = service();
    await s.start();
    const rows = s.store.db.prepare('SELECT path, start_ms, duration_ms, broken, recovered FROM segments').all();
    expect(rows).toEqual([{ path, start_ms: Date.parse('2026-03-01T02:03:04.567Z'), duration_ms: 2000, broken: 0, recovered: 1 }]);
    expect(log.lines.some((l) => l.msg === 'video segment found on disk but not indexed; indexing it')).toBe(true);
  });

  it('retention deletes exactly the segments past retention not linked to a sale of the last 365 days, oldest first', async () => {
    const NOW = Date.parse('2027-06-01T00:00:00Z');
    let tick = 0;
    const { svc: s } = service({ clock: () => new Date(NOW + tick++) });
    const files = join(dir, 'video', 'cam1', 'old');
    mkdirSync(files, { recursive: true });
    const add = (name: string, ageDays: number, extra: Partial<NewSegment> = {}): number => {
      const path = join(files, `${name}.mkv`);
      writeFileSync(path, Buffer.alloc(100 + name.length));
      const endMs = NOW - ageDays * DAY;
      return s.store.addSegment({
        camera: 'cam1',
        counter: 'c1',
        path,
        startMs: endMs - 60_000,
        endMs,
        durationMs: 60_000,
        bytes: 100 + name.length,
        sha256: null,
        broken: false,
        indexedMs: endMs,
        ...extra,
      }).row.id;
    };
    add('a-400d', 400);
    add('b-380d-old-sale', 380);
    add('c-400d-recent-sale', 400);
    add('d-364d', 364);
    add('e-365d-and-a-minute', 365 + 1 / 1440);
    add('f-500d-broken', 500, { broken: true, durationMs: null, problem: 'x' });
    add('g-10d', 10);
    const gone = add('h-600d-already-deleted', 600);
    s.store.markDeleted(gone, NOW - DAY);
    // sale 1 settled 380 days ago (its year is over); sale 2 settled 100 days ago linked to a 400-day-old segment.
    s.store.linkSale({
      saleId: 1,
      counter: 'c1',
      fromMs: NOW - 380 * DAY - 120_000,
      toMs: NOW - 380 * DAY + 60_000,
      settledMs: NOW - 380 * DAY,
      linkedMs: NOW - 380 * DAY,
    });
    s.store.db
      .prepare('INSERT INTO sale_windows (sale_id, counter, from_ms, to_ms, settled_ms, linked_ms) VALUES (2, ?, ?, ?, ?, ?)')
      .run('c1', NOW - 100 * DAY, NOW - 100 * DAY, NOW - 100 * DAY, NOW - 100 * DAY);
    s.store.db.prepare("INSERT INTO sale_segments (sale_id, segment_id) SELECT 2, id FROM segments WHERE path LIKE '%c-400d-recent-sale%'").run();

    const result = await s.runRetention();
    const expected = ['f-500d-broken', 'a-400d', 'b-380d-old-sale', 'e-365d-and-a-minute'];
    const sizes = expected.map((n) => 100 + n.length);
    expect(result).toEqual({ deleted: 4, bytes: sizes.reduce((a, b) => a + b, 0) });
    const rows = s.store.db
      .prepare('SELECT path, deleted_ms FROM segments WHERE deleted_ms IS NOT NULL AND deleted_ms > ? ORDER BY deleted_ms')
      .all(NOW - DAY) as {
      path: string;
      deleted_ms: number;
    }[];
    expect(rows.map((r) => r.path.split('/').at(-1))).toEqual(expected.map((n) => `${n}.mkv`)); // in deletion order: oldest first
    for (const n of expected) expect(existsSync(join(files, `${n}.mkv`))).toBe(false);
    for (const n of ['c-400d-recent-sale', 'd-364d', 'g-10d']) expect(existsSync(join(files, `${n}.mkv`))).toBe(true);
    expect(s.saleVideo(1)[0]?.deletedAt).toBeDefined();
    expect(s.saleVideo(2)[0]?.deletedAt).toBeUndefined();
    expect(await s.runRetention()).toEqual({ deleted: 0, bytes: 0 });
  });

  it('with retentionDays 730 nothing under 730 days goes', async () => {
    const NOW = Date.parse('2027-06-01T00:00:00Z');
    const { svc: s } = service({ retentionDays: 730, clock: () => new Date(NOW) });
    const path = join(dir, 'seg.mkv');
    writeFileSync(path, 'x');
    s.store.addSegment({
      camera: 'cam1',
      counter: 'c1',
      path,
      startMs: NOW - 700 * DAY,
      endMs: NOW - 700 * DAY + 60_000,
      durationMs: 60_000,
      bytes: 1,
      sha256: null,
      broken: false,
      indexedMs: 0,
    });
    expect(await s.runRetention()).toEqual({ deleted: 0, bytes: 0 });
    expect(existsSync(path)).toBe(true);
  });

  it('the disk alarm fires on a forecast shortfall, with the numbers, and nothing inside retention is deleted for it', async () => {
    const NOW = Date.parse('2027-06-01T00:00:00Z');
    let free = 2e12;
    const { svc: s } = service({ clock: () => new Date(NOW), diskStats: async () => ({ totalBytes: 4e12, freeBytes: free }) });
    // Two days of one camera at 250 kB/s (2 Mbit/s): 21.6 GB a day, 7.9 TB for 365 days.
    const files = join(dir, 'video', 'cam1', 'recent');
    mkdirSync(files, { recursive: true });
    for (let i = 0; i < 2 * 24 * 60; i += 30) {
      const startMs = NOW - 2 * DAY + i * 60_000;
      const path = join(files, `${i}.mkv`);
      writeFileSync(path, '');
      s.store.addSegment({
        camera: 'cam1',
        counter: 'c1',
        path,
        startMs,
        endMs: startMs + 60_000,
        durationMs: 60_000,
        bytes: 15_000_000,
        sha256: null,
        broken: false,
        indexedMs: startMs,
      });
    }
    await s.refreshDisk();
    const f = s.forecast();
    expect(f.bytesPerDay).toBe(21_600_000_000);
    expect(f.retentionDays).toBe(365);
    expect(f.videoBytes).toBe(96 * 15_000_000);
    expect(f.neededBytes).toBe(365 * 21_600_000_000);
    const usable = 96 * 15_000_000 + 2e12 - 1024 ** 3;
    expect(f.daysKeepable).toBeCloseTo(Math.floor((usable / 21.6e9) * 10) / 10, 5);
    expect(f.shortfallBytes).toBe(365 * 21_600_000_000 - usable);
    expect(f.ok).toBe(false);
    const alarm = s.alarms().find((a) => a.code === 'VIDEO_RETENTION_SHORTFALL');
    expect(alarm?.message).toContain('每天约 21.6 GB');
    expect(alarm?.message).toContain(`只能保存约 ${Math.floor(usable / 21.6e9)} 天`);
    expect(alarm?.message).toContain('少于规定的 365 天');
    expect(alarm?.message).toContain('剩余空间 2000.0 GB');
    expect(alarm?.message).toContain('不会删除保留期内的录像');
    // Never deletes footage inside retention to make room.
    expect(await s.runRetention()).toEqual({ deleted: 0, bytes: 0 });
    expect(s.store.live().segments).toBe(96);

    free = 9e12; // a bigger disk: 9 TB free keeps 416 days
    await s.refreshDisk();
    expect(s.forecast().ok).toBe(true);
    expect(s.alarms()).toEqual([]);
  });

  it('demo mode (retentionAlarm: false) computes the same forecast but raises no shortfall alarm', async () => {
    const NOW = Date.parse('2027-06-01T00:00:00Z');
    const { svc: s } = service({ clock: () => new Date(NOW), retentionAlarm: false, diskStats: async () => ({ totalBytes: 4e12, freeBytes: 2e12 }) });
    const files = join(dir, 'video', 'cam1', 'demo');
    mkdirSync(files, { recursive: true });
    for (let i = 0; i < 2 * 24 * 60; i += 30) {
      const startMs = NOW - 2 * DAY + i * 60_000;
      const path = join(files, `${i}.mkv`);
      writeFileSync(path, '');
      s.store.addSegment({
        camera: 'cam1',
        counter: 'c1',
        path,
        startMs,
        endMs: startMs + 60_000,
        durationMs: 60_000,
        bytes: 15_000_000,
        sha256: null,
        broken: false,
        indexedMs: startMs,
      });
    }
    await s.refreshDisk();
    expect(s.forecast().ok).toBe(false);
    expect(s.alarms().map((a) => a.code)).not.toContain('VIDEO_RETENTION_SHORTFALL');
  });
});
