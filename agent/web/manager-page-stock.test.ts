// The manager page in Chromium against a real agent: a receipt end to end (boxes scanned at the counter's
// scanner and typed, a box of another product refused on the spot, the agent's problems shown per line,
// commit), the stock with its new lots and expiry highlighting, a code's life, and a stocktake whose
// difference is posted as an adjustment (a stock.adjusted ledger event and a 3502 outbox row).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signIn, startManagerAgent, USERS, type ManagerAgent, type ManagerPage } from './manager-page.test-helpers.js';
import { CATALOG, codeOf, line, RunningClock, serials } from './sales.test-helpers.js';

let t: ManagerAgent;
let browser: Browser;
let m: ManagerPage;
const clock = new RunningClock();

beforeAll(async () => {
  t = await startManagerAgent({ clock });
  // Earlier stock: an uncoded lot that expired (opening stock, 无码库), one that expires within 90 days.
  const opening = await t.api('POST', '/api/inventory/opening', {
    procurementOrderNo: 'CG202611000001',
    lines: [
      { productId: 'HERB', lot: 'H-OLD', mfgDate: '2024-10-01', expiry: '2026-10-31', pieces: 4 },
      { productId: 'HERB', lot: 'H-NEAR', mfgDate: '2025-01-20', expiry: '2027-01-20', pieces: 10 },
    ],
  });
  expect(opening.status).toBe(201);
  browser = await launchBrowser();
  m = await signIn(browser, t.agent.url, USERS.manager, clock);
  await m.page.locator('#app').waitFor({ state: 'visible' });
}, 30_000);

afterAll(async () => {
  await m?.close();
  await browser?.close();
  await t?.close();
});

