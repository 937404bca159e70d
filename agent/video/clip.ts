// Cutting a sale's clip: the segments that cover the window, joined with ffmpeg's concat demuxer and
// copied (`-c copy`, no re-encoding) into one MP4 with +faststart.
//
// Trimming with copy: the first file starts (concat `inpoint`) at its last keyframe at or before the
// window's start, so the clip's first frame is a keyframe and every frame decodes; the last file stops
// (`outpoint`) at the window's end. The clip thus covers the window, starting at most one GOP early: as
// close as copy allows, with no edit lists for players to get wrong. The concat demuxer's automatic
// bitstream conversion is off (`-auto_convert 0`) so the packets are byte for byte those recorded.
// Output is bit-exact (no creation time, no encoder string): cutting the same segments again gives the
// same bytes and the same sha256.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { run } from '../../device/camera/ffmpeg.js';

export interface ClipSource {
  path: string;
  startMs: number;
  /** The file's own duration (ffprobe), which is what the concat demuxer lays end to end. */
  durationMs: number;
}

export interface CutResult {
  sha256: string;
  bytes: number;
  /** Wall-clock span the clip shows: from the keyframe at or before the window's start to its end
   *  (clamped to the footage there is). */
  fromMs: number;
  toMs: number;
}

/** Audio codecs MP4 takes as they are; others (G.711 from many cameras) are left out of the clip. */
const MP4_AUDIO = new Set(['aac', 'mp3', 'opus', 'alac', 'ac3', 'eac3', 'flac']);

export function mp4Audio(codec: string | undefined): boolean {
  return codec !== undefined && MP4_AUDIO.has(codec);
}

export async function cutClip(o: {
  segments: readonly ClipSource[];
  fromMs: number;
  toMs: number;
  out: string;
  includeAudio: boolean;
  ffmpegPath?: string;
  ffprobePath?: string;
  timeoutMs?: number;
}): Promise<CutResult> {
  const segs = [...o.segments].sort((a, b) => a.startMs - b.startMs).filter((s) => s.startMs < o.toMs && s.startMs + s.durationMs > o.fromMs);
  const first = segs[0];
  const last = segs[segs.length - 1];
  if (!first || !last) throw new Error('no segments overlap the window');
  const wantIn = (o.fromMs - first.startMs) / 1000;
  const inpoint = wantIn > 0 ? await keyframeAtOrBefore(first.path, wantIn, o.ffprobePath ?? 'ffprobe') : 0;
  const outpoint = (o.toMs - last.startMs) / 1000;
  const cutEnd = outpoint < last.durationMs / 1000;
  const entries = segs.map((s, i) => {
    const lines = [`file '${s.path.replace(/'/g, "'\\''")}'`];
    if (i === 0 && inpoint > 0) lines.push(`inpoint ${inpoint.toFixed(6)}`);
    if (i === segs.length - 1 && cutEnd) lines.push(`outpoint ${outpoint.toFixed(6)}`);
    else lines.push(`duration ${(s.durationMs / 1000 - (i === 0 ? inpoint : 0)).toFixed(6)}`);
    return `${lines.join('\n')}\n`;
  });
  const list = `${o.out}.ffconcat`;
  const tmp = `${o.out}.part.mp4`;
  await writeFile(list, `ffconcat version 1.0\n${entries.join('')}`);
  try {
    const r = await run(
      o.ffmpegPath ?? 'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'concat',
        '-safe',
        '0',
        '-auto_convert',
        '0',
        '-i',
        list,
        '-map',
        '0:v',
        ...(o.includeAudio ? ['-map', '0:a?'] : []),
        '-c',
        'copy',
        '-map_metadata',
        '-1',
        '-fflags',
        '+bitexact',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        tmp,
      ],
      o.timeoutMs ?? 120_000,
    );
    if (r.code !== 0) throw new Error(`ffmpeg could not cut ${o.out}: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`);
    await rename(tmp, o.out);
  } finally {
    await rm(list, { force: true });
    await rm(tmp, { force: true });
  }
  const { size } = await stat(o.out);
  return {
    sha256: await sha256File(o.out),
    bytes: size,
    fromMs: first.startMs + Math.round(inpoint * 1000),
    toMs: Math.min(o.toMs, last.startMs + last.durationMs),
  };
}

/** The time (s) of the last video keyframe at or before `t` in a file (0 when none is found). */
async function keyframeAtOrBefore(path: string, t: number, ffprobe: string): Promise<number> {
  const r = await run(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', path], 30_000);
  let best = 0;
  for (const line of r.stdout.split('\n')) {
    const [pts, flags] = line.split(',');
    const p = Number(pts);
    if (flags?.startsWith('K') && Number.isFinite(p) && p <= t + 1e-6 && p > best) best = p;
  }
  return best;
}

/** sha256 of a file, streamed (a 60 s 1080p segment is ~15 MB; nothing is held in memory). */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}
