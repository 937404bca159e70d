// A snapshot per sale at its own settlement (issue 14, finding 8): real ffmpeg recording a test camera over
// RTSP/TCP in 2 s segments; sales settled 0.3 s and 1.2 s apart each get the frame recorded at their own
// settlement (their own JPEG, their own time), taken from the recording once the segment has closed; a
// counter without a camera gets none; one lost to a crash is taken at the next start.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from '../../device/camera/testcam.js';
import { type Snapshot, type VideoCamera, VideoService } from './service.js';

let dir: string;
let svc: VideoService | undefined;
let cam: TestCamera | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-snapshots-'));
});
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
  await cam?.stop();
  cam = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('a snapshot per sale, from the recording at its settlement (real ffmpeg)', () => {
  it('sales settled apart get their own frames at their own times; a counter without a camera gets none', async () => {
    cam = await startTestCamera({ transport: 'tcp', path: 'snap' });
    const cameras: VideoCamera[] = [{ id: 'cam-1', counter: 'c1', rtspUrl: cam.rtspUrl, transport: 'tcp' }];
    const options = { dir: join(dir, 'video'), dbPath: join(dir, 'video.db'), retentionDays: 365, segmentSeconds: 2, cameras, log, salePadSeconds: 1 };
    svc = new VideoService(options);
    const taken = new Map<number, Snapshot>();
    svc.onSaleSnapshot((saleId, snap) => taken.set(saleId, snap));
    await svc.start();
    expect(await svc.recording('c1', 15_000)).toBe(true);
    expect(await svc.recording('no-camera', 1000)).toBe(false);
    const s = svc;
    await until('a first segment', () => s.store.db.prepare('SELECT 1 FROM segments').get() !== undefined);

    // Three sales at counter c1 settled 0.3 s and 1.2 s apart, one at a counter without a camera.
    const settled = new Map<number, Date>();
    for (const [saleId, gap] of [
      [1, 0],
      [2, 300],
      [3, 1200],
    ] as const) {
      await sleep(gap);
      const at = new Date();
      settled.set(saleId, at);
      s.linkSale(saleId, 'c1', new Date(at.getTime() - 500), at);
    }
    s.linkSale(4, 'c2', new Date(), new Date());
    // Nothing is grabbed on the cashier's path: the snapshots follow as the segments close.
    await until('three snapshots', () => taken.size === 3);

    const shas = new Set<string>();
    for (const [saleId, at] of settled) {
      const snap = taken.get(saleId)!;
      expect(s.saleSnapshot(saleId)).toEqual(snap);
      expect(snap.cameraId).toBe('cam-1');
      // The frame recorded at the settlement (10 fps: within a frame or two of it).
      expect(Math.abs(Date.parse(snap.at) - at.getTime())).toBeLessThan(250);
      const jpeg = readFileSync(snap.path);
      expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(snap.sha256).toBe(sha256(snap.path));
      shas.add(snap.sha256);
    }
    expect(shas.size).toBe(3);
    expect(s.saleSnapshot(4)).toBeUndefined();

    // A snapshot lost to a crash (video.db has the sale and its footage, not the still) is taken at the next start.
    await s.stop();
    svc = undefined;
    const db = new Database(options.dbPath);
    db.prepare('DELETE FROM sale_snapshots WHERE sale_id = 3').run();
    db.close();
    const again = new VideoService(options);
    svc = again;
    const later = new Map<number, Snapshot>();
    again.onSaleSnapshot((saleId, snap) => later.set(saleId, snap));
    await again.start();
    await until('the snapshot of sale 3 again', () => later.has(3));
    expect(later.get(3)).toMatchObject({ at: taken.get(3)!.at, sha256: taken.get(3)!.sha256 });
    expect([...later.keys()]).toEqual([3]); // the others are kept, not taken again
  }, 60_000);
});
