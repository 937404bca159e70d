// The HQ page's projections, folded from the events HQ receives (agent/ledger/event-types.ts is the payload
// contract): sales per store and day, stock per store and lot, insured people per store and day (codes the chain
// saw twice are flagged with the code index: hq/code-index.ts recheckCodes). Applied in the ingest's
// transaction under the store row's lock, so a projection never runs ahead of or behind the events;
// projection_state holds how far each store has been folded, and a store behind (events ingested before these
// tables existed) is caught up from HQ's events first (hq/event-store.ts).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { maskId } from '../agent/log.js';
import { shanghaiDate } from '../common/time.js';
import { inTransaction } from './db/transaction.js';
import { readEvents } from './event-store.js';
import { arr, type Json, payloadOf, str } from './payload.js';

interface ProjectableEvent {
  seq: number;
  at: string;
  type: string;
  payload: string;
}

const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : 0);
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

interface SalesDay {
  store_id?: string;
  day: string;
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
}

interface LotDelta {
  lot_bchno: string;
  product_id: string;
  nhsa_code: string | null;
  product_name: string | null;
  spec: string | null;
  lot: string | null;
  expiry: string | null;
  pieces_per_pack: number | null;
  delta: number;
}

interface InsuredDay {
  day: string;
  person_key: string;
  person_masked: string;
  sales: number;
  amount: number;
  first_at: string;
}

export interface Projection {
  sales: SalesDay[];
  stock: LotDelta[];
  insured: InsuredDay[];
}

/** The person number kept only as a digest (matching across stores) and masked like the box masks an ID. */
export function personKey(psnNo: string): string {
  return createHash('sha256').update(`psn:${psnNo}`).digest('hex');
}

/**
 * Folds a store's events (in seq order) into row deltas. Sales count on their Shanghai day; a reversal counts as a
 * refund on the day it happened (its payload has the lines' prices, not the fund split). Stock moves by lot:
 * receipt and opening lines add, sold lines take from their lotBchno, reversed lines put back, adjustments add
 * their delta (negative for a write-off).
 */
export function project(events: readonly ProjectableEvent[]): Projection {
  const sales = new Map<string, SalesDay>();
  const stock = new Map<string, LotDelta>();
  const insured = new Map<string, InsuredDay>();
  const day = (at: string) => shanghaiDate(new Date(at));
  const salesDay = (d: string): SalesDay => {
    let r = sales.get(d);
    if (!r) {
      r = {
        day: d,
        sales: 0,
        insured_sales: 0,
        amount: 0,
        fund_pay: 0,
        account_pay: 0,
        cash_pay: 0,
        insured_amount: 0,
        self_pay_amount: 0,
        refunds: 0,
        refund_amount: 0,
      };
      sales.set(d, r);
    }
    return r;
  };
  const lot = (bchno: string, productId: string, product: Json, line: Json): LotDelta => {
    let r = stock.get(bchno);
    if (!r) {
      r = {
        lot_bchno: bchno,
        product_id: productId,
        nhsa_code: str(product.nhsaCode),
        product_name: str(product.name),
        spec: str(product.spec),
        lot: str(line.lot),
        expiry: str(line.expiry),
        pieces_per_pack: int(product.piecesPerPack ?? line.piecesPerPack) || null,
        delta: 0,
      };
      stock.set(bchno, r);
    }
    return r;
  };
  for (const e of events) {
    if (
      e.type !== 'sale.settled' &&
      e.type !== 'sale.reversed' &&
      e.type !== 'receipt.recorded' &&
      e.type !== 'stock.opening_recorded' &&
      e.type !== 'stock.adjusted'
    )
      continue;
    const p = payloadOf<Json>(e);
    if (e.type === 'sale.settled') {
      const d = day(e.at);
      const t = obj(p.totals);
      const r = salesDay(d);
      const total = int(t.total);
      r.sales++;
      r.amount += total;
      r.fund_pay += int(t.fundPay);
      r.account_pay += int(t.accountPay);
      r.cash_pay += int(t.cashPay);
      if (p.payment === 'insurance') {
        r.insured_sales++;
        r.insured_amount += total;
        const psn = str(p.psnNo);
        if (psn) {
          const key = personKey(psn);
          const k = `${d}|${key}`;
          const v = insured.get(k) ?? { day: d, person_key: key, person_masked: maskId(psn), sales: 0, amount: 0, first_at: e.at };
          v.sales++;
          v.amount += total;
          insured.set(k, v);
        }
      } else r.self_pay_amount += total;
      for (const item of arr(p.items)) {
        const b = str(item.lotBchno);
        if (b) lot(b, String(item.productId ?? ''), obj(item.product), item).delta -= int(item.pieces);
      }
    } else if (e.type === 'sale.reversed') {
      const r = salesDay(day(e.at));
      r.refunds++;
      for (const item of arr(p.items)) {
        r.refund_amount += int(item.price);
        const b = str(item.lotBchno);
        if (b) lot(b, String(item.productId ?? ''), obj(item.product), item).delta += int(item.pieces);
      }
    } else if (e.type === 'stock.adjusted') {
      const b = str(p.lotBchno);
      if (b) lot(b, String(p.productId ?? ''), obj(p.product), p).delta += int(p.delta);
    } else {
      for (const line of arr(p.lines)) {
        const b = str(line.bchno);
        if (b) lot(b, String(line.productId ?? ''), obj(line.product), line).delta += int(line.pieces);
      }
    }
  }
  return { sales: [...sales.values()], stock: [...stock.values()], insured: [...insured.values()] };
}

