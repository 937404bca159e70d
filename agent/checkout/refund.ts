import type { Ledger } from '../ledger/index.js';
import type { SettlementFacts } from '../ledger/sales.js';
import type { Logger } from '../log.js';
import { CheckoutError, saleNotFound } from './errors.js';
import { PlatformRejectedError, type SettlementPort } from './port.js';
import type { ReversalRequest, SaleRow, SaleStore } from './sale-store.js';

/** What the manager (and the counter) is told when the platform's answer to a 2103 did not arrive. */
export const REFUND_UNCONFIRMED = '医保平台未确认退费结果：平台可能已退费，系统将自动核实，请勿重复退款';

/**
 * How a 2103 attempt ended. The one place that reads platform errors for refunds: `rejected` = the platform
 * answered no (nothing was reversed); anything else (timeout, lost or garbled answer, 5xx from a gateway that
 * may have forwarded it) = the refund may have happened.
 */
function outcomeOf(err: unknown): { kind: 'rejected'; message: string } | { kind: 'unknown'; detail: string } {
  // A refused sign-in arrives as unavailable (the port retries it), so a rejection here is the platform's own no.
  if (err instanceof PlatformRejectedError) {
    return { kind: 'rejected', message: `医保平台拒绝退费：${err.platformMessage || `错误码 ${err.platformCode}`}。请核对该笔结算，或联系医保经办机构处理` };
  }
  return { kind: 'unknown', detail: err instanceof Error ? err.message : String(err) };
}

/**
 * Whole-sale refund (退费) after settlement: 2103 for insurance, then codes back to stock and 3506, exactly once.
 *
 * The refund is written down as under way (sales.reversing with its 2103 msgid, synchronous=FULL) before 2103 is
 * sent. An attempt whose answer is lost leaves it so (退费处理中: API status `reversing`, a health alarm, the
 * reconciliation check fails) and recover() finishes it by sending the same 2103 again, same msgid.
 *
 * Why the same 2103 and not 2601: in the national interface msgid identifies one transaction and 2601 (冲正)
 * undoes the transaction it names, so a 2601 on the 2103's msgid would undo the refund and put the charge back,
 * the opposite of what the manager asked for, and a new 2103 would be needed after it. A 2103 re-sent with its
 * msgid is the same transaction: a platform that processed it answers it again (the simulator stores and replays
 * the answer of every state-changing msgid), one that never received it processes it now. Either way the platform
 * reverses once, and the ledger records the refund once (recordReversed only turns a settled sale to reversed).
 */
export class Refunds {
  /** Sales whose 2103 this process is waiting on: recover() and a second click leave them alone. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly ledger: Ledger,
    private readonly sales: SaleStore,
    private readonly port: SettlementPort,
    private readonly opts: { clock: () => Date; log: Logger },
  ) {}

  async reverse(saleId: number, reason: string, actor?: string): Promise<void> {
    const sale = this.sales.get(saleId);
    if (!sale) throw saleNotFound(saleId);
    if (this.inFlight.has(saleId)) throw new CheckoutError(409, 'REFUND_IN_PROGRESS', `销售单 ${saleId} 的退费正在处理中：请稍候刷新查看结果，勿重复退款`);
    if (sale.status !== 'settled' || sale.settled_seq === null) throw new CheckoutError(409, 'SALE_NOT_SETTLED', `销售单 ${saleId} 未结算或已退费，不能退费`);
    const facts = JSON.parse(sale.settlement ?? '{}') as SettlementFacts;
    if (!(facts.payment === 'insurance' && facts.setlId && facts.mdtrtId && facts.psnNo)) {
      this.record(sale, { at: this.opts.clock().toISOString(), reason, ...(actor ? { actor } : {}) });
      return;
    }
    const request: ReversalRequest = { at: this.opts.clock().toISOString(), reason, ...(actor ? { actor } : {}) };
    // Marked before beginReversal (synchronously): no recover() sees the refund under way but not in flight.
    this.inFlight.add(saleId);
    try {
      const msgid = this.sales.beginReversal(saleId, this.port.nextMsgid(), request);
      if (msgid === undefined) throw new CheckoutError(409, 'SALE_NOT_SETTLED', `销售单 ${saleId} 未结算或已退费，不能退费`);
      const done = await this.attempt(this.sales.get(saleId) as SaleRow, facts, msgid);
      if (done.kind === 'rejected') throw refusal('PLATFORM_REJECTED', done.message);
      if (done.kind === 'unknown') throw refusal('PLATFORM_UNAVAILABLE', REFUND_UNCONFIRMED);
    } finally {
      this.inFlight.delete(saleId);
    }
  }

  /** On start and every 30 s: each refund left under way is sent again with its msgid until the platform answers. */
  async recover(): Promise<{ refunded: number; refundsPending: number }> {
    let refunded = 0;
    const open = this.sales.reversing().filter((s) => !this.inFlight.has(s.id));
    for (const s of open) {
      if (this.inFlight.has(s.id) || !s.reverse_msgid) continue;
      this.inFlight.add(s.id);
      try {
        const done = await this.attempt(s, JSON.parse(s.settlement ?? '{}') as SettlementFacts, s.reverse_msgid);
        if (done.kind === 'done') refunded++;
      } finally {
        this.inFlight.delete(s.id);
      }
    }
    return { refunded, refundsPending: this.sales.reversing().length };
  }

