import { describe, expect, it } from 'vitest';
import { msg, pieceUnit } from './messages.js';

describe('messages', () => {
  it('reads the piece unit from the spec', () => {
    expect(pieceUnit({ spec: '0.25g*24粒' })).toBe('粒');
    expect(pieceUnit({ spec: '0.5g*20片' })).toBe('片');
    expect(pieceUnit({ spec: '10g/袋' })).toBe('个');
    expect(pieceUnit({ spec: '60片' })).toBe('片');
    expect(pieceUnit(undefined)).toBe('个');
  });

  it('every message says what happened, then after a colon what to do', () => {
    const all = [
      msg.traceCodeInvalid('追溯码位数不对'),
      msg.codeNotInCatalogue(),
      msg.codeNotForWaitingItem('阿莫西林胶囊'),
      msg.codeLedgerProductConflict('阿莫西林胶囊'),
      msg.codeLotConflict('阿莫西林胶囊', 'A1', 'B2'),
      msg.codeExpiryConflict('阿莫西林胶囊', '2027-01-31', '2028-01-31'),
      msg.duplicateInSale('阿莫西林胶囊'),
      msg.alreadySold('阿莫西林胶囊'),
      msg.returnedToSupplier('阿莫西林胶囊'),
      msg.writtenOff('阿莫西林胶囊'),
      msg.notInStock('阿莫西林胶囊'),
      msg.splitPackShort('阿莫西林胶囊', 3, 6, '粒'),
      msg.splitPackShort('阿莫西林胶囊', 0, 6, '粒'),
      msg.splitPackWholeBox('阿莫西林胶囊', 18, '粒'),
      msg.boxHeldByOtherSale('阿莫西林胶囊'),
      msg.morePiecesThanBox('阿莫西林胶囊', 24, 30, '粒'),
      msg.lotExpiredAtScan('阿莫西林胶囊', 'A1', '2026-01-31'),
      msg.lotExpiredAtSettle('阿莫西林胶囊', 'A1', '2026-01-31'),
      msg.insufficientStock('阿莫西林胶囊', 'A1', 2, 24, '粒'),
      msg.traceCodeMissing('阿莫西林胶囊'),
      msg.identityRequired(),
      msg.notInsurancePayable('维生素C', 'health_food'),
      msg.consentRequired('某目录外药'),
      msg.noProcurementRecord('阿莫西林胶囊', 'A1'),
      msg.quantityLimit('阿莫西林胶囊', 72, 9, 7, false, 56, '粒'),
      msg.repeatPurchase('布洛芬', '2026-11-01', '2026-11-08'),
      msg.repeatPurchaseChronic('布洛芬', '2026-11-01', '2026-11-29', '2026-11-22'),
      msg.chronicDiseaseNotRegistered('M03900'),
      msg.notOnChronicList('布洛芬', '高血压'),
      msg.prescriptionMissing('阿莫西林胶囊'),
      msg.prescriptionUnsigned(),
      msg.prescriptionIncomplete(['医师姓名']),
      msg.prescriptionIdentityMismatch(),
    ];
    for (const m of all) {
      expect(m).toMatch(/^[^：]+：[^：]*请[^：]+$/);
    }
  });

  it('keeps the classifier message when it already names the next step', () => {
    expect(msg.traceCodeInvalid('追溯码位数不对，可能没有扫完整：请重新扫描药品包装上的追溯码')).toBe(
      '追溯码位数不对，可能没有扫完整：请重新扫描药品包装上的追溯码',
    );
    expect(msg.traceCodeInvalid('追溯码无法识别')).toBe('追溯码无法识别：请重新扫描药品包装上的追溯码');
    expect(msg.traceCodeInvalid('  ')).toBe('追溯码无效：请重新扫描药品包装上的追溯码');
  });
});
