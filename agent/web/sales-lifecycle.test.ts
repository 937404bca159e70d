// A sale's life over real HTTP: open, scan (barcode then code, exempt goods, split-pack, uncoded
// opening stock), void, settle self-pay and insurance, look it up, reverse; and what that leaves in
// stock, in the code's life, in the outbox and at the platform.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISEASE } from '../../sync/simulator/seed.js';
import { countUploads, listUploads } from '../../sync/simulator/uploads.js';
import { verifyLedger } from '../ledger/verify.js';
import { CATALOG, codeOf, expectRefused, type Json, line, person, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

let t: TestAgent;

async function onHand(productId: string): Promise<{ total: number; lots: Record<string, number> }> {
  const r = await t.api<{ products: { piecesOnHand: number; lots: { lot: string; piecesOnHand: number }[] }[] }>(
    'GET',
    `/api/stock?productId=${productId}&includeEmpty=1`,
    undefined,
    TOKENS.cashier,
  );
  const p = r.body.products[0];
  return { total: p?.piecesOnHand ?? 0, lots: Object.fromEntries((p?.lots ?? []).map((l) => [l.lot, l.piecesOnHand])) };
}

async function codeLife(c: string) {
  return t.api<{ state: string; pieces: number; piecesSold: number; lot: { lot: string } }>('GET', `/api/codes/${c}`, undefined, TOKENS.cashier);
}

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000001', lines: [line('AMLO', 'L1', serials('AMLO', 1, 3))] });
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I1', serials('IBU', 1, 3)), line('LIAN', 'LH1', serials('LIAN', 1, 6))] });
  await t.receive({ invoiceNo: 'INV-HERB', lines: [line('HERB', 'H1', [], { packs: 10 })] });
  // Opening stock without codes (无码库), the later expiry entered first.
  const opening = await t.api('POST', '/api/inventory/opening', {
    lines: [
      { productId: 'METF', lot: 'OLD-LATE', mfgDate: '2025-09-30', expiry: '2027-09-30', pieces: 48 },
      { productId: 'METF', lot: 'OLD-EARLY', mfgDate: '2025-03-31', expiry: '2027-03-31', pieces: 48 },
    ],
  });
  expect(opening.status).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

describe('sale lifecycle over HTTP', () => {
  let selfPaySale = 0;
  let insuranceSale = 0;

  it('barcode first: the item waits for its code, the next matching code fills it; an exempt herb needs no code; self-pay settles', async () => {
    const id = await t.open();
    const waiting = await t.scan(id, CATALOG.LIAN.barcode);
    expect(waiting.status).toBe(200);
    expect(waiting.body.item).toMatchObject({ productId: 'LIAN', code: null, codeState: 'missing', pieces: 24, price: 1450 });
    const herb = await t.scan(id, CATALOG.HERB.barcode, 3);
    expect(herb.body.item).toMatchObject({ productId: 'HERB', code: null, codeState: 'exempt', lot: 'H1', pieces: 3, price: 1440 });
    const filled = await t.scan(id, codeOf('LIAN', 1));
    expect(filled.status).toBe(200);
    expect(filled.body.item).toMatchObject({ id: waiting.body.item.id, code: codeOf('LIAN', 1), scanned: codeOf('LIAN', 1), codeState: 'scanned', lot: 'LH1' });
    expect((await t.sale(id)).items.map((i) => i.id)).toEqual([waiting.body.item.id, herb.body.item.id]);

    const r = await t.settle(id, 'self_pay');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'settled', settlementId: expect.any(String), totals: { total: 2890, fundPay: 0, accountPay: 0, cashPay: 2890 } });
    const sale = await t.sale(id);
    expect(sale).toMatchObject({
      status: 'settled',
      payment: 'self_pay',
      total: 2890,
      identity: null,
      settlement: { payment: 'self_pay', totals: r.body.totals },
    });
    expect(sale.sync.map((s) => s.infno)).toEqual(['3505', '3505']);
    expect((await codeLife(codeOf('LIAN', 1))).body).toMatchObject({ state: 'sold', piecesSold: 24 });
    expect(await onHand('LIAN')).toMatchObject({ total: 6 * 24 - 24 });
    expect(await onHand('HERB')).toMatchObject({ total: 7 });
    // A settled sale is closed to changes.
    const again = await t.scan(id, codeOf('LIAN', 2));
    expect(again.status).toBe(409);
    expect(again.body.errors?.[0]).toMatchObject({ code: 'SALE_NOT_OPEN', message: expect.stringMatching(/已结算/) });
    expect((await t.settle(id, 'self_pay')).status).toBe(409);
    selfPaySale = id;
  });

  it('split-pack: two sales take pieces from one box until it is exhausted', async () => {
    const first = await t.open();
    expect((await t.scan(first, codeOf('IBU', 1), 8)).body.item).toMatchObject({ pieces: 8, split: true, price: 792 });
    expect((await t.settle(first, 'self_pay')).body.totals).toMatchObject({ total: 792, cashPay: 792 });
    expect((await codeLife(codeOf('IBU', 1))).body).toMatchObject({ state: 'in_stock', pieces: 20, piecesSold: 8 });

    const second = await t.open();
    expect((await t.scan(second, codeOf('IBU', 1), 12)).body.item).toMatchObject({ pieces: 12, split: true, price: 1188 });
    expect((await t.settle(second, 'self_pay')).status).toBe(200);
    expect((await codeLife(codeOf('IBU', 1))).body).toMatchObject({ state: 'sold', piecesSold: 20 });
    expect((await onHand('IBU')).total).toBe(60 - 20);

    const third = await t.open();
    expectRefused(await t.scan(third, codeOf('IBU', 1), 1), 422, [{ code: 'TRACE_CODE_ALREADY_SOLD' }]);
  });

  it('uncoded opening stock: a never-sold code of the product is sold from it, first expiry first', async () => {
    expect((await codeLife(codeOf('METF', 1))).status).toBe(404);
    const id = await t.open();
    const item = await t.scan(id, codeOf('METF', 1));
    expect(item.status).toBe(200);
    expect(item.body.item).toMatchObject({ productId: 'METF', code: codeOf('METF', 1), lot: 'OLD-EARLY', expiry: '2027-03-31', pieces: 48 });
    expect((await t.settle(id, 'self_pay')).status).toBe(200);
    expect((await codeLife(codeOf('METF', 1))).body).toMatchObject({ state: 'sold', piecesSold: 48, lot: { lot: 'OLD-EARLY' } });
    expect(await onHand('METF')).toEqual({ total: 48, lots: { 'OLD-EARLY': 0, 'OLD-LATE': 48 } });

    const next = await t.open();
    expect((await t.scan(next, codeOf('METF', 2))).body.item).toMatchObject({ lot: 'OLD-LATE' });
    expectRefused(await t.scan(next, codeOf('METF', 1)), 422, [{ code: 'TRACE_CODE_ALREADY_SOLD' }]);
    expect((await t.api('POST', `/api/sales/${next}/void`, {}, TOKENS.cashier)).status).toBe(200);

    // Reversed, the claimed box is back in stock and can be sold again like any other box.
    expect((await t.api('POST', `/api/sales/${id}/reverse`, { reason: '顾客退货' })).status).toBe(200);
    expect((await codeLife(codeOf('METF', 1))).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    const resold = await t.open();
    expect((await t.scan(resold, codeOf('METF', 1))).body.item).toMatchObject({ lot: 'OLD-EARLY' });
    const r = await t.settle(resold, 'self_pay');
    expect(r.body.refused ?? []).toEqual([]);
    expect(r.status).toBe(200);
    expect((await codeLife(codeOf('METF', 1))).body).toMatchObject({ state: 'sold', piecesSold: 48 });

    // Split-pack from uncoded stock: the first sale claims the new code, the next takes more pieces of that box.
    for (const [pieces, sold] of [
      [10, 10],
      [10, 20],
    ] as const) {
      const split = await t.open();
      expect((await t.scan(split, codeOf('METF', 3), pieces)).body.item).toMatchObject({ lot: 'OLD-LATE', split: true, pieces });
      const paid = await t.settle(split, 'self_pay');
      expect(paid.body.refused ?? []).toEqual([]);
      expect((await codeLife(codeOf('METF', 3))).body).toMatchObject({ state: 'in_stock', pieces: 48, piecesSold: sold });
    }
    expect(await onHand('METF')).toEqual({ total: 28, lots: { 'OLD-EARLY': 0, 'OLD-LATE': 28 } });
  });

  it('void before settling frees the stock and the box another sale holds', async () => {
    const a = await t.open();
    await t.scan(a, CATALOG.HERB.barcode, 5);
    await t.scan(a, codeOf('LIAN', 2));
    const b = await t.open();
    expectRefused(await t.scan(b, CATALOG.HERB.barcode, 3), 422, [{ code: 'INSUFFICIENT_STOCK' }]);
    const [held] = expectRefused(await t.scan(b, codeOf('LIAN', 2)), 422, [{ code: 'SPLIT_PACK_EXHAUSTED' }]);
    expect(held!.message).toMatch(/其他未结算/);

    const voided = await t.api('POST', `/api/sales/${a}/void`, {}, TOKENS.cashier);
    expect(voided).toEqual({ status: 200, body: { id: a, status: 'voided' } });
    expect((await t.sale(a)).status).toBe('voided');
    expect((await t.scan(a, codeOf('LIAN', 3))).status).toBe(409);

    expect((await t.scan(b, CATALOG.HERB.barcode, 3)).status).toBe(200);
    expect((await t.scan(b, codeOf('LIAN', 2))).status).toBe(200);
    // Nothing left the shelf: voiding never touched the stock.
    expect((await onHand('HERB')).total).toBe(7);
    await t.api('POST', `/api/sales/${b}/void`, {}, TOKENS.cashier);
  });

  it('insurance under a chronic-disease entitlement: totals add up, the platform holds the settlement, the sale shows it all', async () => {
    const p = person('hypertension');
    const id = await t.open();
    const who = await t.identify(id, p);
    expect(who.status).toBe(200);
    const amlo = await t.scan(id, codeOf('AMLO', 1));
    expectRefused(await t.settle(id, 'insurance', DISEASE.hypertension), 409, [{ code: 'PRESCRIPTION_REQUIRED', itemId: amlo.body.item.id }]);
    await t.prescribe(id, p);

    const r = await t.settle(id, 'insurance', DISEASE.hypertension);
    expect(r.status).toBe(200);
    const { totals, settlementId } = r.body;
    // 门慢特病, employee: the fund pays 70 % of the listed drug, the personal account the rest.
    expect(totals).toEqual({ total: 2800, fundPay: 1960, accountPay: 840, cashPay: 0 });
    expect(totals.fundPay + totals.accountPay + totals.cashPay).toBe(totals.total);
    const sim = t.agent.platform.simulator!;
    const row = sim.db.prepare('SELECT setl_id, medfee_sumamt_fen, fund_pay_fen, reversed_at FROM settlements WHERE psn_no = ?').all(p.psnNo);
    expect(row).toEqual([{ setl_id: settlementId, medfee_sumamt_fen: 2800, fund_pay_fen: 1960, reversed_at: null }]);

    const sale = await t.sale(id);
    expect(sale).toMatchObject({
      status: 'settled',
      payment: 'insurance',
      chronicDisease: DISEASE.hypertension,
      items: [{ id: amlo.body.item.id, productId: 'AMLO', code: codeOf('AMLO', 1), codeState: 'scanned' }],
      identity: { psnNo: p.psnNo, name: p.name, insutype: '310', evidence: { method: 'id_card' }, chronicDiseases: [{ code: DISEASE.hypertension }] },
      settlement: { payment: 'insurance', setlId: settlementId, totals },
      refusals: [{ code: 'PRESCRIPTION_REQUIRED', itemId: amlo.body.item.id }],
      sync: [{ infno: '3505' }],
    });
    // The ID number is shown masked, and nowhere in full.
    expect(sale.identity!.certNo).toBe(`${p.certno.slice(0, 4)}**********${p.certno.slice(-4)}`);
    expect(JSON.stringify(sale)).not.toContain(p.certno);
    insuranceSale = id;
  });

  it('reverse: managers only; codes and stock come back, the platform reverses, 3505 and 3506 reach the platform', async () => {
    const p = person('hypertension');
    const balance = () =>
      (t.agent.platform.simulator!.db.prepare('SELECT balc_fen FROM persons WHERE psn_no = ?').get(p.psnNo) as { balc_fen: number }).balc_fen;
    const before = balance();
    const cashier = await t.api('POST', `/api/sales/${insuranceSale}/reverse`, {}, TOKENS.cashier);
    expect(cashier.status).toBe(403);
    expect((await t.sale(insuranceSale)).status).toBe('settled');

    const r = await t.api('POST', `/api/sales/${insuranceSale}/reverse`, { reason: '顾客退药' });
    expect(r).toEqual({ status: 200, body: { id: insuranceSale, status: 'reversed' } });
    expect((await codeLife(codeOf('AMLO', 1))).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    expect((await onHand('AMLO')).total).toBe(3 * 28);
    const sim = t.agent.platform.simulator!;
    const row = sim.db.prepare('SELECT reversed_at FROM settlements WHERE psn_no = ?').get(p.psnNo) as Json;
    expect(row.reversed_at).toEqual(expect.any(String));
    expect(balance()).toBe(before + 840);

    const self = await t.api('POST', `/api/sales/${selfPaySale}/reverse`, {});
    expect(self.status).toBe(200);
    expect((await codeLife(codeOf('LIAN', 1))).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    expect((await onHand('LIAN')).total).toBe(6 * 24);
    expect((await onHand('HERB')).total).toBe(10);

    await t.drained();
    const expected: [number, string[]][] = [
      [insuranceSale, ['3505', '3506']],
      [selfPaySale, ['3505', '3505', '3506', '3506']], // the LIAN box and the herb (both have a national code)
    ];
    for (const [id, infnos] of expected) {
      const sale = await t.sale(id);
      expect(sale.status).toBe('reversed');
      expect(sale.sync.map((s) => [s.infno, s.status])).toEqual(infnos.map((i) => [i, 'sent']));
      for (const s of sale.sync) expect(countUploads(sim.db, { infno: s.infno, bchno: s.recordKey })).toBe(1);
    }
    const returns = listUploads(sim.db, { infno: '3506' });
    expect(returns.map((u) => u.payload['drugtracinfo'])).toEqual(
      expect.arrayContaining([[{ drug_trac_codg: codeOf('AMLO', 1) }], [{ drug_trac_codg: codeOf('LIAN', 1) }]]),
    );
    expect(returns.find((u) => JSON.stringify(u.payload).includes(codeOf('AMLO', 1)))?.payload).toMatchObject({ psn_no: p.psnNo, sel_retn_cnt: '28' });

    const twice = await t.api('POST', `/api/sales/${insuranceSale}/reverse`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.errors?.[0]).toMatchObject({ code: 'SALE_NOT_SETTLED' });
  });

  it('the ledger verifies at the end', () => {
    const v = verifyLedger(t.agent.ledger.db);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });
});
