// 药师在岗 in Chromium: the manager creates a pharmacist on the 账号与药师 screen; at the counter F5 药师签到 with the
// pharmacist's own password puts them in the header (在岗药师：王药师), F5 again signs them out; the manager's sales
// list and sale detail show who was on duty for each sale. Screens at 1280×800 and 1024×768.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../../test/helpers.js';
import { signedInCounter } from './counter-browser.test-helpers.js';
import { launchBrowser, type ManagerAgent, type ManagerPage, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
import { codeOf, line, serials } from './sales.test-helpers.js';

const CERT = 'ZY13010220260007';

let a: ManagerAgent;
let browser: Browser;
let m: ManagerPage;

beforeAll(async () => {
  a = await startManagerAgent();
  await a.receive({ procurementOrderNo: 'CG202611000001', lines: [line('IBU', 'I1', serials('IBU', 1, 4))] });
  browser = await launchBrowser();
  m = await signIn(browser, a.agent.url, USERS.manager);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await a?.close();
});

describe('pharmacist on duty in the pages', () => {
  it('the manager creates a pharmacist with the 执业药师注册证号 on the 账号与药师 screen', async () => {
    const { page } = m;
    await m.open('#/accounts', 'accounts');
    await page.locator('#acc-role').selectOption('pharmacist');
    await page.locator('#acc-cert-label').waitFor({ state: 'visible' });
    await page.locator('#acc-username').fill('wangyao');
    await page.locator('#acc-name').fill('王药师');
    await page.locator('#acc-password').fill('pharm-pass-77');
    // A wrong certificate number is refused in Chinese and nothing is created.
    await page.locator('#acc-cert').fill('123');
    await page.locator('#acc-form button[type=submit]').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('执业药师注册证号格式不对');
    await page.locator('#acc-cert').fill(CERT);
    await page.locator('#acc-password').fill('pharm-pass-77');
    await page.locator('#acc-form button[type=submit]').click();
    await page.locator('#acc-rows tr[data-user="wangyao"]').waitFor();
    expect(await page.locator('#acc-rows tr[data-user="wangyao"]').textContent()).toContain(CERT);
    // The configured pharmacist (test config: 李药师) covers counters without a sign-in; the new one can be the shift.
    expect(await page.locator('#acc-duty').textContent()).toContain('李药师');
    expect(await page.locator('#acc-shift option[value="wangyao"]').count()).toBe(1);
    expect(await m.fitsWidth()).toEqual([]);
    await m.shot('accounts-1280');
    await page.setViewportSize({ width: 1024, height: 768 });
    await m.shot('accounts-1024');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(m.errors).toEqual([]);
  });

  it('F5 药师签到 at the counter shows 在岗药师 in the header; a sale records them; F5 signs them out', async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 1024, height: 768 },
    ]) {
      const c = await signedInCounter(browser, a.agent.url, USERS.cashier.username, USERS.cashier.password, 'counter-1', viewport);
      const { page } = c;
      try {
        await expect.poll(() => page.locator('#pharmacist').textContent()).toBe('李药师（当班）');
        await page.keyboard.press('F5');
        await page.locator('#pharm-dialog').waitFor({ state: 'visible' });
        await page.keyboard.type('wangyao');
        await page.keyboard.press('Enter');
        await page.keyboard.type('wrong-password');
        await page.keyboard.press('Enter');
        await expect.poll(() => page.locator('#pharm-error').textContent()).toContain('用户名或密码错误');
        await page.keyboard.type('pharm-pass-77');
        await page.keyboard.press('Enter');
        await page.locator('#pharm-dialog').waitFor({ state: 'hidden' });
        await expect.poll(() => page.locator('#pharmacist').textContent(), { message: `header at ${viewport.width}` }).toBe('王药师');
        expect(await page.locator('#pharm-key').textContent()).toBe('药师签退（F5）');
        // The header fits: nothing in it is cut off or pushed out of the window.
        const overflow = await page.evaluate<number>(
          `Math.max(...[...document.querySelectorAll('header.top *')].map((e) => e.getBoundingClientRect().right)) - window.innerWidth`,
        );
        expect(overflow).toBeLessThanOrEqual(0);
        await c.shot(`counter-pharmacist-${viewport.width}`);

        if (viewport.width === 1280) {
          // A sale at this counter while 王药师 is on duty (through the API: the page shows it on its own).
          const id = (await a.api<{ id: number }>('POST', '/api/sales', { counter: 'counter-1' }, TOKENS.cashier)).body.id;
          expect((await a.api('POST', `/api/sales/${id}/items`, { code: codeOf('IBU', 1) }, TOKENS.cashier)).status).toBe(200);
          expect((await a.api('POST', `/api/sales/${id}/settle`, { payment: 'self_pay' }, TOKENS.cashier)).status).toBe(200);
        }

        await page.keyboard.press('F5');
        await expect.poll(() => page.locator('#pharmacist').textContent()).toBe('李药师（当班）');
        expect(await page.locator('#status').textContent()).toContain('王药师已签退');
        expect(c.errors).toEqual([]);
      } finally {
        await c.close();
      }
    }
  });

  it('the sales list and the sale detail show who was on duty (在岗药师)', async () => {
    const { page } = m;
    await m.open('#/sales', 'sales');
    const row = page.locator('#sales-rows tr[data-sale]').first();
    await row.waitFor();
    expect(await row.locator('td.pharmacist').textContent()).toBe('王药师');
    const header = await page.locator('#screen-sales thead th').allTextContents();
    expect(header).toContain('在岗药师');
    expect(await m.fitsWidth()).toEqual([]);
    await m.shot('sales-pharmacist-1280');
    await page.setViewportSize({ width: 1024, height: 768 });
    await m.shot('sales-pharmacist-1024');
    await row.click();
    await page.locator('#screen-sale').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#sale-settlement').textContent()).toContain(`王药师（注册证号 ${CERT}）`);
    await m.shot('sale-pharmacist-1024');
    await page.setViewportSize({ width: 1280, height: 800 });
    await m.shot('sale-pharmacist-1280');
    expect(m.errors).toEqual([]);
  });
});
