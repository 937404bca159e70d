// Issue 14 in Chromium: two counter pages signed in at once (counter-1 at the kiosk's 1280×800, counter-2 on a
// 1024×768 touch kiosk), each with its own simulated scanner and counter-1 with an ID reader. Scans and identities
// never cross between them, a box held at counter-1 is refused at counter-2 naming the counter, F2 on a sale with
// lines asks 作废当前销售单？, F3 voids, and after a sign-out the next cashier is asked to resume or void the sale
// left open instead of scanning into it. Screenshots of each state at both sizes.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../../test/helpers.js';
import { type CounterPage, type DeviceAgent, launchKiosk, saleIdOnPage, signedInCounter, startDeviceAgent } from './counter-browser.test-helpers.js';
import { CATALOG, codeOf, line, person, serials } from './sales.test-helpers.js';

let t: DeviceAgent;
let browser: Browser;
let a: CounterPage;
let b: CounterPage;
const POLL = { timeout: 10_000 };

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? '';
const lineCodes = (page: Page) => page.locator('#lines tr').evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));

async function deviceScan(scanner: 'scan-a' | 'scan-b', code: string): Promise<void> {
  expect((await t.api('POST', `/api/devices/${scanner}/scan`, { text: code }, TOKENS.cashier)).status).toBe(200);
}

/** Everything a cashier needs is inside the window: no panel cut off at this kiosk size. */
async function fitsViewport(page: Page, selectors: string[]): Promise<void> {
  const size = page.viewportSize()!;
  for (const s of selectors) {
    const box = await page.locator(s).boundingBox();
    expect(box, `${s} is not shown`).not.toBeNull();
    expect(box!.y + box!.height, `${s} ends below the ${size.width}×${size.height} window`).toBeLessThanOrEqual(size.height + 0.5);
    expect(box!.x + box!.width, `${s} ends right of the ${size.width}×${size.height} window`).toBeLessThanOrEqual(size.width + 0.5);
  }
}

beforeAll(async () => {
  [t, browser] = await Promise.all([
    startDeviceAgent(`scanners:
  - { id: scan-a, type: simulated, counter: counter-1 }
  - { id: scan-b, type: simulated, counter: counter-2 }
idReaders:
  - { id: reader-a, type: simulated, counter: counter-1 }`),
    launchKiosk(),
  ]);
  await t.receive({ procurementOrderNo: 'CG202611000001', lines: [line('IBU', 'I1', serials('IBU', 1, 6)), line('LIAN', 'LH1', serials('LIAN', 1, 6))] });
  await t.agent.accounts.create({ username: 'zhang', displayName: '张收银', role: 'cashier', password: '111111' });
  await t.agent.accounts.create({ username: 'wang', displayName: '王收银', role: 'cashier', password: '222222' });
  [a, b] = await Promise.all([
    signedInCounter(browser, t.agent.url, 'zhang', '111111', 'counter-1'),
    signedInCounter(browser, t.agent.url, 'wang', '222222', 'counter-2', { width: 1024, height: 768 }),
  ]);
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await browser?.close();
  await t?.close();
});

