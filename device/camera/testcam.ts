// The test and demo camera: ffmpeg's test source with a running clock, H.264, served over RTSP on
// 127.0.0.1 the way a real camera serves it, so the recorder records it like a real camera.
//
//   transport 'udp': Debian's rtsp-server-perl (a real RTSP server; it relays RTP over UDP only). The
//                    generator pushes to its source port (`-f rtsp -rtsp_transport udp`), clients pull
//                    from its client port with `-rtsp_transport udp`.
//   transport 'tcp': rtsp-server-perl cannot do RTP over TCP, so the closest real thing: our RtspTcpRelay
//                    (rtsp-relay.ts), real RTSP with interleaved RTP on one TCP connection; the generator
//                    pushes with `-rtsp_transport tcp`, clients pull with `-rtsp_transport tcp`.
//
// Picture: testsrc2 with the wall clock drawn on it (drawtext `%{localtime}` with a DejaVu font) when a
// font file is there, else testsrc, whose picture carries a running counter. Keyframe every second
// (-g = fps) so segments cut on second boundaries. Or `file`: a pre-encoded H.264 file looped with
// `-c copy` (the benchmark's 1080p stream, so the generator's CPU does not disturb the measurement).
//
// Everything stops by itself: the generator after `maxSeconds` (-t), rtsp-server-perl under coreutils
// `timeout`, the relay with the process; and stop() ends them all.

import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { run, spawnTracked, TailBuffer, terminate } from './ffmpeg.js';
import { RtspTcpRelay } from './rtsp-relay.js';

export interface TestCameraOptions {
  transport: 'udp' | 'tcp';
  /** Mount path, default "cam". */
  path?: string;
  /** Live-encoded picture: default 320x240 at 10 fps. */
  width?: number;
  height?: number;
  fps?: number;
  /** Target bitrate of the live encoder (kbit/s); default: x264's CRF 28. */
  bitrateKbps?: number;
  /** Loop this H.264 file with -c copy instead of encoding live. */
  file?: string;
  /** The generator stops by itself after this long; default 600 s. */
  maxSeconds?: number;
  ffmpegPath?: string;
  rtspServerPath?: string;
}

