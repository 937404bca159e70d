// Fixture builders for the rule tests (not a test file: vitest only collects *.test.ts).
// Each builder gives a valid, refusal-free default; tests override what they exercise.
import type { Product } from '../catalog/product.js';
import type { KnownCode, LotView, PersonView, PrescriptionView, PriorPurchase, SaleItemView, ScanContext, SettleContext } from './types.js';

export const TODAY = '2026-11-15';
export const CODE_KEY = '81000030000000000017';

/** 阿莫西林胶囊: insured rx drug, 24 pieces a box, at most 8 a day. */
export function product(over: Partial<Product> = {}): Product {
  return {
    id: 'P0003',
    name: '阿莫西林胶囊',
    spec: '0.25g*24粒',
    manufacturer: '某药业',
    approvalNo: '国药准字H13020000',
    nhsaCode: 'XJ01CAA040E001010100432',
    tracePrefix: '8100003',
    rx: true,
    insured: true,
    category: 'drug',
    piecesPerPack: 24,
    pricePerPack: 1560,
    maxDailyPieces: 8,
    ...over,
  };
}

/** 布洛芬缓释胶囊: insured OTC drug, 20 a box, at most 2 a day. */
export function otcProduct(over: Partial<Product> = {}): Product {
  return product({
    id: 'P0004',
    name: '布洛芬缓释胶囊',
    spec: '0.3g*20粒',
    nhsaCode: 'XN02BAB048E001010101835',
    tracePrefix: '8100004',
    rx: false,
    piecesPerPack: 20,
    pricePerPack: 1980,
    maxDailyPieces: 2,
    ...over,
  });
}

export function lot(over: Partial<LotView> = {}): LotView {
  return { lotId: 1, productId: 'P0003', lot: 'A2401', expiry: '2028-01-31', piecesOnHand: 240, procured: true, coded: true, ...over };
}

export function known(over: Partial<KnownCode> = {}): KnownCode {
  return { key: CODE_KEY, productId: 'P0003', lotId: 1, state: 'in_stock', pieces: 24, piecesSold: 0, ...over };
}

/** A whole box of a known, in-stock code of `product()` from `lot()`. */
export function scanCtx(over: Partial<ScanContext> = {}): ScanContext {
  return {
    today: TODAY,
    scan: { kind: 'code', key: CODE_KEY, raw: CODE_KEY },
    product: product(),
    known: known(),
    lot: lot(),
    pieces: 24,
    codesInThisSale: new Set<string>(),
    piecesHeldElsewhere: 0,
    lotPiecesHeld: 24,
    ...over,
  };
}

export function item(over: Partial<SaleItemView> = {}): SaleItemView {
  return { itemId: 1, product: otcProduct(), code: CODE_KEY, lot: lot({ productId: 'P0004' }), pieces: 10, split: false, ...over };
}

export function person(over: Partial<PersonView> = {}): PersonView {
  return {
    psnNo: '13000000000000000001',
    certType: '01',
    certNo: '13010519800101123X',
    name: '张三',
    chronicDiseases: [{ code: 'M03900', name: '高血压', drugCodes: ['XC08CAA037A001010102059', 'XN02BAB048E001010101835'] }],
    ...over,
  };
}

export function prescription(over: Partial<PrescriptionView> = {}): PrescriptionView {
  return {
    rxNo: 'RX20261115001',
    institutionCode: 'H13010500001',
    doctorName: '李医生',
    patientCertNo: '13010519800101123X',
    issuedAt: '2026-11-15',
    signed: true,
    ...over,
  };
}

export function prior(over: Partial<PriorPurchase> = {}): PriorPurchase {
  return { nhsaCode: 'XN02BAB048E001010101835', date: '2026-11-01', days: 7, chronic: false, ...over };
}

/** An insurance sale of one coded OTC item to an identified person; no refusals. */
export function settleCtx(over: Partial<SettleContext> = {}): SettleContext {
  return {
    today: TODAY,
    payment: 'insurance',
    items: [item()],
    person: person(),
    consentedProductIds: new Set<string>(),
    priorPurchases: [],
    requireTraceCodesForSelfPay: true,
    pharmacist: { name: '李药师', certNo: 'ZY13010200001' },
    ...over,
  };
}
