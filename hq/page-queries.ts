// What the HQ page shows, read from the projections (hq/projections.ts), the stores and their heartbeats. Every
// query takes the viewer's scope: null for a chain admin, the region's store list for a regional manager; a store
// outside the scope never appears by name or in a total.
import type pg from 'pg';
import { shanghaiDate } from '../common/time.js';

export type Scope = readonly string[] | null;

/** Lots expiring within this many days count as near expiry (the question the chain asks of its stock). */
export const NEAR_EXPIRY_DAYS = 90;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const day = (d: Date | string): string => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const scopeParam = (scope: Scope): string[] | null => (scope ? [...scope] : null);

export interface StoreRow {
  store: string;
  name: string;
  lastContactAt: string | null;
  headSeq: number;
  headAt: string | null;
  reportedAt: string | null;
  version: string | null;
  /** Events the box holds that HQ does not (from the last heartbeat), and how old the oldest of them is. */
  lagEvents: number | null;
  lagSeconds: number | null;
  outboxBacklog: number | null;
  outboxFailed: number | null;
  outboxOldestSeconds: number | null;
  alarms: { code: string; message: string }[];
  flag: { code: string; seq: number; detail: string; at: string } | null;
  codeFlags: number;
}

export async function storeRows(pool: pg.Pool, scope: Scope, now = new Date()): Promise<StoreRow[]> {
  const { rows } = await pool.query<{
    store_id: string;
    name: string | null;
    head_seq: number;
    head_at: Date | null;
    last_contact_at: Date | null;
    flag_code: string | null;
    flag_seq: number | null;
    flag_detail: string | null;
    flagged_at: Date | null;
    reported_at: Date | null;
    version: string | null;
    local_seq: number | null;
    oldest_unsent_at: Date | null;
    outbox_backlog: number | null;
    outbox_failed: number | null;
    outbox_oldest_seconds: number | null;
    alarms: { code: string; message: string }[] | null;
    code_flags: number;
  }>(
    `SELECT s.store_id, s.name, s.head_seq, s.head_at, s.last_contact_at, s.flag_code, s.flag_seq, s.flag_detail, s.flagged_at,
       st.reported_at, st.version, st.local_seq, st.oldest_unsent_at, st.outbox_backlog, st.outbox_failed, st.outbox_oldest_seconds, st.alarms,
       (SELECT count(*) FROM code_flags f WHERE f.store_id = s.store_id) + (SELECT count(*) FROM code_flags f WHERE f.other_store = s.store_id) AS code_flags
     FROM stores s LEFT JOIN store_status st ON st.store_id = s.store_id
     WHERE $1::text[] IS NULL OR s.store_id = ANY($1)
     ORDER BY s.name, s.store_id`,
    [scopeParam(scope)],
  );
  return rows.map((r) => {
    const lag = r.local_seq === null ? null : Math.max(0, Number(r.local_seq) - Number(r.head_seq));
    const contact = [r.last_contact_at, r.reported_at].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0];
    return {
      store: r.store_id,
      name: r.name ?? r.store_id,
      lastContactAt: iso(contact),
      headSeq: Number(r.head_seq),
      headAt: iso(r.head_at),
      reportedAt: iso(r.reported_at),
      version: r.version,
      lagEvents: lag,
      lagSeconds: lag === null ? null : lag > 0 && r.oldest_unsent_at ? Math.max(0, Math.round((now.getTime() - r.oldest_unsent_at.getTime()) / 1000)) : 0,
      outboxBacklog: r.outbox_backlog,
      outboxFailed: r.outbox_failed,
      outboxOldestSeconds: r.outbox_oldest_seconds,
      alarms: r.alarms ?? [],
      flag: r.flag_code ? { code: r.flag_code, seq: Number(r.flag_seq), detail: r.flag_detail ?? '', at: iso(r.flagged_at) ?? '' } : null,
      codeFlags: Number(r.code_flags),
    };
  });
}

export interface StockProduct {
  /** The national drug code when the receipt recorded one (stores' own product ids differ), else the store's id. */
  key: string;
  name: string;
  spec: string | null;
  piecesPerPack: number | null;
  /** Pieces per store (store code → pieces); stores without the product are absent. */
  byStore: Record<string, number>;
  total: number;
  nearExpiry: number;
}

export interface NearExpiryLot {
  store: string;
  storeName: string;
  name: string;
  lot: string | null;
  expiry: string;
  daysLeft: number;
  pieces: number;
  piecesPerPack: number | null;
}

