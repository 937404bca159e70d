// Every refusal code of DESIGN 6.4 reached through the sales API over real HTTP, against a real agent
// with the embedded platform simulator. Each answer is checked for its status, its codes, a Chinese
// message and the item it points at; the last test checks that no code of REFUSAL_CODES was left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { appendReceipt, appendSale, enrolStore, eventsOf, startTestHq, tempLedger } from '../../hq/hq.test-helpers.js';
import { ingestBatch } from '../../hq/ingest.js';
import { DISEASE, DRUG } from '../../sync/simulator/seed.js';
import { saleInput } from '../../sync/test-support.js';
import { tempDir } from '../../test/helpers.js';
import { verifyLedger } from '../ledger/verify.js';
import { REFUSAL_CODES, type Refusal } from '../rules/types.js';
import {
  CATALOG,
  codeOf,
  ean13,
  expectRefused,
  line,
  otherStoreClient,
  person,
  type Res,
  RunningClock,
  serials,
  startTestAgent,
  type TestAgent,
  TOKENS,
} from './sales.test-helpers.js';

let t: TestAgent;
const seen = new Set<string>();

/** expectRefused, remembering every code seen for the completeness check at the end. */
function refused(r: Res, status: number, expected: { code: string; itemId?: number | undefined }[]): Refusal[] {
  const out = expectRefused(r, status, expected);
  for (const x of out) seen.add(x.code);
  return out;
}

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({
    procurementOrderNo: 'CG202611000001',
    lines: [line('AMOX', 'A1', [...serials('AMOX', 1, 12), codeOf('AMOX', 500)]), line('AMLO', 'L1', serials('AMLO', 1, 4))],
  });
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I1', serials('IBU', 1, 6)), line('LIAN', 'LH1', serials('LIAN', 1, 12))] });
  // Bought off-platform, without order or filing (不网采), plus goods the fund never pays for.
  await t.receive({
    invoiceNo: 'INV-NP',
    lines: [
      line('LIAN', 'LH-NP', serials('LIAN', 101, 2)),
      line('OOC', 'O1', serials('OOC', 1, 4)),
      line('HERB', 'H1', [], { packs: 10 }),
      line('VITC', 'V1', [], { packs: 5 }),
    ],
  });
});
afterAll(async () => {
  await t?.close();
});

