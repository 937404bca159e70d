// The video index: its own SQLite file (`<dataDir>/video.db`), separate from the ledger so a year of
// segment rows never weighs on the counter's database. WAL, versioned migrations (store-migrations.ts),
// one writer (the VideoService), prepared statements. Times are UTC milliseconds since the epoch.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrateVideoDb } from './store-migrations.js';

type Db = Database.Database;

export interface SegmentRow {
  id: number;
  camera: string;
  counter: string;
  path: string;
  startMs: number;
  endMs: number;
  durationMs: number | null;
  bytes: number;
  sha256: string | null;
  broken: boolean;
  problem: string | null;
  recovered: boolean;
  indexedMs: number;
  deletedMs: number | null;
}

/** A segment as the indexer first records it: no row id yet, not deleted; problem and recovered optional. */
export type NewSegment = Omit<SegmentRow, 'id' | 'deletedMs' | 'problem' | 'recovered'> & { problem?: string | null; recovered?: boolean };

export interface SaleWindowRow {
  saleId: number;
  counter: string;
  fromMs: number;
  toMs: number;
  settledMs: number;
  linkedMs: number;
}

export interface SnapshotRow {
  saleId: number;
  camera: string;
  segmentId: number;
  atMs: number;
  path: string;
  sha256: string;
  takenMs: number;
}

/** A settled sale without its snapshot yet, and a recorded segment of its counter around the settlement. */
export interface SnapshotDue {
  saleId: number;
  settledMs: number;
  segment: SegmentRow;
}

export interface ClipRow {
  saleId: number;
  camera: string;
  segmentsKey: string;
  path: string;
  sha256: string;
  bytes: number;
  fromMs: number;
  toMs: number;
  createdMs: number;
}

interface RawSegment {
  id: number;
  camera: string;
  counter: string;
  path: string;
  start_ms: number;
  end_ms: number;
  duration_ms: number | null;
  bytes: number;
  sha256: string | null;
  broken: number;
  problem: string | null;
  recovered: number;
  indexed_ms: number;
  deleted_ms: number | null;
}

const toSegment = (r: RawSegment): SegmentRow => ({
  id: r.id,
  camera: r.camera,
  counter: r.counter,
  path: r.path,
  startMs: r.start_ms,
  endMs: r.end_ms,
  durationMs: r.duration_ms,
  bytes: r.bytes,
  sha256: r.sha256,
  broken: r.broken === 1,
  problem: r.problem,
  recovered: r.recovered === 1,
  indexedMs: r.indexed_ms,
  deletedMs: r.deleted_ms,
});

export class VideoStore {
  readonly db: Db;
  private readonly st: ReturnType<VideoStore['prepare']>;

  private constructor(db: Db) {
    this.db = db;
    this.st = this.prepare();
  }

