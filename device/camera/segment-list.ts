// The mechanical side of recording, kept out of the supervisor: ffmpeg's arguments for a segmenting run,
// its csv segment list parsed (and the line reader for its pipes), and the file naming of segments
// (sequence number, wall-clock time, safe camera ids, masked URLs). All pure but lines().

import type { Readable } from 'node:stream';

/** ffmpeg writes here (under the camera's directory) until a segment is closed and moved. */
export const REC = '.rec';
export const EXT = '.mkv';

export interface SegmentArgsOptions {
  url: string;
  transport: 'tcp' | 'udp';
  segmentSeconds: number;
  socketTimeoutMs: number;
}

/** ffmpeg's arguments for one run: `-c copy` into `pattern`, the closed segments listed on stdout (csv)
 *  and -progress on fd 3. */
export function ffmpegSegmentArgs(o: SegmentArgsOptions, pattern: string): string[] {
  const rtsp = /^rtsps?:\/\//i.test(o.url);
  const input = rtsp
    ? ['-rtsp_transport', o.transport, '-timeout', String(o.socketTimeoutMs * 1000), ...(o.transport === 'udp' ? ['-buffer_size', String(1 << 21)] : [])]
    : [];
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:3',
    ...input,
    '-i',
    o.url,
    // Video and audio as the camera sends them; data tracks (ONVIF metadata) do not fit the container.
    '-map',
    '0:v',
    '-map',
    '0:a?',
    '-c',
    'copy',
    // A run joins the stream mid-GOP; copy starts at the first keyframe. make_zero puts that keyframe at
    // 0, so the segment list's times and the first segment's own timestamps agree.
    '-avoid_negative_ts',
    'make_zero',
    '-f',
    'segment',
    '-segment_time',
    String(o.segmentSeconds),
    '-segment_format',
    'matroska',
    // Each finished Matroska cluster (one per keyframe) goes to disk at once: a crash loses at most a GOP.
    '-segment_format_options',
    'flush_packets=1',
    '-reset_timestamps',
    '1',
    '-segment_list',
    'pipe:1',
    '-segment_list_type',
    'csv',
    pattern,
  ];
}

export interface SegmentListEntry {
  /** The file name as ffmpeg listed it (may include a directory). */
  file: string;
  startSec: number;
  endSec: number;
}

/** One line of `-segment_list_type csv`: filename,start,end (filename quoted only when it needs to be;
 *  ours never does). Undefined for anything else. */
export function parseSegmentListLine(line: string): SegmentListEntry | undefined {
  const m = /^"?([^",]+)"?,([\d.]+),([\d.]+)$/.exec(line.trim());
  if (!m) return undefined;
  return { file: m[1] as string, startSec: Number(m[2]), endSec: Number(m[3]) };
}

/** Calls onLine for each line of a text stream (ffmpeg's segment list and progress pipes). */
export function lines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.on('data', (b: Buffer) => {
    const parts = (partial + b.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) onLine(p.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (partial) onLine(partial);
    partial = '';
  });
  stream.on('error', () => undefined);
}

/** The sequence number of a segment file (`…_000042.mkv` -> 42; 0 when absent). */
export function seqOf(file: string): number {
  return Number(/_(\d{6})\.mkv$/.exec(file)?.[1] ?? 0);
}

/** 2026-01-02T03:04:05.678Z -> 20260102T030405678Z */
export function compactTime(d: Date): string {
  return d.toISOString().replace(/[-:.]/g, '');
}

/** A camera id as a file-name part: letters, digits, - and _ only. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** rtsp://user:secret@host/… -> rtsp://user:***@host/…, anywhere in a text (status and logs never show passwords). */
export function maskUrl(url: string): string {
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/gi, '$1:***@');
}
