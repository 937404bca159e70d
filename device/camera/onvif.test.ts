// probeCamera() and fetchSnapshot() through the real node-onvif against the ONVIF responder.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import soap from 'node-onvif/lib/modules/soap.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CameraConfig } from '../../config/schema.js';
import { type CameraInfo, CameraProbeError, cameraProbeStatus, describeClockSkew, fetchSnapshot, maskUrl, probeCamera, withCredentials } from './onvif.js';
import { type OnvifResponder, type OnvifResponderOptions, startOnvifResponder } from './onvif-responder.js';

const RTSP = 'rtsp://127.0.0.1:8554/live/main';
const USER = 'admin';
const PASS = 'Kx9#pw2024';

let jpeg: Uint8Array;
let tmp: string;
const open: { close(): Promise<void> }[] = [];

function ffmpeg(args: string[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(new Uint8Array(Buffer.concat(out))) : reject(new Error(`ffmpeg ${code}: ${err}`))));
  });
}

beforeAll(async () => {
  jpeg = await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=1', '-frames:v', '1', '-f', 'mjpeg', 'pipe:1']);
  tmp = mkdtempSync(join(tmpdir(), 'onvif-test-'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function responder(extra: Partial<OnvifResponderOptions> = {}): Promise<OnvifResponder> {
  const r = await startOnvifResponder({ rtspUrl: RTSP, username: USER, password: PASS, snapshot: () => jpeg, ...extra });
  open.push(r);
  return r;
}

function camera(onvif: CameraConfig['onvif'], extra: Partial<CameraConfig> = {}): CameraConfig {
  return { id: 'cam-1', counter: 'counter-1', transport: 'tcp', ...(onvif ? { onvif } : {}), ...extra };
}

async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function rejection(p: Promise<unknown>): Promise<CameraProbeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CameraProbeError);
  return e as CameraProbeError;
}

describe('probeCamera over ONVIF', () => {
  it('reads device information, profiles, stream and snapshot URIs with the credentials', async () => {
    const r = await responder({ device: { manufacturer: 'Hikvision', model: 'DS-2CD2T47G2-L', serialNumber: 'DS-2CD2T47G2-L20230101AAWRJ12345678' } });
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));

    expect(info.source).toBe('onvif');
    expect(info.xaddr).toBe(r.xaddr);
    expect(info.device).toEqual({
      manufacturer: 'Hikvision',
      model: 'DS-2CD2T47G2-L',
      firmwareVersion: '1.0.0',
      serialNumber: 'DS-2CD2T47G2-L20230101AAWRJ12345678',
      hardwareId: 'sim-onvif-1',
    });
    expect(info.profiles).toEqual([
      {
        token: 'profile_main',
        name: 'mainStream',
        video: { encoding: 'H264', width: 1920, height: 1080, framerate: 25, bitrate: 4096 },
        streamUri: RTSP,
        snapshotUri: `${r.xaddr.replace('device_service', 'snapshot.jpg')}?profile=profile_main`,
      },
      {
        token: 'profile_sub',
        name: 'subStream',
        video: { encoding: 'H264', width: 640, height: 360, framerate: 15, bitrate: 512 },
        streamUri: RTSP,
        snapshotUri: `${r.xaddr.replace('device_service', 'snapshot.jpg')}?profile=profile_sub`,
      },
    ]);
    expect(info.profileToken).toBe('profile_main');
    // Credentials inserted (percent-encoded) for recording, masked for display.
    expect(info.rtspUrl).toBe('rtsp://admin:Kx9%23pw2024@127.0.0.1:8554/live/main');
    expect(info.displayUrl).toBe('rtsp://admin:***@127.0.0.1:8554/live/main');
    expect(info.snapshotUrl).toBe(r.snapshotUrl);
    expect(Math.abs(info.clockSkewMs ?? Infinity)).toBeLessThan(2000);
    expect(info.warnings).toEqual([]);

    // What node-onvif sent, all answered.
    const ops = r.requests.map((q) => `${q.service}:${q.operation}:${q.status}`);
    expect(ops.slice(0, 5)).toEqual([
      'device:GetSystemDateAndTime:200', // ours, for the clock
      'device:GetSystemDateAndTime:200', // node-onvif's
      'device:GetCapabilities:200',
      'device:GetDeviceInformation:200',
      'media:GetProfiles:200',
    ]);
    expect(ops.filter((o) => o.startsWith('media:GetStreamUri'))).toHaveLength(6); // UDP, HTTP, RTSP × 2
    expect(ops).toContain('media:GetStreamUri:400'); // HTTP tunnelling refused; node-onvif carries on
    expect(ops.filter((o) => o === 'media:GetSnapshotUri:200')).toHaveLength(2);
  });

  it('records the highest-resolution profile even when the camera lists it second', async () => {
    const r = await responder({
      profiles: [
        { token: 'sub', name: 'sub', width: 704, height: 576, rtspUrl: 'rtsp://127.0.0.1:8554/sub' },
        { token: 'main', name: 'main', encoding: 'H264', width: 2560, height: 1440, framerate: 20, rtspUrl: 'rtsp://127.0.0.1:8554/main' },
        { token: 'mjpeg', name: 'mjpeg', encoding: 'JPEG', width: 1280, height: 720, rtspUrl: 'rtsp://127.0.0.1:8554/mjpeg' },
      ],
    });
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    expect(info.profileToken).toBe('main');
    expect(info.rtspUrl).toBe('rtsp://admin:Kx9%23pw2024@127.0.0.1:8554/main');
    expect(info.snapshotUrl).toContain('profile=main');
    expect(info.profiles?.map((p) => `${p.token} ${p.video?.encoding} ${p.video?.width}x${p.video?.height}`)).toEqual([
      'sub H264 704x576',
      'main H264 2560x1440',
      'mjpeg JPEG 1280x720',
    ]);
  });

  it('takes credentials from the URL and completes a bare address with /onvif/device_service', async () => {
    const r = await responder();
    const hostPort = new URL(r.xaddr).host;
    const info = await probeCamera(camera({ url: `http://${USER}:${encodeURIComponent(PASS)}@${hostPort}` }));
    expect(info.xaddr).toBe(r.xaddr);
    expect(info.rtspUrl).toBe('rtsp://admin:Kx9%23pw2024@127.0.0.1:8554/live/main');
  });

  it('a configured rtspUrl overrides the stream URI (credentials still inserted)', async () => {
    const r = await responder();
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }, { rtspUrl: 'rtsp://127.0.0.1:8554/other' }));
    expect(info.source).toBe('onvif');
    expect(info.rtspUrl).toBe('rtsp://admin:Kx9%23pw2024@127.0.0.1:8554/other');
    expect(info.device?.manufacturer).toBe('counter-agent');
  });

  it('wrong password: ter:NotAuthorized, a clear error naming the URL', async () => {
    const r = await responder();
    const e = await rejection(probeCamera(camera({ url: r.xaddr, username: USER, password: 'wrong' })));
    expect(e.code).toBe('not_authorized');
    expect(e.url).toBe(r.xaddr);
    expect(e.message).toContain(`camera cam-1: ONVIF at ${r.xaddr} refused the credentials of user "admin": wrong username or password`);
    expect(e.message).toContain('ter:NotAuthorized');
    expect(e.message).toContain('400 Bad Request - Sender not Authorized');
    expect(e.message).not.toContain('wrong"');
    expect(r.requests.find((q) => q.status === 400)?.reason).toBe('wrong password digest');
  });

  it('wrong user name and missing credentials are told apart in the message', async () => {
    const r = await responder();
    const wrongUser = await rejection(probeCamera(camera({ url: r.xaddr, username: 'root', password: PASS })));
    expect(wrongUser.code).toBe('not_authorized');
    expect(wrongUser.message).toContain('user "root"');
    const none = await rejection(probeCamera(camera({ url: r.xaddr })));
    expect(none.code).toBe('not_authorized');
    expect(none.message).toContain(`ONVIF at ${r.xaddr} requires a username and password and none are configured`);
  });

  it('measures the camera clock 90 s ahead (node-onvif compensates its tokens)', async () => {
    // A camera that refuses tokens more than 30 s off its own clock: node-onvif must use time_diff.
    const r = await responder({ clockOffsetMs: 90_000, maxTokenSkewMs: 30_000 });
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    expect(info.clockSkewMs).toBeGreaterThan(88_000);
    expect(info.clockSkewMs).toBeLessThan(92_000);
    expect(info.warnings.join('\n')).toMatch(/^camera clock (89|9\d)\.\d s ahead of the box: .*NTP/m);
  });

  it('measures a camera clock behind the box, against the injected box clock', async () => {
    const r = await responder({ clockOffsetMs: -600_000 });
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    expect(Math.abs((info.clockSkewMs ?? 0) + 600_000)).toBeLessThan(2000);
    expect(info.warnings.join('\n')).toContain('camera clock 10.0 min behind the box');
    // The box's clock is the reference: a box 1 h fast sees the camera 1 h 10 min behind.
    const fast = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }), { now: () => new Date(Date.now() + 3_600_000) });
    expect(Math.abs((fast.clockSkewMs ?? 0) + 4_200_000)).toBeLessThan(2000);
  });

  it('an address that is not ONVIF (plain HTTP 404): a clear error', async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body><h1>Not Found</h1></body></html>');
    });
    const xaddr = `${url}/onvif/device_service`;
    const e = await rejection(probeCamera(camera({ url: xaddr, username: USER, password: PASS })));
    expect(e.code).toBe('not_onvif');
    expect(e.message).toBe(`camera cam-1: ${xaddr} does not answer like an ONVIF device service (404 Not Found)`);
  });

  it('an HTTP server answering 200 with a web page: not ONVIF', async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><head><title>Router</title></head><body>login</body></html>');
    });
    const e = await rejection(probeCamera(camera({ url, username: USER, password: PASS })));
    expect(e.code).toBe('not_onvif');
    expect(e.message).toContain(`${url}/onvif/device_service does not answer like an ONVIF device service`);
  });

  it('nothing listening: unreachable', async () => {
    const { url, server } = await httpServer(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const e = await rejection(probeCamera(camera({ url: `${url}/onvif/device_service` })));
    expect(e.code).toBe('unreachable');
    expect(e.message).toMatch(new RegExp(`^camera cam-1: cannot reach the ONVIF device service at ${url}/onvif/device_service \\(connect ECONNREFUSED`));
    expect(cameraProbeStatus(camera({ url }), e, new Date('2025-03-01T00:00:00Z'))).toEqual({
      id: 'cam-1',
      kind: 'camera',
      type: 'onvif',
      path: url,
      counter: 'counter-1',
      state: 'missing',
      error: e.message,
      since: '2025-03-01T00:00:00.000Z',
    });
  });

  it('a camera that never answers: timeout', async () => {
    const { url } = await httpServer(() => undefined); // accepts, never responds
    const started = Date.now();
    const e = await rejection(probeCamera(camera({ url: `${url}/onvif/device_service` }), { timeoutMs: 400 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e.code).toBe('timeout');
    expect(e.message).toBe(`camera cam-1: ONVIF at ${url}/onvif/device_service did not finish answering within 0.4 s`);
  });

  it("a camera that never answers, within node-onvif's own request timeout: unreachable", async () => {
    const { url } = await httpServer(() => undefined);
    const saved = soap.HTTP_TIMEOUT;
    soap.HTTP_TIMEOUT = 200; // node-onvif's singleton; 3000 ms otherwise
    try {
      const e = await rejection(probeCamera(camera({ url: `${url}/onvif/device_service` })));
      expect(e.code).toBe('unreachable');
      expect(e.message).toBe(`camera cam-1: cannot reach the ONVIF device service at ${url}/onvif/device_service (connection accepted, no answer in time)`);
    } finally {
      soap.HTTP_TIMEOUT = saved;
    }
  });

  it('ONVIF failing with an rtspUrl configured: records from the rtspUrl, with a warning', async () => {
    const r = await responder();
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: 'wrong' }, { rtspUrl: 'rtsp://u:p@10.0.0.7/ch1' }));
    expect(info.source).toBe('rtsp');
    expect(info.rtspUrl).toBe('rtsp://u:p@10.0.0.7/ch1');
    expect(info.displayUrl).toBe('rtsp://u:***@10.0.0.7/ch1');
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toMatch(/wrong username or password.*; recording from the configured rtspUrl$/);
  });

  it('https and non-http ONVIF URLs are refused before any request', async () => {
    const e = await rejection(probeCamera(camera({ url: 'https://admin:secret@10.0.0.2/onvif/device_service' })));
    expect(e.code).toBe('bad_config');
    expect(e.message).toContain('plain http:// only');
    expect(e.message).not.toContain('secret');
  });

  it('credentials node-onvif cannot send are reported, not thrown raw', async () => {
    const e = await rejection(probeCamera(camera({ url: 'http://127.0.0.1:9/onvif/device_service', username: 'admin', password: '密码' })));
    expect(e.code).toBe('bad_config');
    expect(e.message).toContain('printable ASCII');
  });
});

