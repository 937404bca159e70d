import type { DeviceStatus } from '../../device/types.js';

const KIND_NAMES: Record<DeviceStatus['kind'], string> = { scanner: '扫码枪', id_reader: '身份证读卡器', camera: '摄像头' };

/** A configured device that is not connected is an alarm on health and on the pages. */
export function deviceAlarms(statuses: readonly DeviceStatus[], counterName: (id: string) => string = (id) => id): { code: string; message: string }[] {
  return statuses
    .filter((s) => s.state === 'missing' || s.state === 'error')
    .map((s) => ({
      code: s.state === 'missing' ? 'DEVICE_MISSING' : 'DEVICE_ERROR',
      message: `${KIND_NAMES[s.kind]} ${s.id}（${counterName(s.counter)}）${s.state === 'missing' ? '未连接' : '故障'}${s.path ? `：${s.path}` : ''}，请检查连线或联系技术员`,
    }));
}
