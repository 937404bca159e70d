// The video alarms for health, the counter page and the manager page (Chinese; they name the camera, the
// path or the numbers): a recorder down, broken segments of the last day, and the retention shortfall.

import { DAY_MS, type VideoRetention } from './retention.js';
import type { SegmentRow, VideoStore } from './store.js';
import type { Recorder, VideoAlarm, VideoCamera } from './types.js';

export function videoAlarms(
  recorders: readonly { camera: VideoCamera; recorder: Recorder }[],
  store: VideoStore,
  retention: VideoRetention | undefined,
  nowMs: number,
  counterName: (id: string) => string = (id) => id,
): VideoAlarm[] {
  const out: VideoAlarm[] = [];
  for (const { camera, recorder } of recorders) {
    const s = recorder.status();
    const downFor = nowMs - Date.parse(s.since);
    if (s.state === 'error' || (s.state === 'missing' && downFor > 30_000)) {
      out.push({
        code: 'VIDEO_RECORDER_DOWN',
        message: `摄像头 ${camera.id}（${counterName(camera.counter)}）录像中断，系统正在自动重连；请检查摄像头电源和网线（${s.error ?? s.path ?? ''}）`,
      });
    }
  }
  const broken = store.brokenSince(nowMs - DAY_MS);
  const byCamera = new Map<string, SegmentRow[]>();
  for (const b of broken) byCamera.set(b.camera, [...(byCamera.get(b.camera) ?? []), b]);
  for (const [camera, rows] of byCamera) {
    const latest = rows[0] as SegmentRow;
    out.push({
      code: 'VIDEO_SEGMENT_BROKEN',
      message: `摄像头 ${camera} 近24小时有 ${rows.length} 个录像片段损坏（最近一个：${latest.path}，${latest.problem ?? '无法读取'}），请检查摄像头和存储盘`,
    });
  }
  const shortfall = retention?.shortfallAlarm();
  if (shortfall) out.push(shortfall);
  return out;
}
