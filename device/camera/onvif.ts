// What the box learns about a camera before recording it (DESIGN 4, Cameras): through node-onvif the
// device information, media profiles, stream and snapshot URIs and the camera's clock; or nothing at
// all when the camera is given directly by an RTSP URL. Snapshots are in snapshot.ts, HTTP auth and URL
// helpers in http-auth.ts.
//
// node-onvif's init() runs GetSystemDateAndTime, GetCapabilities, GetDeviceInformation, GetProfiles,
// GetStreamUri (UDP, HTTP, RTSP for every profile) and GetSnapshotUri (every profile); its errors are
// bare strings ("Failed to initialize the device: Error: 400 Bad Request - Sender not Authorized"),
// so probeCamera() sorts them into what a technician can act on and names the URL.

import type onvifTypes from 'node-onvif';
import type { CameraConfig } from '../../config/schema.js';
import type { DeviceStatus } from '../types.js';
import { errorText, hostOf, maskUrl, seconds, withCredentials } from './http-auth.js';
import { rememberCredentials } from './snapshot.js';

// Moved out of this module; re-exported so existing imports keep working.
export { type AuthChallenge, type DigestInput, digestResponse, maskUrl, parseAuthHeader, withCredentials } from './http-auth.js';
export { fetchSnapshot, type SnapshotOptions } from './snapshot.js';

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

export type CameraProbeFailure = 'bad_config' | 'unreachable' | 'not_authorized' | 'not_onvif' | 'no_media' | 'no_profiles' | 'no_stream' | 'timeout';

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
    throw new CameraProbeError(
      id,
      xaddr,
      'bad_config',
      `node-onvif cannot use the configured credentials for ${xaddr} (${errorText(e)}; only printable ASCII without '<' '>' can be sent)`,
    );
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
  const clockSkewMs = await withDeadline(
    run(),
    timeoutMs,
    () => new CameraProbeError(id, xaddr, 'timeout', `ONVIF at ${xaddr} did not finish answering within ${seconds(timeoutMs)} s`),
  );

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
  if (username) rememberCredentials(info, { username, password });
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
    return new CameraProbeError(
      id,
      xaddr,
      'not_authorized',
      username
        ? `ONVIF at ${xaddr} refused the credentials of user "${username}": wrong username or password (ter:NotAuthorized; ${msg})`
        : `ONVIF at ${xaddr} requires a username and password and none are configured (ter:NotAuthorized; ${msg})`,
    );
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
