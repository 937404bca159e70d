// The manager page's reading screens in Chromium against a real agent with a day of real sales (self-pay and
// insurance through the platform simulator): the overview charts, the reconciliation whose totals are the
// API's and whose CSV downloads, the sales list and a sale's detail, the self-audit warnings, the sync
// backlog, the platform's 疑点 pulled and answered; and the roles: a cashier is refused the page, a
// technician's write is refused by the agent with its message shown.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type ManagerPage, signIn, USERS } from './manager-page.test-helpers.js';
import { codeOf, line, person, RunningClock, serials, startTestAgent, type TestAgent } from './sales.test-helpers.js';

let t: TestAgent;
let browser: Browser;
let m: ManagerPage;
const sales: Record<'selfPay' | 'young1' | 'young2', number> = { selfPay: 0, young1: 0, young2: 0 };

// The embedded platform simulator dates settlements by the real clock, so the agent runs on it too.
const clock = new RunningClock(new Date().toISOString());
const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(clock.now());
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const yuanText = (fen: number) => `¥${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')}`;

beforeAll(async () => {
  t = await startTestAgent({ clock });
  for (const u of Object.values(USERS)) await t.agent.accounts.create({ username: u.username, displayName: u.displayName, role: u.role, password: u.password });
  await t.receive({ procurementOrderNo: 'CG202611000009', lines: [line('IBU', 'I1', serials('IBU', 1, 10)), line('LIAN', 'L1', serials('LIAN', 1, 10))] });
  await t.drained();
  // A self-pay sale with a refusal on the way (the same box scanned twice).
  sales.selfPay = await t.open();
  expect((await t.scan(sales.selfPay, codeOf('IBU', 1))).status).toBe(200);
  expect((await t.scan(sales.selfPay, codeOf('IBU', 1))).status).toBe(422);
  expect((await t.settle(sales.selfPay, 'self_pay')).status).toBe(200);
  // A 22-year-old settles twice with insurance the same day: the audit's YOUNG_FREQUENT.
  const young = person('young');
  // Ibuprofen split to 14 capsules: a whole box (20 at 2 a day) would exceed the 7 days one sale may cover.
  for (const [key, box, pieces] of [
    ['young1', codeOf('IBU', 2), 14],
    ['young2', codeOf('LIAN', 1), undefined],
  ] as const) {
    sales[key] = await t.open();
    expect((await t.identify(sales[key], young)).status).toBe(200);
    expect((await t.scan(sales[key], box, pieces)).status).toBe(200);
    const settled = await t.settle(sales[key], 'insurance');
    expect(settled.body.refused ?? []).toEqual([]);
    expect(settled.status).toBe(200);
  }
  await t.drained();
  browser = await launchBrowser();
  m = await signIn(browser, t.agent.url, USERS.manager, t.clock);
  await m.page.locator('#app').waitFor({ state: 'visible' });
}, 40_000);

afterAll(async () => {
  await m?.close();
  await browser?.close();
  await t?.close();
});