describe('scan-time refusals (POST /api/sales/:id/items → 422)', () => {
  it('TRACE_CODE_MISSING: a product barcode leaves the item waiting; settling without its code is refused for that item', async () => {
    const id = await t.open();
    const waiting = await t.scan(id, CATALOG.LIAN.barcode);
    expect(waiting.status).toBe(200);
    expect(waiting.body.item).toMatchObject({ productId: 'LIAN', code: null, codeState: 'missing', pieces: 24 });
    const r = await t.settle(id, 'self_pay');
    const [x] = refused(r, 409, [{ code: 'TRACE_CODE_MISSING', itemId: waiting.body.item.id }]);
    expect(x!.message).toMatch(/追溯码缺失/);
    const sale = await t.sale(id);
    expect(sale.status).toBe('open');
    expect(sale.settlement).toBeNull();
    expect(sale.refusals).toEqual([expect.objectContaining({ code: 'TRACE_CODE_MISSING', itemId: waiting.body.item.id })]);
  });

  it('TRACE_CODE_INVALID: junk is refused, and when an item waits for its code the refusal points at it', async () => {
    const id = await t.open();
    refused(await t.scan(id, 'ABC-123'), 422, [{ code: 'TRACE_CODE_INVALID' }]);
    refused(await t.scan(id, '6901234567890'), 422, [{ code: 'TRACE_CODE_INVALID' }]); // EAN-13 with a wrong check digit
    const waiting = await t.scan(id, CATALOG.LIAN.barcode);
    refused(await t.scan(id, `${codeOf('LIAN', 1).slice(0, 19)}`), 422, [{ code: 'TRACE_CODE_INVALID', itemId: waiting.body.item.id }]); // 19 digits: a partial read
    const sale = await t.sale(id);
    expect(sale.items).toHaveLength(1);
    expect(sale.items[0]).toMatchObject({ id: waiting.body.item.id, code: null });
  });

  it('TRACE_CODE_DUPLICATE_IN_SALE: the same box twice in one basket', async () => {
    const id = await t.open();
    expect((await t.scan(id, codeOf('LIAN', 1))).status).toBe(200);
    refused(await t.scan(id, codeOf('LIAN', 1)), 422, [{ code: 'TRACE_CODE_DUPLICATE_IN_SALE' }]);
    expect((await t.sale(id)).items).toHaveLength(1);
    await t.api('POST', `/api/sales/${id}/void`, {}, TOKENS.cashier);
  });

  it('TRACE_CODE_ALREADY_SOLD: a box sold (settled) once cannot be scanned into another sale', async () => {
    const a = await t.open();
    await t.scan(a, codeOf('LIAN', 2));
    expect((await t.settle(a, 'self_pay')).status).toBe(200);
    const b = await t.open();
    const [x] = refused(await t.scan(b, codeOf('LIAN', 2)), 422, [{ code: 'TRACE_CODE_ALREADY_SOLD' }]);
    expect(x!.message).toMatch(/已售出/);
    const life = await t.api('GET', `/api/codes/${codeOf('LIAN', 2)}`, undefined, TOKENS.cashier);
    expect(life.body).toMatchObject({ state: 'sold', piecesSold: 24 });
  });

  it('TRACE_CODE_NOT_IN_STOCK: a well-formed code of a catalogue product the store never received', async () => {
    const id = await t.open();
    const [x] = refused(await t.scan(id, codeOf('AMOX', 9999)), 422, [{ code: 'TRACE_CODE_NOT_IN_STOCK' }]);
    expect(x!.message).toMatch(/没有入库记录/);
    expect((await t.sale(id)).items).toEqual([]);
  });

  it('TRACE_CODE_IN_TRANSIT: a box shipped to another store of the chain (调拨, not yet received there)', async () => {
    await t.receive({ invoiceNo: 'INV-TR', lines: [line('IBU', 'I-T', [codeOf('IBU', 600)])] });
    // Shipped through the ledger: the API needs HQ for that (sync/hq/transfers.test.ts covers it end to end).
    const { transferId } = t.agent.ledger.transfers.ship(
      { from: { store: 'P13010200001', name: '测试药店' }, to: { store: 'P13010200002', name: '二号店' }, codes: [codeOf('IBU', 600)] },
      { at: t.clock.now() },
    );
    const id = await t.open();
    // Its 3502 调拨出库 reaches the simulator like every other record (the platform tests below wait for the outbox).
    const [x] = refused(await t.scan(id, codeOf('IBU', 600)), 422, [{ code: 'TRACE_CODE_IN_TRANSIT' }]);
    expect(x!.message).toContain(transferId);
    expect(x!.message).toContain('二号店');
    expect((await t.sale(id)).items).toEqual([]);
  });

  it('a waiting barcode line does not block another product: barcode of A then the box of B adds B, A still waits (issue 14)', async () => {
    const id = await t.open();
    const waiting = await t.scan(id, CATALOG.LIAN.barcode);
    const ibu = await t.scan(id, codeOf('IBU', 5));
    expect(ibu.status).toBe(200);
    expect(ibu.body.item).toMatchObject({ productId: 'IBU', code: codeOf('IBU', 5), codeState: 'scanned' });
    expect((await t.sale(id)).items).toEqual([
      expect.objectContaining({ id: waiting.body.item.id, productId: 'LIAN', code: null, codeState: 'missing' }),
      expect.objectContaining({ id: ibu.body.item.id, productId: 'IBU' }),
    ]);
    // Settling is still refused for the line waiting for its code, and names it.
    refused(await t.settle(id, 'self_pay'), 409, [{ code: 'TRACE_CODE_MISSING', itemId: waiting.body.item.id }]);
    await t.api('POST', `/api/sales/${id}/void`, {}, TOKENS.cashier);
  });

  it('TRACE_CODE_PRODUCT_MISMATCH: a carton code; an unknown barcode', async () => {
    const id = await t.open();
    const waiting = await t.scan(id, CATALOG.LIAN.barcode);
    const other = await t.open();
    const [carton] = refused(await t.scan(other, '81000990000000000001'), 422, [{ code: 'TRACE_CODE_PRODUCT_MISMATCH' }]);
    expect(carton!.message).toMatch(/中包装|箱码/);
    refused(await t.scan(other, ean13('690999999999')), 422, [{ code: 'TRACE_CODE_PRODUCT_MISMATCH' }]);
    // Filling the waiting item with its own product's code still works.
    const filled = await t.scan(id, codeOf('LIAN', 3));
    expect(filled.status).toBe(200);
    expect(filled.body.item).toMatchObject({ id: waiting.body.item.id, code: codeOf('LIAN', 3), codeState: 'scanned' });
    await t.api('POST', `/api/sales/${id}/void`, {}, TOKENS.cashier);
  });

  it('SPLIT_PACK_EXHAUSTED: pieces beyond what is left in an opened box, or the opened box sold whole', async () => {
    const a = await t.open();
    expect((await t.scan(a, codeOf('IBU', 1), 15)).body.item).toMatchObject({ pieces: 15, split: true });
    expect((await t.settle(a, 'self_pay')).status).toBe(200);
    const b = await t.open();
    const [short] = refused(await t.scan(b, codeOf('IBU', 1), 6), 422, [{ code: 'SPLIT_PACK_EXHAUSTED' }]);
    expect(short!.message).toMatch(/只剩 5粒/);
    refused(await t.scan(b, codeOf('IBU', 1)), 422, [{ code: 'SPLIT_PACK_EXHAUSTED' }]);
    // One code is one box: never more pieces than the box holds.
    const [beyond] = refused(await t.scan(b, codeOf('IBU', 4), 21), 422, [{ code: 'SPLIT_PACK_EXHAUSTED' }]);
    expect(beyond!.message).toMatch(/一盒 20粒/);
    const rest = await t.scan(b, codeOf('IBU', 1), 5);
    expect(rest.status).toBe(200);
    expect(rest.body.item).toMatchObject({ pieces: 5, split: true, price: 495 });
  });

  it('LOT_EXPIRED: a lot that expired since it was received, at scan and at settlement', async () => {
    const tmp = tempDir('counter-agent-expiry-');
    try {
      const before = await startTestAgent({ dir: tmp.dir, clock: new RunningClock('2026-11-22T02:00:00Z') });
      await before.receive({
        procurementOrderNo: 'CG202611000002',
        lines: [line('LIAN', 'EXP1', serials('LIAN', 201, 2), { mfgDate: '2024-11-24', expiry: '2026-11-23' })],
      });
      const overnight = await before.open();
      const held = await before.scan(overnight, codeOf('LIAN', 201));
      expect(held.body.item).toMatchObject({ lot: 'EXP1', expiry: '2026-11-23' });
      await before.close();

      const later = await startTestAgent({ dir: tmp.dir, clock: new RunningClock('2026-11-26T02:00:00Z') });
      try {
        const id = await later.open();
        const [x] = refused(await later.scan(id, codeOf('LIAN', 202)), 422, [{ code: 'LOT_EXPIRED' }]);
        expect(x!.message).toMatch(/2026-11-23/);
        // The sale left open over the expiry date is refused at settlement, pointing at the item.
        expect((await later.sale(overnight)).items[0]).toMatchObject({ expired: true });
        refused(await later.settle(overnight, 'self_pay'), 409, [{ code: 'LOT_EXPIRED', itemId: held.body.item.id }]);
        expect((await later.sale(overnight)).status).toBe('open');
      } finally {
        await later.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  it('INSUFFICIENT_STOCK: more pieces than the lot holds', async () => {
    const id = await t.open();
    const [x] = refused(await t.scan(id, CATALOG.HERB.barcode, 11), 422, [{ code: 'INSUFFICIENT_STOCK' }]);
    expect(x!.message).toMatch(/库存不足/);
    expect((await t.scan(id, CATALOG.HERB.barcode, 10)).body.item).toMatchObject({ pieces: 10, codeState: 'exempt', lot: 'H1' });
    await t.api('POST', `/api/sales/${id}/void`, {}, TOKENS.cashier);
  });
});

describe('settlement refusals (POST /api/sales/:id/settle → 409)', () => {
  it('NO_PROCUREMENT_RECORD: insured stock received without a procurement order or filing', async () => {
    const id = await t.open();
    await t.identify(id, person('youngAdult'));
    const item = await t.scan(id, codeOf('LIAN', 101));
    expect(item.body.item).toMatchObject({ lot: 'LH-NP' });
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'NO_PROCUREMENT_RECORD', itemId: item.body.item.id }]);
    expect(x!.message).toMatch(/LH-NP/);
  });

  it('NOT_INSURANCE_PAYABLE: health food in an insurance sale; the same basket settles self-pay', async () => {
    const id = await t.open();
    await t.identify(id, person('youngAdult'));
    const item = await t.scan(id, CATALOG.VITC.barcode);
    expect(item.body.item).toMatchObject({ codeState: 'exempt', lot: 'V1' });
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'NOT_INSURANCE_PAYABLE', itemId: item.body.item.id }]);
    expect(x!.message).toMatch(/保健食品/);
    const paid = await t.settle(id, 'self_pay');
    expect(paid.status).toBe(200);
    expect(paid.body.totals).toEqual({ total: 3900, fundPay: 0, accountPay: 0, cashPay: 3900 });
    // Nothing the fund pays at all (only a consented out-of-catalogue drug): refused here, not by an empty 2101.
    const only = await t.open();
    await t.identify(only, person('youngAdult'));
    await t.scan(only, codeOf('OOC', 3));
    await t.api('PUT', `/api/sales/${only}/consent`, { productIds: ['OOC'] }, TOKENS.cashier);
    const [none] = refused(await t.settle(only, 'insurance'), 409, [{ code: 'NOT_INSURANCE_PAYABLE' }]);
    expect(none!.message).toMatch(/自费/);
  });

  it('CONSENT_REQUIRED: an out-of-catalogue drug for an insured person; recorded consent lets it pass, paid in cash', async () => {
    const id = await t.open();
    await t.identify(id, person('employee'));
    const ooc = await t.scan(id, codeOf('OOC', 1));
    await t.scan(id, codeOf('LIAN', 4));
    refused(await t.settle(id, 'insurance'), 409, [{ code: 'CONSENT_REQUIRED', itemId: ooc.body.item.id }]);
    expect((await t.api('PUT', `/api/sales/${id}/consent`, { productIds: ['OOC'] }, TOKENS.cashier)).status).toBe(200);
    const r = await t.settle(id, 'insurance');
    expect(r.status).toBe(200);
    // The platform pays the insured line from the personal account; the out-of-catalogue drug is cash.
    expect(r.body.totals).toEqual({ total: 3950, fundPay: 0, accountPay: 1450, cashPay: 2500 });
    expect((await t.sale(id)).consents).toEqual(['OOC']);
  });

  it('REPEAT_PURCHASE: the same person, the same drug, a second insurance sale the same day', async () => {
    const first = await t.open();
    await t.identify(first, person('resident'));
    await t.scan(first, codeOf('LIAN', 5));
    const ok = await t.settle(first, 'insurance');
    expect(ok.status).toBe(200);
    expect(ok.body.totals).toEqual({ total: 1450, fundPay: 0, accountPay: 0, cashPay: 1450 }); // a resident has no personal account
    const second = await t.open();
    await t.identify(second, person('resident'));
    const item = await t.scan(second, codeOf('LIAN', 6));
    const [x] = refused(await t.settle(second, 'insurance'), 409, [{ code: 'REPEAT_PURCHASE', itemId: item.body.item.id }]);
    expect(x!.message).toMatch(/重复购药/);
  });

  it('QUANTITY_LIMIT: more than 7 days of supply in an ordinary sale', async () => {
    const id = await t.open();
    await t.identify(id, person('lowBalance'));
    const item = await t.scan(id, codeOf('IBU', 2)); // 20 pieces at 2 a day = 10 days
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'QUANTITY_LIMIT', itemId: item.body.item.id }]);
    expect(x!.message).toMatch(/10 天/);
  });

  it('CHRONIC_LIST_MISMATCH: a drug off the disease list, and a disease the person does not hold', async () => {
    const id = await t.open();
    const who = await t.identify(id, person('hypertension'));
    expect(who.status).toBe(200);
    const item = await t.scan(id, codeOf('LIAN', 7));
    refused(await t.settle(id, 'insurance', DISEASE.hypertension), 409, [{ code: 'CHRONIC_LIST_MISMATCH', itemId: item.body.item.id }]);
    const [x] = refused(await t.settle(id, 'insurance', DISEASE.diabetes), 409, [{ code: 'CHRONIC_LIST_MISMATCH' }]);
    expect(x!.message).toMatch(DISEASE.diabetes);
  });

  it('PRESCRIPTION_REQUIRED: a prescription drug without a prescription, or with an unsigned one', async () => {
    const id = await t.open();
    await t.identify(id, person('lowBalance'));
    const item = await t.scan(id, codeOf('AMOX', 1));
    refused(await t.settle(id, 'insurance'), 409, [{ code: 'PRESCRIPTION_REQUIRED', itemId: item.body.item.id }]);
    expect((await t.prescribe(id, person('lowBalance'), { signed: false })).status).toBe(200);
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'PRESCRIPTION_REQUIRED', itemId: item.body.item.id }]);
    expect(x!.message).toMatch(/签章/);
  });

  it("PRESCRIPTION_IDENTITY_MISMATCH: the prescription is someone else's; the right one settles", async () => {
    const id = await t.open();
    await t.identify(id, person('young'));
    await t.scan(id, codeOf('AMOX', 2));
    await t.prescribe(id, person('resident'));
    refused(await t.settle(id, 'insurance'), 409, [{ code: 'PRESCRIPTION_IDENTITY_MISMATCH' }]);
    await t.prescribe(id, person('young'), { patientCertNo: person('young').certno.toLowerCase() });
    const r = await t.settle(id, 'insurance');
    expect(r.status).toBe(200);
    expect(r.body.totals).toEqual({ total: 1560, fundPay: 0, accountPay: 1560, cashPay: 0 });
  });

  it('IDENTITY_REQUIRED: insurance without identity; an unknown person answers 422 and leaves the sale anonymous', async () => {
    const id = await t.open();
    await t.scan(id, codeOf('LIAN', 8));
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'IDENTITY_REQUIRED' }]);
    expect(x!.message).toMatch(/身份/);
    refused(await t.api('PUT', `/api/sales/${id}/identity`, { certType: '02', certNo: '130102199001011237' }, TOKENS.cashier), 422, [
      { code: 'IDENTITY_REQUIRED' },
    ]);
    expect((await t.sale(id)).identity).toBeNull();
  });
});

