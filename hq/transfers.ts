import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { TransferLotLine, TransferReceivedPayload, TransferShippedPayload } from '../agent/ledger/event-types.js';
import { payloadOf } from './payload.js';

// Transfers between stores (调拨) at HQ: the boxes' transfer.shipped / transfer.received events (agent/ledger/transfers.ts)
// projected at ingest into `transfers` (the shipper's manifest) and `transfer_receipts` (the receiver's count), and the
// code index's in-transit columns. Served to the stores (inbound manifests, outcomes of their shipments) and to the
// chain admin (discrepancies).

interface IngestedEvent {
  seq: number;
  at: string;
  type: string;
  payload: string;
}

const codesOf = (lines: readonly TransferLotLine[]): string[] => lines.flatMap((l) => l.codes.map((c) => c.code));

/** Called by ingest inside the batch's transaction with the events it just stored (never a duplicate: those are skipped). */
export async function applyTransferEvents(client: pg.PoolClient, storeId: string, events: readonly IngestedEvent[]): Promise<void> {
  for (const e of events) {
    if (e.type === 'transfer.shipped') {
      const p = payloadOf<TransferShippedPayload>(e);
      const codes = codesOf(p.lines);
      await client.query(
        `INSERT INTO transfers (store_id, transfer_id, from_name, to_store, to_name, shipped_seq, shipped_at, boxes, lines)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
        [storeId, p.transferId, p.from.name, p.to.store, p.to.name, e.seq, e.at, codes.length, JSON.stringify(p.lines)],
      );
      await client.query(
        `INSERT INTO trace_codes AS t (code, store_id, transfer_id, transfer_to, transferred_at)
         SELECT c, $1, $2, $3, $4 FROM unnest($5::text[]) AS c
         ON CONFLICT (code, store_id) DO UPDATE SET transfer_id = EXCLUDED.transfer_id, transfer_to = EXCLUDED.transfer_to,
           transferred_at = EXCLUDED.transferred_at, transfer_closed_at = NULL`,
        [storeId, p.transferId, p.to.store, e.at, codes],
      );
    } else if (e.type === 'transfer.received') {
      const p = payloadOf<TransferReceivedPayload>(e);
      const received = codesOf(p.lines);
      // Missing is recomputed from HQ's copy of the manifest when it has one (the box's own list otherwise).
      const { rows } = await client.query<{ lines: TransferLotLine[] }>('SELECT lines FROM transfers WHERE store_id = $1 AND transfer_id = $2', [
        p.from.store,
        p.transferId,
      ]);
      const shipped = rows[0] ? codesOf(rows[0].lines) : null;
      const got = new Set(received);
      const missing = shipped ? shipped.filter((c) => !got.has(c)) : p.missing;
      await client.query(
        `INSERT INTO transfer_receipts (store_id, transfer_id, from_store, received_seq, received_at, received, missing, extra)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [storeId, p.transferId, p.from.store, e.seq, e.at, JSON.stringify(received), JSON.stringify(missing), JSON.stringify(p.extra)],
      );
      // The boxes' history goes on at the receiver; the shipper's rows stop being in transit (missing ones too: they
      // are a discrepancy now, listed as such, not boxes on the road).
      await client.query(
        `INSERT INTO trace_codes AS t (code, store_id, received_seq, received_at) SELECT c, $1, $2, $3 FROM unnest($4::text[]) AS c
         ON CONFLICT (code, store_id) DO UPDATE SET received_seq = EXCLUDED.received_seq, received_at = EXCLUDED.received_at`,
        [storeId, e.seq, e.at, received],
      );
      await client.query('UPDATE trace_codes SET transfer_closed_at = $4 WHERE code = ANY($1::text[]) AND store_id = $2 AND transfer_id = $3', [
        shipped ?? [...received, ...p.missing],
        p.from.store,
        p.transferId,
        e.at,
      ]);
    }
  }
}

export interface StoreRef {
  store: string;
  name: string | null;
}

/** One transfer as HQ knows it: the manifest and, once the receiver confirmed, what it found. */
export interface TransferView {
  transferId: string;
  from: StoreRef;
  to: StoreRef;
  shippedAt: string;
  boxes: number;
  status: 'in_transit' | 'received';
  receivedAt: string | null;
  received: string[] | null;
  missing: string[];
  extra: string[];
  lines: TransferLotLine[];
}

type TransferRow = {
  store_id: string;
  transfer_id: string;
  from_name: string | null;
  to_store: string;
  to_name: string | null;
  shipped_at: Date;
  boxes: number;
  lines: TransferLotLine[];
};
type ReceiptRow = { store_id: string; transfer_id: string; received_at: Date; received: string[]; missing: string[]; extra: string[] };