describe('manager page: overview, reconciliation, sales, audit, sync, 疑点, roles', () => {
  it('serves the page and the bundled chart library; nothing else under /manager or /vendor', async () => {
    const html = await fetch(`${t.agent.url}/manager`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await html.text()).toContain('药店管理');
    const chart = await fetch(`${t.agent.url}/vendor/chart.umd.min.js`);
    expect(chart.headers.get('content-type')).toMatch(/javascript/);
    expect(await chart.text()).toContain('Chart.js v4.');
    expect((await fetch(`${t.agent.url}/manager/manager.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${t.agent.url}/manager/manager.css`)).headers.get('content-type')).toMatch(/text\/css/);
    for (const path of ['/manager/../package.json', '/manager/%2e%2e/package.json', '/vendor/chart.js', '/vendor/../package.json', '/manager/.hidden.js']) {
      expect((await fetch(`${t.agent.url}${path}`)).status, path).toBe(404);
    }
    // Signed out: the sign-in form; a wrong password is refused on the page.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${t.agent.url}/manager`);
      await page.locator('#login').waitFor({ state: 'visible' });
      await page.locator('#login-user').fill(USERS.manager.username);
      await page.locator('#login-password').fill('wrong-password');
      await page.locator('#login-password').press('Enter');
      await expect.poll(() => page.locator('#login-error').textContent()).toContain('错误');
      await page.screenshot({ path: 'test-results/screens/manager-login.png' });
    } finally {
      await context.close();
    }
    // The counter page links here.
    await m.page.goto(`${t.agent.url}/counter`);
    await m.page.locator('a[href="/manager"]:visible').first().click();
    await m.page.locator('#app').waitFor({ state: 'visible' });
    expect(m.page.url()).toBe(`${t.agent.url}/manager`);
  });

  it("overview: the day's figures and the three charts drawn by the bundled Chart.js", async () => {
    const { page } = m;
    await m.open('#/overview', 'overview');
    await expect.poll(() => page.locator('#ov-kpis').textContent()).toContain(`${today} 销售`);
    const daily = await t.api<{ days: { date: string; sales: number; totalFen: number }[] }>('GET', '/api/reports/daily');
    const last = daily.body.days.at(-1)!;
    expect(last).toMatchObject({ date: today, sales: 3 });
    expect(await page.locator('#ov-kpis').textContent()).toContain(yuanText(last.totalFen));
    const hours = (await t.api<{ points: unknown[] }>('GET', '/api/reports/backlog?hours=24')).body.points.length;
    // Chart.js keeps the chart drawn on each canvas: its labels say what was plotted.
    const drawn = await page.evaluate<number[]>(`['ov-daily', 'ov-stock', 'ov-backlog'].map((id) => {
      const chart = window.Chart.getChart(document.getElementById(id));
      return chart ? chart.data.labels.length : -1;
    })`);
    expect(drawn).toEqual([30, 2, hours]); // 30 days, 2 products in stock, the backlog's hourly points
    // The ledger's head under the figures (and on the printout): what `verify-ledger --head` takes back.
    const head = (await t.api<{ head: { seq: number; shortHash: string } }>('GET', '/api/reports/daily')).body.head;
    const headText = (await page.locator('#ov-head').textContent()) ?? '';
    expect(headText).toMatch(/^账本链头：第 \d+ 条 · 哈希 [0-9a-f]{16} · 已由本机签名/);
    expect(Number(/第 (\d+) 条/.exec(headText)?.[1])).toBeLessThanOrEqual(head.seq);
    expect(headText).toContain('verify-ledger --head');
    expect(await page.locator('#ov-print').isVisible()).toBe(true);
    await m.shot('overview');
    expect(m.errors).toEqual([]);
    expect(await m.fitsWidth()).toEqual([]);
  });

  it("reconciliation: green checks, totals equal to the API's, and the CSV downloads", async () => {
    const { page } = m;
    await page.keyboard.press('Alt+5'); // the fifth screen of the navigation bar
    await page.locator('#screen-reconciliation').waitFor({ state: 'visible' });
    expect(await page.locator('#nav a[aria-current="page"]').textContent()).toBe('对账');
    await expect.poll(() => page.locator('#rec-checks li').count()).toBe(4);
    const api = (
      await t.api<{
        from: string;
        to: string;
        purchases: { pieces: number; amountFen: number };
        sales: { pieces: number; totalFen: number; fundFen: number; accountFen: number; cashFen: number; rows: unknown[] };
        stock: { totals: Record<string, number> };
        checks: { key: string; ok: boolean }[];
      }>('GET', '/api/reconciliation')
    ).body;
    expect(await page.locator('#rec-from').inputValue()).toBe(api.from);
    expect(await page.locator('#rec-to').inputValue()).toBe(api.to);
    expect(await page.locator('#rec-checks li.ok').count()).toBe(api.checks.filter((c) => c.ok).length);

    const cells = async (sel: string) => (await page.locator(`${sel} td`).allTextContents()).map((s) => s.trim());
    const purchases = await cells('#rec-purchases-total');
    expect(purchases.slice(-3, -1)).toEqual([String(api.purchases.pieces), yuanText(api.purchases.amountFen)]);
    const s = api.sales;
    expect(s.rows).toHaveLength(3);
    expect((await cells('#rec-sales-total')).slice(1, 6)).toEqual([
      String(s.pieces),
      yuanText(s.totalFen),
      yuanText(s.fundFen),
      yuanText(s.accountFen),
      yuanText(s.cashFen),
    ]);
    expect(s.fundFen + s.accountFen + s.cashFen).toBe(s.totalFen);
    const st = api.stock.totals;
    expect((await cells('#rec-stock-total')).slice(1, 9)).toEqual(
      ['opening', 'received', 'sold', 'returned', 'adjusted', 'transferred', 'closing', 'book'].map((k) => String(st[k])),
    );
    expect(st.opening! + st.received! - st.sold! + st.returned! + st.adjusted! + st.transferred!).toBe(st.closing);
    await m.shot('reconciliation');
    expect(await m.fitsWidth()).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#rec-csv').click()]);
    expect(download.suggestedFilename()).toBe(`reconciliation-${api.from}-${api.to}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('一、进货');
    expect(csv).toContain('二、销售');
    expect(csv).toContain('三、库存');
  });

  it("sales: the list with refusals counted, and a sale's detail with its evidence and the no-video message", async () => {
    const { page } = m;
    await m.open('#/sales', 'sales');
    await expect.poll(() => page.locator('#sales-rows tr[data-sale]').count()).toBe(3);
    const selfPayRow = page.locator(`#sales-rows tr[data-sale="${sales.selfPay}"]`);
    expect(await selfPayRow.textContent()).toContain('自费');
    // Column 11 (拒绝): 在岗药师 comes after 收银员.
    expect(await selfPayRow.locator('td').nth(11).textContent()).toBe('1');
    expect(await page.locator(`#sales-rows tr[data-sale="${sales.young1}"]`).textContent()).toContain('王浩然');
    await m.shot('sales');
    expect(await m.fitsWidth()).toEqual([]);

    // Keyboard: focus the row and press Enter.
    await selfPayRow.focus();
    await page.keyboard.press('Enter');
    await page.locator('#screen-sale').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#sale-refusals').textContent()).toContain('重复');
    expect(await page.locator('#sale-refusals li').getAttribute('data-code')).toBe('TRACE_CODE_DUPLICATE_IN_SALE');
    expect(await page.locator('#sale-items').textContent()).toContain(codeOf('IBU', 1));
    expect(await page.locator('#sale-video').isVisible()).toBe(false);
    expect(await page.locator('#sale-video-note').textContent()).toContain('本单没有录像');

    await m.open(`#/sales/${sales.young1}`, 'sale');
    await expect.poll(() => page.locator('#sale-identity').textContent()).toContain('王浩然');
    const identity = await page.locator('#sale-identity').textContent();
    expect(identity).toContain('身份证');
    expect(identity).toContain('未做人脸核验');
    expect(identity).not.toContain(person('young').certno); // masked
    expect(await page.locator('#sale-settlement').textContent()).toContain('医保');
    await m.shot('sale-detail');
    expect(m.errors).toEqual([]);
  });

  it('self-audit: the young adult settling twice in a day is warned about, with links to both sales', async () => {
    const { page } = m;
    await m.open('#/audit', 'audit');
    const warning = page.locator('#audit-list li[data-rule="YOUNG_FREQUENT"]');
    await warning.waitFor();
    const links = await warning.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(expect.arrayContaining([`#/sales/${sales.young1}`, `#/sales/${sales.young2}`]));
    await m.shot('audit');
    expect(await m.fitsWidth()).toEqual([]);
  });

  it('sync: the backlog by interface as the agent reports it', async () => {
    const { page } = m;
    await m.open('#/sync', 'sync');
    const status = (await t.api<{ sent: number; byInterface: { infno: string; sent: number }[] }>('GET', '/api/sync')).body;
    await expect.poll(() => page.locator('#sync-kpis').textContent()).toContain(`${status.sent} 条`);
    for (const i of status.byInterface) expect(await page.locator('#sync-interfaces').textContent()).toContain(i.infno);
    expect(await page.locator('#sync-failed').textContent()).toContain('没有上传失败的记录');
    await page.locator('#sync-retry-selected').click();
    expect(await page.locator('#notice').textContent()).toContain('请先勾选');
    await m.shot('sync');
    expect(await m.fitsWidth()).toEqual([]);
  });

  it('a cashier is refused the manager page and offered the counter page', async () => {
    const c = await signIn(browser, t.agent.url, USERS.cashier);
    try {
      await c.page.locator('#denied').waitFor({ state: 'visible' });
      expect(await c.page.locator('#denied-text').textContent()).toContain('需要店长或技术员');
      expect(await c.page.locator('#app').isVisible()).toBe(false);
      expect(await c.page.locator('#denied-counter').getAttribute('href')).toBe('/counter');
      // The agent refuses the manager's data to a cashier whatever the page shows.
      expect(await c.page.evaluate(async () => (await fetch('/api/reconciliation')).status)).toBe(403);
      await c.shot('cashier-refused');
    } finally {
      await c.close();
    }
  });

  it('a technician reads every screen; a write is refused by the agent and the message is shown', async () => {
    const tech = await signIn(browser, t.agent.url, USERS.technician, t.clock);
    try {
      await tech.page.locator('#app').waitFor({ state: 'visible' });
      expect(await tech.page.locator('#readonly').isVisible()).toBe(true);
      await tech.open('#/stocktake', 'stocktake');
      const row = tech.page.locator('#st-rows tr[data-lot]', { hasText: '批号 L1' });
      await row.waitFor();
      await row.locator('input.counted').fill('250'); // 10 boxes × 24, one box sold → 216 on the book
      await row.locator('input.reason').fill('盘盈');
      await row.locator('button.post').click();
      await expect.poll(() => tech.page.locator('#notice').textContent()).toContain('无权执行此操作');
      expect(await tech.page.locator('#notice').textContent()).toContain('技术员');
      expect(await tech.page.locator('#notice').getAttribute('class')).toContain('error');
      await tech.shot('technician-refused');
      expect(t.agent.ledger.db.prepare("SELECT COUNT(*) FROM events WHERE type = 'stock.adjusted'").pluck().get()).toBe(0);
      expect(tech.errors).toEqual([]);
    } finally {
      await tech.close();
    }
  });

  it("疑点: the platform's items for the sales day are pulled and answered, answers only added", async () => {
    // The platform's nightly audit of the day (run now, as the coming night would).
    expect(t.agent.platform.simulator!.runNightlyAudit(today)).toBeGreaterThan(0);
    const next = await signIn(browser, t.agent.url, USERS.manager, t.clock);
    try {
      const { page } = next;
      await page.locator('#app').waitFor({ state: 'visible' });
      await next.open('#/suspicious', 'suspicious');
      expect(await page.locator('#susp-date').inputValue()).toBe(addDays(today, -1)); // yesterday by default
      await page.locator('#susp-date').fill(today);
      await page.locator('#susp-pull-form button[type=submit]').click();
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(new RegExp(`已从平台拉取 ${today} 的疑点：[1-9]`));
      const item = page.locator('#susp-list > li', { hasText: '王浩然' }).first();
      await item.waitFor();
      await item.locator('textarea').fill('王浩然本人两次购药：上午布洛芬，下午连花清瘟，均核对身份证原件，有监控录像。');
      await item.locator('button').click();
      await expect.poll(() => item.locator('ol.answers').textContent()).toContain('均核对身份证原件');
      await item.locator('textarea').fill('补充：已电话回访本人确认。');
      await item.locator('button').click();
      await expect.poll(() => item.locator('ol.answers li').count()).toBe(2);
      expect(await item.locator('ol.answers').textContent()).toContain('均核对身份证原件');
      await next.shot('suspicious');
      expect(await next.fitsWidth()).toEqual([]);
      const stored = (await t.api<{ items: { answers: { text: string; actor: string }[] }[] }>('GET', `/api/suspicious?from=${today}&to=${today}`)).body.items;
      expect(stored.flatMap((i) => i.answers.map((a) => a.actor))).toEqual(['wang', 'wang']);
      expect(next.errors).toEqual([]);
    } finally {
      await next.close();
    }
  });
});
