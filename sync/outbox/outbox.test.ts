import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../agent/ledger/index.js';
import { syncStatus } from '../../agent/ledger/outbox-status.js';
import { ReceivingService } from '../../agent/receiving/service.js';
import { AMOX, code, HERB, IBU } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import { PlatformClient } from '../client.js';
import { MsgidAllocator } from '../msgid.js';
import { type SimulatorHandle, startSimulator } from '../simulator/index.js';
import { countUploads, listUploads } from '../simulator/uploads.js';
import { OutboxWorker } from './worker.js';

const DRAIN = fileURLToPath(new URL('../../test/support/outbox-drain.mjs', import.meta.url));
let tmp: { dir: string; cleanup: () => void };
let ledger: Ledger;
let sim: SimulatorHandle;
let now: Date;
const clock = () => now;

beforeEach(async () => {
  tmp = tempDir();
  now = new Date('2026-11-22T02:00:00Z');
  ledger = Ledger.open(join(tmp.dir, 'ledger.db'));
  ledger.catalog.importProducts([AMOX, IBU, HERB], { at: now });
  sim = await startSimulator({ dbPath: join(tmp.dir, 'sim.db') });
});
afterEach(async () => {
  await sim.close();
  ledger.close();
  tmp.cleanup();
});

/** n receipts of two reportable lines each (the herbal line has a national code too: 3 records). */
function receive(n: number, from = 0): void {
  const receiving = new ReceivingService(ledger, {}, clock);
  for (let i = from; i < from + n; i++) {
    const r = receiving.receive({
      supplier: '华润河北医药有限公司',
      invoiceNo: `INV-${i}`,
      deliveryNoteNo: `DN-${i}`,
      procurementOrderNo: 'CG202611000001',
      lines: [
        { productId: 'AMOX', lot: `A${i}`, mfgDate: '2026-01-01', expiry: '2028-01-01', packs: 1, pricePerPack: 1100, codes: [code('8100003', i + 1)] },
        { productId: 'IBU', lot: `B${i}`, mfgDate: '2026-01-01', expiry: '2028-01-01', packs: 1, pricePerPack: 1500, codes: [code('8100004', i + 1)] },
        { productId: 'HERB', lot: `H${i}`, mfgDate: '2026-01-01', expiry: '2027-01-01', packs: 3, pricePerPack: 300, codes: [] },
      ],
    });
    expect(r.ok).toBe(true);
  }
}

function client(timeoutMs = 2000) {
  return new PlatformClient({
    url: sim.url,
    fixmedinsCode: 'P13010200001',
    fixmedinsName: '测试药店',
    mdtrtareaAdmvs: '130102',
    insuplcAdmdvs: '130102',
    recerSysCode: 'COUNTERAGENT',
    devNo: '',
    operator: { code: '0001', name: '收银员' },
    signing: { mode: 'none' },
    timeoutMs,
    msgids: new MsgidAllocator(ledger.msgids, 'P13010200001', clock),
    clock,
  });
}

const unsent = () => ledger.db.prepare("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").pluck().get() as number;

function runDrain(): { done: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [DRAIN, join(tmp.dir, 'ledger.db'), sim.url], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { done: new Promise((resolve) => child.on('exit', (code) => resolve(code))), kill: () => child.kill('SIGKILL') };
}

