import { shanghaiDate } from '../../common/time.js';
import type { Ledger } from '../ledger/index.js';
import type { Logger } from '../log.js';
import { maskId } from '../log.js';
import type { PrescriptionView } from '../rules/types.js';
import type { ClassifyOptions } from '../tracecode/index.js';
import type { ChainCodePort } from './chain-port.js';
import { type Attendant, CounterSales } from './counters.js';
import { CheckoutError, saleNotFound, saleNotOpen } from './errors.js';
import type { PharmacistOnDuty } from './pharmacist.js';
import { type InsuredPerson, PlatformPortError, PlatformRejectedError, type SettlementPort } from './port.js';
import { Refunds } from './refund.js';
import { type ItemRow, type OpenSaleSummary, type ReversalRequest, SaleStore } from './sale-store.js';
import { type AddItemResult, Scanner } from './scan.js';
import { Settlement, type SettleOutcome } from './settle.js';
import { StockLookup } from './stock-lookup.js';

export interface CheckoutOptions {
  ledger: Ledger;
  port: SettlementPort;
  classifyOptions: ClassifyOptions;
  requireTraceCodesForSelfPay: boolean;
  log: Logger;
  clock?: () => Date;
  /** Called after a settlement or reversal is recorded (wakes the outbox worker). */
  onRecorded?: () => void;
  /** Called after a sale is settled, with the window its video must cover. */
  onSettled?: (s: { saleId: number; counter: string; firstScanAt: Date; settledAt: Date }) => void;
  /** The pharmacist on duty (药师在岗) the checkout asks at settlement; recorded in the sale, sent in 3505. */
  pharmacistOnDuty?: PharmacistOnDuty;
  /** The sale's video evidence (segments), from the video service. */
  videoEvidence?: (saleId: number) => unknown[];
  /** The chain HQ's code check (issue 17); absent when the store has no HQ. */
  chain?: ChainCodePort;
}

/** The counter's sale lifecycle (DESIGN 6.3): open, scan, identity, prescription, consent, settle, void, reverse. */
export class CheckoutService {
  readonly sales: SaleStore;
  /** Which sale each counter's screen holds and who is signed in there (in memory: see counters.ts). */
  readonly counters = new CounterSales();
  private readonly stock: StockLookup;
  private readonly scanner: Scanner;
  private readonly settlement: Settlement;
  private readonly refunds: Refunds;
  private readonly clock: () => Date;

  constructor(private readonly o: CheckoutOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.sales = new SaleStore(o.ledger.db);
    this.stock = new StockLookup(o.ledger.db);
    this.scanner = new Scanner(this.sales, this.stock, o.classifyOptions, this.clock);
    this.settlement = new Settlement(o.ledger, this.sales, this.stock, o.port, {
      requireTraceCodesForSelfPay: o.requireTraceCodesForSelfPay,
      clock: this.clock,
      log: o.log,
      ...(o.pharmacistOnDuty ? { pharmacistOnDuty: o.pharmacistOnDuty } : {}),
    });
    this.refunds = new Refunds(o.ledger, this.sales, o.port, { clock: this.clock, log: o.log });
  }

  /** A new sale, now the one on the counter's screen (what its scanners and ID readers feed). */
  open(counter: string, by?: string): number {
    const id = this.sales.open(counter, by, this.clock());
    this.counters.show(counter, id);
    return id;
  }

  /**
   * The sale on the counter's screen while it is open. Never an older open sale: after a restart or a sign-out
   * that one waits for the cashier to resume or void it (leftOpen), so no scan joins another person's sale.
   */
  currentSale(counter: string): number | undefined {
    const id = this.counters.active(counter);
    if (id === undefined) return undefined;
    if (this.sales.get(id)?.status === 'open') return id;
    this.counters.forget(id);
    return undefined;
  }

  /** Open sales of the counter that are not on its screen: left by a restart, a sign-out or an API client. */
  leftOpen(counter: string): OpenSaleSummary[] {
    const current = this.currentSale(counter);
    return this.sales.openAt(counter).filter((s) => s.id !== current);
  }

