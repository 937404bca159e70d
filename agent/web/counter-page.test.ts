// The counter page in a real browser (Debian's chromium through playwright-core) against a real agent:
// sign in with a cashier PIN, open a sale, scan through the keyboard-wedge input, see a refusal, settle
// self-pay with F9 and read the receipt. Screenshots go to test-results/screens/.
import { mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, codeOf, line, serials, startTestAgent, type TestAgent } from './sales.test-helpers.js';

const SCREENS = 'test-results/screens';
let t: TestAgent;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SCREENS, { recursive: true });
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000009', lines: [line('IBU', 'I1', serials('IBU', 1, 3))] });
  await t.receive({ invoiceNo: 'INV-VITC', lines: [line('VITC', 'V1', [], { packs: 5 })] });
  await t.agent.accounts.create({ username: 'zhang', displayName: '张收银', role: 'cashier', password: '246810' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 20_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('counter page', () => {
  it('serves the page: / redirects to /counter, assets with their types, nothing else under /counter', async () => {
    const root = await fetch(`${t.agent.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/counter');
    const html = await fetch(`${t.agent.url}/counter`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('收银台');
    expect((await fetch(`${t.agent.url}/counter/counter.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.agent.url}/counter/counter.css`)).headers.get('content-type')).toMatch(/text\/css/);
    // Every module of the page is served as JavaScript (a missing one would break the whole page).
    const modules = readdirSync(fileURLToPath(new URL('./pages/counter/', import.meta.url))).filter((f) => f.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(5);
    for (const m of modules) expect((await fetch(`${t.agent.url}/counter/${m}`)).headers.get('content-type'), m).toMatch(/javascript/);
    expect((await fetch(`${t.agent.url}/counter/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.agent.url}/counter/index.html.bak`)).status).toBe(404);
  });

  it('signs in with a PIN, scans, shows a duplicate refusal, settles self-pay with F9 and prints the trace code on the receipt', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${t.agent.url}/counter?counter=counter-1`);

    // A wrong PIN is refused on the page; the right one signs in (Enter submits).
    await page.locator('#login-user').fill('zhang');
    await page.locator('#login-pin').fill('000000');
    await page.locator('#login-pin').press('Enter');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('错误');
    await page.locator('#login-pin').fill('246810');
    await page.locator('#login-pin').press('Enter');
    await page.locator('#counter').waitFor({ state: 'visible' });
    expect(await page.locator('#who').textContent()).toBe('张收银');
    // Every key binding is on screen, and a manager can reach the manager page.
    const keybar = (await page.locator('#keybar').textContent()) ?? '';
    for (const key of ['F2', 'F4', 'F6', 'F7', 'F8', 'F9', 'F10', 'F12', 'Esc', 'Del', '↑↓']) expect(keybar).toContain(key);
    expect(await page.locator('#manager-link').getAttribute('href')).toBe('/manager');

    // 新单 (F2): an empty open sale; the scanner input has the focus.
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#sale-title').textContent()).toMatch(/单号 \d+ · 进行中/);
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('scan');
    await page.screenshot({ path: `${SCREENS}/counter-signed-in-empty-sale.png` });

    // A keyboard-wedge scanner types the code and Enter.
    const box = codeOf('IBU', 1);
    await page.keyboard.type(box);
    await page.keyboard.press('Enter');
    const row = page.locator('#lines tr').first();
    await expect.poll(() => row.textContent()).toContain('已扫码');
    expect(await row.textContent()).toContain(CATALOG.IBU.name);
    expect(await row.textContent()).toContain('I1');
    expect(await row.textContent()).toContain('¥19.80');
    expect(await page.locator('#total').textContent()).toBe('¥19.80');

    // The same box again: the red panel, naming the duplicate, dismissed with Esc.
    await page.keyboard.type(box);
    await page.keyboard.press('Enter');
    await page.locator('#refusals').waitFor({ state: 'visible' });
    const refusal = await page.locator('#refusal-list').textContent();
    expect(refusal).toContain('重复');
    expect(refusal).toContain(box);
    expect(await page.locator('#refusal-list li').getAttribute('data-code')).toBe('TRACE_CODE_DUPLICATE_IN_SALE');
    await page.screenshot({ path: `${SCREENS}/counter-refusal.png` });
    await page.keyboard.press('Escape');
    await page.locator('#refusals').waitFor({ state: 'hidden' });
    expect(await page.locator('#lines tr').count()).toBe(1);

    // F9: self-pay settlement; totals and the receipt with the trace code.
    await page.keyboard.press('F9');
    await page.locator('#receipt').waitFor({ state: 'visible' });
    expect(await page.locator('#cash-pay').textContent()).toBe('¥19.80');
    expect(await page.locator('#fund-pay').textContent()).toBe('¥0.00');
    expect(await page.locator('#account-pay').textContent()).toBe('¥0.00');
    const receipt = await page.locator('#receipt').textContent();
    expect(receipt).toContain(`追溯码 ${box}`);
    expect(receipt).toContain(CATALOG.IBU.name);
    expect(receipt).toContain('2026-11-22 10:00'); // Shanghai time of the test clock
    expect(receipt).not.toContain('null');
    expect(await page.locator('#sale-title').textContent()).toContain('已结算');
    await page.screenshot({ path: `${SCREENS}/counter-settled-receipt.png` });

    // Printed, only the receipt remains.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#counter').isVisible()).toBe(false);
    expect(await page.locator('#receipt').isVisible()).toBe(true);
    await page.screenshot({ path: `${SCREENS}/counter-print.png` });
    await page.emulateMedia({ media: 'screen' });

    const saleId = Number((await page.locator('#sale-title').textContent())?.match(/\d+/)?.[0]);
    const sale = await t.sale(saleId);
    expect(sale.status).toBe('settled');
    expect(sale.refusals.map((r) => r.code)).toEqual(['TRACE_CODE_DUPLICATE_IN_SALE']);
    expect(errors).toEqual([]);
  }, 25_000);

  it('health food is flagged as self-pay only before settling, and the cashier removes it with ↑↓ and Del', async () => {
    await page.keyboard.press('F2');
    await expect.poll(() => page.locator('#sale-title').textContent()).toMatch(/进行中/);
    await page.keyboard.type(CATALOG.VITC.barcode);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#lines tr').count()).toBe(1);
    expect(await page.locator('#lines tr').getAttribute('data-state')).toBe('exempt');
    expect(await page.locator('#todo [data-task="self-pay"]').textContent()).toContain(CATALOG.VITC.name);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('#lines tr').count()).toBe(0);
    expect(await page.locator('#status').textContent()).toContain(`已删除：${CATALOG.VITC.name}`);
  });
});
