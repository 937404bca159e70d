import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOX, code, HERB, IBU, receipt } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import { ReceivingService } from '../receiving/service.js';
import { BULK_CACHE_KIB, COUNTER_CACHE_KIB } from './db.js';
import { CodeState, Ledger } from './index.js';
import { SCHEMA_VERSION } from './migrations.js';
import { verifyLedger } from './verify.js';

const at = new Date('2026-11-22T02:00:00Z');
let dir: { dir: string; cleanup: () => void };
let path: string;
let ledger: Ledger;
let receiving: ReceivingService;

beforeEach(() => {
  dir = tempDir();
  path = join(dir.dir, 'ledger.db');
  ledger = Ledger.open(path);
  receiving = new ReceivingService(ledger, {}, () => at);
  ledger.catalog.importProducts([AMOX, IBU, HERB], { at });
});
afterEach(() => {
  ledger.close();
  dir.cleanup();
});

/** Plain SQL on the file, as someone tampering with it would do. */
function tamper(sql: string): void {
  const raw = new Database(path);
  raw.exec(sql);
  raw.close();
}

describe('ledger file', () => {
  it('uses WAL, synchronous=FULL and foreign keys', () => {
    expect(ledger.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(ledger.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(ledger.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('keeps the page cache small between writes and lends a receipt the large one, given back even when it fails', () => {
    const cache = () => ledger.db.pragma('cache_size', { simple: true });
    expect(cache()).toBe(-COUNTER_CACHE_KIB);
    const during: unknown[] = [];
    let fail = false;
    const watched = new ReceivingService(ledger, {}, () => {
      during.push(cache());
      if (fail) throw new Error('clock broke');
      return at;
    });
    expect(watched.receive(receipt()).ok).toBe(true);
    expect(watched.receive(receipt()).ok).toBe(false); // the same codes again: refused by validation
    fail = true;
    expect(() => watched.receive(receipt())).toThrow('clock broke');
    expect(during).toEqual([-BULK_CACHE_KIB, -BULK_CACHE_KIB, -BULK_CACHE_KIB]);
    expect(cache()).toBe(-COUNTER_CACHE_KIB);
  });

  it('migrates once: reopening keeps the data and the schema version', () => {
    ledger.close();
    ledger = Ledger.open(path);
    expect(ledger.catalog.all().map((p) => p.id)).toEqual(['AMOX', 'HERB', 'IBU']);
    expect(ledger.db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
  });

  it('refuses UPDATE and DELETE on the event log in the database itself', () => {
    expect(() => ledger.db.prepare("UPDATE events SET payload = '{}' WHERE seq = 1").run()).toThrow(/append-only: UPDATE refused/);
    expect(() => ledger.db.prepare('DELETE FROM events').run()).toThrow(/append-only: DELETE refused/);
  });

  it('chains each event to the previous hash', () => {
    receiving.receive(receipt());
    const events = ledger.db.prepare('SELECT seq, prev_hash, hash FROM events ORDER BY seq').all() as { seq: number; prev_hash: string; hash: string }[];
    expect(events).toHaveLength(2);
    expect(events[0]!.prev_hash).toBe('0'.repeat(64));
    expect(events[1]!.prev_hash).toBe(events[0]!.hash);
    expect(events[1]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('receiving into the ledger', () => {
  it('records lots, codes, stock and one 3503 outbox row per line in the same transaction', () => {
    const r = receiving.receive(receipt());
    expect(r).toEqual({ ok: true, id: 1 });
    const stock = ledger.queries.stock();
    expect(stock.map((s) => [s.productId, s.piecesOnHand])).toEqual([
      ['AMOX', 48],
      ['HERB', 5],
    ]);
    const life = ledger.queries.codeLife(code('8100003', 2));
    expect(life).toMatchObject({ state: 'in_stock', pieces: 24, piecesSold: 0, product: { id: 'AMOX' }, lot: { lot: 'A2401', expiry: '2028-01-09' } });
    expect(life?.events[0]).toMatchObject({ kind: 'received', receiptId: 1, supplier: '华润河北医药有限公司', invoiceNo: 'INV-001' });
    const outbox = ledger.db.prepare('SELECT event_seq, infno, record_key, status FROM outbox ORDER BY id').all();
    const lots = ledger.db.prepare('SELECT bchno FROM lots ORDER BY id').pluck().all();
    expect(outbox).toEqual(lots.map((b) => ({ event_seq: 2, infno: '3503', record_key: b, status: 'pending' })));
    expect(verifyLedger(ledger.db)).toMatchObject({ ok: true, events: 2, codes: 2 });
  });

  it('stores nothing of a refused receipt', () => {
    const before = ledger.db.prepare('SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM lots) + (SELECT COUNT(*) FROM outbox)').pluck().get();
    const r = receipt();
    r.lines[0]!.codes[1] = code('8100004', 1); // wrong product on one box only
    const result = receiving.receive(r);
    expect(result.ok).toBe(false);
    const after = ledger.db.prepare('SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM lots) + (SELECT COUNT(*) FROM outbox)').pluck().get();
    expect(after).toBe(before);
    expect(ledger.queries.codeLife(code('8100003', 1))).toBeUndefined();
  });

  it('rolls the whole receipt back when a write fails half-way (no event without its rows)', () => {
    // A code inserted behind the validator's back makes the second insert of the transaction fail.
    const r = receipt();
    const lines = [
      {
        lineNo: 1,
        product: AMOX,
        lot: 'X',
        mfgDate: '2026-01-01',
        expiry: '2028-01-01',
        packs: 2,
        pieces: 48,
        pricePerPack: 1,
        codes: [code('8100003', 7), code('8100003', 7)],
      },
    ];
    expect(() => ledger.receipts.recordReceipt({ ...r, lines }, { at })).toThrow(/UNIQUE/);
    expect(ledger.db.prepare('SELECT COUNT(*) FROM events').pluck().get()).toBe(1);
    expect(ledger.db.prepare('SELECT COUNT(*) FROM lots').pluck().get()).toBe(0);
    expect(verifyLedger(ledger.db).ok).toBe(true);
  });

  it('refuses the same box received twice across receipts', () => {
    expect(receiving.receive(receipt()).ok).toBe(true);
    const again = receiving.receive(receipt({ invoiceNo: 'INV-002' }));
    expect(again.ok ? [] : again.problems.map((p) => p.code)).toEqual(['TRACE_CODE_ALREADY_IN_STOCK', 'TRACE_CODE_ALREADY_IN_STOCK']);
  });

  it('records opening stock without codes as lots reported with 3501', () => {
    const r = receiving.receiveOpening({
      note: '期初盘点',
      lines: [{ productId: 'IBU', lot: 'OLD1', mfgDate: '2025-06-30', expiry: '2027-06-30', pieces: 35 }],
    });
    expect(r.ok).toBe(true);
    expect(ledger.queries.stock({ productId: 'IBU' })[0]).toMatchObject({ piecesOnHand: 35, lots: [{ lot: 'OLD1', coded: false }] });
    expect(ledger.db.prepare("SELECT COUNT(*) FROM outbox WHERE infno = '3501'").pluck().get()).toBe(1);
    expect(verifyLedger(ledger.db).ok).toBe(true);
  });

  it('will not change pieces per pack of a product that has stock', () => {
    receiving.receive(receipt());
    const r = ledger.catalog.importProducts([{ ...AMOX, piecesPerPack: 12 }], { at });
    expect(r.imported).toBe(0);
    expect(r.problems[0]).toMatch(/piecesPerPack: cannot change from 24 to 12/);
  });
});

describe('verify-ledger catches tampering done with plain SQL', () => {
  beforeEach(() => {
    expect(receiving.receive(receipt()).ok).toBe(true);
    expect(
      receiving.receive(
        receipt({
          invoiceNo: 'INV-2',
          lines: [{ productId: 'IBU', lot: 'B9', mfgDate: '2026-02-01', expiry: '2028-02-01', packs: 1, pricePerPack: 1500, codes: [code('8100004', 5)] }],
        }),
      ).ok,
    ).toBe(true);
    ledger.close();
  });
  afterEach(() => {
    ledger = Ledger.open(path);
  });

  const verifyFile = () => {
    const db = new Database(path, { readonly: true });
    try {
      return verifyLedger(db);
    } finally {
      db.close();
    }
  };

  it('passes on an untouched file', () => {
    expect(verifyFile()).toMatchObject({ ok: true, events: 3, codes: 3, problems: [] });
  });

  it('names the event whose payload was edited after dropping the trigger', () => {
    tamper(`DROP TRIGGER events_append_only_update;
      UPDATE events SET payload = replace(payload, '"packs":2', '"packs":3') WHERE seq = 2;`);
    const r = verifyFile();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ seq: 2, message: expect.stringMatching(/^event 2 \(receipt.recorded.*content does not match its hash/) }]);
  });

  it('names the gap when an event was deleted', () => {
    tamper('DROP TRIGGER events_append_only_delete; PRAGMA foreign_keys = OFF; DELETE FROM events WHERE seq = 2;');
    const r = verifyFile();
    expect(r.problems[0]).toMatchObject({ seq: 2, message: expect.stringMatching(/event 2 is missing/) });
  });

  it('names the event when stock was edited in the lots table', () => {
    tamper("UPDATE lots SET pieces_on_hand = pieces_on_hand - 1 WHERE lot_no = 'B9'");
    const r = verifyFile();
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ seq: 3, message: expect.stringMatching(/batch .* stock should be 20 pieces .* but is 19/) });
  });

  it('catches a code moved to another lot and a code added out of nowhere', () => {
    tamper(`UPDATE trace_codes SET lot_id = (SELECT id FROM lots WHERE lot_no = 'B9') WHERE code = '${code('8100003', 1)}';`);
    expect(verifyFile().problems[0]?.message).toMatch(/code 81000030000000000001 belongs to batch .* but trace_codes says batch/);
    tamper(`INSERT INTO trace_codes VALUES ('81000039999999999999', 1, 24, 0, ${CodeState.IN_STOCK}, 2);`);
    expect(verifyFile().problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/trace_codes holds 4 codes but the events received 3/));
  });

  it('catches a catalogue row edited behind the log', () => {
    tamper("UPDATE products SET price_per_pack = 1 WHERE id = 'IBU'");
    expect(verifyFile().problems).toContainEqual({ seq: 1, message: expect.stringMatching(/product IBU differs/) });
  });
});
