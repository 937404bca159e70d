// The chain-wide trace-code check (issue 17) end to end: two real boxes (二号店 and 一号店) replicating to a real HQ
// on a real PostgreSQL, scanning over HTTP. HQ down (its HTTP side stopped) and HQ slow (its code index locked in
// PostgreSQL) are real faults, not mocks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchKiosk, signedInCounter, wedgeScan } from '../../agent/web/counter-browser.test-helpers.js';
import { signIn, USERS } from '../../agent/web/manager-page.test-helpers.js';
import { type ItemView, line, serials, startTestAgent, type TestAgent } from '../../agent/web/sales.test-helpers.js';
import type { Config } from '../../config/index.js';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { startTestHq, type TestHq } from '../../hq/hq.test-helpers.js';
import { HqChainCheck, soldElsewhere } from './chain-check.js';
import { HqClient } from './client.js';

const STORE_A = 'P13010200002';
const STORE_B = 'P13010200001';
// Generous for a loaded test machine: the scans that HQ answers must get the answer; the faults must still end by it.
const TIMEOUT_MS = 1500;

let t: TestHq;
let a: TestAgent; // 二号店: sells first
let b: TestAgent; // 一号店: the box under test
const codes = serials('IBU', 7100, 8);
const code = (i: number): string => codes[i] as string;

async function boxWithHq(store: string, name: string): Promise<TestAgent> {
  const { code: enrol } = await issueEnrolCode(t.hq.pool, store, name);
  return startTestAgent({
    configure: (c: Config) => {
      c.store = { ...c.store, code: store, name };
      c.hq = { url: t.hq.url, enrolmentCode: enrol, batchSize: 500, checkTimeoutMs: TIMEOUT_MS, recheckSeconds: 30 };
    },
  });
}

/**
 * Until HQ holds every event the box has written (its replicator pushes on its own) and has checked their codes
 * against the other stores. The check runs in its own transaction after the batch commits (hq/ingest.ts), so the head
 * alone can be visible while the conflict rows are not yet: recheck_from is cleared when the check is done.
 */
