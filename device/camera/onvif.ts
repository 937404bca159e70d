// What the box learns about a camera before recording it (DESIGN 4, Cameras): through node-onvif the
// device information, media profiles, stream and snapshot URIs and the camera's clock; or nothing at
// all when the camera is given directly by an RTSP URL. Also one snapshot (JPEG) on demand.
//
// node-onvif's init() runs GetSystemDateAndTime, GetCapabilities, GetDeviceInformation, GetProfiles,
// GetStreamUri (UDP, HTTP, RTSP for every profile) and GetSnapshotUri (every profile); its errors are
// bare strings ("Failed to initialize the device: Error: 400 Bad Request - Sender not Authorized"),
// so probeCamera() sorts them into what a technician can act on and names the URL.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { CameraConfig } from '../../config/schema.js';
import type { DeviceStatus } from '../types.js';
import type onvifTypes from 'node-onvif';

// ---------------------------------------------------------------------------------------------
// Types

export interface CameraVideo {
  /** As ONVIF Media 1 reports it: H264, JPEG, MPEG4 (an H.265 stream is often reported as H264). */
  encoding: string;
  width: number;
  height: number;
  framerate?: number;
  /** kbit/s (ONVIF BitrateLimit). */
  bitrate?: number;
}

export interface CameraProfile {
  token: string;
  name: string;
  /** Absent for a profile without a video encoder (audio or metadata only). */
  video?: CameraVideo;
  /** RTSP (or, failing that, RTP/UDP) stream URI as the camera gave it, without credentials. */
  streamUri?: string;
  snapshotUri?: string;
}

export interface CameraDeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface CameraInfo {
  id: string;
  /** 'rtsp': given by rtspUrl only (or ONVIF failed and the configured rtspUrl is used; see warnings). */
  source: 'onvif' | 'rtsp';
  /** What to record: the configured rtspUrl, else the stream URI of the highest-resolution profile;
   *  the camera's credentials inserted when it has some and the URL carries none. Contains the password. */
  rtspUrl: string;
  /** rtspUrl with the password masked, for logs, status and pages. */
  displayUrl: string;
  transport: 'tcp' | 'udp';
  /** Device management service actually used (credentials removed). */
  xaddr?: string;
  /** Snapshot URI of the recording profile (or the first profile that has one). */
  snapshotUrl?: string;
  device?: CameraDeviceInfo;
  profiles?: CameraProfile[];
  /** Token of the profile chosen for recording (highest resolution). */
  profileToken?: string;
  /** Camera clock − box clock, from GetSystemDateAndTime (±1 s: the camera answers in whole seconds). */
  clockSkewMs?: number;
  /** English, for the technician. */
  warnings: string[];
}

export type CameraProbeFailure =
  | 'bad_config'
  | 'unreachable'
  | 'not_authorized'
  | 'not_onvif'
  | 'no_media'
  | 'no_profiles'
  | 'no_stream'
  | 'timeout';

/** What probeCamera() rejects with: the message names the camera and the URL and says what failed. */
export class CameraProbeError extends Error {
  override name = 'CameraProbeError';
  constructor(
    readonly cameraId: string,
    /** The ONVIF address (credentials removed). */
    readonly url: string,
    readonly code: CameraProbeFailure,
    message: string,
  ) {
    super(`camera ${cameraId}: ${message}`);
  }
}

export interface ProbeOptions {
  /** The whole probe (node-onvif's requests time out after 3 s each on their own); default 10 s. */
  timeoutMs?: number;
  /** The box's clock, for clockSkewMs. */
  now?: () => Date;
}

/** A larger skew gets a warning: the camera's on-screen time would disagree with the video index. */
export const CLOCK_SKEW_WARN_MS = 5000;

// ---------------------------------------------------------------------------------------------
// probeCamera

/** Credentials of a probed camera, kept off the (serialisable) CameraInfo; fetchSnapshot uses them. */
const credentialsOf = new WeakMap<CameraInfo, Credentials>();

interface Credentials {
  username: string;
  password: string;
}