describe('outbox to the platform', () => {
  it('under 30 % injected faults and a SIGKILL mid-stream, the platform holds every record exactly once', async () => {
    receive(60); // 180 records
    sim.setFaults({ rate5xx: 0.1, rateTimeout: 0.05, timeoutHoldMs: 1000, rateMalformed: 0.075, rateLostAfterCommit: 0.075 });
    const first = runDrain();
    const deadline = Date.now() + 20_000;
    while (countUploads(sim.db, { infno: '3503' }) < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.kill();
    expect(await first.done).toBeNull(); // killed, not finished
    expect(countUploads(sim.db, { infno: '3503' })).toBeLessThan(180);

    const second = runDrain();
    expect(await second.done).toBe(0);
    expect(unsent()).toBe(0);
    const uploads = listUploads(sim.db, { infno: '3503' });
    const bchnos = ledger.db.prepare('SELECT bchno FROM lots ORDER BY id').pluck().all() as string[];
    expect(uploads.map((u) => u.bchno).sort()).toEqual([...bchnos].sort()); // each exactly once, none missing
    // Lost answers and the kill made the box send some records again; the stable batch id kept them one record.
    expect(uploads.some((u) => u.uploadCount > 1)).toBe(true);
    expect(uploads.find((u) => u.bchno === bchnos[0])?.payload).toMatchObject({
      fixmedins_bchno: bchnos[0],
      med_list_codg: AMOX.nhsaCode,
      purc_retn_cnt: '24',
    });
  });

  it('keeps going through a week offline and drains the backlog in order when the platform returns', async () => {
    const c = client();
    const worker = new OutboxWorker({
      queue: ledger.outbox,
      upload: (r) => c.upload(r.infno, r.input as never),
      mapContext: { defaultOperatorName: 'x' },
      clock,
      random: () => 0.5,
    });
    sim.setFaults({ rate5xx: 1 });
    let attempts = 0;
    const receiving = new ReceivingService(ledger, {}, clock);
    for (let hour = 0; hour < 7 * 24; hour++) {
      if (hour % 24 === 0) receive(5, hour); // a delivery every day
      if (hour % 24 === 12)
        receiving.receiveOpening({ lines: [{ productId: 'IBU', lot: `OLD${hour}`, mfgDate: '2025-12-31', expiry: '2027-12-31', pieces: 10 }] }); // and a late stock count
      now = new Date(now.getTime() + 3600_000);
      const r = await worker.tick();
      attempts += r.sent + r.retried + r.failed;
      expect(r.sent).toBe(0);
    }
    // Offline, after the first failed batch (the first delivery's 15 records) the worker probes with one
    // record at a time, at most once an hour here, instead of hammering the platform.
    expect(attempts).toBeLessThanOrEqual(15 + 7 * 24);
    const status = syncStatus(ledger.db, now);
    expect(status).toMatchObject({ backlog: 112, pending: 112, failed: 0, sent: 0 });
    expect(status.oldestPendingAgeSeconds).toBe(7 * 24 * 3600);
    expect(status.lastError?.error).toMatch(/^医保平台暂时不可用，请稍后重试（.*HTTP 500/);

    sim.setFaults({});
    for (let i = 0; i < 100 && unsent() > 0; i++) {
      now = new Date(now.getTime() + 60_000);
      await worker.tick();
    }
    expect(unsent()).toBe(0);
    const arrived = sim.db.prepare('SELECT infno, fixmedins_bchno AS key FROM uploads ORDER BY rowid').all() as { infno: string; key: string }[];
    const created = ledger.db.prepare('SELECT infno, record_key AS key FROM outbox ORDER BY id').all() as { infno: string; key: string }[];
    expect(arrived.map((a) => a.key).sort()).toEqual(created.map((c) => c.key).sort());
    // In order: a record never arrives before one of another interface that was recorded earlier
    // (records of one interface are independent and go in parallel).
    const position = new Map(arrived.map((a, i) => [a.key, i]));
    created.forEach((a, i) => {
      for (const b of created.slice(i + 1)) if (b.infno !== a.infno) expect(position.get(a.key)!).toBeLessThan(position.get(b.key)!);
    });
  });

  it('keeps a record the platform refuses as failed, shows it, and sends it again when asked', async () => {
    receive(2);
    const broken = ledger.db.prepare('SELECT record_key FROM outbox ORDER BY id LIMIT 1').pluck().get() as string;
    let corrupt = true;
    const c = client();
    const worker = new OutboxWorker({
      queue: ledger.outbox,
      // The first record goes out without its national code, so the real simulator refuses it (infcode -1).
      upload: (r) => {
        const rec = (r.input as { purcinfo: Record<string, unknown> }).purcinfo;
        if (corrupt && rec.fixmedins_bchno === broken) delete rec.med_list_codg;
        return c.upload(r.infno, r.input as never);
      },
      mapContext: { defaultOperatorName: 'x' },
      clock,
    });
    await worker.tick();
    const status = syncStatus(ledger.db, now);
    expect(status).toMatchObject({ failed: 1, sent: 5, backlog: 1 });
    // Shown in the platform's own words, which say what is wrong with the record.
    expect(status.failedRecords[0]).toMatchObject({ recordKey: broken, infno: '3503', error: '医保平台拒绝：入参错误：缺少字段 purcinfo.med_list_codg' });
    corrupt = false;
    expect(worker.retryFailed()).toBe(1);
    await worker.tick();
    expect(syncStatus(ledger.db, now)).toMatchObject({ failed: 0, sent: 6, backlog: 0 });
  });

  it("sends a key's later record only after the earlier one is sent", () => {
    receive(1);
    const first = ledger.db.prepare('SELECT id, event_seq, record_key FROM outbox ORDER BY id LIMIT 1').get() as {
      id: number;
      event_seq: number;
      record_key: string;
    };
    // A later record for the same batch (as a purchase return or a delete would be).
    ledger.db
      .prepare("INSERT INTO outbox (event_seq, infno, record_key, created_at, next_attempt_at) VALUES (?, '3507', ?, ?, ?)")
      .run(first.event_seq, first.record_key, now.toISOString(), now.toISOString());
    const store = ledger.outbox;
    const due = () => store.due(now, 100).map((r) => `${r.infno}:${r.record_key === first.record_key ? 'first' : 'other'}`);
    expect(due()).toEqual(['3503:first', '3503:other', '3503:other']);
    store.record([{ id: first.id, result: 'failed', error: 'refused' }], now);
    expect(due()).toEqual(['3503:other', '3503:other']); // a refused record holds back its key
    store.retryFailed(now);
    store.record([{ id: first.id, result: 'sent' }], now);
    expect(due()).toContain('3507:first');
  });
});