export interface TestCamera {
  rtspUrl: string;
  transport: 'udp' | 'tcp';
  server: 'rtsp-server-perl' | 'rtsp-tcp-relay';
  /** The generator ffmpeg (the "camera"). */
  readonly generatorPid: number | undefined;
  /** Freeze the camera (SIGSTOP the generator): the stream stops, connections stay open. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const RTSP_SERVER_PERL = '/usr/bin/rtsp-server-perl';
const FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'];

/** Whether Debian's rtsp-server-perl is installed (the UDP camera needs it). */
export function rtspServerPerlAvailable(path = RTSP_SERVER_PERL): boolean {
  return existsSync(path);
}

export async function startTestCamera(opts: TestCameraOptions): Promise<TestCamera> {
  const ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
  const mount = (opts.path ?? 'cam').replace(/^\/+/, '');
  const maxSeconds = opts.maxSeconds ?? 600;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    let pushUrl: string;
    let rtspUrl: string;
    let server: TestCamera['server'];
    let ready: () => Promise<void>;
    if (opts.transport === 'udp') {
      const serverPath = opts.rtspServerPath ?? RTSP_SERVER_PERL;
      if (!existsSync(serverPath)) throw new Error(`${serverPath} not found: install Debian's rtsp-server-perl for the UDP test camera`);
      const clientPort = await freeTcpPort();
      const sourcePort = await freeTcpPort();
      const rtpStart = await freeUdpRange(24);
      const perl = spawnTracked(
        'timeout',
        [
          '-s',
          'TERM',
          '-k',
          '5',
          String(maxSeconds + 60),
          serverPath,
          '--clientport',
          String(clientPort),
          '--serverport',
          String(sourcePort),
          '--client_listen_address',
          '127.0.0.1',
          '--source_listen_address',
          '127.0.0.1',
          '--rtp_start_port',
          String(rtpStart),
          '--loglevel',
          '1',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const perlErr = new TailBuffer(10);
      perl.stderr?.on('data', (b: Buffer) => perlErr.push(b));
      cleanups.push(() => terminate(perl, 3000, 'SIGTERM'));
      await waitFor(
        () => tcpOpen(clientPort),
        10_000,
        () => `rtsp-server-perl did not listen on 127.0.0.1:${clientPort}: ${perlErr.all().join(' | ')}`,
        perl,
      );
      await waitFor(
        () => tcpOpen(sourcePort),
        5000,
        () => `rtsp-server-perl did not listen on 127.0.0.1:${sourcePort}`,
        perl,
      );
      pushUrl = `rtsp://127.0.0.1:${sourcePort}/${mount}`;
      rtspUrl = `rtsp://127.0.0.1:${clientPort}/${mount}`;
      server = 'rtsp-server-perl';
      ready = async () => {
        await waitFor(
          async () => (await rtspDescribe(rtspUrl)) === 200,
          10_000,
          () => `rtsp-server-perl never served ${rtspUrl}`,
        );
        await sleep(300); // ANNOUNCE is answered before RECORD opens the RTP ports
      };
    } else {
      const relay = new RtspTcpRelay();
      const port = await relay.listen(0, '127.0.0.1');
      cleanups.push(() => relay.close());
      pushUrl = `rtsp://127.0.0.1:${port}/${mount}`;
      rtspUrl = pushUrl;
      server = 'rtsp-tcp-relay';
      ready = () =>
        waitFor(
          () => Promise.resolve(relay.isRecording(mount)),
          10_000,
          () => `nothing recording on ${rtspUrl}`,
        );
    }

    const genErr = new TailBuffer(10);
    // The clock drawn on the picture is the store's (China Standard Time, as the ONVIF responder reports
    // `CST-8`), whatever the host's zone: the pages show Shanghai time and the two must agree. A POSIX TZ
    // string needs no tzdata.
    const gen = spawnTracked(ffmpeg, generatorArgs(opts, maxSeconds, pushUrl), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'CST-8' } });
    gen.stderr?.on('data', (b: Buffer) => genErr.push(b));
    cleanups.push(async () => {
      if (gen.pid !== undefined) process.kill(gen.pid, 'SIGCONT');
      await terminate(gen, 3000, 'SIGINT');
    });
    await Promise.race([
      ready(),
      new Promise<never>((_, reject) => gen.once('exit', (code) => reject(new Error(`test camera generator exited (${code}): ${genErr.all().join(' | ')}`)))),
    ]);

    return {
      rtspUrl,
      transport: opts.transport,
      server,
      get generatorPid() {
        return gen.pid;
      },
      pause() {
        if (gen.pid !== undefined && gen.exitCode === null) process.kill(gen.pid, 'SIGSTOP');
      },
      resume() {
        if (gen.pid !== undefined && gen.exitCode === null) process.kill(gen.pid, 'SIGCONT');
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function generatorArgs(opts: TestCameraOptions, maxSeconds: number, pushUrl: string): string[] {
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const tail = ['-t', String(maxSeconds), '-f', 'rtsp', '-rtsp_transport', opts.transport, pushUrl];
  if (opts.file) return [...head, '-re', '-stream_loop', '-1', '-i', opts.file, '-map', '0:v', '-c', 'copy', ...tail];
  const w = opts.width ?? 320;
  const h = opts.height ?? 240;
  const fps = opts.fps ?? 10;
  return [...head, '-re', '-f', 'lavfi', '-i', pictureSource(w, h, fps), ...x264Args(fps, opts.bitrateKbps), ...tail];
}

/** testsrc2 + wall clock when a font is installed, else testsrc (it draws a running counter itself). */
export function pictureSource(w: number, h: number, fps: number): string {
  const font = FONTS.find((f) => existsSync(f));
  if (!font) return `testsrc=size=${w}x${h}:rate=${fps}`;
  const size = Math.max(12, Math.round(h / 12));
  return `testsrc2=size=${w}x${h}:rate=${fps},drawtext=fontfile=${font}:text='%{localtime}':fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:x=8:y=8`;
}

export function x264Args(fps: number, bitrateKbps?: number): string[] {
  const rate = bitrateKbps ? ['-b:v', `${bitrateKbps}k`, '-maxrate', `${bitrateKbps}k`, '-bufsize', `${bitrateKbps * 2}k`] : ['-crf', '28'];
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-g',
    String(fps),
    '-keyint_min',
    String(fps),
    '-sc_threshold',
    '0',
    '-pix_fmt',
    'yuv420p',
    ...rate,
  ];
}

/**
 * Encode a test clip once (e.g. 1080p at 2 Mbit/s for the benchmark) so the camera can loop it with
 * -c copy. Keyframe every second.
 */
export async function encodeTestClip(
  path: string,
  o: { width: number; height: number; fps: number; seconds: number; bitrateKbps: number; ffmpegPath?: string },
): Promise<void> {
  const r = await run(
    o.ffmpegPath ?? 'ffmpeg',
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      pictureSource(o.width, o.height, o.fps),
      '-t',
      String(o.seconds),
      ...x264Args(o.fps, o.bitrateKbps),
      '-f',
      'matroska',
      path,
    ],
    300_000,
  );
  if (r.code !== 0) throw new Error(`encoding ${path} failed: ${r.stderr.trim()}`);
}

/** Send DESCRIBE, return the RTSP status code (0 when nothing answered). */
export function rtspDescribe(url: string, timeoutMs = 2000): Promise<number> {
  const m = /^rtsp:\/\/([^/:]+):(\d+)/.exec(url);
  if (!m) return Promise.resolve(0);
  return new Promise((resolve) => {
    const sock = connect(Number(m[2]), m[1] as string);
    let buf = '';
    const done = (code: number): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(code);
    };
    const timer = setTimeout(() => done(0), timeoutMs);
    sock.on('connect', () => sock.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`));
    sock.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      const s = /^RTSP\/1\.0 (\d{3})/.exec(buf);
      if (s) done(Number(s[1]));
    });
    sock.on('error', () => done(0));
  });
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** An even UDP port below the ephemeral range with `count` free ports from it (rtsp-server-perl's RTP ports). */
async function freeUdpRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + 2 * Math.floor(Math.random() * 5000);
    if (await udpFree(base, count)) return base;
  }
  throw new Error('no free UDP port range for rtsp-server-perl');
}

async function udpFree(base: number, count: number): Promise<boolean> {
  const socks = [];
  try {
    for (let p = base; p < base + count; p++) {
      const s = createSocket('udp4');
      socks.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    for (const s of socks) {
      try {
        s.close();
      } catch {
        /* not bound */
      }
    }
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: () => string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (child && child.exitCode !== null) throw new Error(`${what()} (exited ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(what());
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
