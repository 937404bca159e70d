// The manager page's 调拨 screen in Chromium at 1280×800 against two real boxes and a real HQ (PostgreSQL): store A
// picks store B, scans three boxes out and confirms; store B sees the transfer under 待收调拨, scans two of them and
// one that was not shipped, confirms, and sees the discrepancy in its records. Screenshots:
// test-results/screens/manager-transfers-ship.png, -receive.png, -received.png.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { startTestHq, type TestHq } from '../../hq/hq.test-helpers.js';
import { silentLog, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { launchBrowser, type ManagerAgent, type ManagerPage, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
import { CATALOG, codeOf } from './sales.test-helpers.js';

const A = 'P13010200001'; // testConfig's store
const B = 'P13010200002';
const boxes = [codeOf('IBU', 701), codeOf('IBU', 702), codeOf('IBU', 703)];
const stray = codeOf('IBU', 799);

let hq: TestHq;
let a: ManagerAgent;
let b: RunningAgent;
let browser: Browser;
const cleanups: (() => void)[] = [];

async function hqYaml(store: string, name: string): Promise<string> {
  const { code } = await issueEnrolCode(hq.hq.pool, store, name);
  return `hq:\n  url: ${hq.hq.url}\n  enrolmentCode: ${code}\n`;
}

beforeAll(async () => {
  hq = await startTestHq();
  a = await startManagerAgent({ extraYaml: await hqYaml(A, '一号店') });
  const dir = tempDir('counter-agent-transfer-b-');
  cleanups.push(dir.cleanup);
  const base = testConfig(dir.dir, await hqYaml(B, '二号店'));
  b = await startAgent({ config: { ...base, store: { ...base.store, code: B, name: '二号店' } }, demo: false, log: silentLog() });
  b.ledger.catalog.importProducts(Object.values(CATALOG), { at: new Date() });
  await b.accounts.create({ ...USERS.manager, role: 'manager' });
  await a.receive({
    procurementOrderNo: 'CG202611000001',
    lines: [{ productId: 'IBU', lot: 'I2607', mfgDate: '2026-01-10', expiry: '2028-01-09', packs: 3, pricePerPack: 1500, codes: boxes }],
  });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await a?.close();
  await b?.close();
  await hq?.close();
  for (const c of cleanups) c();
});

async function replicated(box: RunningAgent, store: string): Promise<void> {
  const local = box.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
  const end = Date.now() + 30_000;
  for (;;) {
    const { rows } = await hq.hq.pool.query<{ head_seq: number }>('SELECT head_seq FROM stores WHERE store_id = $1', [store]);
    if ((rows[0]?.head_seq ?? 0) >= local) return;
    if (Date.now() > end) throw new Error(`${store} did not replicate`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scanInto(m: ManagerPage, input: string, code: string): Promise<void> {
  await m.page.locator(input).fill(code);
  await m.page.locator(input).press('Enter');
}

describe('manager page: 调拨', () => {
  it('ships three boxes out at A and receives two plus one not shipped at B, with the discrepancy shown', async () => {
    const ma = await signIn(browser, a.agent.url, USERS.manager);
    await ma.page.locator('#app').waitFor({ state: 'visible' });
    await ma.page.locator('#nav a[data-screen="transfers"]').waitFor({ state: 'visible', timeout: 10_000 });
    await ma.open('#/transfers', 'transfers');
    await ma.page.locator('#tr-to option[value="P13010200002"]').waitFor({ state: 'attached', timeout: 10_000 });
    await ma.page.locator('#tr-to').selectOption(B);
    for (const c of boxes) await scanInto(ma, '#tr-out-scan', c);
    await expect.poll(() => ma.page.locator('#tr-out-rows tr').count()).toBe(3);
    await expect.poll(() => ma.page.locator('#tr-out-count').textContent()).toBe('已扫 3 盒');
    // A box already scanned is refused on the spot.
    await scanInto(ma, '#tr-out-scan', boxes[0] as string);
    await expect.poll(() => ma.page.locator('#notice').textContent()).toContain('已扫描');
    expect(await ma.fitsWidth()).toEqual([]);
    await ma.shot('transfers-ship');
    await ma.page.locator('#tr-ship').click();
    await expect.poll(() => ma.page.locator('#notice').textContent()).toContain('已调出 3 盒');
    await expect.poll(() => ma.page.locator('#tr-history tr').first().textContent()).toContain('在途');
    expect(ma.errors).toEqual([]);
    await ma.close();

    await replicated(a.agent, A);
    const mb = await signIn(browser, b.url, USERS.manager);
    await mb.page.locator('#app').waitFor({ state: 'visible' });
    await mb.open('#/transfers', 'transfers');
    // The shipping box names itself as its config does (testConfig: 测试药店).
    const pending = mb.page.locator('#tr-inbound tr', { hasText: `测试药店（${A}）` });
    await pending.waitFor({ state: 'visible' });
    expect(await pending.textContent()).toContain('3');
    await pending.locator('button').click();
    for (const c of [boxes[0], boxes[1], stray]) await scanInto(mb, '#tr-in-scan', c as string);
    await expect.poll(() => mb.page.locator('#tr-in-count').textContent()).toBe('应收 3 盒 · 已扫 2 盒 · 未扫 1 盒 · 多出 1 盒');
    expect(await mb.fitsWidth()).toEqual([]);
    await mb.shot('transfers-receive');
    await mb.page.locator('#tr-receive').click();
    await expect.poll(() => mb.page.locator('#notice').textContent()).toContain('已收货入库 2 盒；短少 1 盒，多出 1 盒');
    const record = mb.page.locator('#tr-history tr').first();
    await expect.poll(() => record.textContent()).toContain('已收货');
    expect(await record.textContent()).toContain(`短少 1：${boxes[2]}`);
    expect(await mb.page.locator('#tr-inbound').textContent()).toContain('没有待收的调拨');
    expect(await mb.fitsWidth()).toEqual([]);
    await mb.shot('transfers-received');
    expect(mb.errors).toEqual([]);
    await mb.close();
  }, 120_000);
});