async function replicated(box: TestAgent, store: string): Promise<void> {
  const local = box.agent.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
  const end = Date.now() + 20_000;
  for (;;) {
    const { rows } = await t.hq.pool.query<{ head_seq: string; recheck_from: string | null }>('SELECT head_seq, recheck_from FROM stores WHERE store_id = $1', [
      store,
    ]);
    if (Number(rows[0]?.head_seq ?? 0) >= local && rows[0]?.recheck_from === null) return;
    if (Date.now() > end) {
      throw new Error(`${store} not replicated and checked: HQ ${JSON.stringify(rows[0])}, box ${local}: ${JSON.stringify(box.agent.hq?.status())}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sell(box: TestAgent, c: string): Promise<number> {
  const id = await box.open();
  expect((await box.scan(id, c)).status).toBe(200);
  const settled = await box.settle(id, 'self_pay');
  expect(settled.body.refused ?? []).toEqual([]);
  expect(settled.status).toBe(200);
  return id;
}

beforeAll(async () => {
  t = await startTestHq();
  a = await boxWithHq(STORE_A, '二号店');
  b = await boxWithHq(STORE_B, '一号店');
  // The same boxes reached both stores (a duplicated code, a box carried across): each store's own rules pass.
  for (const box of [a, b]) await box.receive({ lines: [line('IBU', 'L7100', codes)] });
}, 180_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.close();
});

describe('the chain-wide code check at scan time', () => {
  it('refuses a box sold at another store, naming the store and the time', async () => {
    await sell(a, code(0));
    await replicated(a, STORE_A);
    const sale = await b.open();
    const r = await b.scan(sale, code(0));
    expect(r.status).toBe(422);
    expect(r.body.refused).toEqual([
      { code: 'TRACE_CODE_SOLD_IN_CHAIN', message: expect.stringMatching(/^该盒已于 11月22日 10:\d\d 在 二号店 售出，不能再次销售.*：请把该盒交店长核查$/) },
    ]);
    expect((await b.sale(sale)).items).toEqual([]);
  });

  it('allows a box returned at the other store, and marks the line checked', async () => {
    const sold = await sell(a, code(1));
    expect((await a.api('POST', `/api/sales/${sold}/reverse`, { reason: '顾客退货' })).status).toBe(200);
    await replicated(a, STORE_A);
    const sale = await b.open();
    const r = await b.scan(sale, code(1));
    expect(r.status).toBe(200);
    expect((r.body.item as ItemView & { chainCheck: string }).chainCheck).toBe('ok');
  });

  it("leaves this store's own sales to the local rules", async () => {
    await sell(b, code(2));
    await replicated(b, STORE_B);
    const r = await b.scan(await b.open(), code(2));
    expect(r.status).toBe(422);
    expect(r.body.refused?.map((x) => x.code)).toEqual(['TRACE_CODE_ALREADY_SOLD']);
  });

  it('sells within the timeout while HQ is down, marks the line, and the recheck raises the alarm at both stores when HQ is back', async () => {
    await sell(a, code(3));
    await replicated(a, STORE_A);
    await t.stopHttp();
    let restarted = false;
    try {
      const sale = await b.open();
      const started = Date.now();
      const r = await b.scan(sale, code(3));
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      expect(r.status).toBe(200);
      expect((r.body.item as ItemView & { chainCheck: string }).chainCheck).toBe('unchecked');
      expect((await b.settle(sale, 'self_pay')).status).toBe(200);
      expect(await b.agent.chainRecheck?.pass()).toMatchObject({ unavailable: true, hits: 0 });

      await t.restartHttp();
      restarted = true;
      // The HQ came back on the same port: the recheck finds the other store's sale.
      expect(await b.agent.chainRecheck?.pass()).toMatchObject({ checked: 1, hits: 1, unavailable: false });
      const line = b.agent.ledger.db.prepare('SELECT chain_check FROM sale_items WHERE sale_id = ?').pluck().get(sale);
      expect(line).toBe('conflict');
      const alarmsB = await b.api<{ alarms: { id: number; code: string; otherStore: string; saleId: number; message: string }[] }>('GET', '/api/chain/alarms');
      expect(alarmsB.body.alarms).toEqual([expect.objectContaining({ code: code(3), otherStore: STORE_A, saleId: sale, source: 'recheck' })]);
      expect(alarmsB.body.alarms[0]?.message).toMatch(/在本店（销售单 #\d+）和二号店（11月22日 10:\d\d）都已售出/);
      const health = await b.api<{ alarms: { code: string; message: string }[] }>('GET', '/api/health', undefined, null);
      expect(health.body.alarms.map((x) => x.code)).toContain('TRACE_CODE_SOLD_IN_CHAIN_LATE');

      // HQ records the conflict when this store's sale reaches it; the first store learns it from HQ.
      await replicated(b, STORE_B);
      const { rows } = await t.hq.pool.query('SELECT store_id, other_store_id FROM code_conflicts WHERE code = $1 ORDER BY store_id', [code(3)]);
      expect(rows).toEqual(
        [
          { store_id: STORE_B, other_store_id: STORE_A },
          { store_id: STORE_A, other_store_id: STORE_B },
        ].sort((x, y) => (x.store_id < y.store_id ? -1 : 1)),
      );
      expect(await a.agent.chainRecheck?.pass()).toMatchObject({ learned: 1 });
      const alarmsA = await a.api<{ alarms: { code: string; otherStore: string; otherStoreName: string; source: string }[] }>('GET', '/api/chain/alarms');
      expect(alarmsA.body.alarms).toEqual([expect.objectContaining({ code: code(3), otherStore: STORE_B, otherStoreName: '一号店', source: 'hq' })]);
      // HQ's code answer says so too (a field added beside the existing ones).
      const report = await new HqClient(t.hq.url, t.adminToken).code(code(3), 5000);
      expect(report).toMatchObject({ soldNotReturned: true, conflicted: true });

      // The manager marks it checked: it leaves health.
      const id = alarmsB.body.alarms[0]?.id;
      expect((await b.api('POST', `/api/chain/alarms/${id}/resolve`, {})).status).toBe(200);
      const after = await b.api<{ alarms: { code: string }[] }>('GET', '/api/health', undefined, null);
      expect(after.body.alarms.map((x) => x.code)).not.toContain('TRACE_CODE_SOLD_IN_CHAIN_LATE');
    } finally {
      if (!restarted) await t.restartHttp();
    }
  });

  it('sells within the timeout when HQ answers too late, and marks the line', async () => {
    await sell(a, code(4));
    await replicated(a, STORE_A);
    // HQ is up but its code index is locked: it answers only after the lock is released, well after the timeout.
    const locker = await t.hq.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE trace_codes IN ACCESS EXCLUSIVE MODE');
      const sale = await b.open();
      const started = Date.now();
      const r = await b.scan(sale, code(4));
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
      expect(r.status).toBe(200);
      expect((r.body.item as ItemView & { chainCheck: string }).chainCheck).toBe('unchecked');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
  });
});

describe('the counter page', () => {
  it('shows the refusal like the others: in Chinese, naming the other store and the time', async () => {
    await sell(a, code(5));
    await replicated(a, STORE_A);
    await b.agent.accounts.create({ username: 'zhao', displayName: '赵收银', role: 'cashier', password: '445566' });
    const browser = await launchKiosk();
    try {
      const kiosk = await signedInCounter(browser, b.agent.url, 'zhao', '445566', 'counter-2');
      await wedgeScan(kiosk.page, code(5));
      await kiosk.page.locator('#refusals').waitFor({ state: 'visible' });
      const li = kiosk.page.locator('#refusal-list li');
      expect(await li.getAttribute('data-code')).toBe('TRACE_CODE_SOLD_IN_CHAIN');
      expect(await li.textContent()).toMatch(/该盒已于 11月22日 10:\d\d 在 二号店 售出，不能再次销售.*请把该盒交店长核查/);
      await kiosk.shot('counter-sold-in-chain');
      expect(kiosk.errors).toEqual([]);
      await kiosk.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('the manager page', () => {
  it('lists a late chain hit on the overview, naming the other store, until the manager marks it checked', async () => {
    // 二号店 learned from HQ that the box it sold first was sold again at 一号店 (the HQ-down test above).
    await a.agent.accounts.create({ ...USERS.manager });
    const browser = await launchKiosk();
    try {
      const m = await signIn(browser, a.agent.url, USERS.manager);
      await m.open('#/overview', 'overview');
      const banner = m.page.locator('#ov-chain');
      await banner.waitFor({ state: 'visible' });
      expect(await banner.textContent()).toMatch(new RegExp(`追溯码 ${code(3)} 这一盒在本店（销售单 #\\d+）和一号店（11月22日 10:\\d\\d）都已售出`));
      await m.shot('chain-alarm');
      await banner.locator(`[data-code="${code(3)}"] button`).click();
      await banner.waitFor({ state: 'hidden' });
      expect((await a.api<{ alarms: { resolvedBy: string | null }[] }>('GET', '/api/chain/alarms')).body.alarms[0]?.resolvedBy).toBe(USERS.manager.username);
      expect(m.errors).toEqual([]);
      await m.close();
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe("reading HQ's code answer", () => {
  it('takes the other stores where the box is out, and nothing from garbage', () => {
    const answer = {
      soldNotReturned: true,
      soldAt: [
        { store: 'B', storeName: '一号店', at: '2026-12-06T07:02:00.000Z' },
        { store: 'A', storeName: null, at: 'x' },
      ],
    };
    expect(soldElsewhere(answer, 'B')).toEqual([{ store: 'A', storeName: null, at: 'x' }]);
    expect(soldElsewhere({ soldNotReturned: false, soldAt: [] }, 'B')).toEqual([]);
    expect(soldElsewhere({}, 'B')).toBeNull();
    expect(soldElsewhere({ soldNotReturned: true, soldAt: [null] }, 'B')).toBeNull();
    expect(soldElsewhere({ soldNotReturned: true, soldAt: 'A' }, 'B')).toBeNull();
  });
});

describe('the recheck on its own timer (hq.recheckSeconds)', () => {
  it('a line sold while HQ was down turns into a conflict by itself within the configured interval once HQ is back', async () => {
    const { code: enrol } = await issueEnrolCode(t.hq.pool, 'P13010200003', '三号店');
    const c = await startTestAgent({
      configure: (cfg: Config) => {
        cfg.store = { ...cfg.store, code: 'P13010200003', name: '三号店' };
        cfg.hq = { url: t.hq.url, enrolmentCode: enrol, batchSize: 500, checkTimeoutMs: TIMEOUT_MS, recheckSeconds: 5 };
      },
    });
    try {
      await c.receive({ lines: [line('IBU', 'L7100', [code(6)])] });
      await sell(a, code(6));
      await replicated(a, STORE_A);
      await t.stopHttp();
      let sale: number;
      try {
        sale = await c.open();
        expect(((await c.scan(sale, code(6))).body.item as ItemView & { chainCheck: string }).chainCheck).toBe('unchecked');
        expect((await c.settle(sale, 'self_pay')).status).toBe(200);
      } finally {
        await t.restartHttp();
      }
      // Nobody calls pass(): the box's own timer (5 s here, 30 s by default) asks HQ again.
      const line6 = () => c.agent.ledger.db.prepare('SELECT chain_check FROM sale_items WHERE sale_id = ?').pluck().get(sale);
      const end = Date.now() + 15_000;
      while (line6() !== 'conflict' && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(line6()).toBe('conflict');
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe('the scan-time adapter against a misbehaving HQ (a real HTTP server)', () => {
  it('answers unchecked, never later than the timeout, on 5xx, non-JSON, a wrong shape and no answer at all', async () => {
    const modes = ['503', 'garbage', 'shape', 'hang'] as const;
    let mode: (typeof modes)[number] = '503';
    const server = createServer((_req, res) => {
      if (mode === '503') res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"HQ_UNAVAILABLE"}');
      else if (mode === 'garbage') res.writeHead(200, { 'content-type': 'application/json' }).end('<html>proxy error</html>');
      else if (mode === 'shape') res.writeHead(200, { 'content-type': 'application/json' }).end('{"soldAt":"二号店"}');
      // 'hang': never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const check = new HqChainCheck(() => new HqClient(url, 'S.T'), STORE_B, 200);
      for (const m of modes) {
        mode = m;
        const started = Date.now();
        const r = await check.check(code(7));
        expect(r.kind, m).toBe('unchecked');
        expect(Date.now() - started, m).toBeLessThan(200 + 300);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
