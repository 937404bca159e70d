// doctor's camera, recording, retention, platform-clock and outbox checks against real parts: the test
// camera (ffmpeg over RTSP on 127.0.0.1), the ONVIF responder, the recorder, the video index on disk, the
// platform simulator, a ledger with real receipts.

import { mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../../common/time.js';
import type { Config } from '../../config/index.js';
import { type OnvifResponder, startOnvifResponder } from '../../device/camera/onvif-responder.js';
import { CameraRecorder } from '../../device/camera/recorder.js';
import { freeTcpPort, startTestCamera, type TestCamera } from '../../device/camera/testcam.js';
import { startSimulator } from '../../sync/simulator/index.js';
import { tempDir, testConfig } from '../../test/helpers.js';
import { AccountStore } from '../accounts/store.js';
import { PharmacistDuty } from '../checkout/pharmacist.js';
import { DEMO_PRODUCTS } from '../demo/catalog.js';
import { demoReceipt } from '../demo/stock.js';
import { Ledger } from '../ledger/index.js';
import { ReceivingService } from '../receiving/service.js';
import { VideoStore } from '../video/store.js';
import { type Check, runChecks } from './doctor.js';
import { platformClockCheck, platformSignInCheck } from './doctor-platform.js';
import { recordingCheck, retentionCheck } from './doctor-video.js';

const USER = 'admin';
const PASS = 'cam-pass-1';

let tmp: { dir: string; cleanup: () => void };
let camera: TestCamera;
let onvif: OnvifResponder;

beforeAll(async () => {
  tmp = tempDir('doctor-test-');
  camera = await startTestCamera({ transport: 'tcp', maxSeconds: 120 });
  // The camera's clock 90 s ahead of the box.
  onvif = await startOnvifResponder({ rtspUrl: camera.rtspUrl, username: USER, password: PASS, clockOffsetMs: 90_000 });
});
afterAll(async () => {
  await onvif?.close();
  await camera?.stop();
  tmp?.cleanup();
});

const loaded = (config: Config) => ({ config, source: 'test', demo: false });
const byName = (checks: Check[], name: string) => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check "${name}" among ${checks.map((x) => x.name).join(', ')}`);
  return c;
};

describe('doctor', () => {
  it('cameras: reachable over ONVIF and RTSP with their stream, clock skew warned, wrong password and a dead stream failing with the key to fix', async () => {
    const dead = `rtsp://127.0.0.1:${await freeTcpPort()}/nothing`;
    const config = testConfig(
      join(tmp.dir, 'cams'),
      `cameras:
  - { id: front, onvif: { url: ${onvif.xaddr}, username: ${USER}, password: ${PASS} } }
  - { id: side, rtspUrl: "${camera.rtspUrl}" }
  - { id: back, onvif: { url: ${onvif.xaddr}, username: ${USER}, password: wrong } }
  - { id: gone, rtspUrl: "${dead}" }
`,
    );
    const { checks } = await runChecks(loaded(config), { timeoutMs: 5000 });

    expect(byName(checks, 'camera front')).toMatchObject({ status: 'pass' });
    expect(byName(checks, 'camera front').detail).toMatch(
      /ONVIF http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service .*records rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:\d+\/cam \(h264 320x240\)/,
    );
    const clock = byName(checks, 'camera front clock');
    expect(clock.status).toBe('warn');
    expect(clock.detail).toMatch(/camera clock (8[89]|9[0-2])\.\d s ahead of the box/);
    expect(clock.fix).toContain('NTP');

    expect(byName(checks, 'camera side')).toMatchObject({ status: 'pass', detail: expect.stringContaining('(h264 320x240)') });
    expect(checks.some((c) => c.name === 'camera side clock')).toBe(false); // RTSP only: nothing to ask the time

    const back = byName(checks, 'camera back');
    expect(back.status).toBe('fail');
    expect(back.fix).toContain('cameras[2].onvif.username and cameras[2].onvif.password');

    const gone = byName(checks, 'camera gone');
    expect(gone.status).toBe('fail');
    expect(gone.detail).toContain(dead);
    expect(gone.fix).toContain('cameras[3].rtspUrl');

    // Nothing has recorded into this data dir: every camera's recording fails, naming the folder.
    expect(byName(checks, 'recording front')).toMatchObject({ status: 'fail', detail: expect.stringContaining(join(config.video.dir, 'segments', 'front')) });
    expect(byName(checks, 'video retention')).toMatchObject({ status: 'warn', detail: expect.stringContaining('no video index yet') });
  });

  it('recording: fresh while the recorder writes segments, failing once the newest is older than two segment lengths', async () => {
    const config = testConfig(join(tmp.dir, 'rec'), `cameras:\n  - { id: cam-1, rtspUrl: "${camera.rtspUrl}" }\nvideo: { segmentSeconds: 10 }\n`);
    const cam = config.cameras[0] as Config['cameras'][number];
    const recorder = new CameraRecorder({
      cameraId: 'cam-1',
      counter: 'counter-1',
      url: camera.rtspUrl,
      transport: 'tcp',
      dir: join(config.video.dir, 'segments'),
      segmentSeconds: 2,
    });
    const segments: string[] = [];
    recorder.on('segment', (s) => segments.push(s.path));
    await recorder.start();
    try {
      for (let i = 0; i < 300 && segments.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(segments.length, 'the recorder closed no segment within 15 s').toBeGreaterThan(0);
    } finally {
      await recorder.stop();
    }
    const fresh = await recordingCheck(config, cam, new Date());
    expect(fresh.status).toBe('pass');
    expect(fresh.detail).toMatch(/newest segment \d+ s old \(video\.segmentSeconds 10\)/);

    const later = await recordingCheck(config, cam, new Date(Date.now() + 5 * 60_000));
    expect(later.status).toBe('fail');
    expect(later.detail).toMatch(/newest segment 3\d\d s old .*nothing new for over 50 s/);
    expect(later.fix).toContain('systemctl status counter-agent');
  });

  it('video retention: the forecast from the video index passes, warns with too little footage, fails when the disk cannot keep a year', async () => {
    const run = async (name: string, minutes: number, bytesPerMinute: number) => {
      const config = testConfig(join(tmp.dir, name));
      mkdirSync(config.video.dir, { recursive: true });
      const store = VideoStore.open(join(config.dataDir, 'video.db'));
      const now = Date.now();
      for (let m = minutes; m > 0; m--) {
        const startMs = now - m * 60_000;
        store.addSegment({
          camera: 'cam-1',
          counter: 'counter-1',
          path: join(config.video.dir, `seg-${m}.mkv`),
          startMs,
          endMs: startMs + 60_000,
          durationMs: 60_000,
          bytes: bytesPerMinute,
          sha256: 'x',
          broken: false,
          indexedMs: startMs + 60_000,
        });
      }
      store.close();
      return retentionCheck(config, () => new Date(now));
    };
    const small = await run('ret-ok', 20, 10_000); // 14 MB a day: 5 GB a year
    expect(small.status, small.detail).toBe('pass');
    expect(small.detail).toMatch(/^at 14 MB\/day measured over 20 min the disk holds ~\d+ days \(video\.retentionDays 365/);

    const early = await run('ret-early', 5, 10_000);
    expect(early).toMatchObject({ status: 'warn', detail: expect.stringContaining('not enough footage') });

    const huge = await run('ret-short', 20, 1e12 / 1440); // 1 TB a day: no disk here keeps a year of it
    expect(huge.status).toBe('fail');
    expect(huge.detail).toMatch(/at 1000\.0 GB\/day .* the disk holds ~\d+ days \(video\.retentionDays 365.*short by/);
    expect(huge.fix).toMatch(/^give video\.dir .*video a disk of at least 3650\d\d\.\d GB/);
  });

  it('platform: sign-in and clock pass against the simulator; a platform 10 min behind the box fails with the NTP fix', async () => {
    const sim = await startSimulator({ dbPath: join(tmp.dir, 'sim.db') });
    let wrong: Server | undefined;
    try {
      const base = testConfig(join(tmp.dir, 'plat'));
      const config: Config = { ...base, platform: { ...base.platform, simulator: false, url: sim.url } };
      expect(await platformSignInCheck(config)).toMatchObject({ status: 'pass', detail: `sign-in (9001) works at ${sim.url}` });
      const inStep = await platformClockCheck(sim.url);
      expect(inStep.status, inStep.detail).toBe('pass');
      expect(inStep.detail).toContain('box clock in step with the platform');

      wrong = createServer((_req, res) => {
        res.sendDate = false;
        res.writeHead(405, { date: new Date(Date.now() - 600_000).toUTCString() }).end();
      });
      await new Promise<void>((r) => wrong?.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(wrong.address() as AddressInfo).port}/fsi/api`;
      const behind = await platformClockCheck(url);
      expect(behind.status).toBe('fail');
      expect(behind.detail).toMatch(new RegExp(`^box clock 10\\.0 min ahead of the platform at ${url.replace(/[./]/g, '\\$&')}`));
      expect(behind.fix).toContain('timedatectl');
    } finally {
      await sim.close();
      await new Promise((r) => (wrong ? wrong.close(r) : r(undefined)));
    }
  });

  it('outbox: records waiting over a day fail naming where they go; the ledger is read without leaving files behind', async () => {
    const config = testConfig(join(tmp.dir, 'outbox'));
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const ledger = Ledger.open(join(config.dataDir, 'ledger.db'));
    ledger.catalog.importProducts(DEMO_PRODUCTS, { at: twoDaysAgo, actor: 'test' });
    const received = new ReceivingService(ledger, {}, () => twoDaysAgo).receive(demoReceipt(shanghaiDate(twoDaysAgo)), 'test');
    expect(received.ok).toBe(true);
    ledger.close();
    const before = readdirSync(config.dataDir).sort();

    const { checks } = await runChecks(loaded(config));
    const outbox = byName(checks, 'outbox');
    expect(outbox.status).toBe('fail');
    expect(outbox.detail).toMatch(/^\d+ records waiting, oldest 4[78] h .*for over a day/);
    expect(outbox.fix).toContain('the embedded simulator');
    expect(byName(checks, 'ledger').status).toBe('pass');
    expect(readdirSync(config.dataDir).sort()).toEqual(before);

    const { checks: soon } = await runChecks(loaded(config), { now: () => new Date(twoDaysAgo.getTime() + 30 * 60_000) });
    expect(byName(soon, 'outbox')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/records waiting, oldest 30 min/) });
  });

  it('pharmacist: the config, else a shift pharmacist account passes; accounts without a shift warn; nobody fails', async () => {
    const config = testConfig(join(tmp.dir, 'pharm'));
    config.store.pharmacists = [];
    expect(byName((await runChecks(loaded(config))).checks, 'pharmacist')).toMatchObject({ status: 'fail', fix: expect.stringContaining('账号与药师') });
    const ledger = Ledger.open(join(config.dataDir, 'ledger.db'));
    const accounts = new AccountStore(ledger.db);
    await accounts.create({ username: 'wang', displayName: '王药师', role: 'pharmacist', password: 'pharm-pass-1', pracCertNo: '13010220200001' });
    ledger.close();
    expect(byName((await runChecks(loaded(config))).checks, 'pharmacist')).toMatchObject({ status: 'warn' });
    const again = Ledger.open(join(config.dataDir, 'ledger.db'));
    new PharmacistDuty(again.db).setShift('wang');
    again.close();
    expect(byName((await runChecks(loaded(config))).checks, 'pharmacist')).toMatchObject({ status: 'pass', detail: expect.stringContaining('王药师') });
  });
});
