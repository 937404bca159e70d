// The shapes VideoService takes and hands out (re-exported from service.ts).

import type { CameraRecorderEvents } from '../../device/camera/recorder.js';
import type { DeviceStatus } from '../../device/types.js';

export interface VideoCamera {
  id: string;
  counter: string;
  rtspUrl: string;
  transport: 'tcp' | 'udp';
}

/** What the service needs of a recorder (CameraRecorder, or a fake in tests). */
export interface Recorder {
  readonly id: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DeviceStatus;
  on<K extends keyof CameraRecorderEvents>(event: K, listener: (...args: CameraRecorderEvents[K]) => void): unknown;
}

export interface VideoLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DiskStats {
  totalBytes: number;
  freeBytes: number;
}

export interface VideoServiceOptions {
  /** Root of `segments/<camera>/<YYYYMMDD>/`, `clips/` and `snapshots/` (config `video.dir`). */
  dir: string;
  /** `<dataDir>/video.db` */
  dbPath: string;
  retentionDays: number;
  segmentSeconds: number;
  cameras: VideoCamera[];
  clock?: () => Date;
  log: VideoLog;
  diskStats?: (dir: string) => Promise<DiskStats>;
  recorderFactory?: (camera: VideoCamera, o: { dir: string; segmentSeconds: number; clock: () => Date }) => Recorder;
  /** Seconds of video linked before the first scan and after settlement; default 30. */
  salePadSeconds?: number;
  /** Kept free for the rest of the box when forecasting; default 1 GiB. */
  reserveBytes?: number;
  /** Days of recent footage the bytes/day rate is measured over; default 7. */
  forecastWindowDays?: number;
  /** Footage needed before the forecast is trusted enough to alarm; default 10 minutes. */
  minMeasuredSeconds?: number;
  /** Cached clips older than this are removed by the daily job (they are cut again on demand); default 7. */
  clipCacheDays?: number;
  /** Raise VIDEO_RETENTION_SHORTFALL when the disk cannot keep retentionDays (default true; the demo's test camera says nothing about a real one). */
  retentionAlarm?: boolean;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** The counter's name for the alarms people read (config counters); default its id. */
  counterName?: (id: string) => string;
}

export interface SaleVideoSegment {
  segmentId: number;
  cameraId: string;
  /** ISO UTC */
  start: string;
  end: string;
  durationSec: number | null;
  bytes: number;
  sha256: string | null;
  broken: boolean;
  problem?: string;
  /** Set when retention has removed the file (the index row stays as the record). */
  deletedAt?: string;
}

export interface SaleClip {
  path: string;
  sha256: string;
  bytes: number;
  /** ISO UTC: the window the clip shows. */
  from: string;
  to: string;
  cameraId: string;
  /** False while the sale's window is not fully recorded yet (cut again when it is). */
  complete: boolean;
  /** Seconds inside [from, to] with no footage (the recorder was down): the clip is that much shorter. */
  gapSec: number;
}

export interface Snapshot {
  path: string;
  sha256: string;
  cameraId: string;
  /** ISO UTC */
  at: string;
}

export interface VideoForecast {
  /** Measured over the last forecastWindowDays, summed over cameras; 0 before any footage. */
  bytesPerDay: number;
  /** How many days of footage the disk can hold (footage on it + free − reserve); null before a measurement. */
  daysKeepable: number | null;
  retentionDays: number;
  freeBytes: number | null;
  totalBytes: number | null;
  /** Bytes of the segments now on disk. */
  videoBytes: number;
  neededBytes: number;
  shortfallBytes: number;
  /** Seconds of footage the rate was measured on. */
  measuredSeconds: number;
  /** False when the disk cannot keep retentionDays at the measured rate. */
  ok: boolean;
}

export interface VideoAlarm {
  code: string;
  message: string;
}