describe('manager page: receiving, stock, stocktake', () => {
  it('receives a delivery: scanned and typed boxes, a wrong product refused at once, problems per line, commit', async () => {
    const { page } = m;
    expect(await page.locator('#who').textContent()).toBe('王店长（店长）');
    await m.open('#/receiving', 'receiving');

    await page.locator('#rcv-supplier').fill('华润河北医药有限公司');
    await page.locator('#rcv-delivery').fill('SH-20261122-01');
    await page.locator('#rcv-order').fill('CG202611000009');
    const row1 = page.locator('#rcv-lines tr[data-uid]').nth(0);
    await row1.locator('select.product').selectOption('IBU');
    await row1.locator('input.lot').fill('L2026A');
    await row1.locator('input[aria-label="生产日期"]').fill('2026-01-10');
    await row1.locator('input[aria-label="有效期"]').fill('2028-01-09');
    await row1.locator('input.packs').fill('3');
    await row1.locator('input.price').fill('12.50');

    // The counter's scanner is switched to receiving; its scans arrive as events and fill the current line.
    await page.locator('#rcv-start').click();
    await expect.poll(() => page.locator('#rcv-session').textContent()).toContain('正在收货');
    expect((await t.api<{ active: boolean }>('GET', '/api/receiving/counter-1')).body.active).toBe(true);
    const [a, b, c] = serials('IBU', 101, 3) as [string, string, string];
    await t.scan(a);
    await t.scan(b);
    await expect.poll(() => row1.locator('td.count').textContent()).toBe('2 / 3');

    // A box of another product is refused the moment it is scanned, naming that product.
    await t.scan(codeOf('AMOX', 900));
    await expect.poll(() => page.locator('#rcv-refused').textContent()).toContain(CATALOG.AMOX.name);
    expect(await page.locator('#rcv-refused li').first().textContent()).toContain('不属于第1行');
    // The same box twice, and a product barcode, are refused too.
    await t.scan(a);
    await expect.poll(() => page.locator('#rcv-refused li').first().textContent()).toContain('已经扫过');
    expect(await row1.locator('td.count').textContent()).toBe('2 / 3');

    // The third box is typed (a code printed on a damaged label).
    await page.locator('#rcv-type').fill(c);
    await page.locator('#rcv-type').press('Enter');
    await expect.poll(() => row1.locator('td.count').textContent()).toBe('3 / 3');
    expect(await row1.locator('td.count').getAttribute('class')).toContain('ok');
    expect(await page.locator('#rcv-current-codes li').count()).toBe(3);

    // A second line: trace-exempt herbs (no codes), with an expiry before production, and no invoice yet.
    await page.locator('#rcv-add-line').click();
    const row2 = page.locator('#rcv-lines tr[data-uid]').nth(1);
    await row2.locator('select.product').selectOption('HERB');
    await row2.locator('input.lot').fill('H2026');
    await row2.locator('input[aria-label="生产日期"]').fill('2026-06-01');
    await row2.locator('input[aria-label="有效期"]').fill('2026-05-01');
    await row2.locator('input.packs').fill('5');
    await row2.locator('input.price').fill('3.2');
    expect(await row2.locator('td.count').textContent()).toBe('免追溯码');
    await m.shot('receiving');
    expect(await m.fitsWidth()).toEqual([]);

    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('#rcv-problems').textContent()).toContain('缺少增值税发票号');
    const lineProblem = page.locator('#rcv-lines tr.line-problems');
    expect(await lineProblem.textContent()).toContain('第2行（当归（饮片））');
    expect(await lineProblem.textContent()).toContain('不晚于生产日期');
    expect(await page.locator('#notice').textContent()).toContain('整单未入库');
    await m.shot('receiving-problems');

    // Fixed: the receipt is committed, the scanner goes back to the cashier.
    await page.locator('#rcv-invoice').fill('04400012345678');
    await row2.locator('input[aria-label="有效期"]').fill('2028-05-31');
    await page.locator('#rcv-commit').click();
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/入库成功：入库单 #\d+，2 行共 8 盒/);
    expect((await t.api<{ active: boolean }>('GET', '/api/receiving/counter-1')).body.active).toBe(false);
    expect(await page.locator('#rcv-lines tr[data-uid]').count()).toBe(1); // a fresh empty line

    const ibu = (await t.api<{ products: { lots: { lot: string; piecesOnHand: number; coded: boolean }[] }[] }>('GET', '/api/stock?productId=IBU')).body.products[0];
    expect(ibu?.lots).toEqual([expect.objectContaining({ lot: 'L2026A', piecesOnHand: 60, coded: true })]);
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  }, 30_000);

  it('shows stock by product and lot with expired and near-expiry lots highlighted, and a code\'s life', async () => {
    const { page } = m;
    await m.open('#/stock', 'stock');
    const lotRow = (lot: string) => page.locator('#stock-rows tr.lot', { hasText: `批号 ${lot}` });
    await lotRow('L2026A').waitFor();
    expect(await lotRow('L2026A').textContent()).toContain('60');
    expect(await page.locator('#stock-rows tr.group[data-product="IBU"]').textContent()).toContain('60 件（3 盒）');
    expect(await lotRow('H-OLD').getAttribute('class')).toContain('expired');
    expect(await lotRow('H-OLD').textContent()).toContain('已过期');
    expect(await lotRow('H-NEAR').getAttribute('class')).toContain('near');
    expect(await lotRow('H-NEAR').textContent()).toContain('59 天后到期'); // 2026-11-22 → 2027-01-20
    expect(await lotRow('H2026').getAttribute('class')).not.toMatch(/expired|near/);

    await page.locator('#code-input').fill(codeOf('IBU', 102));
    await page.locator('#code-input').press('Enter');
    await expect.poll(() => page.locator('#code-life').textContent()).toContain('在库');
    const life = await page.locator('#code-life').textContent();
    expect(life).toContain(CATALOG.IBU.name);
    expect(life).toContain('L2026A');
    expect(life).toContain('04400012345678');
    await m.shot('stock');

    await page.locator('#code-input').fill(codeOf('IBU', 999));
    await page.locator('#code-input').press('Enter');
    await expect.poll(() => page.locator('#code-life').textContent()).toContain('未在本店入库记录中');
    expect(await m.fitsWidth()).toEqual([]);
  });

  it('takes stock: counts by scanning and typing, posts a difference with its reason as a 3502 adjustment', async () => {
    const { page } = m;
    await t.receive({ procurementOrderNo: 'CG202611000010', lines: [line('METF', 'M1', serials('METF', 1, 3))] });
    await m.open('#/stocktake', 'stocktake');
    const lotRow = (lot: string) => page.locator('#st-rows tr[data-lot]', { hasText: `批号 ${lot}` });
    await lotRow('M1').waitFor();
    expect(await lotRow('M1').locator('.book').textContent()).toBe('144');

    // Two of the three boxes are on the shelf; a box of another lot's product is not counted here.
    await page.locator('#st-product').selectOption('METF');
    await page.locator('#st-scan').fill(codeOf('METF', 1));
    await page.locator('#st-scan').press('Enter');
    await page.locator('#st-scan').fill(codeOf('METF', 2));
    await page.locator('#st-scan').press('Enter');
    await expect.poll(() => lotRow('M1').locator('.scanned').textContent()).toBe('2');
    expect(await lotRow('M1').locator('.diff').textContent()).toBe('盘亏 -48');
    await page.locator('#st-scan').fill(codeOf('IBU', 101));
    await page.locator('#st-scan').press('Enter');
    await expect.poll(() => page.locator('#st-refused').textContent()).toContain('不是正在盘点的商品');

    // A coded lot's shortfall names the missing box; without it the page says what to do.
    await lotRow('M1').locator('input.reason').fill('盘亏');
    await lotRow('M1').locator('button.post').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('须逐盒报损');
    await lotRow('M1').locator('input.write-off').fill(codeOf('METF', 3));
    await m.shot('stocktake');
    await lotRow('M1').locator('button.post').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('已过账');
    expect(await page.locator('#notice').textContent()).toContain('-48 件');
    await expect.poll(() => lotRow('M1').locator('.book').textContent()).toBe('96');

    // An uncoded lot counted by typing: 3 bags more than the book.
    await page.locator('#st-product').selectOption('HERB');
    await lotRow('H-NEAR').locator('input.counted').fill('13');
    expect(await lotRow('H-NEAR').locator('.diff').textContent()).toBe('盘盈 +3');
    await lotRow('H-NEAR').locator('input.reason').fill('盘盈');
    await lotRow('H-NEAR').locator('button.post').click();
    await expect.poll(() => lotRow('H-NEAR').locator('.book').textContent()).toBe('13');

    const events = t.agent.ledger.db.prepare("SELECT seq, reason, payload FROM events WHERE type = 'stock.adjusted' ORDER BY seq").all() as { seq: number; reason: string; payload: string }[];
    expect(events.map((e) => [e.reason, (JSON.parse(e.payload) as { delta: number; lot: string }).delta, (JSON.parse(e.payload) as { lot: string }).lot])).toEqual([
      ['盘点：盘亏', -48, 'M1'],
      ['盘点：盘盈', 3, 'H-NEAR'],
    ]);
    const outbox = t.agent.ledger.db.prepare(`SELECT infno FROM outbox WHERE event_seq IN (${events.map((e) => e.seq).join(',')})`).pluck().all();
    expect(outbox).toEqual(['3502', '3502']);
    const life = await t.api<{ state: string }>('GET', `/api/codes/${codeOf('METF', 3)}`);
    expect(life.body.state).toBe('written_off');
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  }, 30_000);
});
