import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { cameraProbeStatus, probeCamera } from '../device/camera/onvif.js';
import { startTestCamera, type TestCamera } from '../device/camera/testcam.js';
import type { DeviceStatus } from '../device/types.js';
import { counterName } from './accounts/names.js';
import type { Logger } from './log.js';
import { type VideoCamera, VideoService } from './video/service.js';

export interface Cameras {
  video: VideoService;
  /** Cameras that could not be reached at start (no RTSP URL to record from). */
  unreachable: DeviceStatus[];
  /** What each probe found: the camera's clock skew (camera − box, ms) and warnings, for the technician. */
  probes: { id: string; source: string; clockSkewMs: number | null; warnings: string[]; device?: unknown }[];
  close(): Promise<void>;
}

/**
 * The cameras side of the composition root: each configured camera is probed (ONVIF, or taken as its
 * RTSP URL), then recorded by the video service. In demo mode a test camera (ffmpeg's test picture with
 * a running clock, served over RTSP) stands at counter-1 and is recorded like a real one.
 */
export async function startCameras(config: Config, demo: boolean, log: Logger, clock: () => Date): Promise<Cameras> {
  const cameras: VideoCamera[] = [];
  const unreachable: DeviceStatus[] = [];
  const probes: Cameras['probes'] = [];
  for (const c of config.cameras) {
    try {
      const info = await probeCamera(c);
      for (const w of info.warnings) log.warn({ camera: c.id, warning: w }, 'camera warning');
      if (info.clockSkewMs !== undefined) log.info({ camera: c.id, clockSkewMs: info.clockSkewMs }, 'camera clock skew');
      cameras.push({ id: c.id, counter: c.counter, rtspUrl: info.rtspUrl, transport: c.transport });
      probes.push({
        id: c.id,
        source: info.source,
        clockSkewMs: info.clockSkewMs ?? null,
        warnings: info.warnings,
        ...(info.device ? { device: info.device } : {}),
      });
    } catch (err) {
      log.error({ camera: c.id, err: (err as Error).message }, 'camera unreachable at start');
      unreachable.push(cameraProbeStatus(c, err as Error));
    }
  }
  let testCamera: TestCamera | undefined;
  if (demo && cameras.length === 0) {
    try {
      testCamera = await startTestCamera({ transport: 'tcp', maxSeconds: 7 * 24 * 3600 });
      cameras.push({ id: 'demo-camera', counter: 'counter-1', rtspUrl: testCamera.rtspUrl, transport: 'tcp' });
      log.info({ rtspUrl: testCamera.rtspUrl }, 'demo test camera started');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'demo camera not started (is ffmpeg installed? sh scripts/debian-deps.sh)');
    }
  }
  const video = new VideoService({
    dir: config.video.dir,
    dbPath: join(config.dataDir, 'video.db'),
    retentionDays: config.video.retentionDays,
    // Demo mode: 10 s segments, so the sample sales' snapshots and clips appear within half a minute of the first start.
    segmentSeconds: demo && testCamera ? Math.min(10, config.video.segmentSeconds) : config.video.segmentSeconds,
    // Demo mode: the test picture's bitrate and a developer's disk say nothing about a store's year of video, so the
    // shortfall alarm (a permanent red banner on a laptop) stays off; the forecast is still computed and shown.
    ...(demo ? { retentionAlarm: false } : {}),
    cameras,
    clock,
    log,
    counterName: (id) => counterName(id, config.counters),
  });
  await video.start();
  return {
    video,
    unreachable,
    probes,
    async close() {
      await video.stop();
      await testCamera?.stop();
    },
  };
}
