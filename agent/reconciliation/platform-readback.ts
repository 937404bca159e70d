// 平台核对: for one day, what the platform holds (3512/3513 through PlatformReadbackPort) against the ledger's
// receipts, settled sales and refunds of that day, and the one-key re-send of what is missing.
import { shanghaiDayStart } from '../../common/time.js';
import type { Db } from '../ledger/index.js';
import type { PlatformVerdict } from './checks.js';
import { type Comparison, comparePlatformDay, type LedgerRecord, type RecordKind } from './platform-compare.js';
import { PlatformReadbackError, type PlatformReadbackPort } from './platform-port.js';

export interface ReadbackResult extends Comparison {
  date: string;
  /** When the platform was read (ISO). */
  readAt: string;
  ledgerRecords: number;
  platformRecords: number;
}

export interface ResendResult {
  date: string;
  /** Sent or refused records (missing or differing) put back in the queue; the outbox worker sends each again with a new msgid. */
  requeued: number;
  /** Records that were still waiting in the queue: nothing to do, they go out on their own. */
  alreadyQueued: number;
}

interface Line {
  bchno: string;
  productId: string;
  product: { nhsaCode: string; name: string };
  pieces: number;
}
type ReceiptLine = Line & { pricePerPack: number; piecesPerPack: number; codes?: string[] };
type SoldLine = Line & { price: number; code: string | null };

/**
 * The amount as the platform can know it: the unit price the upload sends (finl_trns_pric, yuan rounded half up to
 * 6 decimals — sync/mappers/units.ts piecePriceYuan) times the count, rounded half up to fen — the same arithmetic
 * the read-back applies to the platform's answer, so a rounding of the unit price is never taken for a difference.
 */
export function wireAmountFen(fen: number, perPieces: number, pieces: number): number {
  const micro = (BigInt(fen) * 10_000n * 2n + BigInt(perPieces)) / (2n * BigInt(perPieces));
  return Number((micro * BigInt(pieces) + 5_000n) / 10_000n);
}

const KIND_OF_INFNO: Readonly<Record<string, RecordKind>> = { '3503': 'receipt', '3505': 'sale', '3506': 'refund' };

function dayRange(date: string): { start: string; end: string } {
  const start = shanghaiDayStart(date);
  if (!start) throw new PlatformReadbackError(`日期无效：${date}（应为 yyyy-MM-dd）`, 400);
  return { start: start.toISOString(), end: new Date(start.getTime() + 86_400_000).toISOString() };
}

export class PlatformReadbackService {
  private readonly recordsStmt;
  private readonly requeueStmt;
  private readonly saveStmt;
  private readonly loadStmt;
  private readonly newerStmt;

  constructor(
    private readonly db: Db,
    private readonly port: PlatformReadbackPort,
    private readonly opts: {
      clock: () => Date;
      /** The catalogue's current national code (the outbox sends that one). */
      currentCode?: (productId: string) => string | undefined;
      /** Wakes the outbox worker after a re-send. */
      notify?: () => void;
    },
  ) {
    this.recordsStmt = db.prepare(`SELECT o.id, o.infno, o.record_key, o.status, e.type, e.payload FROM outbox o JOIN events e ON e.seq = o.event_seq
      WHERE o.infno IN ('3503', '3505', '3506') AND e.at >= @start AND e.at < @end ORDER BY o.id`);
    // The latest read-back per day (migration 13): what 上传完整 cites, kept across restarts.
    this.saveStmt = db.prepare('INSERT OR REPLACE INTO platform_readbacks (date, read_at, result) VALUES (@date, @readAt, @result)');
    this.loadStmt = db.prepare('SELECT result FROM platform_readbacks WHERE date = ?').pluck();
    // Records of the day the ledger queued after the read-back: the platform's view of the day is then out of date.
    this.newerStmt = db
      .prepare(`SELECT COUNT(*) FROM outbox o JOIN events e ON e.seq = o.event_seq
      WHERE o.infno IN ('3503', '3505', '3506') AND e.at >= @start AND e.at < @end AND o.created_at > @readAt`)
      .pluck();
    // Only through the outbox: a sent or refused row goes back to pending and the worker sends it again with a
    // new msgid under the same fixmedins_bchno, so the platform keeps one record (it replaces by batch id). A
    // row still pending is left alone — it is already queued, and queuing it twice would be a second record.
    this.requeueStmt = db.prepare(
      "UPDATE outbox SET status = 'pending', next_attempt_at = @now, last_error = NULL WHERE id = @id AND status IN ('sent', 'failed')",
    );
  }

