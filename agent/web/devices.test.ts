// Devices through the agent: health lists them, simulated ones take input from the pages, and what
// they read reaches the counter's sale and the pages' event stream (real HTTP, real ptys via socat).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMOX, code, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir();
  const config = testConfig(
    tmp.dir,
    `scanners:
  - { id: sim-scanner, type: simulated, counter: counter-1, path: ${join(tmp.dir, 'scanner-pty')} }
  - { id: front, type: serial, counter: counter-2, path: ${join(tmp.dir, 'no-such-tty')} }
idReaders:
  - { id: sim-reader, type: simulated, counter: counter-1 }`,
  );
  agent = await startAgent({ config, demo: false, log: silentLog(), clock: () => new Date('2026-11-22T02:00:00Z') });
  const h = { authorization: `Bearer ${TOKENS.manager}`, 'content-type': 'application/json' };
  await fetch(`${agent.url}/api/catalog`, { method: 'POST', headers: h, body: JSON.stringify({ products: [AMOX] }) });
  const r = receipt();
  r.lines = [r.lines[0]!];
  await fetch(`${agent.url}/api/receipts`, { method: 'POST', headers: h, body: JSON.stringify(r) });
});
afterAll(async () => {
  await agent.close();
  tmp.cleanup();
});

const auth = { authorization: `Bearer ${TOKENS.cashier}` };

/** Collects server-sent events until `until` says enough (or a timeout). */
async function events(trigger: () => Promise<void>, until: (evs: { event: string; data: Record<string, unknown> }[]) => boolean) {
  const ac = new AbortController();
  const res = await fetch(`${agent.url}/api/events?counter=counter-1`, { headers: auth, signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const got: { event: string; data: Record<string, unknown> }[] = [];
  let buf = '';
  await trigger();
  const deadline = Date.now() + 8000;
  while (!until(got) && Date.now() < deadline) {
    const { value } = await Promise.race([
      reader.read(),
      new Promise<{ value: undefined; done: true }>((r) => setTimeout(() => r({ value: undefined, done: true }), 500)),
    ]);
    if (value) buf += Buffer.from(value).toString();
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (ev && data) got.push({ event: ev, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
  ac.abort();
  return got;
}

describe('devices in the agent', () => {
  it('health shows every configured device, and an alarm names the missing one with its path', async () => {
    const health = (await (await fetch(`${agent.url}/api/health`, { headers: { authorization: `Bearer ${TOKENS.technician}` } })).json()) as {
      status: string;
      devices: { id: string; state: string }[];
      alarms: { code: string; message: string }[];
    };
    expect(health.devices.map((d) => [d.id, d.state])).toEqual([
      ['sim-scanner', 'connected'],
      ['front', 'missing'],
      ['sim-reader', 'connected'],
    ]);
    expect(health.status).toBe('degraded');
    expect(health.alarms).toContainEqual({ code: 'DEVICE_MISSING', message: expect.stringContaining(join(tmp.dir, 'no-such-tty')) });
  });

  it("a scan written to the simulated scanner's pty reaches the counter's sale and the event stream", async () => {
    const got = await events(
      async () => writeFileSync(join(tmp.dir, 'scanner-pty'), `${code('8100003', 1)}\r`),
      (evs) => evs.some((e) => e.event === 'scan'),
    );
    const scan = got.find((e) => e.event === 'scan')!.data;
    expect(scan).toMatchObject({ deviceId: 'sim-scanner', text: code('8100003', 1), saleId: expect.any(Number), itemId: expect.any(Number) });
    const sale = (await (await fetch(`${agent.url}/api/sales/${String(scan.saleId)}`, { headers: auth })).json()) as { items: { code: string }[] };
    expect(sale.items.map((i) => i.code)).toEqual([code('8100003', 1)]);
  });

  it('the counter page feeds the simulated scanner; a refusal is streamed too', async () => {
    const got = await events(
      async () => {
        const r = await fetch(`${agent.url}/api/devices/sim-scanner/scan`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ text: code('8100003', 1) }),
        });
        expect(r.status).toBe(200);
      },
      (evs) => evs.some((e) => e.event === 'scan'),
    );
    expect(got.find((e) => e.event === 'scan')?.data).toMatchObject({ refused: [{ code: 'TRACE_CODE_DUPLICATE_IN_SALE' }] });
    const real = await fetch(`${agent.url}/api/devices/front/scan`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(real.status).toBe(404);
  });

  it("a card placed on the simulated reader becomes the sale's identity through the real SAM driver", async () => {
    const got = await events(
      async () => {
        const r = await fetch(`${agent.url}/api/devices/sim-reader/card`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ idNumber: '130102196205120319' }),
        });
        expect(await r.json()).toEqual({ placed: true, name: '张建国' });
      },
      (evs) => evs.some((e) => e.event === 'identity'),
    );
    expect(got.find((e) => e.event === 'identity')?.data).toMatchObject({ deviceId: 'sim-reader', person: { name: '张建国', certNo: '1301**********0319' } });
  });
});
