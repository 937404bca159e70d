// Retention and capacity for the video store: delete only what is past retention (oldest first, never
// to make room), keep the last disk reading, and forecast from the measured bytes per day whether the
// disk can hold the retention, with the (Chinese) alarm when it cannot.

import { rm, statfs } from 'node:fs/promises';
import type { VideoStore } from './store.js';
import type { DiskStats, VideoAlarm, VideoForecast, VideoServiceOptions } from './types.js';

export const DAY_MS = 86_400_000;
/** A sale's video is kept at least this long after the sale, whatever retentionDays says. */
const SALE_KEEP_DAYS = 365;

type RetentionOptions = Pick<VideoServiceOptions, 'dir' | 'retentionDays' | 'log' | 'diskStats' | 'reserveBytes' | 'forecastWindowDays' | 'minMeasuredSeconds'>;

export class VideoRetention {
  private disk: DiskStats | undefined;
  private forecastCache: { at: number; value: VideoForecast } | undefined;

  constructor(
    private readonly store: VideoStore,
    private readonly o: RetentionOptions,
    private readonly clock: () => Date,
  ) {}

  /** New footage was indexed: the next forecast is computed afresh. */
  invalidate(): void {
    this.forecastCache = undefined;
  }

  /**
   * Delete the segments past retention (ended more than retentionDays ago) that no sale of the last 365
   * days is linked to, oldest first. Never anything younger, never to make room. The index row stays,
   * marked deleted, as the record of what was removed and when.
   */
  async run(): Promise<{ deleted: number; bytes: number }> {
    const now = this.clock().getTime();
    const days = Math.max(this.o.retentionDays, SALE_KEEP_DAYS);
    const cutoff = now - days * DAY_MS;
    const saleCutoff = now - SALE_KEEP_DAYS * DAY_MS;
    let deleted = 0;
    let bytes = 0;
    for (const s of this.store.retentionCandidates(cutoff, saleCutoff)) {
      try {
        await rm(s.path, { force: true });
      } catch (err) {
        this.o.log.error({ path: s.path, err: (err as Error).message }, 'cannot delete expired video segment');
        continue;
      }
      this.store.markDeleted(s.id, this.clock().getTime());
      deleted++;
      bytes += s.bytes;
    }
    if (deleted > 0) this.o.log.info({ deleted, bytes, before: new Date(cutoff).toISOString() }, 'video past retention deleted');
    await this.refreshDisk();
    return { deleted, bytes };
  }

  /** Re-read the disk's size and free space (the forecast uses the last reading). */
  async refreshDisk(): Promise<DiskStats | undefined> {
    try {
      this.disk = await (this.o.diskStats ?? defaultDiskStats)(this.o.dir);
      this.forecastCache = undefined;
    } catch (err) {
      this.o.log.warn({ dir: this.o.dir, err: (err as Error).message }, 'cannot read video disk size');
    }
    return this.disk;
  }

  /** Cached for a minute (health is polled often and a year of rows is summed); new data invalidates it. */
  forecast(): VideoForecast {
    if (this.forecastCache && Date.now() - this.forecastCache.at < 60_000) return this.forecastCache.value;
    const value = this.computeForecast();
    this.forecastCache = { at: Date.now(), value };
    return value;
  }

  /** The alarm when the disk cannot keep retentionDays at the measured rate, else undefined. */
  shortfallAlarm(): VideoAlarm | undefined {
    const f = this.forecast();
    if (f.ok || f.daysKeepable === null) return undefined;
    return {
      code: 'VIDEO_RETENTION_SHORTFALL',
      message:
        `录像存储空间不足：按实测每天约 ${gb(f.bytesPerDay)} 计算，本盘只能保存约 ${Math.floor(f.daysKeepable)} 天录像，` +
        `少于规定的 ${f.retentionDays} 天（需要 ${gb(f.neededBytes)}，现有录像 ${gb(f.videoBytes)}，剩余空间 ${gb(f.freeBytes ?? 0)}，缺 ${gb(f.shortfallBytes)}）。` +
        `系统不会删除保留期内的录像来腾空间，请尽快扩容或更换更大的存储盘（${this.o.dir}）`,
    };
  }

  private computeForecast(): VideoForecast {
    const now = this.clock().getTime();
    const windowDays = this.o.forecastWindowDays ?? 7;
    let bytesPerDay = 0;
    let measuredMs = 0;
    for (const r of this.store.ratesSince(now - windowDays * DAY_MS)) {
      if (r.durationMs <= 0) continue;
      bytesPerDay += (r.bytes / r.durationMs) * DAY_MS;
      measuredMs += r.durationMs;
    }
    const live = this.store.live();
    const retentionDays = this.o.retentionDays;
    const neededBytes = Math.round(bytesPerDay * retentionDays);
    const disk = this.disk;
    const usable = disk ? Math.max(0, live.bytes + disk.freeBytes - (this.o.reserveBytes ?? 1024 ** 3)) : null;
    const daysKeepable = usable !== null && bytesPerDay > 0 ? usable / bytesPerDay : null;
    const trusted = measuredMs >= (this.o.minMeasuredSeconds ?? 600) * 1000;
    const shortfallBytes = usable !== null ? Math.max(0, neededBytes - usable) : 0;
    return {
      bytesPerDay: Math.round(bytesPerDay),
      daysKeepable: daysKeepable === null ? null : Math.floor(daysKeepable * 10) / 10,
      retentionDays,
      freeBytes: disk?.freeBytes ?? null,
      totalBytes: disk?.totalBytes ?? null,
      videoBytes: live.bytes,
      neededBytes,
      shortfallBytes,
      measuredSeconds: Math.round(measuredMs / 1000),
      ok: !(trusted && daysKeepable !== null && daysKeepable < retentionDays),
    };
  }
}

async function defaultDiskStats(dir: string): Promise<DiskStats> {
  const s = await statfs(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
