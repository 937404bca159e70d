// The counter page shows the box's alarms (here: a configured scanner that is not plugged in) on the sign-in
// screen and above the sale, and still fits the 1280×800 kiosk; a refusal is shown when the browser blocks
// audio (the sound must never break the page).
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceAgent, launchKiosk, SCREENS, signedInCounter, startDeviceAgent, wedgeScan } from './counter-browser.test-helpers.js';

const MISSING_TTY = `/tmp/counter-agent-test-no-such-tty-${process.pid}`;
let t: DeviceAgent;
let browser: Browser;

beforeAll(async () => {
  [t, browser] = await Promise.all([
    startDeviceAgent(`scanners:
  - { id: front-scanner, type: serial, counter: counter-1, path: ${MISSING_TTY} }`),
    launchKiosk(),
  ]);
  await t.agent.accounts.create({ username: 'wu', displayName: '吴收银', role: 'cashier', password: '112233' });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('counter page: alarms and a blocked sound', () => {
  it('a missing scanner is an alarm on the sign-in screen and above the sale, naming the device (its path only to a technician); the screen still fits', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${t.agent.url}/counter`);
    const banner = page.locator('#alarms');
    await banner.waitFor({ state: 'visible' });
    // Issue 15: the public health answer carries no paths; the banner still says which device and what to do.
    const text = await banner.locator('[data-code="DEVICE_MISSING"]').textContent();
    expect(text).toMatch(/扫码枪 front-scanner.*未连接.*请检查连线或联系技术员/);
    expect(text).not.toContain(MISSING_TTY);
    await page.screenshot({ path: `${SCREENS}/counter-alarm-login.png` });
    await page.close();

    const kiosk = await signedInCounter(browser, t.agent.url, 'wu', '112233');
    await kiosk.page.locator('#alarms').waitFor({ state: 'visible' });
    expect(await kiosk.page.locator('#alarms').textContent()).toContain('请检查连线或联系技术员');
    // The banner pushes the sale down, not the key bar off the screen.
    const keybar = await kiosk.page.locator('#keybar').boundingBox();
    expect(keybar).not.toBeNull();
    expect(keybar!.y + keybar!.height).toBeLessThanOrEqual(800);
    expect(await kiosk.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(800);
    await kiosk.shot('counter-alarm');
    expect(kiosk.errors).toEqual([]);
    await kiosk.close();
  });

  it('with audio blocked, a refusal is still shown in red and nothing throws', async () => {
    const kiosk = await signedInCounter(browser, t.agent.url, 'wu', '112233');
    // What a kiosk browser without a sound device or with audio forbidden does.
    await kiosk.page.evaluate(`window.AudioContext = function () { throw new DOMException('audio is blocked', 'NotAllowedError'); }`);
    await wedgeScan(kiosk.page, '8100004000000000000X');
    await kiosk.page.locator('#refusals').waitFor({ state: 'visible' });
    expect(await kiosk.page.locator('#refusal-list li').getAttribute('data-code')).toBe('TRACE_CODE_INVALID');
    expect(await kiosk.page.locator('#refusals').getAttribute('data-beeped')).toBe('false');
    expect(await kiosk.tones()).toBe(0);
    expect(kiosk.errors).toEqual([]);
    await kiosk.close();
  });
});
