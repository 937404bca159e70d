// The manager page in Chromium against a real agent: a receipt end to end (boxes scanned at the counter's
// scanner and typed, a box of another product refused on the spot, the agent's problems shown per line,
// commit), the stock with its new lots and expiry highlighting, a code's life, a stocktake that lists the
// boxes not scanned (未盘到) and writes them off in one step, records the count (完成盘点) and posts each
// difference as an adjustment (a stock.adjusted ledger event and a 3502 outbox row), and the reconciliation's
// 实盘/差异 from that count.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type ManagerAgent, type ManagerPage, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
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

    const ibu = (await t.api<{ products: { lots: { lot: string; piecesOnHand: number; coded: boolean }[] }[] }>('GET', '/api/stock?productId=IBU')).body
      .products[0];
    expect(ibu?.lots).toEqual([expect.objectContaining({ lot: 'L2026A', piecesOnHand: 60, coded: true })]);
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  }, 30_000);

  it("shows stock by product and lot with expired and near-expiry lots highlighted, and a code's life", async () => {
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

  it('takes stock: scanning 2 of 3 boxes lists the third as 未盘到 and writes it off in one step; 完成盘点 records the count', async () => {
    const { page } = m;
    const [box1, box2, box3, box4] = serials('METF', 1, 4) as [string, string, string, string];
    await t.receive({ procurementOrderNo: 'CG202611000010', lines: [line('METF', 'M1', [box1, box2, box3, box4])] });
    const stock = await t.api<{ products: { lots: { lotId: number }[] }[] }>('GET', '/api/stock?productId=METF');
    const metfLot = stock.body.products[0]!.lots[0]!.lotId;
    // A box written off earlier (broken) that is still lying on the shelf.
    expect((await t.api('POST', '/api/stock/adjustments', { lotId: metfLot, codes: [box4], reason: '破损' })).status).toBe(201);

    await m.open('#/stocktake', 'stocktake');
    const lotRow = (lot: string) => page.locator('#st-rows tr[data-lot]', { hasText: `批号 ${lot}` });
    const detail = page.locator(`#st-rows tr[data-detail-lot="${metfLot}"]`);
    await lotRow('M1').waitFor();
    expect(await lotRow('M1').locator('.book').textContent()).toBe('144');

    // Two of the three boxes are on the shelf; a box of another product is not counted here.
    await page.locator('#st-product').selectOption('METF');
    for (const box of [box1, box2]) {
      await page.locator('#st-scan').fill(box);
      await page.locator('#st-scan').press('Enter');
    }
    await expect.poll(() => lotRow('M1').locator('.scanned').textContent()).toBe('2');
    expect(await lotRow('M1').locator('.diff').textContent()).toBe('盘亏 -48');
    // The box nobody scanned is listed by code, from the agent's book.
    await expect.poll(() => detail.locator('.st-missing').textContent()).toContain('未盘到 1 盒（48 件）');
    expect(await detail.locator('.st-missing').textContent()).toContain(box3);
    await page.locator('#st-scan').fill(codeOf('IBU', 101));
    await page.locator('#st-scan').press('Enter');
    await expect.poll(() => page.locator('#st-refused').textContent()).toContain('不是正在盘点的商品');
    // The written-off box on the shelf is flagged under its lot and not counted.
    await page.locator('#st-scan').fill(box4);
    await page.locator('#st-scan').press('Enter');
    await expect.poll(() => detail.locator('.st-extra').textContent()).toContain(`账外 1 盒：${box4}（账面已报损）`);
    expect(await lotRow('M1').locator('.scanned').textContent()).toBe('2');
    expect(await page.locator('#st-refused li').first().textContent()).toContain('已报损，却在货架上');

    // One step: the reason, then the button; nobody types the missing box's code.
    expect(await lotRow('M1').locator('input.write-off').inputValue()).toBe('');
    await m.shot('stocktake');
    expect(await m.fitsWidth()).toEqual([]);
    await detail.locator('button.write-off-missing').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('请填写调整原因');
    await lotRow('M1').locator('input.reason').fill('盘亏');
    await detail.locator('button.write-off-missing').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('已过账');
    expect(await page.locator('#notice').textContent()).toContain('-48 件');
    await expect.poll(() => lotRow('M1').locator('.book').textContent()).toBe('96');
    expect(await detail.count()).toBe(0);
    expect((await t.api<{ state: string }>('GET', `/api/codes/${box3}`)).body.state).toBe('written_off');

    // Uncoded lots counted by typing, finished with 完成盘点: one bag short of nothing, 3 bags more than the book.
    await page.locator('#st-product').selectOption('HERB');
    await lotRow('H-OLD').locator('input.counted').fill('4');
    expect(await lotRow('H-OLD').locator('.diff').textContent()).toBe('相符');
    await lotRow('H-NEAR').locator('input.counted').fill('13');
    expect(await lotRow('H-NEAR').locator('.diff').textContent()).toBe('盘盈 +3');
    await page.locator('#st-finish').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('盘点未保存');
    expect(await page.locator('#notice').textContent()).toContain('批号 H-NEAR：请填写调整原因');
    await lotRow('H-NEAR').locator('input.reason').fill('盘盈');
    await page.locator('#st-note').fill('月末盘点');
    await page.locator('#st-finish').click();
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/盘点 #\d+ 已记录 2 个批次，1 笔差异已过账/);
    await expect.poll(() => lotRow('H-NEAR').locator('.book').textContent()).toBe('13');

    // The counts were recorded with the book the agent read, before the adjustments.
    const takes = (
      await t.api<{ stocktakes: { note: string | null; actor: string; lines: { lot: string; book: number; counted: number }[] }[] }>('GET', '/api/stocktakes')
    ).body.stocktakes;
    expect(takes.map((s) => [s.note, s.actor, s.lines.map((l) => [l.lot, l.book, l.counted])])).toEqual([
      [
        '月末盘点',
        USERS.manager.username,
        [
          ['H-OLD', 4, 4],
          ['H-NEAR', 10, 13],
        ],
      ],
      [null, USERS.manager.username, [['M1', 144, 96]]],
    ]);
    const events = t.agent.ledger.db.prepare("SELECT seq, reason, payload FROM events WHERE type = 'stock.adjusted' ORDER BY seq").all() as {
      seq: number;
      reason: string;
      payload: string;
    }[];
    expect(
      events.map((e) => [e.reason, (JSON.parse(e.payload) as { delta: number; lot: string }).delta, (JSON.parse(e.payload) as { lot: string }).lot]),
    ).toEqual([
      ['破损', -48, 'M1'],
      ['盘点：盘亏', -48, 'M1'],
      ['盘点：盘盈', 3, 'H-NEAR'],
    ]);
    const outbox = t.agent.ledger.db
      .prepare(`SELECT infno FROM outbox WHERE event_seq IN (${events.map((e) => e.seq).join(',')})`)
      .pluck()
      .all();
    expect(outbox).toEqual(['3502', '3502', '3502']);
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  }, 30_000);

  it('reconciliation shows 实盘 and 差异 from the stocktake, each difference marked as adjusted', async () => {
    const { page } = m;
    await m.open('#/reconciliation', 'reconciliation');
    const row = (id: string) => page.locator(`#rec-stock tr[data-product="${id}"]`);
    await row('METF').waitFor();
    // 二甲双胍片: 144 on the book at the count, 96 counted; the missing box written off after it.
    expect(await row('METF').locator('td.counted').textContent()).toBe('96');
    expect(await row('METF').locator('td.diff').textContent()).toBe('-48 已调整');
    expect(await row('METF').locator('td.counted').getAttribute('title')).toContain('批号 M1');
    // 当归: H-OLD 4 of 4 and H-NEAR 13 of 10 (the lot not counted is not in 实盘).
    expect(await row('HERB').locator('td.counted').textContent()).toBe('17');
    expect(await row('HERB').locator('td.diff').textContent()).toBe('+3 已调整');
    expect(await row('IBU').locator('td.counted').textContent()).toBe('—');
    const check = page.locator('#rec-checks li[data-key="stock_book"]');
    expect(await check.getAttribute('class')).toBe('ok');
    expect(await check.textContent()).toContain('本期盘点 3 个批次：1 个实盘与账面相符，2 个有差异且盘点后已通过库存调整登记原因');
    await m.shot('reconciliation-counted');
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  });
});
