// The names the pages show for recorded ids (issue 14, finding 6).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openLedger } from '../ledger/db.js';
import { counterName, Names } from './names.js';
import { AccountStore } from './store.js';

let db: Db;
beforeEach(() => {
  db = openLedger(':memory:');
});
afterEach(() => db.close());

describe('Names', () => {
  it('a counter: its configured name, else N号收银台 for counter-N, else the id', () => {
    const counters = [{ id: 'counter-1', name: '东门收银台' }, { id: 'counter-2' }];
    expect(counterName('counter-1', counters)).toBe('东门收银台');
    expect(counterName('counter-2', counters)).toBe('2号收银台');
    expect(counterName('counter-12', [])).toBe('12号收银台');
    expect(counterName('rx-desk', [])).toBe('rx-desk');
  });

  it('a recorded actor: the display name, 未签到 for a device or nobody, 演示数据, a token marked 接口', async () => {
    await new AccountStore(db, () => new Date()).create({ username: 'zhang', displayName: '张收银', role: 'cashier', password: '123456' });
    const names = new Names(db, { counters: [], devices: ['scanner-1', 'reader-1'] });
    expect(names.person('zhang')).toBe('张收银');
    expect(names.person('scanner-1')).toBe('未签到');
    expect(names.person(null)).toBe('未签到');
    expect(names.person('demo')).toBe('演示数据');
    expect(names.person('pos')).toBe('pos（接口）');
    expect(names.counter('counter-3')).toBe('3号收银台');
  });
});