  /** The ledger's records of `date` that go to the platform (those with an outbox row). */
  ledgerRecords(date: string): LedgerRecord[] {
    const { start, end } = dayRange(date);
    const rows = this.recordsStmt.all({ start, end }) as {
      id: number;
      infno: string;
      record_key: string;
      status: LedgerRecord['outboxStatus'];
      payload: string;
    }[];
    const out: LedgerRecord[] = [];
    for (const r of rows) {
      const kind = KIND_OF_INFNO[r.infno];
      if (!kind) continue;
      const p = JSON.parse(r.payload) as { lines?: ReceiptLine[]; items?: SoldLine[]; saleId?: number; invoiceNo?: string };
      const line = (kind === 'receipt' ? p.lines : p.items)?.find((l) => l.bchno === r.record_key);
      if (!line) continue;
      const base = {
        bchno: r.record_key,
        code: this.opts.currentCode?.(line.productId) ?? line.product.nhsaCode,
        name: line.product.name,
        pieces: line.pieces,
        kind,
        outboxId: r.id,
        outboxStatus: r.status,
        productId: line.productId,
      };
      if (kind === 'receipt') {
        const l = line as ReceiptLine;
        out.push({
          ...base,
          amountFen: wireAmountFen(l.pricePerPack, l.piecesPerPack, l.pieces),
          codes: [...(l.codes ?? [])].sort(),
          doc: `入库单（发票 ${p.invoiceNo ?? '无'}）`,
        });
      } else {
        const l = line as SoldLine;
        out.push({
          ...base,
          amountFen: wireAmountFen(l.price, l.pieces, l.pieces),
          codes: l.code ? [l.code] : [],
          doc: `${kind === 'sale' ? '销售单' : '退货（原销售单）'} ${p.saleId ?? ''}`.trim(),
        });
      }
    }
    return out;
  }

  /**
   * Reads the platform's view of `date` and compares; no ledger event or outbox row changes (the read-back itself
   * is kept, replacing the day's previous one). Throws PlatformReadbackError, keeping the previous one.
   */
  async readBack(date: string): Promise<ReadbackResult> {
    const ledger = this.ledgerRecords(date);
    const codesOf = (kinds: readonly LedgerRecord['kind'][]) => [...new Set(ledger.filter((r) => kinds.includes(r.kind)).map((r) => r.code))].sort();
    const held = await this.port.readDay(date, { receiptCodes: codesOf(['receipt']), saleCodes: codesOf(['sale', 'refund']) });
    const result: ReadbackResult = {
      date,
      readAt: this.opts.clock().toISOString(),
      ledgerRecords: ledger.length,
      platformRecords: held.receipts.length + held.sales.length,
      ...comparePlatformDay(ledger, held),
    };
    this.saveStmt.run({ date, readAt: result.readAt, result: JSON.stringify(result) });
    return result;
  }

  /** The latest read-back of `date`, if one was ever done. */
  latestFor(date: string): ReadbackResult | undefined {
    const json = this.loadStmt.get(date) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as ReadbackResult);
  }

  /** What 上传完整 cites for `date` (checks.ts), when that day was read back; `stale` when the day had new records since. */
  verdictFor(date: string): PlatformVerdict | undefined {
    const r = this.latestFor(date);
    if (!r) return undefined;
    const { start, end } = dayRange(date);
    const stale = (this.newerStmt.get({ start, end, readAt: r.readAt }) as number) > 0;
    return { date, readAt: r.readAt, missing: r.missing.length, extra: r.extra.length, differing: r.differing.length, stale };
  }

  /**
   * Puts the records the latest read-back of `date` found missing — and those the platform holds differently,
   * since a re-upload under the same fixmedins_bchno replaces the platform's copy with the ledger's — back in
   * the outbox (see requeueStmt). Extra records are left alone: deleting (3507) what the ledger does not know
   * is the manager's decision, never one key's.
   */
  resendMissing(date: string): ResendResult {
    const last = this.latestFor(date);
    if (!last) throw new PlatformReadbackError(`${date} 还没有读取过平台记录：请先点击“读取平台记录”，再重新上传缺失记录`, 409);
    const now = this.opts.clock().toISOString();
    const ids = new Set([...last.missing.map((m) => m.outboxId), ...last.differing.map((d) => d.ledger.outboxId)]);
    const { requeued, alreadyQueued } = this.db.transaction(() => {
      let requeued = 0;
      let alreadyQueued = 0;
      for (const id of ids) {
        if (this.requeueStmt.run({ id, now }).changes > 0) requeued += 1;
        else alreadyQueued += 1;
      }
      return { requeued, alreadyQueued };
    })();
    if (requeued > 0) this.opts.notify?.();
    return { date, requeued, alreadyQueued };
  }
}