export async function probeCamera(config: CameraConfig, opts: ProbeOptions = {}): Promise<CameraInfo> {
  if (config.onvif === undefined) {
    if (config.rtspUrl === undefined) {
      throw new CameraProbeError(config.id, '', 'bad_config', 'neither onvif.url nor rtspUrl is configured');
    }
    return rtspOnly(config, config.rtspUrl, []);
  }
  try {
    return await probeOnvif(config, config.onvif, opts);
  } catch (e) {
    const err = e instanceof CameraProbeError ? e : new CameraProbeError(config.id, config.onvif.url, 'not_onvif', errorText(e));
    if (config.rtspUrl !== undefined) {
      return rtspOnly(config, config.rtspUrl, [`${err.message}; recording from the configured rtspUrl`]);
    }
    throw err;
  }
}

function rtspOnly(config: CameraConfig, url: string, warnings: string[]): CameraInfo {
  return { id: config.id, source: 'rtsp', rtspUrl: url, displayUrl: maskUrl(url), transport: config.transport, warnings };
}

async function probeOnvif(config: CameraConfig, onvifConfig: NonNullable<CameraConfig['onvif']>, opts: ProbeOptions): Promise<CameraInfo> {
  const now = opts.now ?? (() => new Date());
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const id = config.id;
  const target = parseXaddr(id, onvifConfig.url);
  const xaddr = target.xaddr;
  const username = onvifConfig.username ?? target.username ?? '';
  const password = onvifConfig.password ?? target.password ?? '';

  const { OnvifDevice } = await loadNodeOnvif();
  let device: onvifTypes.OnvifDevice;
  try {
    device = new OnvifDevice({ xaddr, user: username, pass: password });
  } catch (e) {
    throw new CameraProbeError(id, xaddr, 'bad_config', `node-onvif cannot use the configured credentials for ${xaddr} (${errorText(e)}; only printable ASCII without '<' '>' can be sent)`);
  }

  const warnings: string[] = [];
  const run = async (): Promise<number | undefined> => {
    // Our own GetSystemDateAndTime (PRE_AUTH on real cameras): node-onvif's time_diff ignores the
    // request's round trip and the camera's whole seconds, and can be off by a month when the box's
    // day of month does not exist in the camera's month (it sets month before day on today's date).
    let skew: number | undefined;
    const t0 = now().getTime();
    try {
      const r = await device.services.device.getSystemDateAndTime();
      const t1 = now().getTime();
      const cameraMs = parseSystemDateAndTime(r.data);
      if (cameraMs === undefined) warnings.push(`${xaddr} answered GetSystemDateAndTime without a UTC time; clock skew unknown`);
      // The camera truncates to whole seconds: its true time is on average half a second later.
      else skew = Math.round(cameraMs + 500 - (t0 + t1) / 2);
    } catch (e) {
      if (isNetworkError(e)) throw classify(id, xaddr, username, e);
      warnings.push(`GetSystemDateAndTime at ${xaddr} failed (${errorText(e)}); clock skew unknown`);
    }
    try {
      await device.init();
    } catch (e) {
      throw classify(id, xaddr, username, e);
    }
    return skew;
  };
  const clockSkewMs = await withDeadline(run(), timeoutMs, () =>
    new CameraProbeError(id, xaddr, 'timeout', `ONVIF at ${xaddr} did not finish answering within ${seconds(timeoutMs)} s`));

  const profiles = device.getProfileList().map(toProfile);
  const chosen = chooseRecordingProfile(profiles);
  if (chosen === undefined && config.rtspUrl === undefined) {
    throw new CameraProbeError(id, xaddr, 'no_stream', `ONVIF at ${xaddr} gave no RTSP stream URI for any of its ${profiles.length} profile(s)`);
  }
  const streamUri = config.rtspUrl ?? chosen?.streamUri ?? '';
  const rtspUrl = username ? withCredentials(streamUri, username, password) : streamUri;
  const snapshotUrl = chosen?.snapshotUri ?? profiles.find((p) => p.snapshotUri !== undefined)?.snapshotUri;

  if (clockSkewMs !== undefined && Math.abs(clockSkewMs) > CLOCK_SKEW_WARN_MS) {
    warnings.push(`${describeClockSkew(clockSkewMs)}: the time the camera burns into the picture will not match the video index (set NTP on the camera)`);
  }
  if (config.rtspUrl === undefined && chosen?.streamUri !== undefined) {
    const streamHost = hostOf(chosen.streamUri);
    const onvifHost = hostOf(xaddr);
    if (streamHost !== undefined && onvifHost !== undefined && streamHost !== onvifHost) {
      warnings.push(`the stream URI's host ${streamHost} differs from the ONVIF address's host ${onvifHost} (camera behind NAT or with a stale address?)`);
    }
  }
  if (snapshotUrl === undefined) warnings.push('the camera gave no snapshot URI; snapshots are grabbed from the stream with ffmpeg');

  const info: CameraInfo = {
    id,
    source: 'onvif',
    rtspUrl,
    displayUrl: maskUrl(rtspUrl),
    transport: config.transport,
    xaddr,
    ...(snapshotUrl === undefined ? {} : { snapshotUrl }),
    device: toDeviceInfo(device.getInformation()),
    profiles,
    ...(chosen === undefined ? {} : { profileToken: chosen.token }),
    ...(clockSkewMs === undefined ? {} : { clockSkewMs }),
    warnings,
  };
  if (username) credentialsOf.set(info, { username, password });
  return info;
}

