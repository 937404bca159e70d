// Video evidence for the counter: one recorder per camera, every closed segment indexed (duration, size,
// sha256; broken ones too, with an alarm), sales linked to the segments covering
// [first scan − 30 s, settlement + 30 s], a clip per sale cut without re-encoding, a snapshot at
// settlement, retention that only ever deletes what is past it (oldest first, never to make room), and a
// capacity forecast from the measured bytes per day that alarms when the disk cannot hold the retention
// (those two in retention.ts; clips in sale-clips.ts, snapshots in snapshots.ts; the types in types.ts).

import { createHash } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isoFromMs } from '../../common/time.js';
import { probeMedia } from '../../device/camera/ffmpeg.js';
import { CameraRecorder, type SegmentEvent, safeName } from '../../device/camera/recorder.js';
import type { DeviceStatus } from '../../device/types.js';
import { videoAlarms } from './alarms.js';
import { sha256File } from './clip.js';
import { DAY_MS, VideoRetention } from './retention.js';
import { SaleClips } from './sale-clips.js';
import { grab, SaleSnapshots } from './snapshots.js';
import { VideoStore } from './store.js';
import type { DiskStats, Recorder, SaleClip, SaleVideoSegment, Snapshot, VideoAlarm, VideoCamera, VideoForecast, VideoServiceOptions } from './types.js';

const EMPTY_SHA256 = createHash('sha256').digest('hex');

// The option and result types live in types.ts; re-exported so existing imports keep working.
export type {
  DiskStats,
  Recorder,
  SaleClip,
  SaleVideoSegment,
  Snapshot,
  VideoAlarm,
  VideoCamera,
  VideoForecast,
  VideoLog,
  VideoServiceOptions,
} from './types.js';

export class VideoService {
  readonly store: VideoStore;
  private readonly o: VideoServiceOptions;
  private readonly clock: () => Date;
  private readonly recorders: { camera: VideoCamera; recorder: Recorder }[] = [];
  private indexing: Promise<void> = Promise.resolve();
  private readonly clips: SaleClips;
  private readonly retention: VideoRetention;
  private readonly snapshots: SaleSnapshots;
  private timers: NodeJS.Timeout[] = [];
  private started = false;

  constructor(opts: VideoServiceOptions) {
    this.o = opts;
    this.clock = opts.clock ?? (() => new Date());
    this.store = VideoStore.open(opts.dbPath);
    this.retention = new VideoRetention(this.store, opts, this.clock);
    this.snapshots = new SaleSnapshots(this.store, this.snapshotOptions());
    this.clips = new SaleClips(
      this.store,
      opts,
      this.clock,
      opts.cameras.map((c) => c.id),
    );
    const factory =
      opts.recorderFactory ??
      ((camera: VideoCamera, r: { dir: string; segmentSeconds: number; clock: () => Date }) =>
        new CameraRecorder({
          cameraId: camera.id,
          counter: camera.counter,
          url: camera.rtspUrl,
          transport: camera.transport,
          dir: r.dir,
          segmentSeconds: r.segmentSeconds,
          clock: r.clock,
          ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
        }));
    for (const camera of opts.cameras) {
      const recorder = factory(camera, { dir: this.segmentsDir(), segmentSeconds: opts.segmentSeconds, clock: this.clock });
      recorder.on('segment', (e) => this.enqueueIndex(camera, e));
      recorder.on('status', (s) => {
        const line = { camera: s.id, counter: s.counter, state: s.state, path: s.path, error: s.error };
        if (s.state === 'error') opts.log.error(line, 'camera recorder status');
        else opts.log.info(line, 'camera recorder status');
      });
      recorder.on('warning', (w) => opts.log.warn({ camera: w.deviceId, message: w.message }, 'camera recorder warning'));
      this.recorders.push({ camera, recorder });
    }
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await mkdir(this.segmentsDir(), { recursive: true });
    await this.refreshDisk();
    await this.indexOrphans();
    await Promise.all(this.recorders.map(({ recorder }) => recorder.start()));
    const daily = (): void => {
      void this.runRetention().catch((err: unknown) => this.o.log.error({ err: (err as Error).message }, 'video retention failed'));
      void this.clips.prune().catch((err: unknown) => this.o.log.warn({ err: (err as Error).message }, 'clip cache pruning failed'));
    };
    const first = setTimeout(daily, 60_000);
    const everyDay = setInterval(daily, DAY_MS);
    const diskEvery = setInterval(() => void this.refreshDisk(), 10 * 60_000);
    for (const t of [first, everyDay, diskEvery]) t.unref();
    this.timers.push(first, everyDay, diskEvery);
    this.o.log.info({ cameras: this.recorders.map((r) => r.camera.id), dir: this.o.dir, retentionDays: this.o.retentionDays }, 'video recording started');
  }

