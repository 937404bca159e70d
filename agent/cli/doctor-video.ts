// doctor's camera and video checks: each camera answers (ONVIF, then its RTSP stream through ffprobe),
// its clock agrees with the box, its recording is fresh, and the disk can keep video.retentionDays of it.

import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CameraConfig, Config } from '../../config/index.js';
import { run } from '../../device/camera/ffmpeg.js';
import { type CameraInfo, CameraProbeError, describeClockSkew, maskUrl, probeCamera } from '../../device/camera/onvif.js';
import { safeName } from '../../device/camera/segment-list.js';
import { VideoRetention } from '../video/retention.js';
import { VideoStore } from '../video/store.js';
import type { Check } from './doctor.js';

export interface VideoCheckOptions {
  now?: () => Date;
  /** Per camera, for the ONVIF probe and for ffprobe each; default 10 s. */
  timeoutMs?: number;
  ffprobePath?: string;
}

const CLOCK_WARN_MS = 5_000;
const CLOCK_FAIL_MS = 5 * 60_000;
/** A camera is recording when its newest closed segment is younger than this past the segment length
 *  (the recorder restarts ffmpeg after 2 segment lengths without one, plus connect time). */
const FRESH_GRACE_SECONDS = 30;

const key = (i: number) => `cameras[${i}]`;

function probeFix(c: CameraConfig, i: number, err: CameraProbeError): string {
  switch (err.code) {
    case 'unreachable':
    case 'timeout':
      return `check the camera's power and network cable, and ${key(i)}.onvif.url (ping its address from the box)`;
    case 'not_authorized':
      return `set ${key(i)}.onvif.username and ${key(i)}.onvif.password to an ONVIF user of the camera (its web page: user management)`;
    case 'not_onvif':
      return `enable ONVIF on the camera (its web page: network → integration protocol), or give ${key(i)}.rtspUrl instead`;
    case 'bad_config':
      return `correct ${key(i)}.onvif.url (http://ADDRESS/onvif/device_service)${c.rtspUrl ? '' : ` or give ${key(i)}.rtspUrl`}`;
    default:
      return `give the stream address in ${key(i)}.rtspUrl (the camera's manual lists it, e.g. rtsp://ADDRESS:554/Streaming/Channels/101)`;
  }
}

/** What ffprobe finds on the stream the box records: codec and size, or the reason it cannot read it. */
async function probeStream(info: CameraInfo, opts: VideoCheckOptions): Promise<{ ok: true; what: string } | { ok: false; why: string }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const rtsp = /^rtsps?:/i.test(info.rtspUrl) ? ['-rtsp_transport', info.transport, '-timeout', String(timeoutMs * 1000)] : [];
  const args = ['-v', 'error', ...rtsp, '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', info.rtspUrl];
  const r = await run(opts.ffprobePath ?? 'ffprobe', args, timeoutMs + 5000);
  if (r.timedOut) return { ok: false, why: `no answer within ${Math.round(timeoutMs / 1000)} s` };
  const stream = (() => {
    try {
      return (JSON.parse(r.stdout) as { streams?: { codec_name?: string; width?: number; height?: number }[] }).streams?.[0];
    } catch {
      return undefined;
    }
  })();
  // ffmpeg prefixes its messages with the component ("[tcp @ 0x55…] "): noise for the technician.
  const said = r.stderr
    .trim()
    .split('\n')[0]
    ?.replace(/^\[[^\]]*\]\s*/, '');
  if (r.code !== 0 || !stream) return { ok: false, why: maskUrl(said || `ffprobe exit ${r.code ?? r.signal}, no video stream`) };
  return { ok: true, what: `${stream.codec_name ?? '?'} ${stream.width ?? '?'}x${stream.height ?? '?'}` };
}

async function cameraChecks(c: CameraConfig, i: number, opts: VideoCheckOptions): Promise<Check[]> {
  const name = `camera ${c.id}`;
  let info: CameraInfo;
  try {
    info = await probeCamera(c, { timeoutMs: opts.timeoutMs ?? 10_000, ...(opts.now ? { now: opts.now } : {}) });
  } catch (err) {
    if (err instanceof CameraProbeError) return [{ name, status: 'fail', detail: err.message, fix: probeFix(c, i, err) }];
    return [{ name, status: 'fail', detail: (err as Error).message, fix: `check ${key(i)}` }];
  }
  const stream = await probeStream(info, opts);
  const via = info.source === 'onvif' ? `ONVIF ${info.xaddr ?? ''} (${[info.device?.manufacturer, info.device?.model].filter(Boolean).join(' ')}), ` : '';
  const checks: Check[] = [];
  if (!stream.ok) {
    checks.push({
      name,
      status: 'fail',
      detail: `${via}stream ${info.displayUrl}: ${stream.why}`,
      fix: `check ${c.rtspUrl ? `${key(i)}.rtspUrl` : `the stream the camera gives over ONVIF (or set ${key(i)}.rtspUrl)`}, the camera's user and password, and ${key(i)}.transport (tcp|udp)`,
    });
  } else if (info.warnings.some((w) => !/snapshot URI|clock/.test(w))) {
    checks.push({
      name,
      status: 'warn',
      detail: `${via}records ${info.displayUrl} (${stream.what}); ${info.warnings.join('; ')}`,
      fix: `see the warning; ${key(i)}.onvif / ${key(i)}.rtspUrl`,
    });
  } else {
    checks.push({ name, status: 'pass', detail: `${via}records ${info.displayUrl} (${stream.what})` });
  }
  if (info.clockSkewMs !== undefined) {
    const skew = info.clockSkewMs;
    const detail = `${describeClockSkew(skew)} (ONVIF GetSystemDateAndTime at ${info.xaddr ?? ''})`;
    const fix =
      "set the camera's time to NTP (its web page: system → time settings, NTP server = the store's or the box's time source) so the time burned into the picture matches the sale times";
    const status = Math.abs(skew) > CLOCK_FAIL_MS ? 'fail' : Math.abs(skew) > CLOCK_WARN_MS ? 'warn' : 'pass';
    checks.push({ name: `${name} clock`, status, detail, ...(status === 'pass' ? {} : { fix }) });
  }
  return checks;
}

