import type { Product } from '../agent/catalog/product.js';
import type { ReceiptInput } from '../agent/receiving/types.js';

export const AMOX: Product = {
  id: 'AMOX',
  name: '阿莫西林胶囊',
  spec: '0.25g*24粒',
  manufacturer: '某药业',
  approvalNo: '国药准字H1',
  nhsaCode: 'XJ01CAA040E001010100432',
  tracePrefix: '8100003',
  gtin: '06901234567892',
  rx: true,
  insured: true,
  category: 'drug',
  piecesPerPack: 24,
  pricePerPack: 1560,
  maxDailyPieces: 8,
};
export const IBU: Product = {
  id: 'IBU',
  name: '布洛芬缓释胶囊',
  spec: '0.3g*20粒',
  manufacturer: '某药业',
  approvalNo: '国药准字H2',
  nhsaCode: 'XN02BAB048E001010101835',
  tracePrefix: '8100004',
  rx: false,
  insured: true,
  category: 'drug',
  piecesPerPack: 20,
  pricePerPack: 1980,
};
export const HERB: Product = {
  id: 'HERB',
  name: '当归（饮片）',
  spec: '10g/袋',
  manufacturer: '饮片厂',
  approvalNo: '',
  nhsaCode: 'T000700434',
  rx: false,
  insured: true,
  category: 'herbal',
  traceExempt: true,
  piecesPerPack: 1,
  pricePerPack: 480,
};

export const code = (prefix: string, serial: number) => `${prefix}${String(serial).padStart(13, '0')}`;

/** GS1 DataMatrix content as a scanner sends it: ]d2, (01) GTIN, (17) expiry, (10) lot <GS>, (21) serial. */
export const gs1 = (gtin: string, expiryYYMMDD: string, lot: string, serial: string) => `]d201${gtin}17${expiryYYMMDD}10${lot}\x1d21${serial}`;

export function receipt(overrides: Partial<ReceiptInput> = {}): ReceiptInput {
  return {
    supplier: '华润河北医药有限公司',
    invoiceNo: 'INV-001',
    deliveryNoteNo: 'DN-001',
    procurementOrderNo: 'CG202611000001',
    lines: [
      {
        productId: 'AMOX',
        lot: 'A2401',
        mfgDate: '2026-01-10',
        expiry: '2028-01-09',
        packs: 2,
        pricePerPack: 1100,
        codes: [code('8100003', 1), code('8100003', 2)],
      },
      { productId: 'HERB', lot: 'H01', mfgDate: '2026-03-01', expiry: '2027-03-01', packs: 5, pricePerPack: 300, codes: [] },
    ],
    ...overrides,
  };
}