describe('probeCamera with an RTSP URL only', () => {
  it('makes no network connection', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const info = await probeCamera(camera(undefined, { rtspUrl: 'rtsp://admin:12345@192.168.1.64:554/Streaming/Channels/101', transport: 'udp' }));
    expect(connect).not.toHaveBeenCalled();
    expect(info).toEqual({
      id: 'cam-1',
      source: 'rtsp',
      rtspUrl: 'rtsp://admin:12345@192.168.1.64:554/Streaming/Channels/101',
      displayUrl: 'rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101',
      transport: 'udp',
      warnings: [],
    });
    expect(cameraProbeStatus(camera(undefined, { rtspUrl: info.rtspUrl }), info, new Date(0))).toMatchObject({
      type: 'rtsp',
      path: 'rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101',
      state: 'connected',
    });
  });

  it('neither onvif nor rtspUrl: bad_config', async () => {
    const e = await rejection(probeCamera(camera(undefined)));
    expect(e.code).toBe('bad_config');
  });
});

describe('fetchSnapshot', () => {
  it('fetches the JPEG through HTTP digest auth with the probed credentials', async () => {
    const r = await responder();
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    const bytes = await fetchSnapshot(info);
    expect(Buffer.from(bytes).equals(Buffer.from(jpeg))).toBe(true);
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const snaps = r.requests.filter((q) => q.service === 'snapshot').map((q) => q.status);
    expect(snaps).toEqual([401, 200]); // challenge, then digest
  });

  it('works with basic auth too, and after a JSON round trip (credentials from the RTSP URL)', async () => {
    const r = await responder({ snapshotAuth: 'basic' });
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    const copy = JSON.parse(JSON.stringify(info)) as CameraInfo;
    expect(Buffer.from(await fetchSnapshot(copy)).equals(Buffer.from(jpeg))).toBe(true);
  });

  it('wrong snapshot credentials: an error naming the URL', async () => {
    const r = await responder();
    const info = await probeCamera(camera({ url: r.xaddr, username: USER, password: PASS }));
    await expect(fetchSnapshot(info, { username: USER, password: 'nope' })).rejects.toThrow(
      `camera cam-1: snapshot ${r.snapshotUrl} refused the credentials of user "admin": wrong username or password (401 Unauthorized)`,
    );
  });

  it('a snapshot URL answering something else than a JPEG is refused', async () => {
    const { url } = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('camera busy');
    });
    const info: CameraInfo = {
      id: 'cam-2',
      source: 'rtsp',
      rtspUrl: 'rtsp://x/1',
      displayUrl: 'rtsp://x/1',
      transport: 'tcp',
      snapshotUrl: `${url}/snap`,
      warnings: [],
    };
    await expect(fetchSnapshot(info)).rejects.toThrow(`camera cam-2: snapshot ${url}/snap answered text/plain, not an image: camera busy`);
  });

  it('without a snapshot URI, grabs one frame of the stream with ffmpeg', async () => {
    const clip = join(tmp, 'clip.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-y', clip]);
    const info: CameraInfo = { id: 'cam-3', source: 'rtsp', rtspUrl: clip, displayUrl: clip, transport: 'tcp', warnings: [] };
    const bytes = await fetchSnapshot(info, { timeoutMs: 10_000 });
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);

    const missing: CameraInfo = { ...info, rtspUrl: 'rtsp://admin:s3cret@127.0.0.1:1/none', displayUrl: 'rtsp://admin:***@127.0.0.1:1/none' };
    const e = await fetchSnapshot(missing, { timeoutMs: 5000 }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(e?.message).toMatch(/^camera cam-3: could not grab a frame from rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:1\/none with ffmpeg: /);
    expect(e?.message).not.toContain('s3cret');
  });
});

describe('helpers', () => {
  it('masks and inserts credentials', () => {
    expect(maskUrl('rtsp://admin:p%40ss@10.0.0.2:554/ch1')).toBe('rtsp://admin:***@10.0.0.2:554/ch1');
    expect(maskUrl('rtsp://10.0.0.2/ch1')).toBe('rtsp://10.0.0.2/ch1');
    expect(maskUrl('not a url admin:x@y')).toBe('not a url admin:x@y');
    expect(withCredentials('rtsp://10.0.0.2/ch1', 'admin', 'p@ss:word')).toBe('rtsp://admin:p%40ss%3Aword@10.0.0.2/ch1');
    expect(withCredentials('rtsp://other:x@10.0.0.2/ch1', 'admin', 'y')).toBe('rtsp://other:x@10.0.0.2/ch1');
  });

  it('describes clock skew', () => {
    expect(describeClockSkew(90_400)).toBe('camera clock 90.4 s ahead of the box');
    expect(describeClockSkew(-300)).toBe('camera clock in step with the box');
    expect(describeClockSkew(-7_200_000)).toBe('camera clock 2.0 h behind the box');
  });
});
