import { shanghaiDate } from '../../common/time.js';
import type { Ledger } from '../ledger/index.js';
import { type SettledItem, type SettlementFacts, StockConflictError } from '../ledger/sales.js';
import type { Logger } from '../log.js';
import { checkSettle } from '../rules/index.js';
import type { PersonView, Pharmacist, PrescriptionView, PriorPurchase, Refusal, SaleItemView } from '../rules/types.js';
import { CheckoutError, saleNotFound, saleNotOpen } from './errors.js';
import type { PharmacistOnDuty } from './pharmacist.js';
import {
  type InsuredPerson,
  PlatformPortError,
  PlatformRejectedError,
  PlatformUnavailableError,
  type SettlementAmounts,
  type SettlementPort,
  type SettlementRequest,
} from './port.js';
import type { SaleRow, SaleStore } from './sale-store.js';
import type { StockLookup } from './stock-lookup.js';

export interface SettleOutcome {
  status: 'settled';
  settlementId: string;
  totals: { total: number; fundPay: number; accountPay: number; cashPay: number };
}

/** Sales older than this cannot cover today: 84 days (12 weeks) is the longest supply, plus margin. */
const PRIOR_WINDOW_DAYS = 100;

const unavailable = (message: string): CheckoutError => new CheckoutError(409, 'PLATFORM_UNAVAILABLE', message, [{ code: 'PLATFORM_UNAVAILABLE', message }]);

/**
 * Settlement. Insurance: 2101, then the sale is stored as "settling" with its 2102 msgid before 2102 is
 * called; any outcome the box cannot be sure of is reversed with 2601 (now, or by recover() after a
 * crash), so the platform is never charged twice and the sale goes back to the cashier.
 */
