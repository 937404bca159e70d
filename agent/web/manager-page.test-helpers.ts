// Shared by the agent/web/manager-page*.test.ts browser tests: Debian's Chromium through playwright-core at
// 1280×800, a user signed in on /manager through the form, and a real agent (real HTTP, SQLite on disk, the
// embedded platform simulator) with the test catalogue, accounts of each role and the devices a test asks for.
// Excluded from the build (*.test-helpers.ts).
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { silentLog, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { launchChromium, SCREENS } from './chromium.test-helpers.js';
import { apiClient, CATALOG, type Json, type Res, type RunningClock } from './sales.test-helpers.js';

export { SCREENS };

export const USERS = {
  manager: { username: 'wang', displayName: '王店长', role: 'manager', password: 'manager-pass-1' },
  technician: { username: 'li', displayName: '李技术员', role: 'technician', password: 'tech-pass-123' },
  cashier: { username: 'zhang', displayName: '张收银', role: 'cashier', password: '246810' },
} as const;

/** Chromium as the store's PCs run it. */
export const launchBrowser = launchChromium;

export interface ManagerAgent {
  agent: RunningAgent;
  api<T = Json>(method: string, path: string, body?: unknown, token?: string): Promise<Res<T>>;
  /** A receipt through the API (supplier, invoice and delivery note filled in). */
  receive(body: Json): Promise<number>;
  /** A line of text read by the simulated scanner `sim-scanner` at counter-1. */
  scan(text: string): Promise<void>;
  close(): Promise<void>;
}

/** A real agent with the test catalogue, one account per role and a simulated scanner at counter-1 (plus `extraYaml`). */
export async function startManagerAgent(opts: { clock?: RunningClock; extraYaml?: string } = {}): Promise<ManagerAgent> {
  const tmp = tempDir('counter-agent-manager-');
  const yaml = `scanners:\n  - { id: sim-scanner, type: simulated, counter: counter-1, path: ${JSON.stringify(`${tmp.dir}/scanner-pty`)} }\n${opts.extraYaml ?? ''}`;
  const agent = await startAgent({ config: testConfig(tmp.dir, yaml), demo: false, log: silentLog(), ...(opts.clock ? { clock: opts.clock.now } : {}) });
  const api = apiClient(agent.url);
  expect((await api('POST', '/api/catalog', { products: Object.values(CATALOG) })).status).toBe(200);
  for (const u of Object.values(USERS)) await agent.accounts.create({ username: u.username, displayName: u.displayName, role: u.role, password: u.password });
  return {
    agent,
    api,
    async receive(body) {
      const r = await api<{ id: number }>('POST', '/api/receipts', { supplier: '华润河北医药有限公司', invoiceNo: 'INV-T', deliveryNoteNo: 'DN-T', ...body });
      expect(r.body.errors ?? []).toEqual([]);
      expect(r.status).toBe(201);
      return r.body.id;
    },
    async scan(text) {
      const r = await api('POST', '/api/devices/sim-scanner/scan', { text });
      expect(r.status).toBe(200);
    },
    async close() {
      await agent.close();
      tmp.cleanup();
    },
  };
}

/**
 * Run in the page (a string: the project compiles without DOM types). Nothing may stick out of its box: no
 * page-wide horizontal scrollbar, and no control or cell cut off by the panel holding it.
 */
const OVERFLOWS = `(() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page ' + document.documentElement.scrollWidth + 'px');
  for (const e of document.querySelectorAll('#app input, #app select, #app button, #app textarea, #app .button, #app th, #app td, #app video, #app canvas')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0) continue;
    const box = e.parentElement && e.parentElement.closest('.table-box, .panel, .fields5, .kpi, .chart, .main, .top, ul, .row');
    const limit = box ? box.getBoundingClientRect().right : window.innerWidth;
    if (r.right > limit + 1 || r.right > window.innerWidth) out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + (e.textContent || '').trim().slice(0, 20) + '" ends at ' + Math.round(r.right) + ' > ' + Math.round(limit));
  }
  return out;
})()`;

export interface ManagerPage {
  page: Page;
  /** Uncaught page errors and console errors (a broken module or a CSP refusal shows up here). */
  errors: string[];
  shot(name: string): Promise<void>;
  /** Goes to a screen (#/name) and waits until its section is shown. */
  open(hash: string, section: string): Promise<void>;
  /** What sticks out at 1280 px: a page-wide horizontal scrollbar, controls or cells cut off by their panel (empty = fits). */
  fitsWidth(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A fresh browser context on /manager signed in through the form. With `clock`, the page's Date is the
 * agent's test time (expiry highlighting and default dates read the browser's clock).
 */
export async function signIn(
  browser: Browser,
  url: string,
  user: { username: string; password: string },
  clock?: RunningClock,
  viewport = { width: 1280, height: 800 },
): Promise<ManagerPage> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  if (clock) await context.clock.setFixedTime(clock.now());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A refused request (403 for the technician, 404 for a sale without video) is logged by Chromium as a console
    // error; it is checked on screen instead. Everything else (CSP, script errors) counts.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${url}/manager`);
  await page.locator('#login-user').fill(user.username);
  await page.locator('#login-password').fill(user.password);
  await page.locator('#login-password').press('Enter');
  return {
    page,
    errors,
    shot: async (name) => void (await page.screenshot({ path: `${SCREENS}/manager-${name}.png` })),
    async open(hash, section) {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await page.locator(`#screen-${section}`).waitFor({ state: 'visible' });
    },
    fitsWidth: () => page.evaluate<string[]>(OVERFLOWS),
    close: () => context.close(),
  };
}