  static open(path: string): VideoStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // An index row must survive a power cut as its file does; one fsync per segment per camera is cheap.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrateVideoDb(db);
    return new VideoStore(db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private prepare() {
    const db = this.db;
    return {
      insert: db.prepare(
        `INSERT INTO segments (camera, counter, path, start_ms, end_ms, duration_ms, bytes, sha256, broken, problem, recovered, indexed_ms)
         VALUES (@camera, @counter, @path, @startMs, @endMs, @durationMs, @bytes, @sha256, @broken, @problem, @recovered, @indexedMs)
         ON CONFLICT (path) DO NOTHING`,
      ),
      byPath: db.prepare<[string], RawSegment>('SELECT * FROM segments WHERE path = ?'),
      byId: db.prepare<[number], RawSegment>('SELECT * FROM segments WHERE id = ?'),
      windowsFor: db.prepare<[string, number, number], { sale_id: number }>('SELECT sale_id FROM sale_windows WHERE counter = ? AND to_ms > ? AND from_ms < ?'),
      link: db.prepare('INSERT OR IGNORE INTO sale_segments (sale_id, segment_id) VALUES (?, ?)'),
      upsertWindow: db.prepare(
        `INSERT INTO sale_windows (sale_id, counter, from_ms, to_ms, settled_ms, linked_ms) VALUES (@saleId, @counter, @fromMs, @toMs, @settledMs, @linkedMs)
         ON CONFLICT (sale_id) DO UPDATE SET counter = excluded.counter, from_ms = MIN(from_ms, excluded.from_ms), to_ms = MAX(to_ms, excluded.to_ms),
           settled_ms = MAX(settled_ms, excluded.settled_ms), linked_ms = excluded.linked_ms`,
      ),
      window: db.prepare<[number], { sale_id: number; counter: string; from_ms: number; to_ms: number; settled_ms: number; linked_ms: number }>(
        'SELECT * FROM sale_windows WHERE sale_id = ?',
      ),
      linkOverlapping: db.prepare(
        `INSERT OR IGNORE INTO sale_segments (sale_id, segment_id)
         SELECT ?, id FROM segments WHERE counter = ? AND start_ms < ? AND end_ms > ? AND deleted_ms IS NULL`,
      ),
      saleSegments: db.prepare<[number], RawSegment>(
        `SELECT s.* FROM sale_segments ss JOIN segments s ON s.id = ss.segment_id WHERE ss.sale_id = ? ORDER BY s.camera, s.start_ms, s.id`,
      ),
      retention: db.prepare<[number, number], RawSegment>(
        `SELECT s.* FROM segments s
         WHERE s.deleted_ms IS NULL AND s.end_ms <= ?
           AND NOT EXISTS (SELECT 1 FROM sale_segments ss JOIN sale_windows w ON w.sale_id = ss.sale_id
                           WHERE ss.segment_id = s.id AND w.settled_ms > ?)
         ORDER BY s.start_ms, s.id`,
      ),
      markDeleted: db.prepare('UPDATE segments SET deleted_ms = ? WHERE id = ?'),
      brokenSince: db.prepare<[number], RawSegment>('SELECT * FROM segments WHERE broken = 1 AND indexed_ms >= ? ORDER BY indexed_ms DESC, id DESC'),
      rates: db.prepare<[number], { camera: string; bytes: number; duration_ms: number; n: number }>(
        `SELECT camera, SUM(bytes) AS bytes, SUM(duration_ms) AS duration_ms, COUNT(*) AS n FROM segments
         WHERE start_ms >= ? AND deleted_ms IS NULL AND broken = 0 AND duration_ms > 0 GROUP BY camera`,
      ),
      liveBytes: db.prepare<[], { bytes: number | null; n: number; oldest: number | null }>(
        'SELECT SUM(bytes) AS bytes, COUNT(*) AS n, MIN(start_ms) AS oldest FROM segments WHERE deleted_ms IS NULL',
      ),
      clip: db.prepare<
        [number, string],
        {
          sale_id: number;
          camera: string;
          segments_key: string;
          path: string;
          sha256: string;
          bytes: number;
          from_ms: number;
          to_ms: number;
          created_ms: number;
        }
      >('SELECT * FROM clips WHERE sale_id = ? AND camera = ?'),
      putClip: db.prepare(
        `INSERT INTO clips (sale_id, camera, segments_key, path, sha256, bytes, from_ms, to_ms, created_ms)
         VALUES (@saleId, @camera, @segmentsKey, @path, @sha256, @bytes, @fromMs, @toMs, @createdMs)
         ON CONFLICT (sale_id, camera) DO UPDATE SET segments_key = excluded.segments_key, path = excluded.path, sha256 = excluded.sha256,
           bytes = excluded.bytes, from_ms = excluded.from_ms, to_ms = excluded.to_ms, created_ms = excluded.created_ms`,
      ),
      oldClips: db.prepare<[number], { sale_id: number; camera: string; path: string }>('SELECT sale_id, camera, path FROM clips WHERE created_ms < ?'),
      dropClip: db.prepare('DELETE FROM clips WHERE sale_id = ? AND camera = ?'),
      // The segment covering the settlement; else, as segment times are estimates and a run starts a moment
      // after ffmpeg connects, the first segment starting within `slack` after it (a run that began just
      // after the sale), or, once no covering segment can come any more (settled before `final`), the last
      // one ending within `slack` before it.
      snapshotsDue: db.prepare<{ since: number; slack: number; final: number }, RawSegment & { w_sale_id: number; w_settled_ms: number }>(
        `SELECT w.sale_id AS w_sale_id, w.settled_ms AS w_settled_ms, s.* FROM sale_windows w
         JOIN segments s ON s.counter = w.counter AND s.broken = 0 AND s.deleted_ms IS NULL AND s.duration_ms > 0
           AND ((s.start_ms <= w.settled_ms AND s.end_ms >= w.settled_ms)
             OR (s.start_ms > w.settled_ms AND s.start_ms <= w.settled_ms + @slack)
             OR (s.end_ms < w.settled_ms AND s.end_ms >= w.settled_ms - @slack AND w.settled_ms < @final))
         WHERE w.settled_ms >= @since AND NOT EXISTS (SELECT 1 FROM sale_snapshots n WHERE n.sale_id = w.sale_id)
         ORDER BY w.sale_id, (s.start_ms <= w.settled_ms AND s.end_ms >= w.settled_ms) DESC,
           MIN(ABS(s.start_ms - w.settled_ms), ABS(s.end_ms - w.settled_ms)), s.camera, s.id`,
      ),
      putSnapshot: db.prepare(
        `INSERT OR IGNORE INTO sale_snapshots (sale_id, camera, segment_id, at_ms, path, sha256, taken_ms)
         VALUES (@saleId, @camera, @segmentId, @atMs, @path, @sha256, @takenMs)`,
      ),
      snapshot: db.prepare<[number], { sale_id: number; camera: string; segment_id: number; at_ms: number; path: string; sha256: string; taken_ms: number }>(
        'SELECT * FROM sale_snapshots WHERE sale_id = ?',
      ),
    };
  }

  /**
   * Index a closed segment and link it to every sale window on its counter that it overlaps (the
   * segment that was still being written when the sale was linked arrives here). Returns the row and
   * the sales it was linked to. Indexing the same path twice is a no-op.
   */
  addSegment(s: NewSegment): { row: SegmentRow; linkedSales: number[]; created: boolean } {
    return this.db.transaction(() => {
      const info = this.st.insert.run({
        ...s,
        broken: s.broken ? 1 : 0,
        problem: s.problem ?? null,
        recovered: s.recovered ? 1 : 0,
      });
      const row = toSegment(this.st.byPath.get(s.path) as RawSegment);
      if (info.changes === 0) return { row, linkedSales: [], created: false };
      const linkedSales: number[] = [];
      for (const w of this.st.windowsFor.all(row.counter, row.startMs, row.endMs)) {
        this.st.link.run(w.sale_id, row.id);
        linkedSales.push(w.sale_id);
      }
      return { row, linkedSales, created: true };
    })();
  }

  /** Record a sale's window and link the segments already indexed that overlap it. */
  linkSale(w: SaleWindowRow): number {
    return this.db.transaction(() => {
      this.st.upsertWindow.run(w);
      const saved = this.st.window.get(w.saleId);
      if (!saved) return 0;
      return this.st.linkOverlapping.run(w.saleId, saved.counter, saved.to_ms, saved.from_ms).changes;
    })();
  }

  saleWindow(saleId: number): SaleWindowRow | undefined {
    const r = this.st.window.get(saleId);
    return r && { saleId: r.sale_id, counter: r.counter, fromMs: r.from_ms, toMs: r.to_ms, settledMs: r.settled_ms, linkedMs: r.linked_ms };
  }

  saleSegments(saleId: number): SegmentRow[] {
    return this.st.saleSegments.all(saleId).map(toSegment);
  }

  hasPath(path: string): boolean {
    return this.st.byPath.get(path) !== undefined;
  }

  segment(id: number): SegmentRow | undefined {
    const r = this.st.byId.get(id);
    return r && toSegment(r);
  }

  /** Segments ending at or before `cutoffMs`, not linked to a sale settled after `saleCutoffMs`, oldest first. */
  retentionCandidates(cutoffMs: number, saleCutoffMs: number): SegmentRow[] {
    return this.st.retention.all(cutoffMs, saleCutoffMs).map(toSegment);
  }

  markDeleted(id: number, atMs: number): void {
    this.st.markDeleted.run(atMs, id);
  }

  brokenSince(sinceMs: number): SegmentRow[] {
    return this.st.brokenSince.all(sinceMs).map(toSegment);
  }

  /** Per camera: bytes and recorded milliseconds of good segments that started at or after `sinceMs`. */
  ratesSince(sinceMs: number): { camera: string; bytes: number; durationMs: number; segments: number }[] {
    return this.st.rates.all(sinceMs).map((r) => ({ camera: r.camera, bytes: r.bytes, durationMs: r.duration_ms, segments: r.n }));
  }

  /** Bytes, count and oldest start of the segments still on disk. */
  live(): { bytes: number; segments: number; oldestMs: number | null } {
    const r = this.st.liveBytes.get();
    return { bytes: r?.bytes ?? 0, segments: r?.n ?? 0, oldestMs: r?.oldest ?? null };
  }

  clip(saleId: number, camera: string): ClipRow | undefined {
    const r = this.st.clip.get(saleId, camera);
    return (
      r && {
        saleId: r.sale_id,
        camera: r.camera,
        segmentsKey: r.segments_key,
        path: r.path,
        sha256: r.sha256,
        bytes: r.bytes,
        fromMs: r.from_ms,
        toMs: r.to_ms,
        createdMs: r.created_ms,
      }
    );
  }

  putClip(c: ClipRow): void {
    this.st.putClip.run(c);
  }

  clipsCreatedBefore(ms: number): { saleId: number; camera: string; path: string }[] {
    return this.st.oldClips.all(ms).map((r) => ({ saleId: r.sale_id, camera: r.camera, path: r.path }));
  }

  dropClip(saleId: number, camera: string): void {
    this.st.dropClip.run(saleId, camera);
  }

  /** Sales settled since `sinceMs` with no snapshot, each with the best recorded segment for its settlement (see the statement). */
  snapshotsDue(sinceMs: number, slackMs: number, finalBeforeMs: number): SnapshotDue[] {
    const out: SnapshotDue[] = [];
    for (const r of this.st.snapshotsDue.all({ since: sinceMs, slack: slackMs, final: finalBeforeMs })) {
      if (out.at(-1)?.saleId === r.w_sale_id) continue;
      out.push({ saleId: r.w_sale_id, settledMs: r.w_settled_ms, segment: toSegment(r) });
    }
    return out;
  }

  /** Records a sale's snapshot; false when it already has one (the first one stays). */
  putSnapshot(s: SnapshotRow): boolean {
    return this.st.putSnapshot.run(s).changes > 0;
  }

  snapshot(saleId: number): SnapshotRow | undefined {
    const r = this.st.snapshot.get(saleId);
    return r && { saleId: r.sale_id, camera: r.camera, segmentId: r.segment_id, atMs: r.at_ms, path: r.path, sha256: r.sha256, takenMs: r.taken_ms };
  }
}