export class Settlement {
  /**
   * Sales whose 2102 this process is waiting on. recover() runs on a timer beside the counter and must leave
   * them alone: a 2601 sent while 2102 is in flight reverses a charge the counter is about to record as
   * settled (found by test/crash.test.ts: settled sales whose setl_id the platform had reversed).
   */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly ledger: Ledger,
    private readonly sales: SaleStore,
    private readonly stock: StockLookup,
    private readonly port: SettlementPort,
    private readonly opts: { requireTraceCodesForSelfPay: boolean; clock: () => Date; log: Logger; pharmacistOnDuty?: PharmacistOnDuty },
  ) {}

  async settle(saleId: number, payment: 'insurance' | 'self_pay', chronicDisease: string | undefined, actor?: string): Promise<SettleOutcome> {
    const sale = this.sales.get(saleId);
    if (!sale) throw saleNotFound(saleId);
    if (sale.status !== 'open') throw saleNotOpen(saleId, sale.status);
    const at = this.opts.clock();
    const today = shanghaiDate(at);
    const items = this.itemViews(saleId, today);
    if (items.length === 0) throw new CheckoutError(409, 'SALE_EMPTY', '本单没有商品：请先扫描药品');
    const person = sale.person ? (JSON.parse(sale.person) as InsuredPerson) : undefined;
    const pharmacist = this.opts.pharmacistOnDuty?.(sale.counter);
    const refused = checkSettle({
      ...(pharmacist ? { pharmacist } : {}),
      today,
      payment,
      ...(chronicDisease ? { chronicDisease } : {}),
      items,
      ...(person ? { person } : {}),
      ...(sale.prescription ? { prescription: JSON.parse(sale.prescription) as PrescriptionView } : {}),
      consentedProductIds: new Set(JSON.parse(sale.consents) as string[]),
      priorPurchases: person ? this.priorPurchases(person, saleId) : [],
      requireTraceCodesForSelfPay: this.opts.requireTraceCodesForSelfPay,
    });
    // An item still without code and without stock to draw from (self-pay with codes not required, but no
    // uncoded lot) cannot leave the shelf unrecorded: it needs its code after all.
    for (const i of items) {
      if (!i.lot && !refused.some((r) => r.code === 'TRACE_CODE_MISSING' && r.itemId === i.itemId)) {
        refused.push({ code: 'TRACE_CODE_MISSING', message: `追溯码缺失：请扫描该药品包装上的追溯码（${i.product.name}）`, itemId: i.itemId });
      }
    }
    if (refused.length > 0) return this.refuse(saleId, refused, at);

    const total = items.reduce((n, i) => n + priceOf(i), 0);
    if (payment === 'self_pay') {
      const totals = { total, fundPay: 0, accountPay: 0, cashPay: total };
      this.record(
        sale,
        items,
        {
          payment,
          totals,
          ...(person ? { psnNo: person.psnNo, personName: person.name, psnCertType: person.psnCertType } : {}),
          ...this.rxFacts(sale),
          pharmacist,
        },
        at,
        actor,
      );
      return { status: 'settled', settlementId: `S${saleId}`, totals };
    }
    return this.settleInsurance(sale, items, person as InsuredPerson, chronicDisease, total, at, actor, pharmacist);
  }

  private async settleInsurance(
    sale: SaleRow,
    items: SaleItemView[],
    person: InsuredPerson,
    chronicCode: string | undefined,
    total: number,
    at: Date,
    actor?: string,
    pharmacist?: Pharmacist,
  ): Promise<SettleOutcome> {
    // Insured lines go to the platform; out-of-catalogue lines (with consent) are paid in cash at the counter.
    const insured = items.filter((i) => i.product.insured && i.product.nhsaCode.trim() !== '');
    // Only consented out-of-catalogue goods: nothing for the fund to pay, and the platform refuses an empty 2101
    // ("费用明细不能为空") with a message that does not tell the cashier what to do.
    if (insured.length === 0)
      return this.refuse(sale.id, [{ code: 'NOT_INSURANCE_PAYABLE', message: '本单没有医保支付范围内的药品，不能医保结算：请改用自费结算' }], at);
    const insuredTotal = insured.reduce((n, i) => n + priceOf(i), 0);
    const disease = chronicCode ? person.chronicDiseases.find((d) => d.code === chronicCode) : undefined;
    const rx = sale.prescription ? (JSON.parse(sale.prescription) as PrescriptionView) : undefined;
    const req: SettlementRequest = {
      saleId: sale.id,
      person,
      ...(disease ? { chronicDisease: { code: disease.code, name: disease.name } } : {}),
      total: insuredTotal,
      lines: insured.map((i) => ({
        itemId: i.itemId,
        productId: i.product.id,
        nhsaCode: i.product.nhsaCode,
        name: i.product.name,
        pieces: i.pieces,
        price: priceOf(i),
        pricePerPack: i.product.pricePerPack,
        piecesPerPack: i.product.piecesPerPack,
        code: i.code,
        split: i.split,
        rx: i.product.rx,
      })),
      ...(rx ? { prescription: { rxNo: rx.rxNo, doctorName: rx.doctorName } } : {}),
      at,
    };
    try {
      await this.port.preSettle(req);
    } catch (err) {
      throw this.platformRefusal(sale.id, err, at);
    }
    // Marked before markSettling (synchronously), so no recover() can see the sale settling but not in flight.
    this.inFlight.add(sale.id);
    try {
      return await this.settleAttempts(sale, items, person, chronicCode, req, total, insuredTotal, at, actor, pharmacist);
    } finally {
      this.inFlight.delete(sale.id);
    }
  }

  private async settleAttempts(
    sale: SaleRow,
    items: SaleItemView[],
    person: InsuredPerson,
    chronicCode: string | undefined,
    req: SettlementRequest,
    total: number,
    insuredTotal: number,
    at: Date,
    actor?: string,
    pharmacist?: Pharmacist,
  ): Promise<SettleOutcome> {
    for (let attempt = 0; ; attempt++) {
      const msgid = this.port.nextMsgid();
      if (!this.sales.markSettling(sale.id, msgid, 'insurance', chronicCode ?? null, at))
        throw saleNotOpen(sale.id, this.sales.get(sale.id)?.status ?? 'unknown');
      let result: SettlementAmounts;
      try {
        result = await this.port.settle(req, msgid);
      } catch (err) {
        if (err instanceof PlatformUnavailableError && err.retryNow && attempt === 0) {
          this.sales.reopen(sale.id, msgid, at); // not processed: signed in again, try once more with a new msgid
          continue;
        }
        // Refused, or not processed at all: nothing was charged.
        if (err instanceof PlatformRejectedError || err instanceof PlatformUnavailableError) {
          this.sales.reopen(sale.id, msgid, at);
          throw this.platformRefusal(sale.id, err, at);
        }
        // Timeout, lost answer, garbage: the platform may have charged. Reverse it now.
        const reversed = await this.reverseUnresolved(sale.id, person.psnNo, msgid);
        const message = reversed
          ? '医保平台未确认结算结果，本次结算已自动冲正：请稍后重试，或改用自费结算'
          : '医保平台未确认结算结果，系统将自动冲正：请勿重复收费，稍后重试';
        this.sales.logRefusals(sale.id, [{ code: 'PLATFORM_UNAVAILABLE', message }], null, at);
        throw unavailable(message);
      }
      const cashExtra = total - insuredTotal;
      const totals = { total, fundPay: result.fundPayFen, accountPay: result.accountPayFen, cashPay: result.cashPayFen + cashExtra };
      const facts: SettlementFacts = {
        payment: 'insurance',
        psnNo: person.psnNo,
        personName: person.name,
        chronicDisease: chronicCode,
        setlId: result.setlId,
        mdtrtId: result.mdtrtId,
        msgid,
        totals,
        ...this.rxFacts(sale),
        psnCertType: person.psnCertType,
        pharmacist,
      };
      try {
        this.record(this.sales.get(sale.id) as SaleRow, items, facts, at, actor);
      } catch (err) {
        // Charged but not recorded (stock taken meanwhile, disk full): give the money back.
        this.opts.log.error({ saleId: sale.id, err: (err as Error).message }, 'settled at the platform but not recorded; reversing');
        await this.reverseUnresolved(sale.id, person.psnNo, msgid);
        throw err instanceof CheckoutError ? err : unavailable('结算记录失败，已向医保平台冲正：请重试');
      }
      return { status: 'settled', settlementId: result.setlId, totals };
    }
  }

  /** 2601 for a settling sale; true when the sale is back with the cashier. */
  private async reverseUnresolved(saleId: number, psnNo: string, msgid: string): Promise<boolean> {
    try {
      const r = await this.port.reverseByMsgid(psnNo, msgid);
      this.opts.log.warn({ saleId, msgid, reversed: r.reversed }, 'unresolved settlement reversed with 2601');
      this.sales.reopen(saleId, msgid, this.opts.clock());
      return true;
    } catch (err) {
      this.opts.log.error({ saleId, msgid, err: (err as Error).message }, '2601 failed; the sale stays settling until recovery');
      return false;
    }
  }

  /** On start and periodically: every sale left "settling" (crash, lost answer) is reversed and reopened. */
  async recover(): Promise<{ reopened: number; pending: number }> {
    let reopened = 0;
    const settling = this.sales.settling().filter((s) => !this.inFlight.has(s.id));
    for (const s of settling) {
      const person = s.person ? (JSON.parse(s.person) as InsuredPerson) : undefined;
      if (!s.settle_msgid || !person) {
        this.sales.reopen(s.id, s.settle_msgid, this.opts.clock());
        reopened++;
      } else if (await this.reverseUnresolved(s.id, person.psnNo, s.settle_msgid)) reopened++;
    }
    return { reopened, pending: settling.length - reopened };
  }

  private record(sale: SaleRow, items: SaleItemView[], facts: SettlementFacts, at: Date, actor?: string): void {
    const settled: SettledItem[] = items.map((i) => ({
      itemId: i.itemId,
      product: i.product,
      code: i.code,
      lotId: (i.lot as NonNullable<typeof i.lot>).lotId,
      pieces: i.pieces,
      split: i.split,
      // Claimed only when the code is new to the ledger: a claimed code that came back (sale reversed) is a known
      // box of the uncoded lot now and is sold like any other, not claimed a second time (that was refused).
      price: priceOf(i),
      claimed: i.code !== undefined && i.lot?.coded === false && this.stock.knownCode(i.code) === undefined,
    }));
    try {
      this.ledger.sales.recordSettled(sale.id, sale.counter, settled, facts, { at, ...(actor ? { actor } : {}) });
    } catch (err) {
      if (!(err instanceof StockConflictError)) throw err;
      const code = err.kind === 'code' ? 'TRACE_CODE_ALREADY_SOLD' : 'INSUFFICIENT_STOCK';
      const message = err.kind === 'code' ? '该盒药品刚被其他收银台售出：请移出后扫描另一盒' : '库存不足（刚被其他销售占用）：请核对库存';
      throw new CheckoutError(409, code, message, [{ code, message, itemId: err.itemId }]);
    }
  }

  private refuse(saleId: number, refused: Refusal[], at: Date): never {
    this.sales.logRefusals(saleId, refused, null, at);
    throw new CheckoutError(409, 'REFUSED', refused.map((r) => r.message).join('；'), refused);
  }

  private platformRefusal(saleId: number, err: unknown, at: Date): CheckoutError {
    if (err instanceof PlatformRejectedError) {
      const message = `医保平台拒绝结算：${err.platformMessage || `错误码 ${err.platformCode}`}。请按提示处理，或改用自费结算`;
      this.sales.logRefusals(saleId, [{ code: 'PLATFORM_REJECTED', message }], null, at);
      return new CheckoutError(409, 'PLATFORM_REJECTED', message, [{ code: 'PLATFORM_REJECTED', message }]);
    }
    const message = err instanceof PlatformPortError ? `${err.userMessage}：可稍后重试或改用自费结算` : '医保平台暂不可用：可稍后重试或改用自费结算';
    this.sales.logRefusals(saleId, [{ code: 'PLATFORM_UNAVAILABLE', message }], null, at);
    return unavailable(message);
  }

  private rxFacts(sale: SaleRow): Pick<SettlementFacts, 'prescription'> {
    if (!sale.prescription) return {};
    const rx = JSON.parse(sale.prescription) as PrescriptionView;
    return { prescription: { rxNo: rx.rxNo, doctorName: rx.doctorName, institutionCode: rx.institutionCode } };
  }

  /** The sale's items as the rules see them; an uncoded item without a lot is given one first expiry first. */
  itemViews(saleId: number, today: string): SaleItemView[] {
    return this.sales.items(saleId).map((i) => {
      const product = this.stock.product(i.product_id);
      if (!product) throw new Error(`product ${i.product_id} of sale ${saleId} vanished from the catalogue`);
      const lot = i.lot_id !== null ? this.stock.lot(i.lot_id) : this.stock.uncodedLot(product.id, i.pieces, today);
      return {
        itemId: i.id,
        product,
        ...(i.code ? { code: i.code } : {}),
        ...(lot ? { lot } : {}),
        pieces: i.pieces,
        split: i.split === 1,
        price: i.price,
      } as SaleItemView & { price: number };
    });
  }

  private priorPurchases(person: PersonView, saleId: number): PriorPurchase[] {
    return this.sales
      .priorLines(person.psnNo, saleId, new Date(this.opts.clock().getTime() - PRIOR_WINDOW_DAYS * 86_400_000))
      .flatMap((l) =>
        l.maxDaily
          ? [{ nhsaCode: l.nhsaCode, date: shanghaiDate(new Date(l.settledAt)), days: Math.ceil(l.pieces / l.maxDaily), chronic: l.chronic === 1 }]
          : [],
      );
  }
}

function priceOf(i: SaleItemView): number {
  return (i as SaleItemView & { price: number }).price;
}
