// Routing what a counter's devices read, against the real checkout (real SQLite, embedded simulator).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdCard } from '../../device/types.js';
import { eVoucherQr } from '../../sync/simulator/handlers-basic.js';
import { silentLog } from '../../test/helpers.js';
import { codeOf, line, person, serials, startTestAgent, type TestAgent } from '../web/sales.test-helpers.js';
import { type CounterEvent, isEVoucherQr, ScanRouter } from './router.js';

let t: TestAgent;
let router: ScanRouter;
const events: CounterEvent[] = [];
const at = () => new Date();
const card = (idNumber: string, name: string): IdCard => ({
  name,
  sex: '1',
  nation: '01',
  birthDate: '1962-05-12',
  address: '石家庄市长安区',
  idNumber,
  issuer: '石家庄市公安局长安分局',
  validFrom: '2016-01-01',
  validTo: '长期',
  photo: new Uint8Array(1024),
});

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('LIAN', 'LH9', serials('LIAN', 101, 5)), line('IBU', 'IB9', serials('IBU', 101, 3))] });
  router = new ScanRouter(t.agent.checkout, silentLog(), new Set(['face-1']));
  router.on('event', (e) => events.push(e));
});
afterAll(async () => {
  await t?.close();
});

describe('scan router', () => {
  it('opens a sale for the counter on the first scan and adds the box; a second scan of it is refused', async () => {
    await router.onScan({ counter: 'counter-7', deviceId: 'scanner-7', text: codeOf('LIAN', 101), at: at() });
    const first = events.at(-1);
    expect(first).toMatchObject({ type: 'scan', counter: 'counter-7', saleId: expect.any(Number), itemId: expect.any(Number) });
    const saleId = (first as { saleId: number }).saleId;
    expect(t.agent.checkout.currentSale('counter-7')).toBe(saleId);
    await router.onScan({ counter: 'counter-7', deviceId: 'scanner-7', text: codeOf('LIAN', 101), at: at() });
    expect(events.at(-1)).toMatchObject({ saleId, refused: [{ code: 'TRACE_CODE_DUPLICATE_IN_SALE' }] });
  });

  it("handles one counter's scans strictly in order, even when they arrive together", async () => {
    const before = events.length;
    await Promise.all(serials('LIAN', 102, 3).map((text) => router.onScan({ counter: 'counter-7', deviceId: 'scanner-7', text, at: at() })));
    expect(events.slice(before).map((e) => (e as { text: string }).text)).toEqual(serials('LIAN', 102, 3));
    expect((await t.sale(t.agent.checkout.currentSale('counter-7')!)).items).toHaveLength(4);
  });

  it("turns a scanned e-voucher QR code into the sale's identity (1161, then 1101)", async () => {
    const p = person('hypertension');
    expect(isEVoucherQr(eVoucherQr(p.token))).toBe(true);
    expect(isEVoucherQr(codeOf('LIAN', 1))).toBe(false);
    await router.onScan({ counter: 'counter-7', deviceId: 'scanner-7', text: eVoucherQr(p.token), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'identity', person: { name: p.name, certNo: expect.stringMatching(/^1301\*+/) } });
    const sale = await t.sale(t.agent.checkout.currentSale('counter-7')!);
    expect(sale.identity).toMatchObject({ psnNo: p.psnNo, evidence: { method: 'e_voucher' } });
  });

  it('records an e-voucher from the face terminal as a face check in the identity evidence', async () => {
    const p = person('young');
    await router.onScan({ counter: 'counter-6', deviceId: 'face-1', text: eVoucherQr(p.token), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'identity', counter: 'counter-6', person: { name: p.name } });
    const sale = await t.sale(t.agent.checkout.currentSale('counter-6')!);
    expect(sale.identity).toMatchObject({ psnNo: p.psnNo, evidence: { method: 'e_voucher', face: { method: 'face_terminal', result: 'pass' } } });
  });

  it('refuses an e-voucher the platform does not know, with a Chinese next step', async () => {
    await router.onScan({ counter: 'counter-7', deviceId: 'scanner-7', text: eVoucherQr('EC99999999999999999999999999999999'), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'identity', refused: [{ code: 'IDENTITY_REQUIRED', message: expect.stringMatching(/刷新电子凭证/) }] });
  });

  it('fills the identity from an ID card, and refuses a card the reader found invalid', async () => {
    const p = person('both');
    await router.onIdCard({
      counter: 'counter-8',
      deviceId: 'idr-8',
      card: card('130102196205120319', '张建国'),
      at: at(),
      problems: [{ code: 'expired', message: 'card expired on 2014-03-15', cashierMessage: '身份证已过期：请使用有效证件' }],
    });
    expect(events.at(-1)).toMatchObject({
      type: 'identity',
      counter: 'counter-8',
      refused: [{ code: 'IDENTITY_REQUIRED', message: '身份证已过期：请使用有效证件' }],
    });
    await router.onIdCard({ counter: 'counter-8', deviceId: 'idr-8', card: card(p.certno, p.name), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'identity', counter: 'counter-8', person: { name: p.name } });
    expect((await t.sale(t.agent.checkout.currentSale('counter-8')!)).identity).toMatchObject({ psnNo: p.psnNo, evidence: { method: 'id_card' } });
  });

  it("sends scans to the manager's receiving session while one is active on the counter", async () => {
    router.startReceiving('counter-9');
    await router.onScan({ counter: 'counter-9', deviceId: 'scanner-9', text: codeOf('IBU', 500), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'scan', counter: 'counter-9', receiving: true });
    expect(t.agent.checkout.currentSale('counter-9')).toBeUndefined();
    expect(router.stopReceiving('counter-9').map((s) => s.text)).toEqual([codeOf('IBU', 500)]);
    await router.onScan({ counter: 'counter-9', deviceId: 'scanner-9', text: codeOf('IBU', 101), at: at() });
    expect(events.at(-1)).toMatchObject({ type: 'scan', counter: 'counter-9', itemId: expect.any(Number) });
  });
});
