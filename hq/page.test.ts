// The HQ page's data against the real PostgreSQL: projections equal what two real boxes' ledgers hold, a regional
// manager sees only the region's stores (names and totals), the boxes' heartbeat, sign-in with lockout, the CLI,
// and the backfill of events ingested before the projections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../agent/cli/main.js';
import { VERSION } from '../agent/version.js';
import { shanghaiDate } from '../common/time.js';
import { addHqUsers, CHAIN_STORES, HQ_USERS, hqSession, startChain, type TestChain } from './page.test-helpers.js';
import { catchUpProjections } from './projections.js';
import { LOGIN_LIMITS } from './users.js';

let chain: TestChain;
beforeAll(async () => {
  chain = await startChain();
  await addHqUsers(chain.t);
}, 180_000);
afterAll(async () => {
  await chain?.close();
});

type Json = Record<string, unknown>;
async function get(path: string, auth: { cookie?: string; bearer?: string }): Promise<{ status: number; body: Json; text: string }> {
  const res = await fetch(`${chain.t.hq.url}${path}`, {
    headers: { ...(auth.cookie ? { cookie: auth.cookie } : {}), ...(auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {}, text };
}
const admin = () => ({ bearer: chain.t.adminToken });

interface BoxEvent {
  seq: number;
  at: string;
  type: string;
  payload: string;
}
const boxEvents = (i: number): BoxEvent[] =>
  chain.stores[i]?.agent.ledger.db.prepare('SELECT seq, at, type, payload FROM events ORDER BY seq').all() as BoxEvent[];

interface SalesRow {
  store: string;
  storeName: string;
  day: string;
  sales: number;
  insuredSales: number;
  amount: number;
  fundPay: number;
  accountPay: number;
  cashPay: number;
  refunds: number;
  refundAmount: number;
  net: number;
}
const FIGURES = ['sales', 'insuredSales', 'amount', 'fundPay', 'accountPay', 'cashPay', 'refunds', 'refundAmount', 'net'] as const;

describe('the HQ page data', () => {
  it('sales per store and day equal the settled and reversed sales in each box ledger; the total row is the sum of the rows', async () => {
    const today = shanghaiDate(new Date());
    const r = await get(`/hq/api/sales?from=${today}&to=${today}`, admin());
    expect(r.status).toBe(200);
    const rows = r.body.rows as SalesRow[];
    expect(rows.map((x) => x.storeName).sort()).toEqual(CHAIN_STORES.map((s) => s.name).sort());
    for (const [i, s] of chain.stores.entries()) {
      const settled = boxEvents(i)
        .filter((e) => e.type === 'sale.settled' && shanghaiDate(new Date(e.at)) === today)
        .map((e) => JSON.parse(e.payload) as { payment: string; totals: { total: number; fundPay: number; accountPay: number; cashPay: number } });
      const reversed = boxEvents(i)
        .filter((e) => e.type === 'sale.reversed')
        .map((e) => JSON.parse(e.payload) as { items: { price: number }[] });
      const sum = (f: (x: (typeof settled)[number]) => number) => settled.reduce((a, x) => a + f(x), 0);
      const refundAmount = reversed.reduce((a, x) => a + x.items.reduce((b, it) => b + it.price, 0), 0);
      expect(settled.length).toBeGreaterThan(2);
      expect(reversed.length).toBeGreaterThan(0);
      const row = rows.find((x) => x.store === s.code);
      expect(row).toMatchObject({
        day: today,
        sales: settled.length,
        insuredSales: settled.filter((x) => x.payment === 'insurance').length,
        amount: sum((x) => x.totals.total),
        fundPay: sum((x) => x.totals.fundPay),
        accountPay: sum((x) => x.totals.accountPay),
        cashPay: sum((x) => x.totals.cashPay),
        refunds: reversed.length,
        refundAmount,
        net: sum((x) => x.totals.total) - refundAmount,
      });
      // The platform's split adds up to the amount.
      expect((row?.fundPay ?? 0) + (row?.accountPay ?? 0) + (row?.cashPay ?? 0)).toBe(row?.amount);
    }
    const total = r.body.total as Record<string, number>;
    for (const k of FIGURES) expect(total[k]).toBe(rows.reduce((a, x) => a + x[k], 0));
  });

  it('stock per store and lot equals each box’s pieces on hand; near-expiry lists lots within 90 days', async () => {
    for (const [i, s] of chain.stores.entries()) {
      const box = chain.stores[i]?.agent.ledger.db.prepare('SELECT bchno, pieces_on_hand FROM lots ORDER BY bchno').all() as {
        bchno: string;
        pieces_on_hand: number;
      }[];
      const { rows } = await chain.t.hq.pool.query<{ lot_bchno: string; pieces: number }>(
        'SELECT lot_bchno, pieces FROM proj_stock WHERE store_id = $1 ORDER BY lot_bchno',
        [s.code],
      );
      expect(rows.map((x) => ({ bchno: x.lot_bchno, pieces_on_hand: x.pieces }))).toEqual(box);
    }
    const r = await get('/hq/api/stock', admin());
    const products = r.body.products as { name: string; byStore: Record<string, number>; total: number }[];
    expect(products.length).toBeGreaterThan(3);
    for (const p of products) expect(p.total).toBe(Object.values(p.byStore).reduce((a, n) => a + n, 0));
    // Near expiry: put one lot of store 1 at 30 days (the demo delivery is dated years ahead).
    const soon = shanghaiDate(new Date(Date.now() + 30 * 86_400_000));
    const pick = await chain.t.hq.pool.query<{ lot_bchno: string; pieces: number; expiry: string }>(
      "SELECT lot_bchno, pieces, to_char(expiry, 'YYYY-MM-DD') AS expiry FROM proj_stock WHERE store_id = $1 AND pieces > 0 ORDER BY lot_bchno LIMIT 1",
      [CHAIN_STORES[0].code],
    );
    const lot = pick.rows[0] as { lot_bchno: string; pieces: number; expiry: string };
    const setExpiry = (d: string) =>
      chain.t.hq.pool.query('UPDATE proj_stock SET expiry = $3 WHERE store_id = $1 AND lot_bchno = $2', [CHAIN_STORES[0].code, lot.lot_bchno, d]);
    expect((await get('/hq/api/stock', admin())).body.nearExpiry).toEqual([]);
    await setExpiry(soon);
    try {
      const near = (await get('/hq/api/stock', admin())).body.nearExpiry as { storeName: string; expiry: string; daysLeft: number; pieces: number }[];
      expect(near).toEqual([expect.objectContaining({ storeName: CHAIN_STORES[0].name, expiry: soon, pieces: lot.pieces, daysLeft: 30 })]);
    } finally {
      await setExpiry(lot.expiry);
    }
  });

  it('self-audit: the same insured person at both stores on one day (masked), and the same code sold at both', async () => {
    const r = await get('/hq/api/audit', admin());
    const insured = r.body.insured as { day: string; person: string; stores: { storeName: string }[]; otherStores: number }[];
    expect(insured.length).toBeGreaterThan(0);
    for (const g of insured) {
      expect(g.stores.map((s) => s.storeName).sort()).toEqual(CHAIN_STORES.map((s) => s.name).sort());
      expect(g.person).toMatch(/\*{4,}/);
    }
    // Nothing identifying left the projection: no person number in the clear.
    const psn = boxEvents(0)
      .filter((e) => e.type === 'sale.settled')
      .map((e) => (JSON.parse(e.payload) as { psnNo?: string }).psnNo)
      .filter((x): x is string => Boolean(x));
    expect(psn.length).toBeGreaterThan(0);
    for (const p of psn) expect(r.text).not.toContain(p);
    const twice = r.body.soldTwice as { code: string; storeName: string; otherStoreName: string }[];
    const sold = (i: number) =>
      new Set(
        boxEvents(i)
          .filter((e) => e.type === 'sale.settled')
          .flatMap((e) => (JSON.parse(e.payload) as { items: { code: string | null }[] }).items.map((it) => it.code))
          .filter(Boolean),
      );
    const both = [...sold(0)].filter((c) => sold(1).has(c));
    expect(both.length).toBeGreaterThan(0);
    expect(twice.map((f) => f.code).sort()).toEqual(both.sort());
    for (const f of twice) expect([f.storeName, f.otherStoreName].sort()).toEqual(CHAIN_STORES.map((s) => s.name).sort());
  });

  it('stores: last contact, the heartbeat (version, lag, platform backlog, alarms) and chain flag', async () => {
    const r = await get('/hq/api/stores', admin());
    const stores = r.body.stores as {
      store: string;
      name: string;
      version: string;
      lagEvents: number;
      outboxBacklog: number;
      alarms: unknown[];
      flag: unknown;
      lastContactAt: string;
      codeFlags: number;
    }[];
    expect(stores.map((s) => s.name).sort()).toEqual(CHAIN_STORES.map((s) => s.name).sort());
    for (const s of stores) {
      expect(s).toMatchObject({ version: VERSION, lagEvents: 0, flag: null });
      expect(typeof s.outboxBacklog).toBe('number');
      expect(Array.isArray(s.alarms)).toBe(true);
      expect(Date.now() - Date.parse(s.lastContactAt)).toBeLessThan(120_000);
      expect(s.codeFlags).toBeGreaterThan(0);
    }
    // A heartbeat needs the store's credential and a well-formed body.
    const anon = await fetch(`${chain.t.hq.url}/hq/v1/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"version":"x","localSeq":1}',
    });
    expect(anon.status).toBe(401);
    // The box reports again on demand with what it holds: a lag shows in events and time until HQ has them.
    const box = chain.stores[0]?.agent;
    expect(await box?.hq?.report(true)).toBe(true);
    const { rows } = await chain.t.hq.pool.query<{ local_seq: number; alarms: unknown[] }>('SELECT local_seq, alarms FROM store_status WHERE store_id = $1', [
      CHAIN_STORES[0].code,
    ]);
    expect(rows[0]?.local_seq).toBe(box?.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get());
  });

  it('a regional manager sees only the region’s stores: names, rows and totals', async () => {
    const u = HQ_USERS.regional;
    const cookie = await hqSession(chain.t.hq.url, u.username, u.password);
    const other = CHAIN_STORES[1];
    const mine = CHAIN_STORES[0];
    const today = shanghaiDate(new Date());
    for (const path of ['/hq/api/me', '/hq/api/stores', '/hq/api/stock', `/hq/api/sales?from=${today}&to=${today}`, '/hq/api/audit', '/hq/api/codes']) {
      const r = await get(path, { cookie });
      expect(r.status, path).toBe(200);
      expect(r.text, path).not.toContain(other.name);
      expect(r.text, path).not.toContain(other.code);
    }
    const stores = (await get('/hq/api/stores', { cookie })).body.stores as { name: string }[];
    expect(stores.map((s) => s.name)).toEqual([mine.name]);
    const sales = (await get(`/hq/api/sales?from=${today}&to=${today}`, { cookie })).body as { rows: SalesRow[]; total: Record<string, number> };
    const all = (await get(`/hq/api/sales?from=${today}&to=${today}`, admin())).body as { rows: SalesRow[] };
    const mineRow = all.rows.find((x) => x.store === mine.code);
    expect(sales.rows).toEqual([mineRow]);
    for (const k of FIGURES) expect(sales.total[k]).toBe(mineRow?.[k]);
    const stock = (await get('/hq/api/stock', { cookie })).body as { products: { byStore: Record<string, number> }[] };
    for (const p of stock.products) expect(Object.keys(p.byStore)).toEqual([mine.code]);
    const audit = (await get('/hq/api/audit', { cookie })).body as { insured: { stores: { storeName: string }[]; otherStores: number }[] };
    expect(audit.insured.length).toBeGreaterThan(0);
    for (const g of audit.insured) expect(g).toMatchObject({ stores: [expect.objectContaining({ storeName: mine.name })], otherStores: 1 });
    const codes = (await get('/hq/api/codes', { cookie })).body.flags as { storeName: string; otherStoreName: string | null }[];
    expect(codes.length).toBeGreaterThan(0);
    for (const f of codes) expect(f).toMatchObject({ storeName: mine.name, otherStoreName: null });
    // No session, no data.
    expect((await get('/hq/api/stores', {})).status).toBe(401);
    expect((await get('/hq/api/stores', { cookie: 'hq_session=forged' })).status).toBe(401);
  });

  it('sign-in: wrong passwords lock the username for 15 minutes (even the right one is refused), logout ends the session', async () => {
    const u = HQ_USERS.admin;
    const login = (password: string) =>
      fetch(`${chain.t.hq.url}/hq/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: u.username, password }),
      });
    const cookie = await hqSession(chain.t.hq.url, u.username, u.password);
    const statuses = await Promise.all(Array.from({ length: LOGIN_LIMITS.perUser + 3 }, () => login('wrong-password')));
    expect(statuses.filter((r) => r.status === 401).length).toBe(LOGIN_LIMITS.perUser);
    expect(statuses.filter((r) => r.status === 429).length).toBe(3);
    const locked = await login(u.password);
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { message: string }).message).toContain('分钟后再试');
    // The session from before still works; logging out ends it.
    expect((await get('/hq/api/me', { cookie })).status).toBe(200);
    const out = await fetch(`${chain.t.hq.url}/hq/api/logout`, { method: 'POST', headers: { cookie, origin: chain.t.hq.url } });
    expect(out.status).toBe(200);
    expect((await get('/hq/api/me', { cookie })).status).toBe(401);
    await chain.t.hq.pool.query('DELETE FROM hq_login_attempts WHERE username = $1', [u.username]);
  });

  it('CLI: hq user add (admin or regional, password generated once), and backfill rebuilds the projections from the events', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const db = ['--database', chain.t.pg.url];
    expect(
      await runCli(['hq', 'user', 'add', '--username', 'sun', '--name', '孙经理', '--role', 'regional', '--stores', CHAIN_STORES[1].code, ...db], io),
    ).toBe(0);
    const password = /password \(shown once; give it to the user\): (\S+)/.exec(lines.join('\n'))?.[1];
    expect(password).toBeDefined();
    const cookie = await hqSession(chain.t.hq.url, 'sun', password as string);
    expect(((await get('/hq/api/stores', { cookie })).body.stores as { name: string }[]).map((s) => s.name)).toEqual([CHAIN_STORES[1].name]);
    lines.length = 0;
    expect(await runCli(['hq', 'user', 'add', '--username', 'zhou', '--role', 'regional', ...db], io)).toBe(2);
    expect(lines.join('\n')).toContain('--stores');

    const snapshot = async () =>
      (
        await chain.t.hq.pool.query(
          `SELECT (SELECT json_agg(t ORDER BY store_id, day) FROM proj_sales_day t) AS sales, (SELECT json_agg(t ORDER BY store_id, lot_bchno) FROM proj_stock t) AS stock,
             (SELECT json_agg(t ORDER BY store_id, day, person_key) FROM proj_insured_day t) AS insured`,
        )
      ).rows[0];
    await catchUpProjections(chain.t.hq.pool);
    const before = await snapshot();
    await chain.t.hq.pool.query('TRUNCATE proj_sales_day, proj_stock, proj_insured_day, projection_state');
    lines.length = 0;
    expect(await runCli(['hq', 'backfill', ...db], io)).toBe(0);
    expect(lines.join('\n')).toMatch(/HQ page projections: \d+ event\(s\) of 2 store\(s\) folded in/);
    expect(await snapshot()).toEqual(before);
  });
});
