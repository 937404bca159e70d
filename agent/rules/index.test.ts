import { describe, expect, it } from 'vitest';
import { CODE_KEY, item, known, lot, otcProduct, person, prescription, prior, product, scanCtx, settleCtx } from './fixtures.test-helpers.js';
import type { RefusalCode, ScanContext, SettleContext } from './index.js';
import { checkScan, checkSettle, REFUSAL_CODES, scanRules, settleRules } from './index.js';

const FROM_PLATFORM: readonly RefusalCode[] = ['PLATFORM_REJECTED', 'PLATFORM_UNAVAILABLE'];

/** One context per situation; between them every rule refuses something. */
const scanCases: ScanContext[] = [
  scanCtx({ scan: { kind: 'invalid', message: '追溯码位数不对，可能没有扫完整：请重新扫描药品包装上的追溯码' } }),
  scanCtx({ product: undefined, known: undefined, lot: undefined }),
  scanCtx({ codesInThisSale: new Set([CODE_KEY]) }),
  scanCtx({ known: known({ state: 'sold', piecesSold: 24 }) }),
  scanCtx({ known: undefined, lot: undefined }),
  scanCtx({ pieces: 6, known: known({ piecesSold: 20 }) }),
  scanCtx({ lot: lot({ expiry: '2026-01-31' }) }),
  scanCtx({ lot: lot({ piecesOnHand: 10 }) }),
  scanCtx({
    inTransit: { transferId: 'P13010200001-ab12cd34-1', direction: 'out', peerStore: 'P13010200002', peerName: '二号店', since: '2026-11-22T02:00:00.000Z' },
  }),
  scanCtx({ chain: { soldElsewhere: [{ store: 'H13010300002', storeName: '二号店', at: '2026-12-06T07:02:00.000Z' }] } }),
];

const settleCases: SettleContext[] = [
  settleCtx({ person: undefined }),
  settleCtx({ items: [item({ code: undefined })] }),
  settleCtx({ items: [item({ product: product({ id: 'F', name: '维生素C', category: 'health_food', insured: false, rx: false }) })] }),
  settleCtx({ items: [item({ product: otcProduct({ id: 'X', insured: false }) })] }),
  settleCtx({ items: [item({ lot: lot({ procured: false }) })] }),
  settleCtx({ today: '2029-01-01' }),
  settleCtx({ items: [item({ pieces: 40 })] }),
  settleCtx({ priorPurchases: [prior({ date: '2026-11-14' })] }),
  settleCtx({ chronicDisease: 'M99999' }),
  settleCtx({ items: [item({ product: product() })], prescription: undefined }),
  settleCtx({ items: [item({ product: product() })], prescription: prescription({ patientCertNo: '110101199001011234' }) }),
  settleCtx({ items: [item({ product: product({ rx: true }) })], pharmacist: undefined }),
];

describe('rule registry', () => {
  it('every refusal code except the platform ones is produced by some rule', () => {
    const produced = new Set<RefusalCode>([...scanCases.flatMap(checkScan), ...settleCases.flatMap(checkSettle)].map((r) => r.code));
    const expected = REFUSAL_CODES.filter((c) => !FROM_PLATFORM.includes(c));
    expect([...produced].sort()).toEqual([...expected].sort());
  });

  it('each rule is listed once', () => {
    expect(new Set(scanRules).size).toBe(scanRules.length);
    expect(new Set(settleRules).size).toBe(settleRules.length);
    expect(scanRules.length).toBe(10); // + TRACE_CODE_IN_TRANSIT (调拨) and TRACE_CODE_SOLD_IN_CHAIN (issue 17)
    expect(settleRules.length).toBe(12); // + PHARMACIST_REQUIRED (issue 13)
  });

  it('messages are Chinese with a next step', () => {
    for (const r of [...scanCases.flatMap(checkScan), ...settleCases.flatMap(checkSettle)]) {
      expect(r.message).toMatch(/[\u4e00-\u9fff]/);
      expect(r.message).toMatch(/：.*请/);
    }
  });
});

