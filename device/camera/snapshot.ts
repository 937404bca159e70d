// One JPEG from a camera on demand: GET its snapshot URI with whatever HTTP authentication it asks
// for, or, when it has none (RTSP-only), grab one frame of the stream with ffmpeg.

import { spawn } from 'node:child_process';
import { authorizationFor, type Credentials, errorText, maskUrl, seconds } from './http-auth.js';
import type { CameraInfo } from './onvif.js';

/** Credentials of a probed camera, kept off the (serialisable) CameraInfo; fetchSnapshot uses them. */
const credentialsOf = new WeakMap<CameraInfo, Credentials>();

/** probeCamera() hands over the credentials it used, for later snapshots of that camera. */
export function rememberCredentials(info: CameraInfo, creds: Credentials): void {
  credentialsOf.set(info, creds);
}

export interface SnapshotOptions {
  /** Default: the credentials probeCamera() used, else those in info.rtspUrl. */
  username?: string;
  password?: string;
  /** Default 5 s. */
  timeoutMs?: number;
  /** For the frame grab when the camera has no snapshot URI; default 'ffmpeg'. */
  ffmpegPath?: string;
}

/** One JPEG: GET the snapshot URI (HTTP digest or basic auth, whichever the camera asks for), or,
 *  when the camera has none (RTSP-only), one frame of the stream through ffmpeg. */
export async function fetchSnapshot(info: CameraInfo, opts: SnapshotOptions = {}): Promise<Uint8Array> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const creds = snapshotCredentials(info, opts);
  if (info.snapshotUrl !== undefined) return httpSnapshot(info.id, info.snapshotUrl, creds, timeoutMs);
  return ffmpegSnapshot(info, opts.ffmpegPath ?? 'ffmpeg', timeoutMs, creds?.password);
}

function snapshotCredentials(info: CameraInfo, opts: SnapshotOptions): Credentials | undefined {
  if (opts.username !== undefined) return { username: opts.username, password: opts.password ?? '' };
  const known = credentialsOf.get(info);
  if (known) return known;
  try {
    const u = new URL(info.rtspUrl);
    if (u.username) return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  } catch {
    // not a URL: no credentials
  }
  return undefined;
}

async function httpSnapshot(id: string, url: string, creds: Credentials | undefined, timeoutMs: number): Promise<Uint8Array> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`camera ${id}: snapshot URI "${maskUrl(url)}" is not a URL`);
  }
  if (u.username && creds === undefined) {
    creds = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  }
  u.username = '';
  u.password = '';
  const shown = u.href;
  const fail = (what: string): Error => new Error(`camera ${id}: snapshot ${shown} ${what}`);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let res = await fetch(u, { signal });
    if (res.status === 401 && creds !== undefined) {
      const authorization = authorizationFor(res.headers.get('www-authenticate') ?? '', 'GET', u.pathname + u.search, creds);
      await res.arrayBuffer();
      if (authorization !== undefined) res = await fetch(u, { signal, headers: { authorization } });
    }
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status === 401 || res.status === 403) {
      throw fail(
        creds === undefined
          ? `needs a username and password and none are known (${res.status} ${res.statusText})`
          : `refused the credentials of user "${creds.username}": wrong username or password (${res.status} ${res.statusText})`,
      );
    }
    if (res.status !== 200) throw fail(`failed: ${res.status} ${res.statusText}`);
    const type = res.headers.get('content-type') ?? '';
    if (type !== '' && !/^image\//i.test(type)) {
      throw fail(`answered ${type}, not an image: ${new TextDecoder().decode(body.subarray(0, 120)).replace(/\s+/g, ' ')}`);
    }
    if (!isJpeg(body)) throw fail(`answered ${body.length} bytes that are not a JPEG`);
    return body;
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`camera ${id}: `)) throw e;
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    if (e instanceof Error && e.name === 'TimeoutError') throw fail(`did not answer within ${seconds(timeoutMs)} s`);
    throw fail(`is unreachable (${errorText(e)}${cause})`);
  }
}

function ffmpegSnapshot(info: CameraInfo, ffmpegPath: string, timeoutMs: number, password: string | undefined): Promise<Uint8Array> {
  const url = info.rtspUrl;
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (/^rtsps?:/i.test(url)) args.push('-rtsp_transport', info.transport);
  args.push('-i', url, '-frames:v', '1', '-f', 'mjpeg', 'pipe:1');
  const redact = (s: string): string => (password ? s.split(password).join('***') : s);
  const fail = (what: string): Error => new Error(`camera ${info.id}: could not grab a frame from ${info.displayUrl} with ffmpeg: ${redact(what)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 4000) err += b.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(fail(errorText(e)));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const bytes = new Uint8Array(Buffer.concat(out));
      if (timedOut) reject(fail(`no frame within ${seconds(timeoutMs)} s`));
      else if (code === 0 && isJpeg(bytes)) resolve(bytes);
      else reject(fail(errorText(err.trim().split('\n').slice(-2).join(' ')) || `exit code ${code}`));
    });
  });
}

function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8;
}
