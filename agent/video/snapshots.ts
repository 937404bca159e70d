// Stills of the counter. Each settled sale gets the frame its counter's camera recorded at the moment of
// settlement, cut from the indexed segment that covers that moment (`ffmpeg -ss <offset> -i segment
// -frames:v 1`, an exact seek: the decoder runs from the keyframe before to the frame at the offset). So
// every sale has its own picture at its own time, also when several settle within a second, and nothing
// slows the cashier: the snapshot follows once the segment has closed (video.segmentSeconds at most, a
// run's first segment one more). Sales still without one are looked for whenever a segment is indexed and at
// start. A live grab of the counter now (`grab`) stays for the technician and tests.

import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../device/camera/ffmpeg.js';
import { maskUrl, safeName } from '../../device/camera/recorder.js';
import { sha256File } from './clip.js';
import type { VideoStore } from './store.js';
import type { Snapshot, VideoCamera, VideoLog } from './types.js';

/** Sales settled longer ago than this are not looked for any more (their footage, if any, is long closed). */
const LOOK_BACK_MS = 2 * 86_400_000;
/** Segment times are estimates, and a run starts a moment after ffmpeg connects: a settlement this close to a segment uses its nearest frame (with that frame's own time). */
const SLACK_MS = 5000;

export interface SnapshotOptions {
  dir: string;
  /** The recorders' segment length: a segment covering a settlement has closed within 3 of them. */
  segmentSeconds: number;
  log: VideoLog;
  clock: () => Date;
  ffmpegPath?: string;
}

export class SaleSnapshots {
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private listener: ((saleId: number, snap: Snapshot) => void) | undefined;

  constructor(
    private readonly store: VideoStore,
    private readonly o: SnapshotOptions,
  ) {}

  /** Called with each new snapshot (the composition root records it with the sale); looks for due ones at once. */
  listen(listener: (saleId: number, snap: Snapshot) => void): void {
    this.listener = listener;
    this.poke();
  }

  get(saleId: number): Snapshot | undefined {
    const r = this.store.snapshot(saleId);
    return r && { path: r.path, sha256: r.sha256, cameraId: r.camera, at: new Date(r.atMs).toISOString() };
  }

  /** Look for sales whose settlement footage is now indexed (one pass at a time; a poke during a pass runs another). */
  poke(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
    })()
      .catch((err: unknown) => this.o.log.warn({ err: (err as Error).message }, 'sale snapshots failed'))
      .finally(() => {
        this.busy = false;
      });
  }

  /** Resolves when the pass under way (if any) is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy) await this.running;
  }

  private async pass(): Promise<void> {
    if (!this.listener) return;
    const now = this.o.clock().getTime();
    const due = this.store.snapshotsDue(now - LOOK_BACK_MS, SLACK_MS, now - 3 * this.o.segmentSeconds * 1000 - SLACK_MS);
    for (const d of due) {
      const seg = d.segment;
      const durationMs = seg.durationMs ?? seg.endMs - seg.startMs;
      // The frame at the settlement's offset into the segment; clamped into the file when the settlement
      // falls in a seam, and then the snapshot carries the frame's own time, not the settlement's.
      const offsetMs = Math.max(0, Math.min(d.settledMs - seg.startMs, durationMs - 100));
      const atMs = seg.startMs + offsetMs;
      const at = new Date(atMs);
      const dir = join(this.o.dir, 'snapshots', at.toISOString().slice(0, 10).replace(/-/g, ''));
      await mkdir(dir, { recursive: true });
      const path = join(dir, `sale-${d.saleId}_${safeName(seg.camera)}_${at.toISOString().replace(/[-:.]/g, '')}.jpg`);
      const r = await run(
        this.o.ffmpegPath ?? 'ffmpeg',
        [
          '-hide_banner',
          '-nostdin',
          '-loglevel',
          'error',
          '-y',
          '-ss',
          (offsetMs / 1000).toFixed(3),
          '-i',
          seg.path,
          '-frames:v',
          '1',
          '-q:v',
          '3',
          '-update',
          '1',
          '-f',
          'image2',
          path,
        ],
        15_000,
      );
      if (r.code !== 0 || !(await fileSize(path))) {
        await rm(path, { force: true });
        this.o.log.warn({ saleId: d.saleId, camera: seg.camera, segment: seg.path, err: r.stderr.trim().slice(0, 300) }, 'sale snapshot failed');
        continue;
      }
      const sha256 = await sha256File(path);
      if (!this.store.putSnapshot({ saleId: d.saleId, camera: seg.camera, segmentId: seg.id, atMs, path, sha256, takenMs: this.o.clock().getTime() })) continue;
      this.o.log.info({ saleId: d.saleId, camera: seg.camera, at: at.toISOString(), sha256, path }, 'sale snapshot taken from the recording');
      this.listener?.(d.saleId, { path, sha256, cameraId: seg.camera, at: at.toISOString() });
    }
  }
}

/** One JPEG of the counter now, from the first connected camera there (decodes one frame of the live stream). */
export async function grab(
  candidates: readonly { camera: VideoCamera; connected: boolean }[],
  counter: string,
  o: SnapshotOptions,
): Promise<Snapshot | undefined> {
  const chosen = candidates.find((c) => c.connected) ?? candidates[0];
  if (!chosen) return undefined;
  const cam = chosen.camera;
  const at = o.clock();
  const dir = join(o.dir, 'snapshots', at.toISOString().slice(0, 10).replace(/-/g, ''));
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${safeName(counter)}_${safeName(cam.id)}_${at.toISOString().replace(/[-:.]/g, '')}.jpg`);
  const rtsp = /^rtsps?:\/\//i.test(cam.rtspUrl);
  const r = await run(
    o.ffmpegPath ?? 'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      ...(rtsp ? ['-rtsp_transport', cam.transport, '-timeout', '5000000'] : []),
      '-i',
      cam.rtspUrl,
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-update',
      '1',
      '-f',
      'image2',
      path,
    ],
    10_000,
  );
  const size = await fileSize(path);
  if (r.code !== 0 || !size) {
    await rm(path, { force: true });
    o.log.warn({ camera: cam.id, counter, url: maskUrl(cam.rtspUrl), err: maskUrl(r.stderr.trim()).slice(0, 300) }, 'snapshot failed');
    return undefined;
  }
  return { path, sha256: await sha256File(path), cameraId: cam.id, at: at.toISOString() };
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