/** The newest closed segment of a camera: `<video.dir>/segments/<camera>/<YYYYMMDD>/*.mkv` (what the recorder writes). */
async function newestSegment(dir: string): Promise<{ path: string; mtimeMs: number } | undefined> {
  const days = (await readdir(dir).catch(() => [] as string[]))
    .filter((d) => /^\d{8}$/.test(d))
    .sort()
    .reverse();
  for (const day of days) {
    let best: { path: string; mtimeMs: number } | undefined;
    for (const f of await readdir(join(dir, day)).catch(() => [] as string[])) {
      if (!f.endsWith('.mkv')) continue;
      const path = join(dir, day, f);
      const s = await stat(path).catch(() => undefined);
      if (s && (!best || s.mtimeMs > best.mtimeMs)) best = { path, mtimeMs: s.mtimeMs };
    }
    if (best) return best;
  }
  return undefined;
}

export async function recordingCheck(config: Config, c: CameraConfig, now: Date): Promise<Check> {
  const name = `recording ${c.id}`;
  const dir = join(config.video.dir, 'segments', safeName(c.id));
  const limit = 2 * config.video.segmentSeconds + FRESH_GRACE_SECONDS;
  const fix = `is the service running and recording? systemctl status counter-agent; journalctl -u counter-agent | grep ${c.id}; check that video.dir ${config.video.dir} is writable`;
  const newest = await newestSegment(dir);
  if (!newest) return { name, status: 'fail', detail: `no recorded segment in ${dir}`, fix };
  const ageSeconds = Math.max(0, Math.round((now.getTime() - newest.mtimeMs) / 1000));
  const detail = `newest segment ${ageSeconds} s old (video.segmentSeconds ${config.video.segmentSeconds}): ${newest.path}`;
  return ageSeconds <= limit ? { name, status: 'pass', detail } : { name, status: 'fail', detail: `${detail}; nothing new for over ${limit} s`, fix };
}

const gb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`);

/** video/retention.ts's forecast from the video index: can the disk keep video.retentionDays at the measured rate? */
export async function retentionCheck(config: Config, now: () => Date): Promise<Check> {
  const name = 'video retention';
  const dbPath = join(config.dataDir, 'video.db');
  if (!existsSync(dbPath))
    return { name, status: 'warn', detail: `no video index yet (${dbPath})`, fix: 'start the service and let it record; run doctor again after an hour' };
  const store = VideoStore.open(dbPath);
  try {
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const retention = new VideoRetention(store, { dir: config.video.dir, retentionDays: config.video.retentionDays, log: quiet }, now);
    if (!(await retention.refreshDisk()))
      return {
        name,
        status: 'fail',
        detail: `cannot read the disk of video.dir ${config.video.dir}`,
        fix: 'create video.dir or fix its permissions (counter-agent provision)',
      };
    const f = retention.forecast();
    const rate = `${gb(f.bytesPerDay)}/day measured over ${Math.round(f.measuredSeconds / 60)} min`;
    if (f.daysKeepable === null || f.measuredSeconds < 600) {
      return {
        name,
        status: 'warn',
        detail: `not enough footage to forecast yet (${rate}); ${gb(f.freeBytes ?? 0)} free in ${config.video.dir}`,
        fix: 'run doctor again after an hour of recording',
      };
    }
    const holds = `at ${rate} the disk holds ~${Math.floor(f.daysKeepable)} days (video.retentionDays ${f.retentionDays}; ${gb(f.videoBytes)} recorded, ${gb(f.freeBytes ?? 0)} free)`;
    if (!f.ok) {
      return {
        name,
        status: 'fail',
        detail: `${holds}: short by ${gb(f.shortfallBytes)}`,
        fix: `give video.dir ${config.video.dir} a disk of at least ${gb(f.neededBytes + 1024 ** 3)} (nothing younger than the retention is ever deleted to make room)`,
      };
    }
    return { name, status: 'pass', detail: holds };
  } finally {
    store.close();
  }
}

/** Every camera and video check, cameras probed in parallel. */
export async function videoChecks(config: Config, opts: VideoCheckOptions = {}): Promise<Check[]> {
  if (config.cameras.length === 0) return [];
  const now = opts.now ?? (() => new Date());
  const perCamera = await Promise.all(config.cameras.map(async (c, i) => [...(await cameraChecks(c, i, opts)), await recordingCheck(config, c, now())]));
  return [...perCamera.flat(), await retentionCheck(config, now)];
}
