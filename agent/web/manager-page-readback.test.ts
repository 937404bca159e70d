// 平台核对 on the manager page in Chromium at 1280×800, against a real agent and its embedded simulator: the
// platform lost one sale and carries one the ledger never sent; the section lists both with product names,
// 上传完整 says whose view it rests on, and one key re-sends what is missing until the platform agrees.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUploads } from '../../sync/simulator/uploads.js';
import { launchBrowser, type ManagerPage, signIn, USERS } from './manager-page.test-helpers.js';
import { line, serials, startTestAgent, type TestAgent } from './sales.test-helpers.js';

let t: TestAgent;
let browser: Browser;
let m: ManagerPage;
const DATE = '2026-11-22'; // the agent's RunningClock starts at 10:00 Shanghai on this day

/** The trace code of the sale the platform loses (and also holds under a batch id the ledger never used). */
let lostCode = '';

beforeAll(async () => {
  t = await startTestAgent();
  for (const u of Object.values(USERS)) await t.agent.accounts.create({ username: u.username, displayName: u.displayName, role: u.role, password: u.password });
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I1', serials('IBU', 1, 2))] });
  for (const n of [1, 2]) {
    const id = await t.open();
    expect((await t.scan(id, serials('IBU', n, 1)[0]!)).status).toBe(200);
    expect((await t.settle(id, 'self_pay')).status).toBe(200);
  }
  await t.drained();
  // The platform loses the first sale and holds one record under a batch id the ledger never used.
  const sim = t.agent.platform.simulator!;
  const [lost] = listUploads(sim.db, { infno: '3505' });
  lostCode = (lost!.payload['drugtracinfo'] as { drug_trac_codg: string }[])[0]!.drug_trac_codg;
  sim.db
    .prepare(
      `INSERT INTO uploads (fixmedins_code, infno, fixmedins_bchno, payload, first_msgid, received_at, updated_at)
       SELECT fixmedins_code, infno, 'HIS-0001', json_set(payload, '$.fixmedins_bchno', 'HIS-0001'), 'X', received_at, updated_at FROM uploads
       WHERE infno = '3505' AND fixmedins_bchno = ?`,
    )
    .run(lost!.bchno);
  sim.db.prepare("DELETE FROM uploads WHERE infno = '3505' AND fixmedins_bchno = ?").run(lost!.bchno);
  browser = await launchBrowser();
  m = await signIn(browser, t.agent.url, USERS.manager, t.clock);
  await m.page.locator('#app').waitFor({ state: 'visible' });
}, 40_000);

afterAll(async () => {
  await m?.close();
  await browser?.close();
  await t?.close();
});

describe('manager page: 平台核对', () => {
  it('reads the platform for a day, lists 缺失 and 多余 with product names, re-sends the missing one until the platform agrees', async () => {
    const { page } = m;
    await m.open('#/reconciliation', 'reconciliation');
    // Yesterday (Shanghai) by default; the button to re-send waits for a read-back.
    await expect.poll(() => page.locator('#pf-date').inputValue()).toBe('2026-11-21');
    expect(await page.locator('#pf-resend').isDisabled()).toBe(true);
    await page.locator('#pf-date').fill(DATE);
    await page.locator('#pf-read').click();
    await page.locator('#pf-rows tr.missing').waitFor();
    expect(await page.locator('#pf-summary').textContent()).toMatch(/本机 3 条，平台 3 条，一致 2 条；缺失 1 条，多余 1 条，不一致 0 条/);
    const missing = page.locator('#pf-rows tr.missing td');
    expect(await missing.allTextContents()).toEqual([
      '缺失',
      '布洛芬缓释胶囊',
      expect.stringMatching(/^销售 · 销售单 \d+$/),
      expect.any(String),
      '20 件，¥19.80',
      '平台无此记录（本机已上传，平台未保存）',
    ]);
    expect(await page.locator('#pf-rows tr.extra td').allTextContents()).toEqual([
      '多余',
      '布洛芬缓释胶囊',
      '销售/退货 · 本机无此单据',
      'HIS-0001',
      '本机无此记录',
      // 3512/3513 answer no quantity or price: what the platform holds is its trace codes.
      `追溯码 1 个：${lostCode}`,
    ]);
    // The checks now show that day, judged by the platform's view.
    expect(await page.locator('#rec-from').inputValue()).toBe(DATE);
    const uploads = page.locator('#rec-checks li[data-key="uploads"]');
    await expect.poll(() => uploads.locator('.basis').textContent()).toBe('平台核对有差异');
    expect(await uploads.getAttribute('class')).toBe('bad');
    expect(await m.fitsWidth()).toEqual([]);
    await page.locator('#rec-platform').scrollIntoViewIfNeeded();
    await m.shot('platform-check-differences');

    await page.locator('#pf-resend').click();
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/已将 1 条记录重新排入上传队列/);
    await t.drained();
    await page.locator('#pf-read').click();
    await expect.poll(() => page.locator('#pf-summary').textContent()).toMatch(/缺失 0 条，多余 1 条，不一致 0 条。本机记录在平台均已存在且一致（平台已核实）/);
    await expect.poll(() => uploads.locator('.basis').textContent()).toBe('平台已核实');
    expect(await uploads.getAttribute('class')).toBe('ok');
    expect(await page.locator('#pf-rows tr.missing').count()).toBe(0);
    await page.locator('#rec-platform').scrollIntoViewIfNeeded();
    await m.shot('platform-check-verified');
    expect(m.errors).toEqual([]);
  });

  it('the platform unreachable: the reason in the notice line, the rows unchanged', async () => {
    const { page } = m;
    const sim = t.agent.platform.simulator!;
    sim.setFaults({ rate5xx: 1, random: () => 0 });
    try {
      await page.locator('#pf-read').click();
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/^读取平台记录失败：入库药品追溯信息查询（3512）未能完成：医保平台暂时不可用/);
    } finally {
      sim.setFaults({});
    }
    expect(await page.locator('#pf-rows tr.extra').count()).toBe(1);
  });
});
