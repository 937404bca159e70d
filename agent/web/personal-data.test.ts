// An ID number or a phone number can only leave the box masked: every route that returns personal data has a
// response schema marking those fields, and one serialization step masks them (agent/web/schemas.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, line, person, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';
import { maskText } from './schemas.js';

const FULL_ID = /(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])/;
const PHONE = /(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])/;

let t: TestAgent;
beforeAll(async () => {
  t = await startTestAgent();
  await t.api('POST', '/api/catalog', { products: Object.values(CATALOG) });
  await t.receive({
    supplier: '国药控股',
    invoiceNo: 'INV-P1',
    deliveryNoteNo: 'DN-P1',
    lines: [line('AMOX', 'P2401', serials('AMOX', 1, 4)), line('IBU', 'P2402', serials('IBU', 1, 4))],
  });
});
afterAll(async () => t.close());

function noFullNumbers(where: string, body: unknown): void {
  const json = JSON.stringify(body);
  expect(json, where).not.toMatch(FULL_ID);
  expect(json, where).not.toMatch(PHONE);
}

describe('personal data leaves the box masked', () => {
  it('identity, prescription, sale detail, sales list, audit and 疑点 answers carry no full ID number', async () => {
    const p = person('employee');
    expect(p.certno).toMatch(FULL_ID); // the test feeds a real 18-digit number
    const id = await t.open();
    expect((await t.scan(id, serials('AMOX', 1, 1)[0]!)).status).toBe(200);

    const identity = await t.api('PUT', `/api/sales/${id}/identity`, { certType: '02', certNo: p.certno }, TOKENS.cashier);
    expect(identity.status).toBe(200);
    expect(identity.body.person).toMatchObject({ name: p.name, certNo: `${p.certno.slice(0, 4)}**********${p.certno.slice(-4)}` });
    noFullNumbers('PUT identity', identity.body);

    const rx = await t.prescribe(id, p);
    expect(rx.status).toBe(200);
    noFullNumbers('PUT prescription', rx.body);

    const sale = await t.api('GET', `/api/sales/${id}`, undefined, TOKENS.cashier);
    expect(sale.body).toMatchObject({
      identity: { certNo: expect.stringContaining('*') },
      prescription: { patientCertNo: expect.stringContaining('*'), doctorName: '李医生' },
    });
    noFullNumbers('GET sale', sale.body);

    const settled = await t.settle(id, 'self_pay');
    expect(settled.status).toBe(200);
    noFullNumbers('POST settle', settled.body);
    noFullNumbers('GET sale (settled)', (await t.api('GET', `/api/sales/${id}`)).body);

    const list = await t.api<{ sales: { id: number; person: { certNoMasked: string } | null }[] }>('GET', '/api/sales');
    expect(list.body.sales.find((s) => s.id === id)?.person?.certNoMasked).toMatch(/^\d{4}\*+\d{3}[0-9X]$/);
    noFullNumbers('GET sales', list.body);

    for (const path of ['/api/audit', '/api/suspicious', '/api/users', '/api/me', `/api/codes/${serials('AMOX', 1, 1)[0]!}`]) {
      const r = await t.api('GET', path);
      expect(r.status, path).toBe(200);
      noFullNumbers(path, r.body);
    }
  });

  it('a refusal naming the patient keeps the number masked', async () => {
    const id = await t.open();
    const rx = await t.api(
      'PUT',
      `/api/sales/${id}/prescription`,
      { rxNo: 'RX-M', institutionCode: 'H1', doctorName: '王医生', patientCertNo: person('young').certno, issuedAt: '2026-11-22', signed: true },
      TOKENS.cashier,
    );
    expect(rx.body).toEqual({ prescription: expect.objectContaining({ patientCertNo: expect.stringMatching(/^\d{4}\*{10}[0-9X]{4}$/) }) });
  });

  it('free text: ID and mobile numbers inside are masked, other digits are not', () => {
    expect(maskText('参保人 130102198812010845 电话 13812345678，结算号 20261122000012345678901')).toBe(
      '参保人 1301**********0845 电话 138****5678，结算号 20261122000012345678901',
    );
  });
});
