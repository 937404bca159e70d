// Issue 14: the counter serves one customer at a time. Real HTTP, two counters with their own simulated scanners,
// a restart on the same ledger: a scan never joins a sale the counter's screen does not hold (an old sale with
// another person's insurance identity), the cashier resumes or voids it explicitly, idle sales are voided with
// their reason, a box held at counter A is refused at counter B naming the counter, and sales record the cashier.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { apiClient, CATALOG, codeOf, line, person, RunningClock, type SaleView, serials } from './sales.test-helpers.js';

let tmp: { dir: string; cleanup: () => void };
let agent: RunningAgent;
let api: ReturnType<typeof apiClient>;
const clock = new RunningClock();

const DEVICES = `scanners:
  - { id: scan-a, type: simulated, counter: counter-1 }
  - { id: scan-b, type: simulated, counter: counter-2 }`;

async function start(): Promise<void> {
  agent = await startAgent({ config: testConfig(tmp.dir, DEVICES), demo: false, log: silentLog(), clock: clock.now });
  api = apiClient(agent.url);
}

/** A scanner read at a counter; resolves once the router has handled it. */
async function scanAt(scanner: 'scan-a' | 'scan-b', text: string): Promise<void> {
  const r = await api('POST', `/api/devices/${scanner}/scan`, { text }, TOKENS.cashier);
  expect(r.status).toBe(200);
  // Routing is asynchronous (queued per counter): a check that nothing changed waits for it to have happened.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

interface CounterView {
  saleId: number | null;
  attendant: string | null;
  leftOpen: { id: number; personName: string | null; lines: number; openedBy: string | null }[];
}

const counterView = async (counter: string) => (await api<CounterView>('GET', `/api/counters/${counter}`, undefined, TOKENS.cashier)).body;
const sale = async (id: number) =>
  (await api<SaleView & { openedBy: string | null; voided: { reason: string; by: string } | null }>('GET', `/api/sales/${id}`, undefined, TOKENS.cashier)).body;

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  tmp = tempDir('counter-agent-lifecycle-');
  await start();
  expect((await api('POST', '/api/catalog', { products: Object.values(CATALOG) })).status).toBe(200);
  const r = await api('POST', '/api/receipts', {
    supplier: '华润河北医药有限公司',
    invoiceNo: 'INV-L',
    deliveryNoteNo: 'DN-L',
    procurementOrderNo: 'CG202611000009',
    lines: [line('IBU', 'I1', serials('IBU', 1, 6)), line('LIAN', 'LH1', serials('LIAN', 1, 6))],
  });
  expect(r.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await agent?.close();
  tmp?.cleanup();
});

