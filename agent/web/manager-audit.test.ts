// The store's own audit and the platform's 疑点 over real HTTP against a real agent and its embedded platform
// simulator: the box warns about what the platform's nightly audit flags (same thresholds, compared with the
// simulator's own audit of the same day), plus stock gaps and records changed too often; 疑点 pulled with
// 3601 are stored once, answers only ever added. The clock runs in real time (the simulator's does too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../common/dates.js';
import { shanghaiDate } from '../../common/time.js';
import { silentLog } from '../../test/helpers.js';
import type { AuditWarning } from '../audit/types.js';
import { SuspiciousService } from '../suspicious/service.js';
import type { SuspiciousItemView } from '../suspicious/store.js';
import { clearOfShanghaiMidnight } from './manager.test-helpers.js';
import { CATALOG, CHINESE, codeOf, line, person, RunningClock, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

let t: TestAgent;
const FAR = { expiry: '2099-12-31' };
let today = '';
const lotIds: Record<string, number> = {};

async function insuranceSale(who: string, scans: [string, number?][]): Promise<number> {
  const id = await t.open();
  expect((await t.identify(id, person(who))).status).toBe(200);
  for (const [c, pieces] of scans) expect((await t.scan(id, c, pieces)).status).toBe(200);
  const r = await t.settle(id, 'insurance');
  expect(r.body.refused ?? []).toEqual([]);
  expect(r.status).toBe(200);
  return id;
}

async function audit(): Promise<AuditWarning[]> {
  const r = await t.api<{ warnings: AuditWarning[] }>('GET', `/api/audit?from=${today}&to=${today}`);
  expect(r.status).toBe(200);
  return r.body.warnings;
}

const adjust = async (lot: string, body: Record<string, unknown>) =>
  expect((await t.api('POST', '/api/stock/adjustments', { lotId: lotIds[lot], ...body })).status).toBe(201);

const sales: Record<string, number[]> = {};

beforeAll(async () => {
  await clearOfShanghaiMidnight();
  t = await startTestAgent({ clock: new RunningClock(new Date().toISOString()) });
  today = shanghaiDate(t.clock.now());
  await t.receive({
    procurementOrderNo: 'CG202611000002',
    lines: [line('LIAN', 'LH1', serials('LIAN', 1, 8), FAR), line('IBU', 'I1', serials('IBU', 1, 5), FAR)],
  });
  await t.receive({ procurementOrderNo: 'CG202611000001', lines: [line('METF', 'M1', serials('METF', 1, 2), FAR)] });
  await t.receive({ invoiceNo: 'INV-HERB', lines: [line('HERB', 'H1', [], { packs: 100, ...FAR })] });
  const stock = await t.api<{ products: { productId: string; lots: { lotId: number; lot: string }[] }[] }>('GET', '/api/stock');
  for (const p of stock.body.products) for (const l of p.lots) lotIds[l.lot] = l.lotId;

  // Four different insured persons in a few seconds: one short of a burst.
  sales.hypertension = [
    await insuranceSale('hypertension', [[codeOf('LIAN', 1)]]),
    await insuranceSale('hypertension', [[codeOf('IBU', 1), 8]]),
    await insuranceSale('hypertension', [[codeOf('METF', 1), 20]]),
  ];
  sales.young = [await insuranceSale('young', [[codeOf('LIAN', 2)]]), await insuranceSale('young', [[codeOf('IBU', 2), 8]])];
  sales.youngAdult = [await insuranceSale('youngAdult', [[codeOf('LIAN', 3)]])];
  sales.employee = [await insuranceSale('employee', [[codeOf('LIAN', 4)]]), await insuranceSale('employee', [[codeOf('IBU', 3), 8]])];
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/audit: the platform audit rules, on the box first', () => {
  it('PERSON_FREQUENT at 3 settlements (not 2), YOUNG_FREQUENT at age 22 with 2 (not at 25 with 1, not at 37); no burst with 4 persons', async () => {
    const w = await audit();
    const settlementRules = w.filter((x) => ['MULTI_PERSON_BURST', 'PERSON_FREQUENT', 'YOUNG_FREQUENT', 'LARGE_AMOUNT'].includes(x.rule));
    expect(settlementRules.map((x) => [x.rule, x.psnNo, x.saleIds])).toEqual([
      ['PERSON_FREQUENT', person('hypertension').psnNo, sales.hypertension],
      ['YOUNG_FREQUENT', person('young').psnNo, sales.young],
    ]);
    for (const x of w) {
      expect(x.title).toMatch(CHINESE);
      expect(x.detail).toMatch(CHINESE);
    }
  });

  it('a fifth person within 10 minutes makes a burst; a person aged 31 with 2 settlements is not "young"; the platform audit of the day agrees', async () => {
    sales.resident = [await insuranceSale('resident', [[codeOf('LIAN', 5)]]), await insuranceSale('resident', [[codeOf('IBU', 4), 8]])];
    const w = await audit();
    const burst = w.filter((x) => x.rule === 'MULTI_PERSON_BURST');
    expect(burst).toHaveLength(1);
    expect(new Set(burst[0]!.saleIds)).toEqual(new Set(Object.values(sales).flat()));
    expect(w.filter((x) => x.rule === 'YOUNG_FREQUENT').map((x) => x.psnNo)).toEqual([person('young').psnNo]);

    // The platform's nightly audit of the same day flags the same things.
    const sim = t.agent.platform.simulator!;
    sim.runNightlyAudit(shanghaiDate(new Date()));
    const platform = sim.db.prepare("SELECT rule, psn_no FROM audit_items WHERE fixmedins_code = 'P13010200001' ORDER BY rule, psn_no").all() as {
      rule: string;
      psn_no: string | null;
    }[];
    const mine = w.filter((x) => ['MULTI_PERSON_BURST', 'PERSON_FREQUENT', 'YOUNG_FREQUENT', 'LARGE_AMOUNT'].includes(x.rule));
    expect(
      mine.map((x) => ({ rule: x.rule, psn_no: x.rule === 'MULTI_PERSON_BURST' ? null : (x.psnNo ?? null) })).sort((a, b) => a.rule.localeCompare(b.rule)),
    ).toEqual(platform);
  });

  it('STOCK_GAP: write-offs of 5 % of the pieces charged are silent, above 5 % they warn', async () => {
    const herbSale = await t.open();
    expect((await t.scan(herbSale, CATALOG.HERB.barcode, 40)).status).toBe(200);
    expect((await t.settle(herbSale, 'self_pay')).status).toBe(200);
    await adjust('H1', { deltaPieces: -2, reason: '破损' });
    expect((await audit()).filter((x) => x.rule === 'STOCK_GAP' && x.productId === 'HERB')).toEqual([]);
    await adjust('H1', { deltaPieces: -1, reason: '盘亏' });
    const gap = (await audit()).filter((x) => x.rule === 'STOCK_GAP');
    expect(gap).toEqual([expect.objectContaining({ productId: 'HERB', detail: expect.stringMatching(/出库43件.*收费40件.*差异7\.5%/) })]);
  });

  it('RECORD_MODIFIED: a lot adjusted 4 times and a sale with 4 lines removed warn; 3 times do not', async () => {
    for (let i = 0; i < 3; i++) await adjust('I1', { deltaPieces: 1, reason: '盘盈' });
    const removeLines = async (n: number) => {
      const id = await t.open();
      for (let i = 0; i < n; i++) {
        const item = await t.scan(id, CATALOG.LIAN.barcode);
        expect((await t.api('DELETE', `/api/sales/${id}/items/${item.body.item.id}`, undefined, TOKENS.cashier)).status).toBe(200);
      }
      return id;
    };
    await removeLines(3);
    expect((await audit()).filter((x) => x.rule === 'RECORD_MODIFIED')).toEqual([]);
    await adjust('I1', { deltaPieces: 1, reason: '盘盈' });
    const edited = await removeLines(4);
    const w = (await audit()).filter((x) => x.rule === 'RECORD_MODIFIED');
    expect(w.map((x) => [x.productId ?? null, x.saleIds])).toEqual([
      ['IBU', []],
      [null, [edited]],
    ]);
    expect(w[0]!.detail).toMatch(/I1.*调整4次/);
  });

  it('a bad date is a 400; the cashier may not read the audit', async () => {
    expect((await t.api('GET', '/api/audit?from=2026-11-31')).status).toBe(400);
    expect((await t.api('GET', '/api/audit', undefined, TOKENS.cashier)).status).toBe(403);
    expect((await t.api('GET', '/api/audit', undefined, TOKENS.technician)).status).toBe(200);
  });
});

describe('疑点: pulled from the platform with 3601, answered by the manager', () => {
  let items: SuspiciousItemView[] = [];
  const simToday = () => shanghaiDate(new Date());

  it("pull stores the day's items once (idempotent) and ties settlements to their sales", async () => {
    const first = await t.api<{ pulled: number; items: SuspiciousItemView[] }>('POST', '/api/suspicious/pull', { date: simToday() });
    expect(first.status).toBe(200);
    const platform = t.agent.platform
      .simulator!.db.prepare("SELECT item_id FROM audit_items WHERE fixmedins_code = 'P13010200001' AND audit_date = ?")
      .pluck()
      .all(simToday());
    expect(platform.length).toBeGreaterThanOrEqual(3);
    expect(first.body.pulled).toBe(platform.length);
    expect(first.body.items.map((i) => i.itemId).sort()).toEqual([...platform].sort());
    for (const i of first.body.items)
      expect(i).toMatchObject({
        date: simToday(),
        ruleName: expect.stringMatching(CHINESE),
        detail: expect.stringMatching(CHINESE),
        pulledAt: expect.any(String),
        answers: [],
      });
    const burst = first.body.items.find((i) => i.rule === 'MULTI_PERSON_BURST')!;
    expect(burst.setlId).toEqual(expect.any(String));
    expect(burst.saleId).toBe(sales.hypertension![0]);
    const again = await t.api<{ pulled: number; items: SuspiciousItemView[] }>('POST', '/api/suspicious/pull', { date: simToday() });
    expect(again.body.pulled).toBe(0);
    expect(again.body.items).toEqual(first.body.items);
    items = first.body.items;
  });

  it('answers are added, never replaced; they show with the item; the table refuses UPDATE and DELETE', async () => {
    const id = items[0]!.itemId;
    const a1 = await t.api<{ answer: { at: string; actor: string; text: string } }>('POST', `/api/suspicious/${id}/answers`, {
      text: '经核对为本人购药，处方与视频已存档。',
    });
    expect(a1.status).toBe(201);
    expect(a1.body.answer).toMatchObject({ actor: 'mgr', text: '经核对为本人购药，处方与视频已存档。', at: expect.any(String) });
    const a2 = await t.api('POST', `/api/suspicious/${id}/answers`, { text: '补充：已联系参保人确认。' });
    expect(a2.status).toBe(201);
    const list = await t.api<{ items: SuspiciousItemView[] }>(
      'GET',
      `/api/suspicious?from=${addDays(simToday(), -1)}&to=${simToday()}`,
      undefined,
      TOKENS.technician,
    );
    expect(list.status).toBe(200);
    expect(list.body.items.find((i) => i.itemId === id)!.answers.map((a) => a.text)).toEqual([
      '经核对为本人购药，处方与视频已存档。',
      '补充：已联系参保人确认。',
    ]);
    const db = t.agent.ledger.db;
    expect(() => db.prepare("UPDATE suspicious_answers SET text = 'x'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM suspicious_answers').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE suspicious_items SET detail = 'x'").run()).toThrow(/UPDATE refused/);
    expect(() => db.prepare('DELETE FROM suspicious_items').run()).toThrow(/DELETE refused/);
    expect(db.prepare('SELECT COUNT(*) FROM suspicious_answers').pluck().get()).toBe(2);
  });

  it('refuses empty or overlong answers, unknown items, future or impossible dates (Chinese messages)', async () => {
    const id = items[0]!.itemId;
    for (const text of ['', '   ', 'x'.repeat(1001)]) {
      const r = await t.api('POST', `/api/suspicious/${id}/answers`, { text });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.message).toMatch(CHINESE);
    }
    expect((await t.api('POST', `/api/suspicious/${id}/answers`, { text: 'x'.repeat(1000) })).status).toBe(201);
    const unknown = await t.api('POST', '/api/suspicious/NOPE/answers', { text: '说明' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]?.message).toMatch(CHINESE);
    for (const date of [addDays(today, 2), '2026-02-30', 'yesterday']) {
      const r = await t.api('POST', '/api/suspicious/pull', { date });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.message).toMatch(CHINESE);
    }
  });

  it('only a manager writes: the cashier and the technician get 403; the cashier may not read either', async () => {
    const id = items[0]!.itemId;
    for (const token of [TOKENS.cashier, TOKENS.technician]) {
      expect((await t.api('POST', '/api/suspicious/pull', { date: simToday() }, token)).status).toBe(403);
      expect((await t.api('POST', `/api/suspicious/${id}/answers`, { text: '说明' }, token)).status).toBe(403);
    }
    expect((await t.api('GET', '/api/suspicious', undefined, TOKENS.cashier)).status).toBe(403);
  });

  it('a platform that cannot be reached: 409 PLATFORM_UNAVAILABLE in Chinese (the same status wherever the box raises it); the daily pull leaves the day for its next try', async () => {
    const sim = t.agent.platform.simulator!;
    const yesterday = addDays(today, -1);
    sim.setFaults({ rate5xx: 1 });
    try {
      const r = await t.api('POST', '/api/suspicious/pull', { date: yesterday });
      expect(r.status).toBe(409);
      expect(r.body.errors?.[0]).toMatchObject({ code: 'PLATFORM_UNAVAILABLE', message: expect.stringMatching(/医保平台/) });
      await t.agent.suspicious.dailyPull();
      expect(t.agent.suspicious.store.wasPulled(yesterday)).toBe(false);
    } finally {
      sim.setFaults({});
    }
  });

  it('the daily timer pulls yesterday and the day before once the platform answers', async () => {
    const yesterday = addDays(today, -1);
    const daily = new SuspiciousService(t.agent.ledger.db, t.agent.platform.suspicious, t.clock.now, silentLog());
    daily.start({ firstDelayMs: 10, intervalMs: 50 });
    try {
      for (let i = 0; i < 200 && !daily.store.wasPulled(yesterday); i++) await new Promise((r) => setTimeout(r, 25));
      expect(daily.store.wasPulled(yesterday)).toBe(true);
      expect(daily.store.wasPulled(addDays(today, -2))).toBe(true);
    } finally {
      await daily.stop();
    }
  });
});
