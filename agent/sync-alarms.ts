import type { SyncStatus } from './ledger/outbox-status.js';

/** A backlog older than this means the platform has not had our records for a day: tell the manager. */
const STALE_BACKLOG_SECONDS = 24 * 3600;

export function syncAlarms(s: SyncStatus): { code: string; message: string }[] {
  const alarms: { code: string; message: string }[] = [];
  if (s.failed > 0) {
    alarms.push({ code: 'SYNC_FAILED', message: `有 ${s.failed} 条进销存记录被医保平台拒收，请在管理页面“数据上传”中查看原因并处理` });
  }
  if (s.oldestPendingAgeSeconds !== null && s.oldestPendingAgeSeconds > STALE_BACKLOG_SECONDS) {
    const days = Math.floor(s.oldestPendingAgeSeconds / 86400);
    alarms.push({ code: 'SYNC_BACKLOG_STALE', message: `进销存数据已有 ${days} 天未能上传医保平台（积压 ${s.backlog} 条），请检查网络或联系技术员` });
  }
  return alarms;
}