describe('one customer at a time per counter', () => {
  it('a scanner read opens a sale recorded under the cashier signed in at that counter', async () => {
    const attend = await api('POST', '/api/counters/counter-1/attend', undefined, TOKENS.cashier);
    expect(attend.body).toMatchObject({ counter: 'counter-1', attendant: 'cash', saleId: null });
    await scanAt('scan-a', codeOf('IBU', 1));
    const view = await until(
      () => counterView('counter-1'),
      (v) => v.saleId !== null,
    );
    expect(view).toMatchObject({ attendant: 'cash', leftOpen: [] });
    const s = await sale(view.saleId!);
    expect(s.openedBy).toBe('cash');
    expect(
      (
        await until(
          () => sale(view.saleId!),
          (x) => x.items.length > 0,
        )
      ).items.map((i) => i.code),
    ).toEqual([codeOf('IBU', 1)]);
  });

  it("a box held by counter-1's open sale is refused at counter-2, naming the counter and the sale", async () => {
    const held = (await counterView('counter-1')).saleId!;
    const b = await api<{ id: number }>('POST', '/api/sales', { counter: 'counter-2' }, TOKENS.cashier);
    const r = await api('POST', `/api/sales/${b.body.id}/items`, { code: codeOf('IBU', 1) }, TOKENS.cashier);
    expect(r.status).toBe(422);
    expect(r.body.refused?.[0]?.message).toContain(`收银台 counter-1，单号 #${held}`);
    // counter-2's own scanner feeds counter-2's sale, never counter-1's.
    await scanAt('scan-b', codeOf('LIAN', 1));
    expect(
      (
        await until(
          () => sale(b.body.id),
          (x) => x.items.length > 0,
        )
      ).items.map((i) => i.code),
    ).toEqual([codeOf('LIAN', 1)]);
    expect((await sale(held)).items.map((i) => i.code)).toEqual([codeOf('IBU', 1)]);
    expect((await api('POST', `/api/sales/${b.body.id}/void`, { reason: '顾客不要了' }, TOKENS.cashier)).status).toBe(200);
    expect((await sale(b.body.id)).voided).toMatchObject({ reason: '顾客不要了', by: 'cash' });
  });

  it('after a restart an identified sale is never joined by the next scan: it is listed, then resumed or voided explicitly', async () => {
    const old = (await counterView('counter-1')).saleId!;
    const who = person('both');
    expect((await api('PUT', `/api/sales/${old}/identity`, { certType: '02', certNo: who.certno }, TOKENS.cashier)).status).toBe(200);

    await agent.close();
    await start();

    const view = await counterView('counter-1');
    expect(view.saleId).toBeNull();
    expect(view.leftOpen).toEqual([expect.objectContaining({ id: old, personName: who.name, lines: 1 })]);
    // The next customer's box: refused at the counter, not added to 刘志强's sale, and no second sale opened.
    await scanAt('scan-a', codeOf('IBU', 2));
    expect((await sale(old)).items.map((i) => i.code)).toEqual([codeOf('IBU', 1)]);
    expect((await counterView('counter-1')).leftOpen.map((s) => s.id)).toEqual([old]);

    // The cashier resumes it (the same customer is still there): scans join it again.
    expect((await api('POST', '/api/counters/counter-1/resume', { saleId: old }, TOKENS.cashier)).status).toBe(200);
    await scanAt('scan-a', codeOf('IBU', 2));
    expect(
      (
        await until(
          () => sale(old),
          (s) => s.items.length === 2,
        )
      ).items.map((i) => i.code),
    ).toEqual([codeOf('IBU', 1), codeOf('IBU', 2)]);
    // A sale cannot be resumed at another counter.
    const other = await api('POST', '/api/counters/counter-2/resume', { saleId: old }, TOKENS.cashier);
    expect(other.status).toBe(409);
    expect(other.body.errors?.[0]?.message).toMatch(/属于收银台 counter-1/);
  });

  it("signing out clears the counter: the next scan does not join the signed-out cashier's sale", async () => {
    expect((await api('POST', '/api/users', { username: 'ana', displayName: '安娜', role: 'cashier', password: '2468' })).status).toBe(201);
    const signIn = await fetch(`${agent.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ana', password: '2468' }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const asAna = (method: string, path: string, body?: unknown) =>
      fetch(`${agent.url}${path}`, {
        method,
        headers: { cookie, origin: agent.url, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    expect((await asAna('POST', '/api/counters/counter-1/attend')).status).toBe(200);
    const current = (await counterView('counter-1')).saleId!;
    expect((await asAna('POST', '/api/logout')).status).toBe(204);
    const view = await counterView('counter-1');
    expect(view).toMatchObject({ saleId: null, attendant: null });
    expect(view.leftOpen.map((s) => s.id)).toContain(current);
    await scanAt('scan-a', codeOf('IBU', 3));
    expect((await sale(current)).items.map((i) => i.code)).not.toContain(codeOf('IBU', 3));
    // Voided explicitly, its boxes are free for the next sale.
    expect((await api('POST', `/api/sales/${current}/void`, {}, TOKENS.cashier)).status).toBe(200);
    expect((await counterView('counter-1')).leftOpen).toEqual([]);
    await scanAt('scan-a', codeOf('IBU', 1));
    const next = await until(
      () => counterView('counter-1'),
      (v) => v.saleId !== null,
    );
    expect(
      (
        await until(
          () => sale(next.saleId!),
          (s) => s.items.length > 0,
        )
      ).items.map((i) => i.code),
    ).toEqual([codeOf('IBU', 1)]);
  });

  it('an open sale untouched for checkout.idleVoidMinutes is voided with its reason and its boxes freed', async () => {
    const id = (await counterView('counter-1')).saleId!;
    expect(agent.checkout.voidIdle(10)).toEqual([]); // touched just now
    clock.advance(11 * 60_000);
    expect(agent.checkout.voidIdle(10)).toEqual([id]);
    expect(await sale(id)).toMatchObject({ status: 'voided', voided: { reason: 'idle 10 min', by: 'system' } });
    expect(await counterView('counter-1')).toMatchObject({ saleId: null, leftOpen: [] });
    const b = await api<{ id: number }>('POST', '/api/sales', { counter: 'counter-2' }, TOKENS.cashier);
    expect((await api('POST', `/api/sales/${b.body.id}/items`, { code: codeOf('IBU', 1) }, TOKENS.cashier)).status).toBe(200);
  });
});
