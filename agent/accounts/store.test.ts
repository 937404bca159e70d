import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openLedger } from '../ledger/db.js';
import { AccountStore } from './store.js';

let db: Db;
let now: Date;
let store: AccountStore;
const ip = '10.0.0.5';

beforeEach(() => {
  db = openLedger(':memory:');
  now = new Date('2026-11-22T02:00:00Z');
  store = new AccountStore(db, () => now);
});
afterEach(() => db.close());
const advance = (ms: number) => (now = new Date(now.getTime() + ms));

describe('AccountStore', () => {
  it('creates users with a role, refuses duplicates, weak passwords and non-PIN cashier passwords', async () => {
    await store.create({ username: 'Li', displayName: '李店长', role: 'manager', password: 'long-enough' });
    expect(store.list()).toEqual([expect.objectContaining({ username: 'li', displayName: '李店长', role: 'manager', disabled: false })]);
    await expect(store.create({ username: 'li', role: 'cashier', password: '1234' })).rejects.toMatchObject({ status: 409 });
    await expect(store.create({ username: 'wang', role: 'manager', password: 'short' })).rejects.toMatchObject({ code: 'PASSWORD_WEAK' });
    await expect(store.create({ username: 'zhao', role: 'cashier', password: 'abcd' })).rejects.toMatchObject({ code: 'PASSWORD_WEAK' });
    await expect(store.create({ username: 'zhao', role: 'cashier', password: '123456789' })).rejects.toMatchObject({ code: 'PASSWORD_WEAK' });
    await store.create({ username: 'zhao', role: 'cashier', password: '0042' });
    expect(() => db.prepare("INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ('x','x','boss','h','t')").run()).toThrow(
      /CHECK/,
    );
  });

  it('creates pharmacists with their name and 执业药师注册证号, who verify at a counter but never open a page session', async () => {
    const base = { username: 'wang', role: 'pharmacist' as const, password: 'pharm-pass-1' };
    await expect(store.create({ ...base, displayName: '王药师' })).rejects.toMatchObject({ code: 'PRAC_CERT_NO_INVALID', status: 400 });
    await expect(store.create({ ...base, displayName: '王药师', pracCertNo: '12345' })).rejects.toMatchObject({ code: 'PRAC_CERT_NO_INVALID' });
    await expect(store.create({ ...base, displayName: '王药师', pracCertNo: '4401 0120' })).rejects.toMatchObject({ code: 'PRAC_CERT_NO_INVALID' });
    await expect(store.create({ ...base, displayName: '王药师', pracCertNo: 'ABCDEFG12' })).rejects.toMatchObject({ code: 'PRAC_CERT_NO_INVALID' });
    await expect(store.create({ ...base, pracCertNo: '44010120200123' })).rejects.toMatchObject({ code: 'DISPLAY_NAME_REQUIRED' });
    await expect(store.create({ ...base, displayName: '王药师', pracCertNo: '44010120200123', password: '1234' })).rejects.toMatchObject({
      code: 'PASSWORD_WEAK',
    });
    await expect(store.create({ username: 'li', role: 'cashier', password: '1234', pracCertNo: '44010120200123' })).rejects.toMatchObject({
      code: 'PRAC_CERT_NO_UNEXPECTED',
    });
    const u = await store.create({ ...base, displayName: ' 王药师 ', pracCertNo: ' ZY-44010120200123 ' });
    expect(u).toMatchObject({ username: 'wang', displayName: '王药师', role: 'pharmacist', pracCertNo: 'ZY-44010120200123' });
    expect((await store.verify('wang', 'pharm-pass-1', ip)).ok).toBe(true);
    expect(await store.login('wang', 'pharm-pass-1', { ip })).toEqual({ ok: false, reason: 'pharmacist' });
    expect(db.prepare('SELECT COUNT(*) FROM sessions').pluck().get()).toBe(0);
    // The table itself holds the rule: a pharmacist row has a certificate number, nobody else does.
    expect(() => db.prepare("INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES ('x','x','pharmacist','h','t')").run()).toThrow(
      /CHECK/,
    );
  });

  it('stores only the SHA-256 of the session token; sessions end after 8 h idle and 12 h absolute', async () => {
    await store.create({ username: 'zhao', role: 'cashier', password: '4321' });
    const r = await store.login('zhao', '4321', { ip });
    if (!r.ok) throw new Error('login failed');
    expect(db.prepare('SELECT id FROM sessions').pluck().get()).toBe(r.session.id);
    expect(r.session.id).not.toContain(r.token);
    for (let i = 0; i < 4; i++) {
      advance(3 * 3600_000 - 1);
      expect(store.session(r.token)?.user.username).toBe('zhao');
    }
    advance(4);
    expect(store.session(r.token)).toBeUndefined(); // 12 h after sign-in, although used 3 h ago
    const r2 = await store.login('zhao', '4321', { ip });
    if (!r2.ok) throw new Error('login failed');
    advance(8 * 3600_000);
    expect(store.session(r2.token)).toBeUndefined(); // 8 h idle
    expect(store.session('not-a-token')).toBeUndefined();
  });

  it('locks a username after 5 failures in 15 min, for 15 min, even for the right password', async () => {
    await store.create({ username: 'zhao', role: 'cashier', password: '4321' });
    for (let i = 0; i < 5; i++) expect(await store.login('zhao', '0000', { ip })).toEqual({ ok: false, reason: 'bad_credentials' });
    const locked = await store.login('zhao', '4321', { ip });
    expect(locked).toEqual({ ok: false, reason: 'locked', retryAt: new Date(now.getTime() + 15 * 60_000) });
    advance(15 * 60_000 - 1);
    expect((await store.login('zhao', '4321', { ip })).ok).toBe(false);
    advance(1);
    expect((await store.login('zhao', '4321', { ip })).ok).toBe(true);
  });

  it('counts unknown usernames and locks an IP after 20 failures across usernames', async () => {
    await store.create({ username: 'zhao', role: 'cashier', password: '4321' });
    for (let i = 0; i < 20; i++) await store.login(`nobody${i}`, '0000', { ip });
    expect(await store.login('zhao', '4321', { ip })).toMatchObject({ ok: false, reason: 'locked' });
    expect((await store.login('zhao', '4321', { ip: '10.0.0.6' })).ok).toBe(true);
  });

  it('disabling a user ends their sessions and refuses their sign-in', async () => {
    await store.create({ username: 'zhao', role: 'cashier', password: '4321' });
    const r = await store.login('zhao', '4321', { ip });
    if (!r.ok) throw new Error('login failed');
    store.disable('zhao');
    expect(store.session(r.token)).toBeUndefined();
    expect(await store.login('zhao', '4321', { ip })).toEqual({ ok: false, reason: 'disabled' });
  });

  it('a new password ends the other sessions and the old password stops working', async () => {
    await store.create({ username: 'li', role: 'manager', password: 'first-password' });
    const a = await store.login('li', 'first-password', { ip });
    const b = await store.login('li', 'first-password', { ip });
    if (!a.ok || !b.ok) throw new Error('login failed');
    await store.setPassword('li', 'second-password', a.session.id);
    expect(store.session(a.token)).toBeDefined();
    expect(store.session(b.token)).toBeUndefined();
    expect((await store.login('li', 'first-password', { ip })).ok).toBe(false);
    expect((await store.login('li', 'second-password', { ip })).ok).toBe(true);
  });
});
