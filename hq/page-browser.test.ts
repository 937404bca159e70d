// The HQ page in Debian's Chromium at 1280×800 and 1024×768: signed in through the form, every screen with names
// (not codes), a sales total row that adds up on screen, nothing cut off, and a regional manager who never sees
// the other region's store. Real PostgreSQL, real HQ, two real demo boxes.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SCREENS } from '../agent/web/chromium.test-helpers.js';
import { addHqUsers, CHAIN_STORES, HQ_USERS, startChain, type TestChain } from './page.test-helpers.js';

let chain: TestChain;
let browser: Browser;
beforeAll(async () => {
  chain = await startChain();
  await addHqUsers(chain.t);
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await chain?.close();
});

/** What sticks out: a page-wide horizontal scrollbar, or a cell or control past the window's right edge. */
const OVERFLOWS = `(() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page ' + document.documentElement.scrollWidth + 'px');
  for (const e of document.querySelectorAll('#app input, #app button, #app th, #app td, #app .kpi')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > window.innerWidth) out.push(e.tagName.toLowerCase() + ' "' + (e.textContent || '').trim().slice(0, 20) + '" ends at ' + Math.round(r.right));
  }
  return out;
})()`;

async function signIn(size: { width: number; height: number }, user: { username: string; password: string }): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: size, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${chain.t.hq.url}/hq/`);
  await page.locator('#login-user').fill(user.username);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-password').press('Enter');
  await page.locator('body[data-ready="stores"]').waitFor({ timeout: 15_000 });
  return { page, errors };
}

async function open(page: Page, screen: string): Promise<void> {
  await page.evaluate(`document.body.dataset.ready = ''; location.hash = '#/${screen}'`);
  await page.locator(`body[data-ready="${screen}"]`).waitFor({ timeout: 15_000 });
}

/** "¥1,234.50" → 123450 fen. */
const fen = (text: string): number => {
  const m = /(-?)¥([\d,]+)\.(\d{2})/.exec(text);
  if (!m) throw new Error(`not money: ${text}`);
  return (m[1] ? -1 : 1) * (Number((m[2] as string).replace(/,/g, '')) * 100 + Number(m[3]));
};

describe('the HQ page in Chromium', () => {
  for (const size of [
    { width: 1280, height: 800 },
    { width: 1024, height: 768 },
  ]) {
    it(`a chain admin at ${size.width}×${size.height}: every screen, names not codes, totals that add up, nothing cut off`, async () => {
      const { page, errors } = await signIn(size, HQ_USERS.admin);
      const tag = `${size.width}x${size.height}`;
      expect(await page.locator('#who').textContent()).toContain('总部管理员');
      const storeRows = page.locator('#stores-table tbody tr');
      expect(await storeRows.count()).toBe(2);
      const storesText = (await page.locator('#stores-table').textContent()) ?? '';
      for (const s of CHAIN_STORES) {
        expect(storesText).toContain(s.name);
        expect(storesText).not.toContain(s.code);
      }
      expect(storesText).toContain('已同步');
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-stores-${tag}.png` });

      await open(page, 'stock');
      expect(await page.locator('#stock-table thead th').allTextContents()).toEqual(expect.arrayContaining(CHAIN_STORES.map((s) => s.name)));
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-stock-${tag}.png` });

      await open(page, 'sales');
      const rows = await page.evaluate<string[][]>(
        `[...document.querySelectorAll('#sales-table tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent || ''))`,
      );
      const foot = await page.locator('#sales-total td').allTextContents();
      expect(rows.length).toBe(2);
      expect(rows.map((r) => r[1]).sort()).toEqual(CHAIN_STORES.map((s) => s.name).sort());
      // Every money column of the total row is the sum of the rows above it, as shown.
      for (let col = 4; col < foot.length; col++) expect(fen(foot[col] as string)).toBe(rows.reduce((a, r) => a + fen(r[col] as string), 0));
      expect(Number(foot[2])).toBe(rows.reduce((a, r) => a + Number(r[2]), 0));
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-sales-${tag}.png` });

      await open(page, 'audit');
      const insured = (await page.locator('#audit-insured').textContent()) ?? '';
      for (const s of CHAIN_STORES) expect(insured).toContain(s.name);
      expect(insured).toMatch(/\*{4,}/);
      expect(await page.locator('#audit-codes tbody tr').count()).toBeGreaterThan(0);
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-audit-${tag}.png`, fullPage: true });

      await open(page, 'codes');
      expect(await page.locator('#codes-table tbody tr').first().textContent()).toContain('重复销售');
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-codes-${tag}.png` });
      expect(errors).toEqual([]);
      await page.context().close();
    });
  }

  it('a store in trouble stands out: lag in events and time, platform backlog with failures, alarms, a broken chain', async () => {
    const sick = CHAIN_STORES[1];
    const pool = chain.t.hq.pool;
    // Its own heartbeat (once a minute) must not overwrite the state set here.
    await chain.stores[1]?.agent.hq?.stop();
    const { rows } = await pool.query<{ head_seq: number }>('SELECT head_seq FROM stores WHERE store_id = $1', [sick.code]);
    const head = rows[0]?.head_seq ?? 0;
    // What a box reports when HQ lags 40 events behind for 2 hours and the platform refuses its uploads.
    await pool.query(
      `UPDATE store_status SET local_seq = $2, oldest_unsent_at = now() - interval '2 hours', outbox_backlog = 17, outbox_failed = 3,
         alarms = '[{"code":"CAMERA_DOWN","message":"摄像头 前台 断开 5 分钟：请检查网线和电源"},{"code":"DISK_FORECAST","message":"按近 7 天用量，数据盘约 9 天后写满：请清理或扩容"}]'
       WHERE store_id = $1`,
      [sick.code, head + 40],
    );
    await pool.query("UPDATE stores SET flag_code = 'FORK', flag_seq = $2, flag_detail = 'test', flagged_at = now() WHERE store_id = $1", [
      sick.code,
      head + 1,
    ]);
    try {
      const { page, errors } = await signIn({ width: 1280, height: 800 }, HQ_USERS.admin);
      const row = (await page.locator(`#stores-table tr[data-store="${sick.code}"]`).textContent()) ?? '';
      expect(row).toContain('40 条 · 2 小时');
      expect(row).toContain('17 条（失败 3）');
      expect(row).toContain('摄像头 前台 断开');
      expect(row).toContain('约 9 天后写满');
      expect(row).toContain(`账本分叉（第 ${head + 1} 条）`);
      expect(await page.locator('#stores-kpis').textContent()).toMatch(/同步滞后或失联1有告警1账本链异常1/);
      expect(await page.evaluate<string[]>(OVERFLOWS)).toEqual([]);
      await page.screenshot({ path: `${SCREENS}/hq-stores-trouble.png` });
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await pool.query('UPDATE stores SET flag_code = NULL, flag_seq = NULL, flag_detail = NULL, flagged_at = NULL WHERE store_id = $1', [sick.code]);
    }
  });

  it('a regional manager sees only the region’s store on every screen, and signs out', async () => {
    const { page, errors } = await signIn({ width: 1280, height: 800 }, HQ_USERS.regional);
    const other = CHAIN_STORES[1];
    expect(await page.locator('#scope').textContent()).toContain(CHAIN_STORES[0].name);
    for (const screen of ['stores', 'stock', 'sales', 'audit', 'codes']) {
      await open(page, screen);
      const text = (await page.locator('#app').textContent()) ?? '';
      expect(text, screen).not.toContain(other.name);
      expect(text, screen).toContain(CHAIN_STORES[0].name);
    }
    expect(await page.locator('#codes-table').textContent()).toContain('其他区域门店');
    await page.screenshot({ path: `${SCREENS}/hq-regional-codes.png` });
    await page.locator('#logout').click();
    await page.locator('#login').waitFor({ state: 'visible' });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a wrong password is refused in Chinese on the form', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${chain.t.hq.url}/hq/`);
    await page.locator('#login-user').fill(HQ_USERS.regional.username);
    await page.locator('#login-password').fill('not-the-password');
    await page.locator('#login-password').press('Enter');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('用户名或密码不正确');
    await page.screenshot({ path: `${SCREENS}/hq-login-refused.png` });
    await context.close();
  });
});
