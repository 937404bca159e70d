// The manager page's sync screen in Chromium with a record the platform really refused: a newly listed drug
// whose national code the platform's catalogue does not list yet. Its purchase (3503) is refused by the
// embedded simulator, kept as failed and shown with the platform's words and what to do; once the platform's
// catalogue lists the drug, "重试所选" sends it again, the row goes and the backlog reaches 0.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDrug } from '../../sync/simulator/seed.js';
import { countUploads } from '../../sync/simulator/uploads.js';
import { code } from '../../test/fixtures.js';
import type { Product } from '../catalog/product.js';
import { launchBrowser, type ManagerAgent, type ManagerPage, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
import { line, serials } from './sales.test-helpers.js';

const NEW_PREFIX = '8100009';
/** A drug listed nationally after the platform's catalogue was last updated: well-formed, unknown there. */
const NEW_DRUG: Product = {
  id: 'HGLJ',
  name: '恒格列净片',
  spec: '5mg*14片',
  manufacturer: '江苏恒瑞医药股份有限公司',
  approvalNo: '国药准字H20210033',
  nhsaCode: 'XA10BKH343A001010100001',
  tracePrefix: NEW_PREFIX,
  rx: true,
  insured: true,
  category: 'drug',
  piecesPerPack: 14,
  pricePerPack: 6860,
};
const PLATFORM_MESSAGE =
  '医保平台拒绝：医保目录编码XA10BKH343A001010100001（恒格列净片）不在医保药品目录内，不予接收。请核对该商品的医保编码；编码无误的新增品种，待医保目录更新后重新上传';

interface SyncView {
  backlog: number;
  failed: number;
  sent: number;
  failedRecords: { id: number; infno: string; recordKey: string; error: string | null; attempts: number }[];
}

let a: ManagerAgent;
let browser: Browser;
let m: ManagerPage;
const sync = async () => (await a.api<SyncView>('GET', '/api/sync')).body;

beforeAll(async () => {
  a = await startManagerAgent();
  expect((await a.api('POST', '/api/catalog', { products: [NEW_DRUG] })).status).toBe(200);
  // One receipt: ibuprofen the platform knows, and two boxes of the new drug it does not.
  await a.receive({
    procurementOrderNo: 'CG202611000002',
    lines: [
      line('IBU', 'I1', serials('IBU', 1, 2)),
      {
        productId: NEW_DRUG.id,
        lot: 'HG2601',
        mfgDate: '2026-01-10',
        expiry: '2028-01-09',
        packs: 2,
        pricePerPack: 5200,
        codes: [code(NEW_PREFIX, 1), code(NEW_PREFIX, 2)],
      },
    ],
  });
  a.agent.platform.worker.notify();
  for (let i = 0; (await sync()).failed === 0; i++) {
    if (i === 400) throw new Error('the platform never refused the purchase of the unlisted drug');
    await new Promise((r) => setTimeout(r, 25));
  }
  browser = await launchBrowser();
  m = await signIn(browser, a.agent.url, USERS.manager);
  await m.page.locator('#app').waitFor({ state: 'visible' });
}, 40_000);

afterAll(async () => {
  await m?.close();
  await browser?.close();
  await a?.close();
});

describe('manager page: a record the platform refused, fixed and sent again', () => {
  it("the outbox keeps the refused purchase as failed, in the platform's words; the known drug went through", async () => {
    const s = await sync();
    expect(s).toMatchObject({ failed: 1, backlog: 1, sent: 1 });
    expect(s.failedRecords).toEqual([expect.objectContaining({ infno: '3503', error: PLATFORM_MESSAGE })]);
    const sim = a.agent.platform.simulator!;
    expect(countUploads(sim.db, { infno: '3503', bchno: s.failedRecords[0]!.recordKey, includeDeleted: true })).toBe(0);
    expect(countUploads(sim.db, { infno: '3503' })).toBe(1);
  });

  it('shows the refused record with the platform\'s message and what to do; after the fix "重试所选" empties the backlog', async () => {
    const { page } = m;
    const before = await sync();
    const refused = before.failedRecords[0]!;
    await m.open('#/sync', 'sync');
    const row = page.locator(`#sync-failed tr[data-id="${refused.id}"]`);
    await row.waitFor({ state: 'visible' });
    expect((await row.locator('td').allTextContents()).slice(1, 4)).toEqual(['3503 商品采购', refused.recordKey, PLATFORM_MESSAGE]);
    expect(await page.locator('#sync-kpis').textContent()).toContain('上传失败1 条');
    expect(await page.locator('#sync-last-error').textContent()).toContain(PLATFORM_MESSAGE);
    const hint = page.locator('#sync-failed-hint');
    expect(await hint.isVisible()).toBe(true);
    expect(await hint.textContent()).toMatch(/不会自动重发.*修正原因.*重试所选/);
    expect(await m.fitsWidth()).toEqual([]);
    await m.shot('sync-failed');

    // Retrying before the cause is fixed gets the same refusal again: the platform is asked, not skipped.
    await row.locator('input.pick').check();
    await page.locator('#sync-retry-selected').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('已重新排队 1 条记录');
    await expect
      .poll(async () => (await sync()).failedRecords.map((f) => [f.id, f.error, f.attempts]), { timeout: 10_000 })
      .toEqual([[refused.id, PLATFORM_MESSAGE, 2]]);

    // The platform's catalogue update arrives: the drug is listed now.
    listDrug(a.agent.platform.simulator!.db, { code: NEW_DRUG.nhsaCode, name: NEW_DRUG.name, maxDaily: 1 });
    await m.open('#/overview', 'overview');
    await m.open('#/sync', 'sync');
    await row.waitFor({ state: 'visible' });
    await row.locator('input.pick').check();
    await page.locator('#sync-retry-selected').click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('已重新排队 1 条记录');
    await row.waitFor({ state: 'detached', timeout: 5_000 }); // re-queued: no longer listed as failed
    await expect.poll(async () => (await sync()).backlog, { timeout: 10_000 }).toBe(0);
    expect(await sync()).toMatchObject({ failed: 0, sent: 2 });
    expect(countUploads(a.agent.platform.simulator!.db, { infno: '3503', bchno: refused.recordKey })).toBe(1);

    // Shown again, the screen agrees: nothing failed, nothing waiting, the hint gone.
    await m.open('#/overview', 'overview');
    await m.open('#/sync', 'sync');
    await expect.poll(() => page.locator('#sync-kpis').textContent()).toContain('积压（待上传 + 失败）0 条');
    expect(await page.locator('#sync-failed').textContent()).toContain('没有上传失败的记录');
    expect(await page.locator('#sync-failed-hint').isVisible()).toBe(false);
    expect(await page.locator('#sync-retry-all').isDisabled()).toBe(true);
    expect(m.errors).toEqual([]);
  });
});