/** One upsert per projection table (one JSON parameter each). */
async function applyProjection(client: pg.PoolClient, storeId: string, p: Projection): Promise<void> {
  if (p.sales.length > 0) {
    await client.query({
      name: 'hq-proj-sales-day',
      text: `INSERT INTO proj_sales_day AS t (store_id, day, sales, insured_sales, amount, fund_pay, account_pay, cash_pay, insured_amount, self_pay_amount, refunds, refund_amount)
       SELECT $1, u.day, u.sales, u.insured_sales, u.amount, u.fund_pay, u.account_pay, u.cash_pay, u.insured_amount, u.self_pay_amount, u.refunds, u.refund_amount
       FROM json_to_recordset($2::json) AS u(day date, sales int, insured_sales int, amount bigint, fund_pay bigint, account_pay bigint, cash_pay bigint,
         insured_amount bigint, self_pay_amount bigint, refunds int, refund_amount bigint)
       ON CONFLICT (store_id, day) DO UPDATE SET
         sales = t.sales + EXCLUDED.sales, insured_sales = t.insured_sales + EXCLUDED.insured_sales, amount = t.amount + EXCLUDED.amount,
         fund_pay = t.fund_pay + EXCLUDED.fund_pay, account_pay = t.account_pay + EXCLUDED.account_pay, cash_pay = t.cash_pay + EXCLUDED.cash_pay,
         insured_amount = t.insured_amount + EXCLUDED.insured_amount, self_pay_amount = t.self_pay_amount + EXCLUDED.self_pay_amount,
         refunds = t.refunds + EXCLUDED.refunds, refund_amount = t.refund_amount + EXCLUDED.refund_amount`,
      values: [storeId, JSON.stringify(p.sales)],
    });
  }
  if (p.stock.length > 0) {
    await client.query({
      name: 'hq-proj-stock',
      text: `INSERT INTO proj_stock AS t (store_id, lot_bchno, product_id, nhsa_code, product_name, spec, lot, expiry, pieces_per_pack, pieces)
       SELECT $1, u.lot_bchno, u.product_id, u.nhsa_code, u.product_name, u.spec, u.lot, u.expiry, u.pieces_per_pack, u.delta
       FROM json_to_recordset($2::json) AS u(lot_bchno text, product_id text, nhsa_code text, product_name text, spec text, lot text, expiry date,
         pieces_per_pack int, delta int)
       ON CONFLICT (store_id, lot_bchno) DO UPDATE SET
         pieces = t.pieces + EXCLUDED.pieces,
         nhsa_code = COALESCE(t.nhsa_code, EXCLUDED.nhsa_code), product_name = COALESCE(t.product_name, EXCLUDED.product_name),
         spec = COALESCE(t.spec, EXCLUDED.spec), lot = COALESCE(t.lot, EXCLUDED.lot), expiry = COALESCE(t.expiry, EXCLUDED.expiry),
         pieces_per_pack = COALESCE(t.pieces_per_pack, EXCLUDED.pieces_per_pack)`,
      values: [storeId, JSON.stringify(p.stock)],
    });
  }
  if (p.insured.length > 0) {
    await client.query({
      name: 'hq-proj-insured-day',
      text: `INSERT INTO proj_insured_day AS t (store_id, day, person_key, person_masked, sales, amount, first_at)
       SELECT $1, u.day, decode(u.person_key, 'hex'), u.person_masked, u.sales, u.amount, u.first_at
       FROM json_to_recordset($2::json) AS u(day date, person_key text, person_masked text, sales int, amount bigint, first_at timestamptz)
       ON CONFLICT (store_id, day, person_key) DO UPDATE SET
         sales = t.sales + EXCLUDED.sales, amount = t.amount + EXCLUDED.amount, first_at = LEAST(t.first_at, EXCLUDED.first_at)`,
      values: [storeId, JSON.stringify(p.insured)],
    });
  }
}