  /** The cashier takes a left-open sale back onto the counter's screen. */
  resume(counter: string, saleId: number): void {
    const sale = this.openSale(saleId);
    if (sale.counter !== counter)
      throw new CheckoutError(409, 'SALE_OTHER_COUNTER', `销售单 #${saleId} 属于收银台 ${sale.counter}，不能在 ${counter} 继续：请在原收银台处理或作废`);
    this.counters.show(counter, saleId);
  }

  /** Who is signed in at a counter (its page's session): recorded as the cashier of sales its scanners open. */
  attend(counter: string, who: Attendant): void {
    this.counters.attend(counter, who);
  }

  attendant(counter: string): Attendant | undefined {
    return this.counters.attendant(counter);
  }

  /** A session signed out: its counters' screens are cleared (their open sales wait to be resumed or voided). */
  signedOut(sessionId: string): void {
    this.counters.leave(sessionId);
  }

  /**
   * Voids open sales untouched for `minutes` (a customer who walked away): their boxes are freed for other
   * counters. Recorded on the sale with the reason. A sale being settled is never touched.
   */
  voidIdle(minutes: number): number[] {
    if (minutes <= 0) return [];
    const now = this.clock();
    const voided: number[] = [];
    for (const s of this.sales.idleOpen(new Date(now.getTime() - minutes * 60_000).toISOString())) {
      if (this.sales.void(s.id, now, `idle ${minutes} min`, 'system')) {
        this.counters.forget(s.id);
        voided.push(s.id);
      }
    }
    if (voided.length > 0) this.o.log.info({ voided, minutes }, 'idle open sales voided');
    return voided;
  }

  /** Adds a scan without asking the chain HQ (no HQ configured, receiving-side tools, tests). */
  addItem(saleId: number, code: string, pieces?: number): AddItemResult {
    return this.scanner.add(saleId, code, pieces);
  }

  /**
   * A scan from the counter: with an HQ, its answer for the trace code is awaited first (the port returns within
   * its timeout, never throws), then the scan is recorded synchronously and atomically as without one. Nothing is
   * cached: every scan asks again, so a "not sold" from before can never outlive HQ's "sold".
   */
  async scanItem(saleId: number, code: string, pieces?: number): Promise<AddItemResult> {
    const key = this.o.chain ? this.scanner.traceKey(code) : undefined;
    if (!this.o.chain || key === undefined) return this.scanner.add(saleId, code, pieces);
    let answer: Awaited<ReturnType<ChainCodePort['check']>>;
    try {
      answer = await this.o.chain.check(key);
    } catch (err) {
      answer = { kind: 'unchecked', reason: (err as Error).message };
    }
    if (answer.kind === 'unchecked') this.o.log.debug({ saleId, reason: answer.reason }, 'chain check unanswered; line marked for recheck');
    return this.scanner.add(saleId, code, pieces, answer);
  }

  removeItem(saleId: number, itemId: number): void {
    this.openSale(saleId);
    if (!this.sales.removeItem(saleId, itemId)) throw new CheckoutError(404, 'ITEM_NOT_FOUND', `本单没有第 ${itemId} 号商品行`);
  }

  /** 1101 through the platform; the identity and how it was established are kept as evidence. */
  async setIdentity(
    saleId: number,
    certType: '01' | '02' | '03',
    certNo: string,
    name?: string,
    face?: { method: string; result: string },
  ): Promise<InsuredPerson> {
    this.openSale(saleId);
    let person: InsuredPerson;
    try {
      person = await this.o.port.lookupPerson(certType, certNo, name);
    } catch (err) {
      if (err instanceof PlatformRejectedError) {
        const message = `未能核验参保身份（平台答复：${err.platformMessage || err.platformCode}），也可改用自费结算`;
        throw new CheckoutError(422, 'IDENTITY_REQUIRED', message, [{ code: 'IDENTITY_REQUIRED', message }]);
      }
      const message = `${err instanceof PlatformPortError ? err.userMessage : '医保平台暂不可用'}：身份核验需联网，可改用自费结算`;
      throw new CheckoutError(409, 'PLATFORM_UNAVAILABLE', message, [{ code: 'PLATFORM_UNAVAILABLE', message }]);
    }
    const at = this.clock();
    const method = { '01': 'e_voucher', '02': 'id_card', '03': 'social_security_card' }[certType];
    this.sales.setPerson(saleId, person, { method, at: at.toISOString(), ...(face ? { face } : {}) }, at);
    this.o.log.info({ saleId, certType, certNo: maskId(certNo) }, 'identity checked');
    return person;
  }