  /** Stops the recorders (each finalizes its open segment), indexes what they closed, closes video.db. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all(this.recorders.map(({ recorder }) => recorder.stop()));
    await this.indexing;
    await this.snapshots.idle();
    await this.clips.idle();
    this.store.close();
    this.started = false;
  }

  /** Resolves true once a camera of the counter is recording, false when it has none or none does within timeoutMs. */
  async recording(counter: string, timeoutMs: number): Promise<boolean> {
    const mine = this.recorders.filter((r) => r.camera.counter === counter);
    const deadline = Date.now() + timeoutMs;
    while (mine.length > 0 && Date.now() < deadline) {
      if (mine.some((r) => r.recorder.status().state === 'connected')) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  statuses(): DeviceStatus[] {
    return this.recorders.map(({ recorder }) => recorder.status());
  }

  /** Resolves when every segment handed over so far is indexed (tests, shutdown). */
  async idle(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.indexing) {
      last = this.indexing;
      await last;
    }
  }

  // ----- sales -------------------------------------------------------------------------------------

  /**
   * Link a sale to the segments of its counter's cameras overlapping [first scan − 30 s, settlement + 30 s].
   * Segments indexed later (the one still being written, the next ones while the window is open) are
   * linked as they close.
   */
  linkSale(saleId: number, counter: string, firstScanAt: Date, settledAt: Date): void {
    const pad = (this.o.salePadSeconds ?? 30) * 1000;
    const fromMs = Math.min(firstScanAt.getTime(), settledAt.getTime()) - pad;
    const toMs = settledAt.getTime() + pad;
    const linked = this.store.linkSale({ saleId, counter, fromMs, toMs, settledMs: settledAt.getTime(), linkedMs: this.clock().getTime() });
    this.o.log.info({ saleId, counter, from: isoFromMs(fromMs), to: isoFromMs(toMs), segments: linked }, 'sale linked to video');
    this.snapshots.poke();
  }

  saleVideo(saleId: number): SaleVideoSegment[] {
    return this.store.saleSegments(saleId).map((s) => {
      const out: SaleVideoSegment = {
        segmentId: s.id,
        cameraId: s.camera,
        start: isoFromMs(s.startMs),
        end: isoFromMs(s.endMs),
        durationSec: s.durationMs === null ? null : s.durationMs / 1000,
        bytes: s.bytes,
        sha256: s.sha256,
        broken: s.broken,
      };
      if (s.problem) out.problem = s.problem;
      if (s.deletedMs !== null) out.deletedAt = isoFromMs(s.deletedMs);
      return out;
    });
  }

  /** The sale's window (ISO), and whether it is fully recorded. */
  saleWindow(saleId: number): { counter: string; from: string; to: string; complete: boolean } | undefined {
    const w = this.store.saleWindow(saleId);
    if (!w) return undefined;
    return {
      counter: w.counter,
      from: isoFromMs(w.fromMs),
      to: isoFromMs(w.toMs),
      complete: this.clips.windowComplete(w.toMs, this.store.saleSegments(saleId)),
    };
  }

  /**
   * One MP4 of the sale's window from one camera (default: the counter's camera with the most footage in
   * it), cut without re-encoding. Cached per sale and camera until other segments are linked (sale-clips.ts).
   */
  clip(saleId: number, cameraId?: string): Promise<SaleClip | undefined> {
    return this.clips.get(saleId, cameraId);
  }

  /** One JPEG of the counter now, from its camera's live stream (snapshots.ts). */
  snapshot(counter: string): Promise<Snapshot | undefined> {
    const candidates = this.recorders
      .filter((r) => r.camera.counter === counter)
      .map((r) => ({ camera: r.camera, connected: r.recorder.status().state === 'connected' }));
    return grab(candidates, counter, this.snapshotOptions());
  }

  /** The frame recorded at the sale's settlement, once its segment is indexed (snapshots.ts). */
  saleSnapshot(saleId: number): Snapshot | undefined {
    return this.snapshots.get(saleId);
  }

  /** Each sale snapshot as it is taken (also those due from before a restart). */
  onSaleSnapshot(listener: (saleId: number, snap: Snapshot) => void): void {
    this.snapshots.listen(listener);
  }

  private snapshotOptions() {
    return {
      dir: this.o.dir,
      segmentSeconds: this.o.segmentSeconds,
      log: this.o.log,
      clock: this.clock,
      ...(this.o.ffmpegPath ? { ffmpegPath: this.o.ffmpegPath } : {}),
    };
  }

  // ----- indexing ----------------------------------------------------------------------------------

  private enqueueIndex(camera: VideoCamera, e: SegmentEvent): void {
    this.indexing = this.indexing
      .then(() => this.index(camera, e))
      .catch((err: unknown) => this.o.log.error({ camera: camera.id, path: e.path, err: (err as Error).message }, 'segment indexing failed'));
  }

  private async index(camera: VideoCamera, e: SegmentEvent): Promise<void> {
    let bytes = 0;
    let sha256: string | null = null;
    let durationMs: number | null = null;
    let problem: string | undefined;
    try {
      bytes = (await stat(e.path)).size;
    } catch (err) {
      problem = `cannot read ${e.path}: ${(err as Error).message}`;
    }
    if (problem === undefined && bytes === 0) {
      sha256 = EMPTY_SHA256;
      problem = `${e.path} is empty (0 bytes)`;
    }
    if (problem === undefined) {
      sha256 = await sha256File(e.path);
      const probe = await probeMedia(e.path, this.paths());
      if (probe.error) problem = `${e.path} is not readable video: ${probe.error}`;
      else if (!probe.streams.some((s) => s.type === 'video')) problem = `${e.path} has no video stream`;
      else if (probe.durationSec === undefined) problem = `${e.path} has no duration`;
      else durationMs = Math.round(probe.durationSec * 1000);
    }
    const startMs = e.startedAt.getTime();
    const endMs = Math.max(startMs, (e.endedAt ?? e.closedAt).getTime());
    const { row, linkedSales, created } = this.store.addSegment({
      camera: camera.id,
      counter: camera.counter,
      path: e.path,
      startMs,
      endMs,
      durationMs,
      bytes,
      sha256,
      broken: problem !== undefined,
      problem: problem ?? null,
      recovered: e.recovered ?? false,
      indexedMs: this.clock().getTime(),
    });
    if (!created) return;
    this.retention.invalidate();
    if (!row.broken) this.snapshots.poke();
    const line = {
      camera: camera.id,
      counter: camera.counter,
      path: e.path,
      start: isoFromMs(row.startMs),
      end: isoFromMs(row.endMs),
      bytes,
      sha256,
      sales: linkedSales,
    };
    if (row.broken) this.o.log.error({ ...line, problem }, 'broken video segment indexed');
    else this.o.log.info({ ...line, durationMs, recovered: row.recovered || undefined }, 'video segment indexed');
  }

  // ----- retention and capacity (retention.ts) ---------------------------------------------------

  /** Delete what is past retention (see VideoRetention.run). */
  runRetention(): Promise<{ deleted: number; bytes: number }> {
    return this.retention.run();
  }

  /** Re-read the disk's size and free space (the forecast uses the last reading). */
  refreshDisk(): Promise<DiskStats | undefined> {
    return this.retention.refreshDisk();
  }

  /** Capacity forecast, cached for a minute (see VideoRetention.forecast). */
  forecast(): VideoForecast {
    return this.retention.forecast();
  }

  /** For health, the counter page and the manager page (alarms.ts). */
  alarms(): VideoAlarm[] {
    return videoAlarms(this.recorders, this.store, this.o.retentionAlarm === false ? undefined : this.retention, this.clock().getTime(), this.o.counterName);
  }

  private segmentsDir(): string {
    return join(this.o.dir, 'segments');
  }

  /**
   * Segments moved into place by a recorder but never indexed (the agent died in between): found in each
   * camera's two most recent day folders at start and indexed like any other (times from the name).
   */
  private async indexOrphans(): Promise<void> {
    for (const camera of this.o.cameras) {
      const camDir = join(this.segmentsDir(), safeName(camera.id));
      const days = (await readdir(camDir).catch(() => [] as string[]))
        .filter((d) => /^\d{8}$/.test(d))
        .sort()
        .slice(-2);
      for (const day of days) {
        for (const name of (await readdir(join(camDir, day)).catch(() => [] as string[])).sort()) {
          const m = /_(\d{8}T\d{9}Z)_r(\d+)(?:x\d+)?_(\d{6})(?:_\d+)?\.mkv$/.exec(name);
          if (!m) continue;
          const path = join(camDir, day, name);
          if (this.store.hasPath(path)) continue;
          const startedAt = new Date(`${m[1]?.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z$/, '$1-$2-$3T$4:$5:$6.$7Z')}`);
          const mtime = (await stat(path).catch(() => undefined))?.mtime;
          if (Number.isNaN(startedAt.getTime()) || !mtime) continue;
          this.o.log.warn({ camera: camera.id, path }, 'video segment found on disk but not indexed; indexing it');
          this.enqueueIndex(camera, {
            cameraId: camera.id,
            path,
            startedAt,
            endedAt: mtime,
            closedAt: mtime,
            run: Number(m[2]),
            seq: Number(m[3]),
            recovered: true,
          });
        }
      }
    }
    await this.idle();
  }

  private paths(): { ffprobe?: string } {
    return this.o.ffprobePath ? { ffprobe: this.o.ffprobePath } : {};
  }
}