describe('platform refusals', () => {
  it('PLATFORM_REJECTED: a code the platform saw settled at another store', async () => {
    const other = otherStoreClient(t.agent.platform.url);
    try {
      const input = saleInput(person('employee'), [{ code: DRUG.amoxicillin, cnt: 24, amountFen: 1560, trace: [{ code: codeOf('AMOX', 500) }] }]);
      const done = await other.client.settle(input);
      expect(done.output.setlinfo.setl_id).not.toBe('');
    } finally {
      other.close();
    }
    const id = await t.open();
    await t.identify(id, person('both'));
    await t.prescribe(id, person('both'));
    await t.scan(id, codeOf('AMOX', 500));
    const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'PLATFORM_REJECTED' }]);
    expect(x!.message).toMatch(/其他定点机构/);
    expect((await t.sale(id)).status).toBe('open');
    expect((await t.api('GET', `/api/codes/${codeOf('AMOX', 500)}`)).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
  });

  it('PLATFORM_UNAVAILABLE: the platform answers 500; the sale stays open and self-pay still settles offline', async () => {
    const sim = t.agent.platform.simulator!;
    const id = await t.open();
    await t.identify(id, person('diabetes'));
    await t.scan(id, codeOf('LIAN', 9));
    await t.drained();
    sim.setFaults({ rate5xx: 1 });
    try {
      const [x] = refused(await t.settle(id, 'insurance'), 409, [{ code: 'PLATFORM_UNAVAILABLE' }]);
      expect(x!.message).toMatch(/自费/);
      const open = await t.sale(id);
      expect(open).toMatchObject({ status: 'open', settlement: null });
      const paid = await t.settle(id, 'self_pay');
      expect(paid.status).toBe(200);
      expect(paid.body.totals).toEqual({ total: 1450, fundPay: 0, accountPay: 0, cashPay: 1450 });
      // The outbox worker tries, fails, and keeps the record queued with its error.
      let queued = (await t.sale(id)).sync;
      for (let i = 0; i < 100 && queued[0]?.lastError == null; i++) {
        await new Promise((res) => setTimeout(res, 20));
        queued = (await t.sale(id)).sync;
      }
      expect(queued).toEqual([expect.objectContaining({ infno: '3505', status: 'pending', lastError: expect.any(String) })]);
    } finally {
      sim.setFaults({});
    }
    // Back online: the queued sale record reaches the platform.
    t.clock.advance(10 * 60_000);
    await t.api('POST', '/api/sync/retry', {});
    await t.drained();
    expect((await t.sale(id)).sync).toEqual([expect.objectContaining({ infno: '3505', status: 'sent' })]);
  });
});

