import { EventEmitter } from 'node:events';
import type { IdCardEvent, ScanEvent } from '../../device/types.js';
import { CheckoutError } from '../checkout/errors.js';
import type { CheckoutService } from '../checkout/service.js';
import type { Logger } from '../log.js';
import { maskId } from '../log.js';
import type { Refusal } from '../rules/types.js';

/**
 * The 医保电子凭证 QR payload as the platform simulator issues it. A province's real payload format
 * (it is opaque, decoded by the platform) is recognised here; anything else is treated as a drug code.
 */
const EVOUCHER_QR = /^NHSAEC\d[0-9A-Za-z]{16,200}$/;

export function isEVoucherQr(text: string): boolean {
  return EVOUCHER_QR.test(text.trim());
}

/** What the pages are told, over server-sent events, as it happens at a counter. */
export type CounterEvent =
  | {
      type: 'scan';
      counter: string;
      at: string;
      deviceId: string;
      text: string;
      saleId?: number;
      itemId?: number;
      refused?: Refusal[];
      error?: Problem;
      receiving?: boolean;
    }
  | {
      type: 'identity';
      counter: string;
      at: string;
      deviceId: string;
      saleId?: number;
      person?: { name: string; certNo: string };
      refused?: Refusal[];
      error?: Problem;
    }
  | { type: 'device'; counter: string; at: string; deviceId: string; state: string; path?: string; error?: string };

/** A problem that is not a rule's refusal (the sale is no longer open, ...). */
export interface Problem {
  code: string;
  message: string;
}

export interface ReceivingScan {
  text: string;
  at: string;
}

/**
 * Routes what a counter's devices read: to the manager's receiving session when one is active on that
 * counter, else to the counter's open sale (opening one when the cashier starts scanning). Scans of one
 * counter are handled strictly in order.
 */
export class ScanRouter extends EventEmitter<{ event: [CounterEvent] }> {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly receiving = new Map<string, ReceivingScan[]>();

  constructor(
    private readonly checkout: CheckoutService,
    private readonly log: Logger,
    /** Scanner ids that are NHSA face terminals (scanners[].role: face_terminal, with face.mode: terminal). */
    private readonly faceTerminals: ReadonlySet<string> = new Set(),
  ) {
    super();
  }

  onScan(e: ScanEvent & { counter: string }): Promise<void> {
    return this.serial(e.counter, () => this.routeScan(e));
  }

  onIdCard(e: IdCardEvent & { counter: string }): Promise<void> {
    return this.serial(e.counter, () => this.routeIdCard(e));
  }

  startReceiving(counter: string): void {
    this.receiving.set(counter, this.receiving.get(counter) ?? []);
  }

  /** Ends the session and hands over what was scanned. */
  stopReceiving(counter: string): ReceivingScan[] {
    const scans = this.receiving.get(counter) ?? [];
    this.receiving.delete(counter);
    return scans;
  }

  receivingScans(counter: string): ReceivingScan[] | undefined {
    return this.receiving.get(counter);
  }

  private serial(counter: string, work: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(counter) ?? Promise.resolve()).then(work, work).catch((err: unknown) => {
      this.log.error({ counter, err: (err as Error).message }, 'routing a device event failed');
    });
    this.queues.set(counter, next);
    return next;
  }

  private async routeScan(e: ScanEvent & { counter: string }): Promise<void> {
    const base = { type: 'scan' as const, counter: e.counter, at: e.at.toISOString(), deviceId: e.deviceId, text: e.text };
    const session = this.receiving.get(e.counter);
    if (session) {
      session.push({ text: e.text, at: base.at });
      this.emit('event', { ...base, receiving: true });
      return;
    }
    const saleId = this.saleFor(e.counter, e.deviceId);
    if (saleId === undefined) {
      this.emit('event', { ...base, error: leftOpenProblem(this.checkout.leftOpen(e.counter)) });
      return;
    }
    if (isEVoucherQr(e.text)) {
      // A face terminal hands over the same kind of e-voucher code after matching the face: recorded as a face check.
      const face = this.faceTerminals.has(e.deviceId) ? { method: 'face_terminal', result: 'pass' } : undefined;
      await this.identify(e, saleId, () => this.checkout.identifyByEVoucher(saleId, e.text, face));
      return;
    }
    try {
      const r = await this.checkout.scanItem(saleId, e.text);
      this.emit('event', r.ok ? { ...base, saleId, itemId: r.itemId } : { ...base, saleId, refused: r.refused });
    } catch (err) {
      this.emit('event', { ...base, saleId, ...outcomeOf(err) });
    }
  }

  /**
   * The sale on the counter's screen, or a new one when the counter has none — unless a sale left open (by a
   * restart or a sign-out) waits for the cashier to resume or void it: then nothing (issue 14: a scan must never
   * join a sale, and its insurance identity, that the cashier does not see).
   */
  private saleFor(counter: string, deviceId: string): number | undefined {
    const current = this.checkout.currentSale(counter);
    if (current !== undefined) return current;
    if (this.checkout.leftOpen(counter).length > 0) return undefined;
    return this.checkout.open(counter, this.checkout.attendant(counter)?.name ?? deviceId);
  }

  private async routeIdCard(e: IdCardEvent & { counter: string }): Promise<void> {
    const saleId = this.saleFor(e.counter, e.deviceId);
    if (saleId === undefined) {
      this.emit('event', {
        type: 'identity',
        counter: e.counter,
        at: e.at.toISOString(),
        deviceId: e.deviceId,
        error: leftOpenProblem(this.checkout.leftOpen(e.counter)),
      });
      return;
    }
    if (e.problems && e.problems.length > 0) {
      const refused = e.problems.map((p) => ({ code: 'IDENTITY_REQUIRED' as const, message: p.cashierMessage }));
      this.emit('event', { type: 'identity', counter: e.counter, at: e.at.toISOString(), deviceId: e.deviceId, saleId, refused });
      return;
    }
    await this.identify(e, saleId, () => this.checkout.setIdentity(saleId, '02', e.card.idNumber, e.card.name));
  }

  private async identify(
    e: { counter: string; at: Date; deviceId: string },
    saleId: number,
    work: () => Promise<{ name: string; certNo: string }>,
  ): Promise<void> {
    const base = { type: 'identity' as const, counter: e.counter, at: e.at.toISOString(), deviceId: e.deviceId, saleId };
    try {
      const p = await work();
      this.emit('event', { ...base, person: { name: p.name, certNo: maskId(p.certNo) } });
    } catch (err) {
      this.emit('event', { ...base, ...outcomeOf(err) });
    }
  }
}

function leftOpenProblem(left: readonly { id: number }[]): Problem {
  const ids = left.map((s) => `#${s.id}`).join('、');
  return { code: 'SALE_LEFT_OPEN', message: `本收银台有未完成的销售单 ${ids}：请先在收银台页面选择继续或作废，再扫码` };
}

function outcomeOf(err: unknown): { refused: Refusal[] } | { error: Problem } {
  if (!(err instanceof CheckoutError)) throw err;
  return err.refused.length > 0 ? { refused: err.refused } : { error: { code: err.code, message: err.message } };
}
