// Debian's Chromium through playwright-core, as the kiosk and the store's PCs run it, for every browser test.
// Excluded from the build (*.test-helpers.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where the browser tests write their screenshots. */
export const SCREENS = 'test-results/screens';
const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium; a machine without it fails here with the fix, never skips. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with sh scripts/debian-deps.sh (Debian package chromium)`);
  mkdirSync(SCREENS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}
