// Sale clips: one MP4 of a sale's window from one camera, cut from its indexed segments without re-encoding,
// cached per sale and camera until other segments are linked, and pruned after `clipCacheDays`.

import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isoFromMs } from '../../common/time.js';
import { probeMedia } from '../../device/camera/ffmpeg.js';
import { safeName } from '../../device/camera/recorder.js';
import { cutClip, mp4Audio } from './clip.js';
import { DAY_MS } from './retention.js';
import type { SegmentRow, VideoStore } from './store.js';
import type { SaleClip, VideoServiceOptions } from './types.js';

export class SaleClips {
  private readonly cutting = new Map<string, Promise<SaleClip | undefined>>();

  constructor(
    private readonly store: VideoStore,
    private readonly o: VideoServiceOptions,
    private readonly clock: () => Date,
    /** The configured cameras in order: without a choice, the clip comes from the first with the most footage. */
    private readonly cameraIds: readonly string[],
  ) {}

  /** The sale's clip from `cameraId` (default: the counter's camera with the most footage in the window). */
  get(saleId: number, cameraId?: string): Promise<SaleClip | undefined> {
    const key = `${saleId}/${cameraId ?? ''}`;
    const inflight = this.cutting.get(key);
    if (inflight) return inflight;
    const p = this.cut(saleId, cameraId).finally(() => this.cutting.delete(key));
    this.cutting.set(key, p);
    return p;
  }

  /** Resolves when the cuts in flight have finished (shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.cutting.values()]);
  }

  /** Whether the window up to `toMs` is recorded: a segment reaches it, or it is long past (no more will come). */
  windowComplete(toMs: number, segs: readonly SegmentRow[]): boolean {
    if (this.clock().getTime() < toMs) return false;
    return segs.some((s) => s.endMs >= toMs) || this.clock().getTime() > toMs + 3 * this.o.segmentSeconds * 1000;
  }

  /** Deletes cached clips older than `clipCacheDays` (they are cut again on demand from the segments). */
  async prune(): Promise<void> {
    const before = this.clock().getTime() - (this.o.clipCacheDays ?? 7) * DAY_MS;
    for (const c of this.store.clipsCreatedBefore(before)) {
      await rm(c.path, { force: true });
      this.store.dropClip(c.saleId, c.camera);
    }
  }

  private async cut(saleId: number, cameraId: string | undefined): Promise<SaleClip | undefined> {
    const w = this.store.saleWindow(saleId);
    if (!w) return undefined;
    const linked = this.store.saleSegments(saleId);
    const usable = linked.filter((s) => !s.broken && s.deletedMs === null && s.durationMs !== null && s.durationMs > 0);
    const camera = cameraId ?? this.pickCamera(usable, w.fromMs, w.toMs);
    const segs = usable.filter((s) => s.camera === camera);
    if (!camera || segs.length === 0) return undefined;
    const segmentsKey = createHash('sha256')
      .update(`${w.fromMs}-${w.toMs}:${segs.map((s) => `${s.id}:${s.sha256}`).join(',')}`)
      .digest('hex')
      .slice(0, 16);
    const complete = this.windowComplete(
      w.toMs,
      linked.filter((s) => s.camera === camera),
    );
    const gapSec = (fromMs: number, toMs: number): number =>
      Math.max(0, Math.round((toMs - fromMs - segs.reduce((n, s) => n + Math.max(0, Math.min(toMs, s.endMs) - Math.max(fromMs, s.startMs)), 0)) / 100) / 10);
    const cached = this.store.clip(saleId, camera);
    if (cached && cached.segmentsKey === segmentsKey && (await fileSize(cached.path)) === cached.bytes) {
      return {
        path: cached.path,
        sha256: cached.sha256,
        bytes: cached.bytes,
        from: isoFromMs(cached.fromMs),
        to: isoFromMs(cached.toMs),
        cameraId: camera,
        complete,
        gapSec: gapSec(cached.fromMs, cached.toMs),
      };
    }
    const clipsDir = join(this.o.dir, 'clips');
    await mkdir(clipsDir, { recursive: true });
    const out = join(clipsDir, `sale-${saleId}-${safeName(camera)}-${segmentsKey}.mp4`);
    const firstSeg = segs[0] as SegmentRow;
    const probe = await probeMedia(firstSeg.path, this.o.ffprobePath ? { ffprobe: this.o.ffprobePath } : {});
    const started = Date.now();
    const r = await cutClip({
      segments: segs.map((s) => ({ path: s.path, startMs: s.startMs, durationMs: s.durationMs as number })),
      fromMs: w.fromMs,
      toMs: w.toMs,
      out,
      includeAudio: mp4Audio(probe.streams.find((s) => s.type === 'audio')?.codec),
      ...(this.o.ffmpegPath ? { ffmpegPath: this.o.ffmpegPath } : {}),
      ...(this.o.ffprobePath ? { ffprobePath: this.o.ffprobePath } : {}),
    });
    if (cached && cached.path !== out) await rm(cached.path, { force: true });
    this.store.putClip({
      saleId,
      camera,
      segmentsKey,
      path: out,
      sha256: r.sha256,
      bytes: r.bytes,
      fromMs: r.fromMs,
      toMs: r.toMs,
      createdMs: this.clock().getTime(),
    });
    this.o.log.info({ saleId, camera, path: out, bytes: r.bytes, segments: segs.length, ms: Date.now() - started }, 'sale clip cut');
    return {
      path: out,
      sha256: r.sha256,
      bytes: r.bytes,
      from: isoFromMs(r.fromMs),
      to: isoFromMs(r.toMs),
      cameraId: camera,
      complete,
      gapSec: gapSec(r.fromMs, r.toMs),
    };
  }

  private pickCamera(segs: readonly SegmentRow[], fromMs: number, toMs: number): string | undefined {
    const cover = new Map<string, number>();
    for (const s of segs) cover.set(s.camera, (cover.get(s.camera) ?? 0) + Math.max(0, Math.min(toMs, s.endMs) - Math.max(fromMs, s.startMs)));
    let best: string | undefined;
    for (const id of this.cameraIds) if ((cover.get(id) ?? 0) > (best === undefined ? 0 : (cover.get(best) ?? 0))) best = id;
    // A camera no longer configured still has its footage.
    for (const [id, ms] of cover) if (best === undefined || ms > (cover.get(best) ?? 0)) best = id;
    return best;
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