/**
 * Brings the store's projections up to `events` (its newest fresh events, in seq order, already inserted): events
 * between projection_state and the first of them are read back from HQ's events first (hq/event-store.ts). Runs inside the
 * caller's transaction, which holds the store row's lock.
 */
export async function projectStore(
  client: pg.PoolClient,
  storeId: string,
  events: readonly ProjectableEvent[],
  upTo?: number,
  /** project(events), when the caller folded them already (ingest does, before it takes a connection). */
  folded?: Projection,
): Promise<number> {
  const { rows } = await client.query<{ seq: number }>({
    name: 'hq-proj-state',
    text: 'INSERT INTO projection_state (store_id) VALUES ($1) ON CONFLICT (store_id) DO UPDATE SET seq = projection_state.seq RETURNING seq',
    values: [storeId],
  });
  const done = Number(rows[0]?.seq ?? 0);
  const first = events[0]?.seq ?? (upTo ?? done) + 1;
  let all: readonly ProjectableEvent[] = events.filter((e) => e.seq > done);
  if (done + 1 < first) {
    all = [...(await readEvents(client, storeId, done + 1, first - 1)), ...all];
  }
  const last = all[all.length - 1];
  if (!last) return done;
  // The caller's fold holds when nothing was filtered out or read back: `all` is then exactly `events`.
  await applyProjection(client, storeId, folded && all.length === events.length ? folded : project(all));
  await client.query({ name: 'hq-proj-state-seq', text: 'UPDATE projection_state SET seq = $2 WHERE store_id = $1', values: [storeId, last.seq] });
  return last.seq;
}

/**
 * The backfill: every store whose projections are behind its head is caught up, one store per transaction under
 * its row lock (as ingest takes it). Run at start and by `counter-agent hq backfill`.
 */
export async function catchUpProjections(pool: pg.Pool, chunk = 20_000): Promise<{ stores: number; events: number }> {
  const { rows } = await pool.query<{ store_id: string }>(
    'SELECT s.store_id FROM stores s LEFT JOIN projection_state p ON p.store_id = s.store_id WHERE s.head_seq > COALESCE(p.seq, 0)',
  );
  let events = 0;
  for (const r of rows) {
    for (;;) {
      const moved = await inTransaction(pool, async (client) => {
        const head = await client.query<{ head_seq: number }>('SELECT head_seq FROM stores WHERE store_id = $1 FOR UPDATE', [r.store_id]);
        const state = await client.query<{ seq: number }>('SELECT seq FROM projection_state WHERE store_id = $1', [r.store_id]);
        const before = Number(state.rows[0]?.seq ?? 0);
        const after = await projectStore(client, r.store_id, [], Math.min(before + chunk, Number(head.rows[0]?.head_seq ?? 0)));
        return after - before;
      });
      events += moved;
      if (moved < chunk) break;
    }
  }
  return { stores: rows.length, events };
}
