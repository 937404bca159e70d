// The STATUS line `systemctl status counter-agent` shows, from a real agent: devices that are not connected are
// named, cameras included (a camera whose stream cannot be reached is as much a problem as a missing scanner).
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLog, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { serviceStatusLine } from './status-line.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir();
  // Port 9 (discard) on loopback: nothing answers RTSP there.
  const config = testConfig(
    tmp.dir,
    `scanners:
  - { id: front, type: serial, counter: counter-1, path: ${join(tmp.dir, 'no-such-tty')} }
cameras:
  - { id: cam-door, counter: counter-1, rtspUrl: "rtsp://127.0.0.1:9/none", transport: tcp }`,
  );
  agent = await startAgent({ config, demo: false, log: silentLog() });
});
afterAll(async () => {
  await agent?.close();
  tmp?.cleanup();
});

it('names the URL, the backlog and every device not connected, cameras too', () => {
  const line = serviceStatusLine(agent);
  expect(line).toMatch(new RegExp(`^serving ${agent.url.replace(/[.]/g, '\\.')}, backlog 0, not connected: `));
  expect(line).toMatch(/\bfront \((missing|error|stopped)\)/);
  expect(line).toMatch(/\bcam-door \((missing|error|stopped)\)/);
});
