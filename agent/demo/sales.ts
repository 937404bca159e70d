// Sample sales for a fresh demo ledger, so the manager's overview, sales list and reconciliation show real
// figures on the first `npm start`. They go through the real CheckoutService (rules, ledger, outbox, the
// embedded simulator's settlement); nothing is written to a table directly.
import { shanghaiDate } from '../../common/time.js';
import { CheckoutError } from '../checkout/errors.js';
import type { CheckoutService } from '../checkout/service.js';
import type { Logger } from '../log.js';
import { DEMO_PRODUCTS } from './catalog.js';
import { demoCode } from './stock.js';

const COUNTER = 'counter-1';
// The demo cashier account (seeded before these sales), so the pages show a person's name (演示收银员) as their cashier.
const ACTOR = 'cashier';

/**
 * Boxes taken from the top of the demo delivery (serials 9 and 10), so the codes the README and the start
 * banner suggest (serials 1 and 2) are still on the shelf. Sale buyers avoid 张建国, the README's example
 * buyer, so his first insurance sale is never refused as a repeat purchase.
 */
function box(productId: string, serial: number): string {
  const p = DEMO_PRODUCTS.find((x) => x.id === productId);
  if (!p?.tracePrefix) throw new Error(`demo product ${productId} has no trace prefix`);
  return demoCode(p.tracePrefix, serial);
}
const IBUPROFEN = 'P0004';
const LIANHUA = 'P0005';
const AMLODIPINE = 'P0002';

/** The simulator's insured people the demo sales use (agent/platform.ts reads them from its seed). */
export interface DemoBuyers {
  /** Insured with a chronic-disease entitlement (刘志强) and its disease code (hypertension). */
  chronic: { certno: string; diseaseCode: string };
  /** Insured paying from the personal account (杨帆). */
  refund: { certno: string };
}

export interface DemoSalesResult {
  saleIds: number[];
  /** Time spent recording them, without the pauses between them. */
  ms: number;
}

export interface DemoSalesOptions {
  /**
   * A pause before each sale after the first, so each settles at its own moment of the counter camera's
   * recording and gets its own snapshot (the picture's clock shows seconds). Only with a camera recording.
   */
  pauseMs?: number;
}

/**
 * Two self-pay sales, an insurance sale under a chronic-disease entitlement that is first refused for want of a
 * prescription, and an insurance sale refunded afterwards. A failure leaves no open sale behind (it would catch
 * the next scan at the counter) and is only logged: the demo starts anyway.
 */
export async function seedDemoSales(
  checkout: CheckoutService,
  clock: () => Date,
  log: Logger,
  buyers: DemoBuyers,
  opts: DemoSalesOptions = {},
): Promise<DemoSalesResult | undefined> {
  const started = Date.now();
  let pausedMs = 0;
  const saleIds: number[] = [];
  let current: number | undefined;
  const open = async (): Promise<number> => {
    if (saleIds.length > 0 && opts.pauseMs) {
      await new Promise((r) => setTimeout(r, opts.pauseMs));
      pausedMs += opts.pauseMs;
    }
    current = checkout.open(COUNTER, ACTOR);
    saleIds.push(current);
    return current;
  };
  const scan = (saleId: number, code: string): void => {
    const r = checkout.addItem(saleId, code);
    if (!r.ok) throw new Error(`demo sale ${saleId}: ${code} refused: ${r.refused.map((x) => x.code).join(', ')}`);
  };
  const identify = (saleId: number, person: { certno: string }) => checkout.setIdentity(saleId, '02', person.certno);
  try {
    const first = await open();
    scan(first, box(IBUPROFEN, 10));
    await checkout.settle(first, 'self_pay', undefined, ACTOR);

    const second = await open();
    scan(second, box(LIANHUA, 10));
    scan(second, box(IBUPROFEN, 9));
    await checkout.settle(second, 'self_pay', undefined, ACTOR);

    // 刘志强's hypertension entitlement: refused without the prescription (PRESCRIPTION_REQUIRED), then settled.
    const chronic = await open();
    const liu = buyers.chronic;
    scan(chronic, box(AMLODIPINE, 10));
    await identify(chronic, liu);
    const refused = await checkout.settle(chronic, 'insurance', liu.diseaseCode, ACTOR).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(refused instanceof CheckoutError) || !refused.refused.some((r) => r.code === 'PRESCRIPTION_REQUIRED')) {
      throw refused instanceof Error ? refused : new Error(`demo sale ${chronic} was not refused for want of a prescription`);
    }
    checkout.setPrescription(chronic, {
      rxNo: 'RX-DEMO-0001',
      institutionCode: 'H13010200011',
      doctorName: '李医生',
      patientCertNo: liu.certno,
      issuedAt: shanghaiDate(clock()),
      signed: true,
    });
    await checkout.settle(chronic, 'insurance', liu.diseaseCode, ACTOR);

    // 杨帆 pays from his personal account (定点药店购药), then returns the box: 2103 and the stock comes back.
    const refunded = await open();
    scan(refunded, box(LIANHUA, 9));
    await identify(refunded, buyers.refund);
    await checkout.settle(refunded, 'insurance', undefined, ACTOR);
    await checkout.reverse(refunded, '演示：顾客退货', ACTOR);

    const ms = Date.now() - started - pausedMs;
    log.info({ saleIds, ms, pausedMs }, 'demo sample sales recorded');
    return { saleIds, ms };
  } catch (err) {
    voidIfOpen(checkout, current);
    log.warn({ err: (err as Error).message, saleIds, ms: Date.now() - started - pausedMs }, 'demo sample sales not recorded; the demo starts without them');
    return undefined;
  }
}

function voidIfOpen(checkout: CheckoutService, saleId: number | undefined): void {
  if (saleId === undefined || checkout.sales.get(saleId)?.status !== 'open') return;
  try {
    checkout.void(saleId);
  } catch {
    // Already settled or voided meanwhile: nothing left open.
  }
}