let nodeOnvif: Promise<typeof onvifTypes> | undefined;
/** node-onvif (CommonJS), imported on first use: an RTSP-only box never loads it. */
function loadNodeOnvif(): Promise<typeof onvifTypes> {
  nodeOnvif ??= import('node-onvif').then((m) => m.default);
  return nodeOnvif;
}

/** Highest resolution (then frame rate) among the profiles with a stream URI; the first on a tie. */
export function chooseRecordingProfile(profiles: CameraProfile[]): CameraProfile | undefined {
  let best: CameraProfile | undefined;
  const score = (p: CameraProfile): [number, number] => [(p.video?.width ?? 0) * (p.video?.height ?? 0), p.video?.framerate ?? 0];
  for (const p of profiles) {
    if (p.streamUri === undefined) continue;
    if (best === undefined) {
      best = p;
      continue;
    }
    const [a, af] = score(p);
    const [b, bf] = score(best);
    if (a > b || (a === b && af > bf)) best = p;
  }
  return best;
}

function toProfile(p: onvifTypes.Profile): CameraProfile {
  const enc = p.video.encoder;
  const streamUri = text(p.stream.rtsp) || text(p.stream.udp);
  const snapshotUri = text(p.snapshot);
  const video: CameraVideo | undefined = enc
    ? {
        encoding: text(enc.encoding),
        width: finite(enc.resolution.width) ?? 0,
        height: finite(enc.resolution.height) ?? 0,
        ...optional('framerate', finite(enc.framerate)),
        ...optional('bitrate', finite(enc.bitrate)),
      }
    : undefined;
  return {
    token: text(p.token),
    name: text(p.name),
    ...(video === undefined ? {} : { video }),
    ...(streamUri ? { streamUri } : {}),
    ...(snapshotUri ? { snapshotUri } : {}),
  };
}

function toDeviceInfo(i: onvifTypes.DeviceInformation | null): CameraDeviceInfo {
  return {
    manufacturer: text(i?.Manufacturer),
    model: text(i?.Model),
    firmwareVersion: text(i?.FirmwareVersion),
    serialNumber: text(i?.SerialNumber),
    hardwareId: text(i?.HardwareId),
  };
}

