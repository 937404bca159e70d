// outbox_drain_rate: records/s from a ledger's outbox to a platform simulator running in its own process
// (as the real platform is), and outbox_write_overhead: what the outbox row adds to a ledger write.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '../agent/catalog/product.js';
import { Ledger } from '../agent/ledger/index.js';
import { Outbox } from '../agent/ledger/outbox.js';
import { ReceivingService } from '../agent/receiving/service.js';
import { PlatformClient } from '../sync/client.js';
import { MsgidAllocator } from '../sync/msgid.js';
import { OutboxWorker } from '../sync/outbox/worker.js';
import { DRUG } from '../sync/simulator/seed.js';
import { startSimulatorProcess } from './simulator-process.js';
import { emit, median, note, nowNs } from './util.js';

const STORE = 'P13010200001';

function product(id: string, nhsaCode: string, prefix: string): Product {
  return {
    id,
    name: `外送测试药${id}`,
    spec: '10片',
    manufacturer: '厂',
    approvalNo: 'H1',
    nhsaCode,
    tracePrefix: prefix,
    rx: false,
    insured: nhsaCode !== '',
    category: 'drug',
    piecesPerPack: 10,
    pricePerPack: 1000,
  };
}

export async function benchOutbox(records: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'counter-bench-outbox-'));
  const ledger = Ledger.open(join(dir, 'ledger.db'));
  const sim = await startSimulatorProcess(join(dir, 'sim.db'));
  try {
    const at = new Date();
    ledger.catalog.importProducts([product('R', DRUG.amoxicillin, '8300001'), product('N', '', '8300002')], { at });
    const receiving = new ReceivingService(ledger, {});
    const write = (productId: string, n: number) => {
      const t = nowNs();
      const r = receiving.receive({
        supplier: '供货商',
        invoiceNo: `I${n}`,
        deliveryNoteNo: `D${n}`,
        procurementOrderNo: 'CG202611000001',
        lines: [
          {
            productId,
            lot: `L${n}`,
            mfgDate: '2026-01-01',
            expiry: '2029-01-01',
            packs: 1,
            pricePerPack: 700,
            codes: [`${productId === 'R' ? '8300001' : '8300002'}${String(n).padStart(13, '0')}`],
          },
        ],
      });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return (nowNs() - t) / 1e6;
    };
    // Write overhead: the same one-line receipt with (reportable drug) and without (no national code)
    // an outbox row, interleaved so disk noise hits both alike; plus the bare insert inside a transaction.
    const withRow: number[] = [];
    const withoutRow: number[] = [];
    for (let i = 0; i < Math.min(records, 3000); i++) {
      withRow.push(write('R', 2 * i));
      withoutRow.push(write('N', 2 * i + 1));
    }
    const outbox = new Outbox(ledger.db);
    const inserts: number[] = [];
    ledger.db.exec('BEGIN');
    for (let i = 0; i < 5000; i++) {
      const t = nowNs();
      outbox.enqueue(1, '3503', `bench-${i}`, at);
      inserts.push((nowNs() - t) / 1e6);
    }
    ledger.db.exec('ROLLBACK');
    const insertMedian = median(inserts);
    emit('outbox_write_overhead', insertMedian, 'ms', {
      stat: 'median',
      receipt_write_with_outbox_ms_p50: median(withRow),
      receipt_write_without_outbox_ms_p50: median(withoutRow),
      end_to_end_difference_ms: median(withRow) - median(withoutRow),
      n: inserts.length,
      target: 'median <= 0.2 ms',
      meets_target: insertMedian <= 0.2,
    });

    for (let i = withRow.length; i < records; i++) write('R', 2 * i);
    const pending = ledger.db.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").pluck().get() as number;
    const client = new PlatformClient({
      url: sim.url,
      fixmedinsCode: STORE,
      fixmedinsName: '基准',
      mdtrtareaAdmvs: '130102',
      insuplcAdmdvs: '130102',
      recerSysCode: 'BENCH',
      devNo: '',
      operator: { code: '1', name: '基准' },
      signing: { mode: 'none' },
      timeoutMs: 10_000,
      msgids: new MsgidAllocator(ledger.msgids, STORE),
    });
    await client.signIn();
    const worker = new OutboxWorker({
      queue: ledger.outbox,
      upload: (r) => client.upload(r.infno, r.input as never),
      mapContext: { defaultOperatorName: '基准' },
    });
    const t0 = nowNs();
    let failed = 0;
    for (;;) {
      const r = await worker.tick();
      failed += r.failed + r.retried;
      if (r.sent + r.failed + r.retried === 0) break;
    }
    const seconds = (nowNs() - t0) / 1e9;
    note(`outbox: ${pending} records drained in ${seconds.toFixed(2)} s`);
    emit('outbox_drain_rate', pending / seconds, 'records/s', {
      n: pending,
      seconds,
      not_sent_first_time: failed,
      concurrency: 16,
      simulator: 'separate process on 127.0.0.1',
      target: '>= 1000 records/s',
      meets_target: pending / seconds >= 1000,
    });
  } finally {
    await sim.stop();
    ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