  /** A scanned 医保电子凭证 QR code: exchanged for its token at the platform, then 1101 with cert type 01. */
  async identifyByEVoucher(saleId: number, qrcode: string, face?: { method: string; result: string }): Promise<InsuredPerson> {
    this.openSale(saleId);
    let token: string;
    try {
      token = await this.o.port.decodeEVoucher(qrcode);
    } catch (err) {
      if (err instanceof PlatformRejectedError) {
        const message = `医保电子凭证无法识别（平台答复：${err.platformMessage || err.platformCode}），请参保人刷新电子凭证后重新出示`;
        throw new CheckoutError(422, 'IDENTITY_REQUIRED', message, [{ code: 'IDENTITY_REQUIRED', message }]);
      }
      const message = `${err instanceof PlatformPortError ? err.userMessage : '医保平台暂不可用'}：电子凭证需联网核验，可改用身份证或自费结算`;
      throw new CheckoutError(409, 'PLATFORM_UNAVAILABLE', message, [{ code: 'PLATFORM_UNAVAILABLE', message }]);
    }
    return this.setIdentity(saleId, '01', token, undefined, face);
  }

  setPrescription(saleId: number, rx: PrescriptionView): void {
    this.openSale(saleId);
    this.sales.setPrescription(saleId, rx, this.clock());
  }

  setConsents(saleId: number, productIds: string[]): void {
    this.openSale(saleId);
    this.sales.setConsents(saleId, productIds, this.clock());
  }

  async settle(saleId: number, payment: 'insurance' | 'self_pay', chronicDisease?: string, actor?: string): Promise<SettleOutcome> {
    const r = await this.settlement.settle(saleId, payment, chronicDisease, actor);
    this.o.onRecorded?.();
    const sale = this.sales.get(saleId);
    if (sale?.settled_at) {
      const settledAt = new Date(sale.settled_at);
      this.o.onSettled?.({ saleId, counter: sale.counter, firstScanAt: new Date(sale.first_scan_at ?? sale.opened_at), settledAt });
    }
    return r;
  }

  void(saleId: number, reason?: string, by?: string): void {
    const sale = this.openSale(saleId);
    if (!this.sales.void(sale.id, this.clock(), reason ?? null, by ?? null)) throw saleNotOpen(saleId, 'settling');
    this.counters.forget(saleId);
  }

  async reverse(saleId: number, reason: string, actor?: string): Promise<void> {
    await this.refunds.reverse(saleId, reason, actor);
    this.o.onRecorded?.();
  }

  /** Unresolved settlements are reversed (2601) and reopened. */
  recover(): Promise<{ reopened: number; pending: number }> {
    return this.settlement.recover();
  }

  /** Refunds left under way (answer lost, crash) are sent again: 2103 with the same msgid. */
  async recoverRefunds(): Promise<{ refunded: number; refundsPending: number }> {
    const r = await this.refunds.recover();
    if (r.refunded > 0) this.o.onRecorded?.();
    return r;
  }

  /** Settled sales whose refund the platform has not confirmed yet (退费处理中). */
  refundsUnderWay(): { id: number }[] {
    return this.sales.reversing().map((s) => ({ id: s.id }));
  }

  /** One line as the counter page shows it (answer to a scan). */
  itemView(saleId: number, itemId: number) {
    const row = this.sales.item(saleId, itemId);
    return row ? this.describeItem(row, shanghaiDate(this.clock())) : undefined;
  }

  private describeItem(i: ItemRow, today: string) {
    const p = this.stock.product(i.product_id);
    const lot = i.lot_id !== null ? this.stock.lot(i.lot_id) : undefined;
    const waiting = i.code === null && p?.traceExempt !== true;
    return {
      id: i.id,
      productId: i.product_id,
      name: p?.name,
      spec: p?.spec,
      rx: p?.rx,
      insured: p?.insured,
      code: i.code,
      scanned: i.raw_code,
      lot: lot?.lot ?? null,
      expiry: lot?.expiry ?? null,
      expired: lot ? lot.expiry < today : false,
      pieces: i.pieces,
      split: i.split === 1,
      price: i.price,
      codeState: waiting ? 'missing' : i.code ? 'scanned' : 'exempt',
      chainCheck: i.chain_check,
    };
  }