/** The camera's UTC time (ms since the epoch) from a parsed GetSystemDateAndTime body (xml2js shape). */
export function parseSystemDateAndTime(body: unknown): number | undefined {
  const utc = path(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime', 'UTCDateTime');
  const n = (...keys: string[]): number => Number.parseInt(text(path(utc, ...keys)), 10);
  const [y, mo, d, h, mi, s] = [n('Date', 'Year'), n('Date', 'Month'), n('Date', 'Day'), n('Time', 'Hour'), n('Time', 'Minute'), n('Time', 'Second')];
  if (![y, mo, d, h, mi, s].every(Number.isFinite)) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** "camera clock 90.0 s ahead of the box" / "… behind …" / "… in step with …". */
export function describeClockSkew(ms: number): string {
  if (Math.abs(ms) < 1000) return 'camera clock in step with the box';
  const abs = Math.abs(ms) / 1000;
  const amount = abs >= 3600 ? `${(abs / 3600).toFixed(1)} h` : abs >= 120 ? `${(abs / 60).toFixed(1)} min` : `${abs.toFixed(1)} s`;
  return `camera clock ${amount} ${ms > 0 ? 'ahead of' : 'behind'} the box`;
}

// ---------------------------------------------------------------------------------------------
// Errors

function classify(id: string, xaddr: string, username: string, e: unknown): CameraProbeError {
  if (e instanceof CameraProbeError) return e;
  const msg = errorText(e)
    .replace(/^(Error: )?Failed to initialize the device: /, '')
    .replace(/^Error: /, '');
  if (isNetworkError(e)) {
    // node-onvif aborts a request after 3 s (soap.HTTP_TIMEOUT), which surfaces as "socket hang up".
    const detail = msg.replace(/^Network Error: /, '').replace(/^socket hang up$/, 'connection accepted, no answer in time');
    return new CameraProbeError(id, xaddr, 'unreachable', `cannot reach the ONVIF device service at ${xaddr} (${detail})`);
  }
  if (/not\s*authori[sz]ed|\b401\b|\b403\b/i.test(msg)) {
    return new CameraProbeError(id, xaddr, 'not_authorized', username
      ? `ONVIF at ${xaddr} refused the credentials of user "${username}": wrong username or password (ter:NotAuthorized; ${msg})`
      : `ONVIF at ${xaddr} requires a username and password and none are configured (ter:NotAuthorized; ${msg})`);
  }
  if (/reading 'getProfiles'/.test(msg)) {
    return new CameraProbeError(id, xaddr, 'no_media', `ONVIF at ${xaddr} lists no media service in GetCapabilities`);
  }
  if (/does not any media profiles/.test(msg)) {
    return new CameraProbeError(id, xaddr, 'no_profiles', `ONVIF at ${xaddr} has no media profiles`);
  }
  return new CameraProbeError(id, xaddr, 'not_onvif', `${xaddr} does not answer like an ONVIF device service (${msg})`);
}

function isNetworkError(e: unknown): boolean {
  return /^(Error: )?Network Error/.test(errorText(e));
}

function errorText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// URLs

/** http://host[:port]/path of the device service; a bare host or a URL without a path gets
 *  /onvif/device_service; user:pass@ in the URL are taken as credentials and removed. */
function parseXaddr(id: string, url: string): { xaddr: string; username?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    throw new CameraProbeError(id, url, 'bad_config', `onvif.url "${maskUrl(url)}" is not a URL`);
  }
  if (u.protocol === 'https:') {
    throw new CameraProbeError(id, maskUrl(url), 'bad_config', `onvif.url ${maskUrl(url)}: node-onvif speaks SOAP over plain http:// only`);
  }
  if (u.protocol !== 'http:') {
    throw new CameraProbeError(id, maskUrl(url), 'bad_config', `onvif.url ${maskUrl(url)} is not an http:// URL`);
  }
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.username = '';
  u.password = '';
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/onvif/device_service';
  return { xaddr: u.href, ...optional('username', username), ...optional('password', password) };
}

/** The URL with user:password inserted (percent-encoded) unless it already carries a user. */
export function withCredentials(url: string, username: string, password: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.username !== '' || u.host === '') return url;
  u.username = username;
  u.password = password;
  return u.href;
}

