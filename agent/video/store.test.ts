import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type NewSegment, VideoStore } from './store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-03-01T02:00:00Z');
const seg = (camera: string, counter: string, startMs: number, endMs: number, extra: Partial<NewSegment> = {}): NewSegment => ({
  camera,
  counter,
  path: `/v/${camera}/${startMs}.mkv`,
  startMs,
  endMs,
  durationMs: endMs - startMs,
  bytes: 1000,
  sha256: 'ab'.repeat(32),
  broken: false,
  indexedMs: endMs,
  ...extra,
});

describe('VideoStore', () => {
  it('migrates once, WAL, and keeps its rows across reopen', () => {
    const path = join(dir, 'video.db');
    const a = VideoStore.open(path);
    expect(a.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(a.db.pragma('user_version', { simple: true })).toBe(2); // 1: segments, windows, clips; 2: sale snapshots
    a.addSegment(seg('cam1', 'c1', T0, T0 + 60_000));
    a.close();
    const b = VideoStore.open(path);
    expect(b.db.pragma('user_version', { simple: true })).toBe(2);
    expect(b.live()).toEqual({ bytes: 1000, segments: 1, oldestMs: T0 });
    b.close();
  });

  it('links a sale to overlapping segments of its counter now, and to segments indexed later', () => {
    const s = VideoStore.open(join(dir, 'video.db'));
    const a = s.addSegment(seg('cam1', 'c1', T0, T0 + 60_000)).row;
    s.addSegment(seg('cam1', 'c1', T0 + 60_000, T0 + 120_000));
    s.addSegment(seg('cam9', 'c2', T0 + 60_000, T0 + 120_000)); // another counter
    s.addSegment(seg('cam1', 'c1', T0 - 60_000, T0)); // ends exactly where the window... does not reach
    // window [T0 + 50 s, T0 + 150 s]: the segment ending at T0 + 180 s is still being written
    expect(s.linkSale({ saleId: 7, counter: 'c1', fromMs: T0 + 50_000, toMs: T0 + 150_000, settledMs: T0 + 120_000, linkedMs: T0 + 121_000 })).toBe(2);
    expect(s.saleSegments(7).map((r) => r.startMs)).toEqual([T0, T0 + 60_000]);
    const later = s.addSegment(seg('cam1', 'c1', T0 + 120_000, T0 + 180_000));
    expect(later.linkedSales).toEqual([7]);
    const after = s.addSegment(seg('cam1', 'c1', T0 + 180_000, T0 + 240_000)); // outside the window
    expect(after.linkedSales).toEqual([]);
    expect(s.saleSegments(7).map((r) => r.startMs)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    // Same path again: no second row.
    expect(s.addSegment(seg('cam1', 'c1', T0, T0 + 60_000)).created).toBe(false);
    expect(s.segment(a.id)?.path).toBe(a.path);
    s.close();
  });
});
