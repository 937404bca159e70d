import { describe, expect, it } from 'vitest';
import { withoutDetails } from './health.js';

describe('public health alarms', () => {
  it('keep what happened and what to do, without paths or URLs', () => {
    expect(withoutDetails('数据盘剩余空间不足 1 GB（/var/lib/counter-agent），请清理或扩容')).toBe('数据盘剩余空间不足 1 GB，请清理或扩容');
    expect(withoutDetails('扫码枪 front-scanner（counter-1）未连接：/dev/ttyACM0，请检查连线或联系技术员')).toBe(
      '扫码枪 front-scanner（counter-1）未连接，请检查连线或联系技术员',
    );
    expect(withoutDetails('医保平台 https://fsi.example.cn/api 无法连接，请检查网络')).toBe('医保平台 无法连接，请检查网络');
    expect(withoutDetails('有 3 条进销存记录被医保平台拒收')).toBe('有 3 条进销存记录被医保平台拒收');
  });
});
