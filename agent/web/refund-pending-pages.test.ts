// Issue 15: a refund whose platform answer is lost shows 退费处理中 on both pages, in Chromium at 1280×800 against a
// real agent whose embedded simulator reverses the settlement and then drops every answer (so the box's own
// recovery pass cannot finish it during the test). The cashier's counter page shows the alarm saying what happened
// ("平台可能已退费，系统将自动核实"); the manager's sale detail and sales list show 退费处理中 and no refund button.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../../test/helpers.js';
import { signedInCounter } from './counter-browser.test-helpers.js';
import { launchBrowser, type ManagerAgent, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
import { line, person, serials } from './sales.test-helpers.js';

let t: ManagerAgent;
let browser: Browser;
let saleId: number;

beforeAll(async () => {
  t = await startManagerAgent();
  await t.receive({ procurementOrderNo: 'CG202611000031', lines: [line('LIAN', 'LP2026A', serials('LIAN', 1, 2))] });
  const open = await t.api<{ id: number }>('POST', '/api/sales', { counter: 'counter-1' }, TOKENS.cashier);
  saleId = open.body.id;
  expect((await t.api('PUT', `/api/sales/${saleId}/identity`, { certType: '02', certNo: person('diabetes').certno }, TOKENS.cashier)).status).toBe(200);
  for (const code of serials('LIAN', 1, 2)) expect((await t.api('POST', `/api/sales/${saleId}/items`, { code }, TOKENS.cashier)).status).toBe(200);
  expect((await t.api('POST', `/api/sales/${saleId}/settle`, { payment: 'insurance' }, TOKENS.cashier)).status).toBe(200);
  // From here the platform carries out every call and loses every answer: the refund stays 退费处理中.
  t.agent.platform.simulator!.setFaults({ rateLostAfterCommit: 1, random: () => 0 });
  const refused = await t.api<{ errors: { message: string }[] }>('POST', `/api/sales/${saleId}/reverse`, { reason: '顾客退货' });
  expect(refused.status).toBe(409);
  expect((await t.api<{ status: string }>('GET', `/api/sales/${saleId}`)).body.status).toBe('reversing');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  t?.agent.platform.simulator?.setFaults({});
  await browser?.close();
  await t?.close();
});

describe('退费处理中 in the browser', () => {
  it('the counter page tells the cashier the platform may have refunded and the box will verify it', async () => {
    const c = await signedInCounter(browser, t.agent.url, USERS.cashier.username, USERS.cashier.password);
    try {
      const alarm = c.page.locator('#alarms [data-code="REFUND_PENDING"]');
      await alarm.waitFor({ state: 'visible', timeout: 20_000 });
      const text = (await alarm.textContent()) ?? '';
      expect(text).toContain(`销售单 ${saleId} 退费处理中`);
      expect(text).toContain('平台可能已退费，系统将自动核实');
      expect(text).toContain('请勿重复退款');
      expect(text).not.toMatch(/联网/);
      await c.shot('counter-refund-pending');
      expect(c.errors).toEqual([]);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('the manager page shows 退费处理中 in the sale detail and the sales list, with no second refund offered', async () => {
    const m = await signIn(browser, t.agent.url, USERS.manager);
    try {
      const { page } = m;
      await page.locator('#app').waitFor({ state: 'visible' });
      await m.open(`#/sales/${saleId}`, 'sale');
      await expect.poll(() => page.locator('#sale-title').textContent(), { timeout: 20_000 }).toContain('退费处理中');
      const pending = (await page.locator('#sale-reversing').textContent()) ?? '';
      expect(pending).toContain('退费处理中');
      expect(pending).toContain('平台可能已退费，系统将自动核实');
      expect(pending).toContain('请勿重复退款');
      expect(await page.locator('#sale-refund-open').count()).toBe(0);
      await m.shot('refund-pending');
      expect(await m.fitsWidth()).toEqual([]);

      await m.open('#/sales', 'sales');
      await expect.poll(() => page.locator('#screen-sales').textContent(), { timeout: 20_000 }).toContain('退费处理中');
      expect(m.errors).toEqual([]);
    } finally {
      await m.close();
    }
  }, 60_000);
});
