// GET /api/sales: the sales opened in a period, newest first, one line each for the manager's list.
import type { Db } from '../ledger/index.js';
import type { Period } from './period.js';
import { type UploadState, uploadStateSql } from './upload-state.js';

export interface SaleListEntry {
  id: number;
  counter: string;
  /** `reversing`: settled, refund sent, the platform's answer not yet known (退费处理中). */
  status: 'open' | 'settling' | 'settled' | 'voided' | 'reversed' | 'reversing';
  payment: 'insurance' | 'self_pay' | null;
  openedAt: string;
  settledAt: string | null;
  /** Who settled it (the signed-in user or token name), else who opened it. */
  cashier: string | null;
  /** `certNoMasked` leaves the box masked by the API's response schema (agent/web/schemas.ts). */
  person: { name: string; certNoMasked: string } | null;
  pieces: number;
  /** Settled: the settlement's total; not settled: the basket's value so far. */
  totalFen: number;
  /** Zero until settled; for a settled or reversed sale fund + account + cash = total. */
  fundFen: number;
  accountFen: number;
  cashFen: number;
  refusals: number;
  upload: UploadState;
  /** The pharmacist on duty when it was settled (药师在岗, from the settlement event), else null. */
  pharmacist: string | null;
}

interface Row {
  id: number;
  counter: string;
  status: SaleListEntry['status'];
  reversing: string | null;
  payment: SaleListEntry['payment'];
  opened_at: string;
  opened_by: string | null;
  settled_at: string | null;
  settled_by: string | null;
  person: string | null;
  settlement: string | null;
  pieces: number;
  basket_fen: number;
  refusals: number;
  upload: UploadState;
}

export class SalesList {
  private readonly stmt;

  constructor(db: Db) {
    // Sale ids grow with time, so walking the primary key backwards stops after `limit` rows.
    this.stmt = db.prepare(`
      SELECT s.id, s.counter, s.status, s.reversing, s.payment, s.opened_at, s.opened_by, s.settled_at, e.actor AS settled_by, s.person, s.settlement,
        (SELECT COALESCE(SUM(i.pieces), 0) FROM sale_items i WHERE i.sale_id = s.id AND i.removed = 0) AS pieces,
        (SELECT COALESCE(SUM(i.price), 0) FROM sale_items i WHERE i.sale_id = s.id AND i.removed = 0) AS basket_fen,
        (SELECT COUNT(*) FROM sale_refusals r WHERE r.sale_id = s.id) AS refusals,
        ${uploadStateSql('s.settled_seq', 's.reversed_seq')} AS upload
      FROM sales s LEFT JOIN events e ON e.seq = s.settled_seq
      WHERE s.opened_at >= @start AND s.opened_at < @end
      ORDER BY s.id DESC LIMIT @limit`);
  }

  list(period: Period, limit: number): SaleListEntry[] {
    const rows = this.stmt.all({ start: period.startIso, end: period.endIso, limit }) as Row[];
    return rows.map((r) => {
      const person = r.person ? (JSON.parse(r.person) as { name?: string; certNo?: string }) : undefined;
      const settlement = r.settlement
        ? (JSON.parse(r.settlement) as { totals?: { total: number; fundPay: number; accountPay: number; cashPay: number }; pharmacist?: { name: string } })
        : undefined;
      const totals = settlement?.totals;
      const pharmacist = settlement?.pharmacist;
      return {
        id: r.id,
        counter: r.counter,
        status: r.status === 'settled' && r.reversing !== null ? 'reversing' : r.status,
        payment: r.payment,
        openedAt: r.opened_at,
        settledAt: r.settled_at,
        cashier: r.settled_by ?? r.opened_by,
        person: person ? { name: person.name ?? '', certNoMasked: person.certNo ?? '' /* masked by the API's response schema */ } : null,
        pieces: r.pieces,
        totalFen: totals?.total ?? r.basket_fen,
        fundFen: totals?.fundPay ?? 0,
        accountFen: totals?.accountPay ?? 0,
        cashFen: totals?.cashPay ?? 0,
        refusals: r.refusals,
        upload: r.upload,
        pharmacist: pharmacist?.name ?? null,
      };
    });
  }
}