const SELECT_TRANSFER = 'SELECT store_id, transfer_id, from_name, to_store, to_name, shipped_at, boxes, lines FROM transfers';
const SELECT_RECEIPT = 'SELECT store_id, transfer_id, received_at, received, missing, extra FROM transfer_receipts';

function view(t: TransferRow, r: ReceiptRow | undefined): TransferView {
  return {
    transferId: t.transfer_id,
    from: { store: t.store_id, name: t.from_name },
    to: { store: t.to_store, name: t.to_name },
    shippedAt: t.shipped_at.toISOString(),
    boxes: t.boxes,
    status: r ? 'received' : 'in_transit',
    receivedAt: r ? r.received_at.toISOString() : null,
    received: r ? r.received : null,
    missing: r ? r.missing : [],
    extra: r ? r.extra : [],
    lines: t.lines,
  };
}

/**
 * Two single-table queries joined here, not in SQL: manifests and receipts live on different stores' shards under
 * Citus, and each query is one index range on its own table.
 */
export async function listTransfers(pool: pg.Pool, filter: { to?: string; from?: string; limit?: number }): Promise<TransferView[]> {
  const limit = filter.limit ?? 200;
  const transfers = filter.to
    ? await pool.query<TransferRow>(`${SELECT_TRANSFER} WHERE to_store = $1 ORDER BY shipped_at DESC LIMIT $2`, [filter.to, limit])
    : await pool.query<TransferRow>(`${SELECT_TRANSFER} WHERE store_id = $1 ORDER BY shipped_at DESC LIMIT $2`, [filter.from, limit]);
  if (transfers.rows.length === 0) return [];
  const receipts = filter.to
    ? await pool.query<ReceiptRow>(`${SELECT_RECEIPT} WHERE store_id = $1 AND transfer_id = ANY($2::text[])`, [
        filter.to,
        transfers.rows.map((t) => t.transfer_id),
      ])
    : await pool.query<ReceiptRow>(`${SELECT_RECEIPT} WHERE from_store = $1 AND transfer_id = ANY($2::text[])`, [
        filter.from,
        transfers.rows.map((t) => t.transfer_id),
      ]);
  const byId = new Map(receipts.rows.map((r) => [r.transfer_id, r]));
  return transfers.rows.map((t) => {
    const r = byId.get(t.transfer_id);
    // A receipt counts only from the store the manifest names.
    return view(t, r && r.store_id === t.to_store ? r : undefined);
  });
}

export interface TransferDiscrepancy {
  transferId: string;
  from: StoreRef;
  to: StoreRef;
  shippedAt: string;
  receivedAt: string;
  shipped: number;
  received: number;
  missing: string[];
  extra: string[];
}