  /** One 2103 with `msgid`; records the refund when the platform confirms it, forgets the attempt when it refuses. */
  private async attempt(
    sale: SaleRow,
    facts: SettlementFacts,
    msgid: string,
  ): Promise<{ kind: 'done' } | { kind: 'rejected'; message: string } | { kind: 'unknown' }> {
    const at = this.opts.clock();
    try {
      await this.port.reverseSettlement(facts.setlId as string, facts.mdtrtId as string, facts.psnNo as string, msgid);
    } catch (err) {
      const o = outcomeOf(err);
      if (o.kind === 'rejected') {
        this.sales.abandonReversal(sale.id, msgid, at);
        this.sales.logRefusals(sale.id, [{ code: 'PLATFORM_REJECTED', message: o.message }], null, at);
        this.opts.log.warn({ saleId: sale.id, msgid }, '2103 refused by the platform; the sale stays settled');
        return o;
      }
      this.sales.logRefusals(sale.id, [{ code: 'PLATFORM_UNAVAILABLE', message: REFUND_UNCONFIRMED }], null, at);
      this.opts.log.warn({ saleId: sale.id, msgid, err: o.detail }, '2103 unanswered; the refund stays under way until recovery');
      return { kind: 'unknown' };
    }
    const request = JSON.parse(sale.reversing ?? '{}') as Partial<ReversalRequest>;
    this.record(sale, { at: at.toISOString(), reason: request.reason ?? '整单退费', ...(request.actor ? { actor: request.actor } : {}) });
    return { kind: 'done' };
  }

  private record(sale: SaleRow, request: ReversalRequest): void {
    const facts = JSON.parse(sale.settlement ?? '{}') as SettlementFacts;
    this.ledger.sales.recordReversed(
      sale.id,
      sale.settled_seq as number,
      { reason: request.reason, setlId: facts.setlId },
      {
        at: this.opts.clock(),
        ...(request.actor ? { actor: request.actor } : {}),
      },
    );
  }
}

function refusal(code: 'PLATFORM_REJECTED' | 'PLATFORM_UNAVAILABLE', message: string): CheckoutError {
  return new CheckoutError(409, code, message, [{ code, message }]);
}

/** Health alarms for refunds under way: the manager must not refund again by hand while the box verifies. */
export function refundAlarms(pending: readonly { id: number }[]): { code: string; message: string }[] {
  if (pending.length === 0) return [];
  const ids = pending.map((s) => s.id).join('、');
  return [
    {
      code: 'REFUND_PENDING',
      message: `销售单 ${ids} 退费处理中：医保平台未确认退费结果，平台可能已退费，系统将自动核实（每 30 秒），请勿重复退款；持续 1 小时以上请联系技术员`,
    },
  ];
}
