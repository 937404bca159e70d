// A sale's video in the manager page: a real camera stream (ffmpeg test source over RTSP/TCP) recorded by the
// agent in 10 s segments; the sale's detail plays the agent's clip in a <video> element in Chromium.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCamera, type TestCamera } from '../../device/camera/testcam.js';
import { TOKENS } from '../../test/helpers.js';
import { launchBrowser, type ManagerAgent, signIn, startManagerAgent, USERS } from './manager-page.test-helpers.js';
import { codeOf, line, serials } from './sales.test-helpers.js';

let t: ManagerAgent;
let camera: TestCamera;
let browser: Browser;
let saleId: number;

beforeAll(async () => {
  camera = await startTestCamera({ transport: 'tcp', path: 'counter1' });
  // Real time: the recorder names segments by the wall clock, and the sale must fall inside them.
  t = await startManagerAgent({
    extraYaml: `cameras:\n  - { id: cam-1, counter: counter-1, rtspUrl: "${camera.rtspUrl}", transport: tcp }\nvideo: { segmentSeconds: 10 }`,
  });
  await t.receive({ procurementOrderNo: 'CG202611000009', lines: [line('IBU', 'V1', serials('IBU', 1, 2))] });
  const open = await t.api<{ id: number }>('POST', '/api/sales', { counter: 'counter-1' }, TOKENS.cashier);
  saleId = open.body.id;
  expect((await t.api('POST', `/api/sales/${saleId}/items`, { code: codeOf('IBU', 1) }, TOKENS.cashier)).status).toBe(200);
  expect((await t.api('POST', `/api/sales/${saleId}/settle`, { payment: 'self_pay' }, TOKENS.cashier)).status).toBe(200);
  // The segment that covers the sale is linked when it closes.
  for (let i = 0; i < 80; i++) {
    const view = await t.api<{ evidence: { video: unknown[]; snapshot: unknown } }>('GET', `/api/sales/${saleId}`);
    if (view.body.evidence.video.length > 0 && view.body.evidence.snapshot) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await launchBrowser();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  await camera?.stop();
});

describe('manager page: sale video', () => {
  it("plays the sale's clip in the page, with the snapshot hash among the identity evidence", async () => {
    const view = await t.api<{ evidence: { video: { cameraId: string }[]; snapshot: { sha256: string } | null } }>('GET', `/api/sales/${saleId}`);
    expect(view.body.evidence.video.length, 'the camera recorded no segment for the sale').toBeGreaterThan(0);
    const m = await signIn(browser, t.agent.url, USERS.manager);
    try {
      const { page } = m;
      await page.locator('#app').waitFor({ state: 'visible' });
      await m.open(`#/sales/${saleId}`, 'sale');
      const video = page.locator('#sale-video');
      await video.waitFor({ state: 'visible' });
      expect(await video.getAttribute('src')).toBe(`/api/sales/${saleId}/video`);
      expect(await page.locator('#sale-video-note').textContent()).toContain('cam-1');
      expect(await page.locator('#sale-identity').textContent()).toContain(view.body.evidence.snapshot!.sha256);

      // Decoded and playing: enough data for the current frame, then the clock moves.
      // (Structural types: the project compiles without the DOM library.)
      type Video = { readyState: number; currentTime: number; videoWidth: number; error: { code: number } | null; play(): Promise<void>; pause(): void };
      await expect.poll(() => video.evaluate((v: Video) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      await video.evaluate((v: Video) => v.play());
      await expect.poll(() => video.evaluate((v: Video) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.5);
      expect(await video.evaluate((v: Video) => ({ width: v.videoWidth > 0, error: v.error ? v.error.code : null }))).toEqual({ width: true, error: null });
      await video.evaluate((v: Video) => v.pause());
      await m.shot('sale-video');
      expect(await m.fitsWidth()).toEqual([]);
      expect(m.errors).toEqual([]);
    } finally {
      await m.close();
    }
  }, 60_000);
});
