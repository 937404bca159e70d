import type { ReceiptInput } from '../receiving/types.js';
import { DEMO_PRODUCTS } from './catalog.js';

/** A 码上放心 code for a demo product: its 7-digit drug id and a 13-digit serial. */
export function demoCode(tracePrefix: string, serial: number): string {
  return `${tracePrefix}${String(serial).padStart(13, '0')}`;
}

/** One delivery with ten boxes of every coded demo drug, so a cashier can sell right away. */
export function demoReceipt(today: string): ReceiptInput {
  const year = Number(today.slice(0, 4));
  return {
    supplier: '华润河北医药有限公司',
    invoiceNo: '13012345678901234567',
    deliveryNoteNo: 'SH-DEMO-0001',
    procurementOrderNo: 'CG202611000001',
    lines: DEMO_PRODUCTS.map((p, i) => {
      const packs = p.traceExempt ? 20 : 10;
      return {
        productId: p.id,
        lot: `DEMO${String(i + 1).padStart(3, '0')}`,
        mfgDate: `${year - 1}-06-01`,
        expiry: `${year + 2}-05-31`,
        packs,
        pricePerPack: Math.floor((p.pricePerPack * 7) / 10), // purchase price: 70 % of retail, whole fen
        codes: p.traceExempt || !p.tracePrefix ? [] : Array.from({ length: packs }, (_, n) => demoCode(p.tracePrefix as string, 1 + n)),
      };
    }),
  };
}