/** Received transfers where shipped ≠ received, newest receipt first (chain admin). */
export async function listDiscrepancies(pool: pg.Pool, limit = 500): Promise<TransferDiscrepancy[]> {
  const receipts = await pool.query<ReceiptRow & { from_store: string }>(
    `SELECT store_id, transfer_id, from_store, received_at, received, missing, extra FROM transfer_receipts
     WHERE jsonb_array_length(missing) > 0 OR jsonb_array_length(extra) > 0 ORDER BY received_at DESC LIMIT $1`,
    [limit],
  );
  if (receipts.rows.length === 0) return [];
  const transfers = await pool.query<TransferRow>(`${SELECT_TRANSFER} WHERE (store_id, transfer_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, [
    receipts.rows.map((r) => r.from_store),
    receipts.rows.map((r) => r.transfer_id),
  ]);
  const byKey = new Map(transfers.rows.map((t) => [`${t.store_id} ${t.transfer_id}`, t]));
  const names = await pool.query<{ store_id: string; name: string | null }>('SELECT store_id, name FROM stores WHERE store_id = ANY($1::text[])', [
    receipts.rows.map((r) => r.store_id),
  ]);
  const nameOf = new Map(names.rows.map((n) => [n.store_id, n.name]));
  return receipts.rows.map((r) => {
    const t = byKey.get(`${r.from_store} ${r.transfer_id}`);
    return {
      transferId: r.transfer_id,
      from: { store: r.from_store, name: t?.from_name ?? null },
      to: { store: r.store_id, name: t?.to_name ?? nameOf.get(r.store_id) ?? null },
      shippedAt: t ? t.shipped_at.toISOString() : '',
      receivedAt: r.received_at.toISOString(),
      shipped: t?.boxes ?? 0,
      received: r.received.length,
      missing: r.missing,
      extra: r.extra,
    };
  });
}

const nullableText = { type: ['string', 'null'] };
const storeRef = { type: 'object', properties: { store: { type: 'string' }, name: nullableText } };
const codeList = { type: 'array', items: { type: 'string' } };
const lineSchema = {
  type: 'object',
  properties: {
    bchno: { type: 'string' },
    lotBchno: { type: 'string' },
    productId: { type: 'string' },
    product: {
      type: 'object',
      properties: {
        nhsaCode: { type: 'string' },
        name: { type: 'string' },
        spec: { type: 'string' },
        manufacturer: { type: 'string' },
        approvalNo: { type: 'string' },
        rx: { type: 'boolean' },
        piecesPerPack: { type: 'integer' },
      },
    },
    lot: { type: 'string' },
    mfgDate: nullableText,
    expiry: { type: 'string' },
    pricePerPack: { type: 'integer' },
    procurementOrderNo: nullableText,
    filingRef: nullableText,
    codes: { type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, pieces: { type: 'integer' } } } },
  },
};
const transferSchema = {
  type: 'object',
  properties: {
    transferId: { type: 'string' },
    from: storeRef,
    to: storeRef,
    shippedAt: { type: 'string' },
    boxes: { type: 'integer' },
    status: { type: 'string' },
    receivedAt: nullableText,
    received: { type: ['array', 'null'], items: { type: 'string' } },
    missing: codeList,
    extra: codeList,
    lines: { type: 'array', items: lineSchema },
  },
};
const errorSchema = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } };

export interface TransferRouteDeps {
  pool: pg.Pool;
  /** The authenticated store, or null after answering 401. */
  storeOf(req: FastifyRequest, reply: FastifyReply): Promise<string | null>;
  isAdmin(req: FastifyRequest): boolean;
  refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply;
}

/** /hq/v1/chain/stores, /hq/v1/transfers, /hq/v1/transfers/discrepancies. */
export async function transferRoutes(app: FastifyInstance, deps: TransferRouteDeps): Promise<void> {
  const { pool } = deps;
  // The chain's stores for a box to pick a destination from (names only: no heads, flags or credentials).
  app.get(
    '/hq/v1/chain/stores',
    { schema: { response: { 200: { type: 'object', properties: { stores: { type: 'array', items: storeRef } } }, 401: errorSchema } } },
    async (req, reply) => {
      if (!deps.isAdmin(req) && !(await deps.storeOf(req, reply))) return reply;
      const { rows } = await pool.query<{ store_id: string; name: string | null }>('SELECT store_id, name FROM stores ORDER BY store_id');
      return { stores: rows.map((r) => ({ store: r.store_id, name: r.name })) };
    },
  );

  app.get<{ Querystring: { to?: string; from?: string } }>(
    '/hq/v1/transfers',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { to: { type: 'string' }, from: { type: 'string' } } },
        response: { 200: { type: 'object', properties: { transfers: { type: 'array', items: transferSchema } } }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req, reply) => {
      const { to, from } = req.query;
      if ((to === undefined) === (from === undefined))
        return deps.refuse(reply, 400, 'BAD_REQUEST', '请求格式错误：请给出 to（调入门店）或 from（调出门店）之一');
      if (deps.isAdmin(req)) return { transfers: await listTransfers(pool, to ? { to } : { from: from as string }) };
      const store = await deps.storeOf(req, reply);
      if (!store) return reply;
      // A store sees the transfers to it and the ones it shipped, not other stores' traffic.
      if ((to ?? from) !== store) return deps.refuse(reply, 403, 'NOT_YOUR_STORE', '只能查询本店调入或调出的调拨单');
      return { transfers: await listTransfers(pool, to ? { to } : { from: from as string }) };
    },
  );

  app.get(
    '/hq/v1/transfers/discrepancies',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              discrepancies: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    transferId: { type: 'string' },
                    from: storeRef,
                    to: storeRef,
                    shippedAt: { type: 'string' },
                    receivedAt: { type: 'string' },
                    shipped: { type: 'integer' },
                    received: { type: 'integer' },
                    missing: codeList,
                    extra: codeList,
                  },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!deps.isAdmin(req)) return deps.refuse(reply, 401, 'ADMIN_TOKEN_INVALID', '需要总部管理员令牌（Authorization: Bearer <token>）');
      return { discrepancies: await listDiscrepancies(pool) };
    },
  );
}