export async function stockView(
  pool: pg.Pool,
  scope: Scope,
  now = new Date(),
): Promise<{ stores: { store: string; name: string }[]; products: StockProduct[]; nearExpiry: NearExpiryLot[]; nearExpiryDays: number }> {
  const today = shanghaiDate(now);
  const limit = shanghaiDate(new Date(now.getTime() + NEAR_EXPIRY_DAYS * 86_400_000));
  const stores = await scopedStores(pool, scope);
  const { rows } = await pool.query<{
    store_id: string;
    key: string;
    name: string | null;
    spec: string | null;
    ppp: number | null;
    pieces: number;
    near: number;
  }>(
    `SELECT store_id, COALESCE(nhsa_code, product_id) AS key, max(product_name) AS name, max(spec) AS spec, max(pieces_per_pack) AS ppp,
       sum(pieces)::int AS pieces, COALESCE(sum(pieces) FILTER (WHERE expiry <= $2), 0)::int AS near
     FROM proj_stock WHERE ($1::text[] IS NULL OR store_id = ANY($1)) AND pieces > 0
     GROUP BY store_id, COALESCE(nhsa_code, product_id)`,
    [scopeParam(scope), limit],
  );
  const products = new Map<string, StockProduct>();
  for (const r of rows) {
    let p = products.get(r.key);
    if (!p) {
      p = { key: r.key, name: r.name ?? r.key, spec: r.spec, piecesPerPack: r.ppp, byStore: {}, total: 0, nearExpiry: 0 };
      products.set(r.key, p);
    }
    p.byStore[r.store_id] = r.pieces;
    p.total += r.pieces;
    p.nearExpiry += r.near;
  }
  const lots = await pool.query<{
    store_id: string;
    name: string | null;
    product_name: string | null;
    lot: string | null;
    expiry: Date;
    pieces: number;
    ppp: number | null;
  }>(
    `SELECT p.store_id, s.name, p.product_name, p.lot, p.expiry, p.pieces, p.pieces_per_pack AS ppp
     FROM proj_stock p LEFT JOIN stores s ON s.store_id = p.store_id
     WHERE ($1::text[] IS NULL OR p.store_id = ANY($1)) AND p.pieces > 0 AND p.expiry <= $2
     ORDER BY p.expiry, s.name, p.product_name`,
    [scopeParam(scope), limit],
  );
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  return {
    stores,
    products: [...products.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN')),
    nearExpiryDays: NEAR_EXPIRY_DAYS,
    nearExpiry: lots.rows.map((r) => ({
      store: r.store_id,
      storeName: r.name ?? r.store_id,
      name: r.product_name ?? '',
      lot: r.lot,
      expiry: day(r.expiry),
      daysLeft: Math.round((Date.parse(`${day(r.expiry)}T00:00:00Z`) - todayMs) / 86_400_000),
      pieces: r.pieces,
      piecesPerPack: r.ppp,
    })),
  };
}

async function scopedStores(pool: pg.Pool, scope: Scope): Promise<{ store: string; name: string }[]> {
  const { rows } = await pool.query<{ store_id: string; name: string | null }>(
    'SELECT store_id, name FROM stores WHERE $1::text[] IS NULL OR store_id = ANY($1) ORDER BY name, store_id',
    [scopeParam(scope)],
  );
  return rows.map((r) => ({ store: r.store_id, name: r.name ?? r.store_id }));
}

export interface SalesFigures {
  sales: number;
  insuredSales: number;
  amount: number;
  fundPay: number;
  accountPay: number;
  cashPay: number;
  insuredAmount: number;
  selfPayAmount: number;
  refunds: number;
  refundAmount: number;
  net: number;
}

export interface SalesRow extends SalesFigures {
  store: string;
  storeName: string;
  day: string;
}

const FIGURES = [
  'sales',
  'insuredSales',
  'amount',
  'fundPay',
  'accountPay',
  'cashPay',
  'insuredAmount',
  'selfPayAmount',
  'refunds',
  'refundAmount',
  'net',
] as const;

/** Sales per store and Shanghai day in [from, to], newest day first, and the total of exactly those rows. */
export async function salesView(
  pool: pg.Pool,
  scope: Scope,
  from: string,
  to: string,
): Promise<{ from: string; to: string; rows: SalesRow[]; total: SalesFigures }> {
  const { rows } = await pool.query<{
    store_id: string;
    name: string | null;
    day: Date;
    sales: number;
    insured_sales: number;
    amount: number;
    fund_pay: number;
    account_pay: number;
    cash_pay: number;
    insured_amount: number;
    self_pay_amount: number;
    refunds: number;
    refund_amount: number;
  }>(
    `SELECT d.store_id, s.name, d.day, d.sales, d.insured_sales, d.amount, d.fund_pay, d.account_pay, d.cash_pay, d.insured_amount, d.self_pay_amount,
       d.refunds, d.refund_amount
     FROM proj_sales_day d LEFT JOIN stores s ON s.store_id = d.store_id
     WHERE ($1::text[] IS NULL OR d.store_id = ANY($1)) AND d.day BETWEEN $2 AND $3
     ORDER BY d.day DESC, s.name, d.store_id`,
    [scopeParam(scope), from, to],
  );
  const out: SalesRow[] = rows.map((r) => ({
    store: r.store_id,
    storeName: r.name ?? r.store_id,
    day: day(r.day),
    sales: Number(r.sales),
    insuredSales: Number(r.insured_sales),
    amount: Number(r.amount),
    fundPay: Number(r.fund_pay),
    accountPay: Number(r.account_pay),
    cashPay: Number(r.cash_pay),
    insuredAmount: Number(r.insured_amount),
    selfPayAmount: Number(r.self_pay_amount),
    refunds: Number(r.refunds),
    refundAmount: Number(r.refund_amount),
    net: Number(r.amount) - Number(r.refund_amount),
  }));
  const total = Object.fromEntries(FIGURES.map((k) => [k, 0])) as unknown as SalesFigures;
  for (const r of out) for (const k of FIGURES) total[k] += r[k];
  return { from, to, rows: out, total };
}

export interface InsuredAcrossStores {
  day: string;
  person: string;
  /** The viewer's stores this person bought at that day, first visit first. */
  stores: { store: string; storeName: string; sales: number; amount: number; firstAt: string }[];
  /** Stores outside the viewer's region the person also bought at (counted, never named). */
  otherStores: number;
}

export interface CodeFlagRow {
  code: string;
  kind: 'SOLD_TWICE' | 'RECEIVED_AFTER_SALE';
  store: string;
  storeName: string;
  at: string;
  seq: number;
  /** The other store, or null when it lies outside the viewer's region. */
  otherStore: string | null;
  otherStoreName: string | null;
}

/** The same insured person at several stores of the chain on one day (the platform's nightly pattern). */
export async function insuredAcrossStores(pool: pg.Pool, scope: Scope, from: string, to: string): Promise<InsuredAcrossStores[]> {
  const { rows } = await pool.query<{
    day: Date;
    person_key: Buffer;
    person_masked: string;
    store_id: string;
    name: string | null;
    sales: number;
    amount: number;
    first_at: Date;
  }>(
    `WITH hits AS (
       SELECT day, person_key FROM proj_insured_day WHERE day BETWEEN $1 AND $2 GROUP BY day, person_key HAVING count(*) > 1
     )
     SELECT p.day, p.person_key, p.person_masked, p.store_id, s.name, p.sales, p.amount, p.first_at
     FROM proj_insured_day p JOIN hits h ON h.day = p.day AND h.person_key = p.person_key LEFT JOIN stores s ON s.store_id = p.store_id
     ORDER BY p.day DESC, p.person_key, p.first_at`,
    [from, to],
  );
  const groups = new Map<string, InsuredAcrossStores>();
  for (const r of rows) {
    const k = `${day(r.day)}|${r.person_key.toString('hex')}`;
    let g = groups.get(k);
    if (!g) {
      g = { day: day(r.day), person: r.person_masked, stores: [], otherStores: 0 };
      groups.set(k, g);
    }
    if (scope && !scope.includes(r.store_id)) g.otherStores++;
    else
      g.stores.push({
        store: r.store_id,
        storeName: r.name ?? r.store_id,
        sales: Number(r.sales),
        amount: Number(r.amount),
        firstAt: r.first_at.toISOString(),
      });
  }
  return [...groups.values()].filter((g) => g.stores.length > 0);
}

export async function codeFlags(pool: pg.Pool, scope: Scope, kind?: CodeFlagRow['kind']): Promise<CodeFlagRow[]> {
  const { rows } = await pool.query<{
    code: string;
    kind: CodeFlagRow['kind'];
    store_id: string;
    name: string | null;
    other_store: string;
    other_name: string | null;
    at: Date;
    seq: number;
  }>(
    `SELECT f.code, f.kind, f.store_id, s.name, f.other_store, o.name AS other_name, f.at, f.seq
     FROM code_flags f LEFT JOIN stores s ON s.store_id = f.store_id LEFT JOIN stores o ON o.store_id = f.other_store
     WHERE ($1::text[] IS NULL OR f.store_id = ANY($1) OR f.other_store = ANY($1)) AND ($2::text IS NULL OR f.kind = $2)
     ORDER BY f.at DESC, f.code LIMIT 1000`,
    [scopeParam(scope), kind ?? null],
  );
  const visible = (s: string) => !scope || scope.includes(s);
  return rows.map((r) => {
    // Seen from the viewer's side: their store first, the other named only when it is theirs too.
    const mine = visible(r.store_id);
    const [store, name, other, otherName] = mine ? [r.store_id, r.name, r.other_store, r.other_name] : [r.other_store, r.other_name, r.store_id, r.name];
    return {
      code: r.code,
      kind: r.kind,
      store,
      storeName: name ?? store,
      at: r.at.toISOString(),
      seq: Number(r.seq),
      otherStore: visible(other) ? other : null,
      otherStoreName: visible(other) ? (otherName ?? other) : null,
    };
  });
}