  /** GET /api/sales/:id */
  view(saleId: number) {
    const sale = this.sales.get(saleId);
    if (!sale) throw saleNotFound(saleId);
    const today = shanghaiDate(this.clock());
    const person = sale.person ? (JSON.parse(sale.person) as InsuredPerson & { evidence?: unknown }) : undefined;
    const items = this.sales.items(saleId).map((i) => this.describeItem(i, today));
    return {
      id: sale.id,
      counter: sale.counter,
      // 退费处理中: settled in the ledger, refund sent, the platform's answer not yet known.
      status: sale.status === 'settled' && sale.reversing !== null ? 'reversing' : sale.status,
      reversing:
        sale.status === 'settled' && sale.reversing !== null ? { ...(JSON.parse(sale.reversing) as ReversalRequest), msgid: sale.reverse_msgid } : null,
      /** Who opened it: the signed-in cashier (or the API client / device when nobody was signed in at the counter). */
      openedBy: sale.opened_by,
      voided: sale.status === 'voided' ? { reason: sale.void_reason, by: sale.voided_by, at: sale.updated_at } : null,
      openedAt: sale.opened_at,
      firstScanAt: sale.first_scan_at,
      payment: sale.payment,
      chronicDisease: sale.chronic_disease,
      items,
      total: items.reduce((n, i) => n + i.price, 0),
      identity: person
        ? {
            psnNo: person.psnNo,
            name: person.name,
            certNo: person.certNo,
            insutype: person.insutype,
            age: person.age,
            balance: person.balanceFen,
            chronicDiseases: person.chronicDiseases.map((d) => ({ code: d.code, name: d.name })),
            evidence: person.evidence,
          }
        : null,
      // Personal numbers (identity.certNo, prescription.patientCertNo) are masked by the API's response schema.
      prescription: sale.prescription ? (JSON.parse(sale.prescription) as PrescriptionView) : null,
      consents: JSON.parse(sale.consents) as string[],
      settlement: sale.settlement ? (JSON.parse(sale.settlement) as Record<string, unknown>) : null,
      // 药师在岗: who was on duty when it was settled (recorded in the settlement event), null before.
      pharmacist: sale.settlement ? ((JSON.parse(sale.settlement) as { pharmacist?: { name: string; certNo: string } }).pharmacist ?? null) : null,
      settledAt: sale.settled_at,
      /** Who settled it (the signed-in user or token name), from the sale.settled ledger event. */
      settledBy: sale.settled_seq === null ? null : (this.o.ledger.queries.eventNote(sale.settled_seq)?.actor ?? null),
      // 退费: when, by whom and why, from the sale.reversed ledger event (null while not reversed).
      reversal: sale.reversed_seq === null ? null : (this.o.ledger.queries.eventNote(sale.reversed_seq) ?? null),
      refusals: this.sales.refusals(saleId),
      evidence: {
        video: this.o.videoEvidence?.(saleId) ?? [],
        snapshot: sale.snapshot ? snapshotEvidence(sale.snapshot) : null,
      },
      sync: this.o.ledger.queries.outboxForEvents([sale.settled_seq ?? -1, sale.reversed_seq ?? -1]),
    };
  }

  private openSale(saleId: number) {
    const sale = this.sales.get(saleId);
    if (!sale) throw saleNotFound(saleId);
    if (sale.status !== 'open') throw saleNotOpen(saleId, sale.status);
    return sale;
  }
}

/** What the pages see of the settlement snapshot: its hash, camera and time (not the file path). */
function snapshotEvidence(json: string): { sha256: string; cameraId: string; at: string } {
  const s = JSON.parse(json) as { sha256: string; cameraId: string; at: string };
  return { sha256: s.sha256, cameraId: s.cameraId, at: s.at };
}
