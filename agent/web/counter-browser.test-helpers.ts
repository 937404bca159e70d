// Shared by the agent/web/counter-*.test.ts browser tests: Debian's Chromium through playwright-core at the
// kiosk's 1280×800, a cashier signed in on the counter page, and a real agent with configured devices
// (startTestAgent has none: simulated ID reader, face terminal, a missing serial scanner). Excluded from the
// build (*.test-helpers.ts).
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { launchChromium, SCREENS } from './chromium.test-helpers.js';
import { apiClient, CATALOG, type Json, type Res, RunningClock, type SaleView } from './sales.test-helpers.js';

export { SCREENS };

/** Chromium as the kiosk runs it. */
export const launchKiosk = launchChromium;

export interface CounterPage {
  page: Page;
  /** Uncaught page errors (a broken module shows up here). */
  errors: string[];
  /** Tones the page started (WebAudio oscillators), counted by an init script. */
  tones(): Promise<number>;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh browser context on /counter, signed in with username and PIN through the form (Enter submits). */
export async function signedInCounter(
  browser: Browser,
  url: string,
  username: string,
  pin: string,
  counter = 'counter-1',
  viewport = { width: 1280, height: 800 },
): Promise<CounterPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000); // a wait that fails says what it waited for, before the test's own timeout
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Counts the tones the page starts (WebAudio); a string, since these files are type-checked without the DOM lib.
  await page.addInitScript({
    content: `window.__tones = 0;
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args) { window.__tones++; return start.apply(this, args); };`,
  });
  await page.goto(`${url}/counter?counter=${counter}`);
  await page.locator('#login-user').fill(username);
  await page.locator('#login-pin').fill(pin);
  await page.locator('#login-pin').press('Enter');
  await page.locator('#counter').waitFor({ state: 'visible' });
  return {
    page,
    errors,
    tones: () => page.evaluate<number>('window.__tones'),
    shot: async (name) => void (await page.screenshot({ path: `${SCREENS}/${name}.png` })),
    close: () => context.close(),
  };
}

/** The id of the element that has the keyboard focus. */
export const focusedId = (page: Page): Promise<string> => page.evaluate<string>('document.activeElement ? document.activeElement.id : ""');

/** Types what a keyboard-wedge scanner sends: the text, then Enter. */
export async function wedgeScan(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

export interface DeviceAgent {
  agent: RunningAgent;
  api<T = Json>(method: string, path: string, body?: unknown, token?: string): Promise<Res<T>>;
  receive(body: Json): Promise<void>;
  sale(id: number): Promise<SaleView>;
  close(): Promise<void>;
}

/** A real agent (test clock 2026-11-22 10:00 Shanghai, embedded platform simulator) with the test catalogue and these devices. */
export async function startDeviceAgent(devicesYaml: string): Promise<DeviceAgent> {
  const tmp = tempDir('counter-agent-page-');
  const agent = await startAgent({ config: testConfig(tmp.dir, devicesYaml), demo: false, log: silentLog(), clock: new RunningClock().now });
  const api = apiClient(agent.url);
  expect(await api('POST', '/api/catalog', { products: Object.values(CATALOG) })).toEqual({ status: 200, body: { imported: Object.keys(CATALOG).length } });
  return {
    agent,
    api,
    async receive(body) {
      const r = await api('POST', '/api/receipts', { supplier: '华润河北医药有限公司', invoiceNo: 'INV-P', deliveryNoteNo: 'DN-P', ...body });
      expect(r.body.errors ?? []).toEqual([]);
      expect(r.status).toBe(201);
    },
    async sale(id) {
      const r = await api<SaleView>('GET', `/api/sales/${id}`, undefined, TOKENS.cashier);
      expect(r.status).toBe(200);
      return r.body;
    },
    async close() {
      await agent.close();
      tmp.cleanup();
    },
  };
}

/** The sale number in the page's title bar ("单号 12 · 进行中"). */
export async function saleIdOnPage(page: Page): Promise<number> {
  const title = (await page.locator('#sale-title').textContent()) ?? '';
  const id = Number(/单号 (\d+)/.exec(title)?.[1]);
  expect(id, `no sale number in "${title}"`).toBeGreaterThan(0);
  return id;
}