describe('two counters on one box, one customer at a time each', () => {
  it('scans and identities stay at their own counter; a box held at counter-1 is refused at counter-2 naming the counter', async () => {
    await deviceScan('scan-a', codeOf('IBU', 1));
    await expect.poll(() => a.page.locator('#lines tr').count(), POLL).toBe(1);
    await deviceScan('scan-b', codeOf('LIAN', 1));
    await expect.poll(() => b.page.locator('#lines tr').count(), POLL).toBe(1);
    expect((await lineCodes(a.page)).join()).toContain(CATALOG.IBU.name);
    expect((await lineCodes(b.page)).join()).toContain(CATALOG.LIAN.name);
    // Each sale records the cashier signed in at its counter.
    expect((await t.sale(await saleIdOnPage(a.page))) as unknown).toMatchObject({ counter: 'counter-1', openedBy: 'zhang' });
    expect((await t.sale(await saleIdOnPage(b.page))) as unknown).toMatchObject({ counter: 'counter-2', openedBy: 'wang' });

    // An ID card on counter-1's reader identifies counter-1's buyer only.
    const zhang = person('hypertension');
    expect((await t.api('POST', '/api/devices/reader-a/card', { idNumber: zhang.certno }, TOKENS.cashier)).status).toBe(200);
    await expect.poll(() => text(a.page, '#person'), POLL).toContain(zhang.name);
    expect(await text(b.page, '#person')).not.toContain(zhang.name);
    await t.api('POST', '/api/devices/reader-a/card', { remove: true }, TOKENS.cashier);

    // counter-1's box scanned at counter-2.
    await deviceScan('scan-b', codeOf('IBU', 1));
    await b.page.locator('#refusals').waitFor({ state: 'visible' });
    expect(await text(b.page, '#refusal-list')).toContain(`收银台 counter-1，单号 #${await saleIdOnPage(a.page)}`);
    await fitsViewport(b.page, ['#refusals .refusals-hint']);
    await b.shot('counter-two-counters-held-elsewhere-1024');
    await a.shot('counter-two-counters-a-1280');
    await b.page.keyboard.press('Escape');
    expect(a.errors.concat(b.errors)).toEqual([]);
  });

  it('F2 on a sale with lines asks 作废当前销售单？; Esc keeps it, Enter voids it and opens a new one', async () => {
    const before = await saleIdOnPage(b.page);
    await b.page.keyboard.press('F2');
    await b.page.locator('#void-dialog').waitFor({ state: 'visible' });
    expect(await text(b.page, '#void-sale')).toContain(`单号 ${before}：1 行商品`);
    await b.shot('counter-void-confirm-1024');
    await b.page.keyboard.press('Escape');
    await b.page.locator('#void-dialog').waitFor({ state: 'hidden' });
    expect(await saleIdOnPage(b.page)).toBe(before);
    await b.page.keyboard.press('F2');
    await b.page.locator('#void-dialog').waitFor({ state: 'visible' });
    await b.page.keyboard.press('Enter');
    await expect.poll(() => saleIdOnPage(b.page), POLL).not.toBe(before);
    expect((await t.sale(before)) as unknown).toMatchObject({ status: 'voided', voided: { reason: '收银员作废', by: 'wang' } });
    // Its box is free again: counter-2 sells it.
    await deviceScan('scan-b', codeOf('LIAN', 1));
    await expect.poll(() => b.page.locator('#lines tr').count(), POLL).toBe(1);
  });

  it('after a sign-out the next cashier is asked to resume or void the identified sale; a scan meanwhile joins nothing', async () => {
    const left = await saleIdOnPage(a.page);
    await a.page.keyboard.press('F12');
    await a.page.locator('#login').waitFor({ state: 'visible' });
    // Nobody at counter-1: the next customer's box is not added to 张建国's sale.
    await deviceScan('scan-a', codeOf('IBU', 2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await t.sale(left)).items.map((i) => i.code)).toEqual([codeOf('IBU', 1)]);

    await a.page.locator('#login-user').fill('zhang');
    await a.page.locator('#login-pin').fill('111111');
    await a.page.locator('#login-pin').press('Enter');
    await a.page.locator('#left-dialog').waitFor({ state: 'visible' });
    const shown = await text(a.page, '#left-sale');
    expect(shown).toContain(`单号 ${left}`);
    expect(shown).toContain('参保人 张建国');
    expect(await text(a.page, '#sale-title')).toBe('未开单');
    await fitsViewport(a.page, ['#left-box']);
    await a.shot('counter-left-open-1280');
    // Del voids it (the customer left): the screen is clean and the next scan opens a new sale.
    await a.page.keyboard.press('Delete');
    await a.page.locator('#left-dialog').waitFor({ state: 'hidden' });
    expect((await t.sale(left)).status).toBe('voided');
    await deviceScan('scan-a', codeOf('IBU', 2));
    await expect
      .poll(async () => (await t.api<{ saleId: number | null }>('GET', '/api/counters/counter-1', undefined, TOKENS.cashier)).body.saleId, POLL)
      .not.toBeNull();
    await expect.poll(() => a.page.locator('#lines tr').count(), POLL).toBe(1);
    expect(await text(a.page, '#person')).not.toContain('张建国');
  });

  it('F3 voids the sale on screen after confirming; every panel fits both kiosk sizes', async () => {
    const id = await saleIdOnPage(a.page);
    await a.page.keyboard.press('F3');
    await a.page.locator('#void-dialog').waitFor({ state: 'visible' });
    await a.page.keyboard.press('Enter');
    await expect.poll(() => text(a.page, '#sale-title'), POLL).toContain('已作废');
    expect((await t.sale(id)).status).toBe('voided');
    for (const k of [a, b]) await fitsViewport(k.page, ['#keybar span:last-child', '#total', '#status']);
    expect(await text(a.page, '#keybar')).toContain('F3');
    await a.shot('counter-voided-1280');
    await b.shot('counter-sale-1024');
    expect(a.errors.concat(b.errors)).toEqual([]);
  });
});
