import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openLedger } from '../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../agent/ledger/msgids.js';
import { formatShanghaiCompact, formatShanghaiDateTime, shanghaiDate } from '../common/time.js';
import { MsgidAllocator, parseMsgid } from './msgid.js';
import { tempDir } from './test-support.js';

const CODE = 'P13010200001';

describe('Asia/Shanghai rendering', () => {
  it('is UTC+8 whatever the machine TZ', () => {
    const at = new Date('2026-12-31T16:00:01Z');
    expect(formatShanghaiDateTime(at)).toBe('2027-01-01 00:00:01');
    expect(formatShanghaiCompact(at)).toBe('20270101000001');
    expect(shanghaiDate(new Date('2026-11-22T15:59:59Z'))).toBe('2026-11-22');
    expect(shanghaiDate(new Date('2026-11-22T16:00:00Z'))).toBe('2026-11-23');
  });
});

describe('MsgidAllocator', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  const open: Db[] = [];
  const db = (): Db => {
    const d = openLedger(path);
    open.push(d);
    return d;
  };
  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'box.sqlite');
  });
  afterEach(() => {
    for (const d of open.splice(0)) d.close();
    tmp.remove();
  });

  const fixed = (iso: string) => () => new Date(iso);

  it('is fixmedins_code + Shanghai yyyyMMddHHmmss + 4-digit sequence', () => {
    const a = new MsgidAllocator(new LedgerMsgidReservations(db()), CODE, fixed('2026-11-22T02:03:04.567Z'));
    const id = a.next();
    expect(id).toHaveLength(30);
    expect(id).toBe(`${CODE}202611221003040001`);
    expect(a.next()).toBe(`${CODE}202611221003040002`);
    const p = parseMsgid(id)!;
    expect(p.fixmedinsCode).toBe(CODE);
    expect(p.seq).toBe(1);
    expect(p.at.toISOString()).toBe('2026-11-22T02:03:04.000Z');
  });

  it('restarts the sequence in a new second', () => {
    let t = '2026-11-22T02:03:04Z';
    const a = new MsgidAllocator(new LedgerMsgidReservations(db()), CODE, () => new Date(t));
    a.next();
    a.next();
    t = '2026-11-22T02:03:05Z';
    expect(a.next()).toBe(`${CODE}202611221003050001`);
  });

  it('never repeats across two allocators on the same file in the same second (and across a restart)', () => {
    const clock = fixed('2026-11-22T02:03:04Z');
    const a = new MsgidAllocator(new LedgerMsgidReservations(db()), CODE, clock);
    const b = new MsgidAllocator(new LedgerMsgidReservations(db()), CODE, clock);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const id of [a.next(), b.next()]) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    // A "restarted process": a new connection and allocator, same second.
    const c = new MsgidAllocator(new LedgerMsgidReservations(db()), CODE, clock);
    const id = c.next();
    expect(seen.has(id)).toBe(false);
    expect(id.slice(-4)).toBe('0401');
  });

  it('moves to the next second after 9999 instead of repeating', () => {
    const d = db();
    const a = new MsgidAllocator(new LedgerMsgidReservations(d), CODE, fixed('2026-11-22T02:03:04Z'));
    d.prepare('INSERT INTO platform_msgid_seq (second, last) VALUES (?, ?)').run('20261122100304', 9998);
    expect(a.next()).toBe(`${CODE}202611221003049999`);
    expect(a.next()).toBe(`${CODE}202611221003050001`);
    expect(a.next()).toBe(`${CODE}202611221003050002`);
  });

  it('prunes rows older than a day', () => {
    const d = db();
    let t = '2026-11-20T02:00:00Z';
    const a = new MsgidAllocator(new LedgerMsgidReservations(d), CODE, () => new Date(t));
    a.next();
    t = '2026-11-22T02:00:00Z';
    a.next();
    const rows = d.prepare('SELECT second FROM platform_msgid_seq').all() as { second: string }[];
    expect(rows.map((r) => r.second)).toEqual(['20261122100000']);
  });

  it('rejects a malformed fixmedins_code', () => {
    expect(() => new MsgidAllocator(new LedgerMsgidReservations(db()), 'P1301', fixed('2026-11-22T02:00:00Z'))).toThrow(/12 characters/);
  });
});