/** The URL with its password replaced by "***" (for display); unchanged when it has none. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.href;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Status

/** A camera's DeviceStatus from a probe: connected, missing (unreachable) or error (message naming the URL). */
export function cameraProbeStatus(config: CameraConfig, result: CameraInfo | Error, at: Date = new Date()): DeviceStatus {
  const base = { id: config.id, kind: 'camera' as const, counter: config.counter, since: at.toISOString() };
  if (!(result instanceof Error)) {
    return { ...base, type: result.source, path: result.xaddr ?? result.displayUrl, state: 'connected' };
  }
  const type = config.onvif ? 'onvif' : 'rtsp';
  const path = config.onvif ? maskUrl(config.onvif.url) : maskUrl(config.rtspUrl ?? '');
  const state = result instanceof CameraProbeError && (result.code === 'unreachable' || result.code === 'timeout') ? 'missing' : 'error';
  return { ...base, type, path, state, error: result.message };
}

// ---------------------------------------------------------------------------------------------
// Snapshot

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
      throw fail(creds === undefined
        ? `needs a username and password and none are known (${res.status} ${res.statusText})`
        : `refused the credentials of user "${creds.username}": wrong username or password (${res.status} ${res.statusText})`);
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

// ---------------------------------------------------------------------------------------------
// HTTP authentication (digest per RFC 7616 / 2617, basic); the responder uses these too.

export interface AuthChallenge {
  /** Lower case: 'digest', 'basic'. */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

/** The challenges of a WWW-Authenticate header (several may be joined with commas), or the one
 *  credential of an Authorization: Digest header. */
export function parseAuthHeader(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  const re = /([\w!#$%&'*+.^`|~-]+)(\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g;
  for (const m of header.matchAll(re)) {
    const name = m[1] ?? '';
    if (m[2] === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
    } else if (current !== undefined) {
      current.params[name.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    }
  }
  return out;
}

export interface DigestInput {
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** Absent: RFC 2069 (no qop). */
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The `response` value of a digest Authorization (MD5, SHA-256, and their -sess variants). */
export function digestResponse(d: DigestInput): string {
  const algo = d.algorithm.toUpperCase();
  const hashName = algo.startsWith('SHA-256') ? 'sha256' : 'md5';
  const H = (s: string): string => createHash(hashName).update(s, 'utf8').digest('hex');
  let ha1 = H(`${d.username}:${d.realm}:${d.password}`);
  if (algo.endsWith('-SESS')) ha1 = H(`${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  const ha2 = H(`${d.method}:${d.uri}`);
  return d.qop ? H(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`) : H(`${ha1}:${d.nonce}:${ha2}`);
}

function authorizationFor(wwwAuthenticate: string, method: string, uri: string, creds: Credentials): string | undefined {
  const challenges = parseAuthHeader(wwwAuthenticate);
  const digest = challenges.find((c) => c.scheme === 'digest');
  if (digest !== undefined) {
    const p = digest.params;
    const algorithm = p.algorithm ?? 'MD5';
    const qops = (p.qop ?? '').split(',').map((s) => s.trim());
    const qop = qops.includes('auth') ? 'auth' : undefined;
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    const realm = p.realm ?? '';
    const nonce = p.nonce ?? '';
    const response = digestResponse({ algorithm, username: creds.username, realm, password: creds.password, method, uri, nonce, ...(qop ? { qop, nc, cnonce } : {}) });
    const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
    const parts = [`username=${q(creds.username)}`, `realm=${q(realm)}`, `nonce=${q(nonce)}`, `uri=${q(uri)}`, `algorithm=${algorithm}`, `response=${q(response)}`];
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${q(cnonce)}`);
    if (p.opaque !== undefined) parts.push(`opaque=${q(p.opaque)}`);
    return `Digest ${parts.join(', ')}`;
  }
  if (challenges.some((c) => c.scheme === 'basic')) {
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  p.catch(() => undefined); // a late rejection after the deadline is not unhandled
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Text of an xml2js value: a string, or { _: text, $: attributes }. */
function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null && '_' in v) return text((v as { _: unknown })._);
  return '';
}

function path(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}