describe('together', () => {
  it('reports every refusal of a basket at once, each pointing at its item', async () => {
    const id = await t.open();
    await t.identify(id, person('youngAdult'));
    const amox = (await t.scan(id, codeOf('AMOX', 4))).body.item.id;
    const vitc = (await t.scan(id, CATALOG.VITC.barcode)).body.item.id;
    const ooc = (await t.scan(id, codeOf('OOC', 2))).body.item.id;
    const noPo = (await t.scan(id, codeOf('LIAN', 102))).body.item.id;
    const ibu = (await t.scan(id, codeOf('IBU', 3))).body.item.id;
    const waiting = (await t.scan(id, CATALOG.LIAN.barcode)).body.item.id;
    const r = await t.settle(id, 'insurance');
    const out = refused(r, 409, [
      { code: 'PRESCRIPTION_REQUIRED', itemId: amox },
      { code: 'TRACE_CODE_MISSING', itemId: waiting },
      { code: 'NOT_INSURANCE_PAYABLE', itemId: vitc },
      { code: 'CONSENT_REQUIRED', itemId: ooc },
      { code: 'NO_PROCUREMENT_RECORD', itemId: noPo },
      { code: 'QUANTITY_LIMIT', itemId: ibu },
    ]);
    expect(new Set(out.map((x) => x.message)).size).toBe(out.length);
    const sale = await t.sale(id);
    expect(sale.status).toBe('open');
    expect(sale.refusals.map((x) => x.code)).toEqual(out.map((x) => x.code));
  });

  it('TRACE_CODE_SOLD_IN_CHAIN: a box the chain HQ (real, on PostgreSQL) has as sold at another store', async () => {
    const hq = await startTestHq();
    const other = tempLedger();
    let box: TestAgent | undefined;
    try {
      // 二号店 received and sold the box; its events reach HQ as its replicator would send them.
      await enrolStore(hq, 'P13010200002', '二号店');
      const code = codeOf('IBU', 900);
      appendReceipt(other.ledger, [code]);
      appendSale(other.ledger, [code], new Date('2026-11-21T07:02:00Z'));
      expect((await ingestBatch(hq.hq.pool, 'P13010200002', eventsOf(other.ledger))).kind).toBe('ok');
      const { code: enrol } = await issueEnrolCode(hq.hq.pool, 'P13010200001', '测试药店');
      box = await startTestAgent({
        configure: (c) => void (c.hq = { url: hq.hq.url, enrolmentCode: enrol, batchSize: 500, checkTimeoutMs: 2000, recheckSeconds: 30 }),
      });
      await box.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I9', [code])] });
      const [x] = refused(await box.scan(await box.open(), code), 422, [{ code: 'TRACE_CODE_SOLD_IN_CHAIN' }]);
      expect(x!.message).toBe('该盒已于 11月21日 15:02 在 二号店 售出，不能再次销售（布洛芬缓释胶囊）：请把该盒交店长核查');
    } finally {
      await box?.close();
      other.cleanup();
      await hq.close();
    }
  }, 60_000);

  it('PHARMACIST_REQUIRED: a prescription drug with no pharmacist on duty (store.pharmacists empty), self-pay too', async () => {
    const bare = await startTestAgent({ configure: (c) => void (c.store.pharmacists = []) });
    try {
      await bare.receive({ procurementOrderNo: 'CG202611000001', lines: [line('AMOX', 'A1', serials('AMOX', 1, 2))] });
      const id = await bare.open();
      const item = await bare.scan(id, codeOf('AMOX', 1));
      await bare.prescribe(id, person('young'));
      const [x] = refused(await bare.settle(id, 'self_pay'), 409, [{ code: 'PHARMACIST_REQUIRED', itemId: item.body.item.id }]);
      expect(x!.message).toBe('处方药须执业药师审核：请执业药师在收银台签到，或由店长设置当班药师，然后再结算');
      expect((await bare.sale(id)).status).toBe('open');
    } finally {
      await bare.close();
    }
  });

  it('every refusal code of DESIGN 6.4 was reached through the API', () => {
    expect([...seen].sort()).toEqual([...REFUSAL_CODES].sort());
  });

  it('the ledger verifies after all of it', () => {
    const v = verifyLedger(t.agent.ledger.db);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });
});