describe('checkScan', () => {
  it('accepts a good box', () => {
    expect(checkScan(scanCtx())).toEqual([]);
  });

  it('accepts an unknown code drawn from uncoded opening stock', () => {
    expect(checkScan(scanCtx({ known: undefined, lot: lot({ coded: false }), lotPiecesHeld: 0 }))).toEqual([]);
  });

  it('reports only TRACE_CODE_INVALID for an invalid scan', () => {
    const r = checkScan(
      scanCtx({ scan: { kind: 'invalid', message: 'x' }, product: undefined, known: undefined, lot: lot({ expiry: '2020-01-01', piecesOnHand: 0 }) }),
    );
    expect(r.map((x) => x.code)).toEqual(['TRACE_CODE_INVALID']);
  });

  it('reports a code of no catalogue product once, as a mismatch', () => {
    expect(checkScan(scanCtx({ product: undefined, known: undefined, lot: undefined })).map((x) => x.code)).toEqual(['TRACE_CODE_PRODUCT_MISMATCH']);
  });

  it('reports several refusals together, each pointing at the waiting item', () => {
    const r = checkScan(
      scanCtx({
        waitingItem: { itemId: 4, productId: 'P0003' },
        codesInThisSale: new Set([CODE_KEY]),
        lot: lot({ expiry: '2026-01-31', piecesOnHand: 0 }),
      }),
    );
    expect(r.map((x) => x.code)).toEqual(['TRACE_CODE_DUPLICATE_IN_SALE', 'LOT_EXPIRED', 'INSUFFICIENT_STOCK']);
    expect(r.every((x) => x.itemId === 4)).toBe(true);
  });
});

describe('checkSettle', () => {
  it('accepts a clean insurance sale and a clean self-pay sale', () => {
    expect(checkSettle(settleCtx())).toEqual([]);
    expect(checkSettle(settleCtx({ payment: 'self_pay', person: undefined }))).toEqual([]);
  });

  it('accepts a chronic-disease sale of a listed drug for up to 12 weeks with a matching prescription', () => {
    const ctx = settleCtx({
      chronicDisease: 'M03900',
      items: [item({ pieces: 168, product: otcProduct({ rx: true }) })],
      prescription: prescription(),
      person: person({ certNo: '13010519800101123x' }),
    });
    expect(checkSettle(ctx)).toEqual([]);
  });

  it('reports every refusal of a bad insurance sale at once, item refusals pointing at their items', () => {
    const ctx = settleCtx({
      person: undefined,
      items: [
        item({ itemId: 1, code: undefined, product: product() }),
        item({ itemId: 2, product: product({ id: 'F', name: '维生素C', category: 'health_food', insured: false, rx: false }) }),
        item({ itemId: 3, lot: lot({ procured: false }) }),
      ],
    });
    const r = checkSettle(ctx);
    expect(r).toEqual([
      { code: 'IDENTITY_REQUIRED', message: expect.any(String) },
      { code: 'PRESCRIPTION_REQUIRED', message: expect.any(String), itemId: 1 },
      { code: 'TRACE_CODE_MISSING', message: expect.any(String), itemId: 1 },
      { code: 'NOT_INSURANCE_PAYABLE', message: expect.any(String), itemId: 2 },
      { code: 'NO_PROCUREMENT_RECORD', message: expect.any(String), itemId: 3 },
    ]);
  });
});

describe('TRACE_CODE_IN_TRANSIT', () => {
  const inTransit = { transferId: 'P13010200001-ab12cd34-1', peerStore: 'P13010200002', peerName: '二号店', since: '2026-11-22T02:00:00.000Z' };
  it('names the transfer and the destination at the shipping store', () => {
    const [r] = checkScan(scanCtx({ known: known({ state: 'in_transit' }), inTransit: { ...inTransit, direction: 'out' } }));
    expect(r?.code).toBe('TRACE_CODE_IN_TRANSIT');
    expect(r?.message).toContain('P13010200001-ab12cd34-1');
    expect(r?.message).toContain('二号店');
  });
  it('tells the receiving store to scan the box in first', () => {
    const r = checkScan(scanCtx({ known: undefined, inTransit: { ...inTransit, direction: 'in', peerName: '一号店' } }));
    expect(r[0]?.message).toContain('收货');
  });
  it('a box already received at the other store is not in stock here', () => {
    expect(checkScan(scanCtx({ known: known({ state: 'in_transit' }) })).map((x) => x.code)).toContain('TRACE_CODE_NOT_IN_STOCK');
  });
});
