// Every Chinese message the counter rules show the cashier, in one place. Each says what happened and,
// after the full-width colon, what to do next. Item messages name the product. No ID numbers (PII).
import type { Product, ProductCategory } from '../catalog/product.js';

const NEXT_SCAN = '请重新扫描药品包装上的追溯码';
const HAND_TO_MANAGER = '该盒不得销售，请交店长核查';

/** Names used when the context has no product to name. */
export const UNKNOWN_PRODUCT = '该药品';
const OTHER_PRODUCT = '其他药品';

/** Counting word for one piece, read from the spec ("0.5g*20片" → 片); 个 when the spec has none. */
export function pieceUnit(product: Pick<Product, 'spec'> | undefined): string {
  const m = /\d\s*(片|粒|袋|支|丸|贴|帖|枚|包|瓶|盒|板|条|只|个)\s*$/.exec(product?.spec ?? '');
  return m?.[1] ?? '个';
}

const NON_INSURANCE_CATEGORY: Partial<Record<ProductCategory, string>> = {
  health_food: '保健食品',
  cosmetic: '化妆品',
  daily: '日用品',
};

export const msg = {
  // ------------------------------------------------------------------ scan time
  /** The classifier's message already ends in a next step ("…：请重新扫描…"); add one when it does not. */
  traceCodeInvalid(classifierMessage: string): string {
    const m = classifierMessage.trim();
    if (m === '') return `追溯码无效：${NEXT_SCAN}`;
    return m.includes('：') ? m : `${m}：${NEXT_SCAN}`;
  },

  codeNotInCatalogue(): string {
    return '追溯码不属于任何在售药品：请核对是否扫了中包装/箱码，改扫最小销售包装上的追溯码';
  },
  codeNotForWaitingItem(codeProductName: string | undefined): string {
    return `追溯码与待扫码的药品不符（此码属于${codeProductName ?? OTHER_PRODUCT}）：请扫描刚才所扫药品包装上的追溯码`;
  },
  codeLedgerProductConflict(name: string): string {
    return `追溯码与入库记录不符（码上标识为${name}，入库登记为另一药品）：${HAND_TO_MANAGER}`;
  },
  codeLotConflict(name: string, codeLot: string, stockLot: string): string {
    return `追溯码上的批号与库存不符（${name}，码上 ${codeLot}，库存 ${stockLot}）：${HAND_TO_MANAGER}`;
  },
  codeExpiryConflict(name: string, codeExpiry: string, stockExpiry: string): string {
    return `追溯码上的有效期与库存不符（${name}，码上 ${codeExpiry}，库存 ${stockExpiry}）：${HAND_TO_MANAGER}`;
  },

  duplicateInSale(name: string): string {
    return `本单已扫过这个追溯码（${name}）：同一盒不能重复扫码，请扫描另一盒的追溯码`;
  },

  alreadySold(name: string): string {
    return `该追溯码已售出（${name}）：同一盒不能再次销售，请扫描另一盒，并将该盒交店长核查`;
  },
  /** `when` is Shanghai time as the cashier reads it, e.g. 12月06日 15:02. */
  soldInChain(name: string, store: string, when: string): string {
    return `该盒已于 ${when} 在 ${store} 售出，不能再次销售（${name}）：请把该盒交店长核查`;
  },
  returnedToSupplier(name: string): string {
    return `该盒已退货给供应商（${name}），不得销售：请将该盒交店长核查`;
  },
  writtenOff(name: string): string {
    return `该盒已报损（${name}），不得销售：请将该盒交店长核查`;
  },

  notInStock(name: string): string {
    return `该追溯码没有入库记录（${name}），本店未收到过这一盒，不得销售：请扫描另一盒，并将该盒交店长核查`;
  },

  splitPackShort(name: string, remaining: number, pieces: number, unit: string): string {
    if (remaining <= 0) return `该盒已拆零售完（${name}，含其他未结算单占用的数量）：请另拆一盒`;
    return `该盒可拆零数量不足（${name}）：只剩 ${remaining}${unit}，本次要 ${pieces}${unit}；请减少数量或另拆一盒`;
  },
  morePiecesThanBox(name: string, boxPieces: number, pieces: number, unit: string): string {
    return `一个追溯码只对应一盒（${name}，一盒 ${boxPieces}${unit}），本次要 ${pieces}${unit}：超过一盒请逐盒扫码`;
  },
  boxHeldByOtherSale(name: string, heldBy?: { saleId: number; counter: string }): string {
    if (heldBy) return `该盒已在其他未结算的销售单中（收银台 ${heldBy.counter}，单号 #${heldBy.saleId}，${name}）：请在该收银台结算或作废那一单，或扫描另一盒`;
    return `该盒已在其他未结算的销售单中（${name}）：请先结算或作废那一单，或扫描另一盒`;
  },
  splitPackWholeBox(name: string, remaining: number, unit: string): string {
    return `该盒已拆零销售（${name}，剩 ${remaining}${unit}），不能整盒出售，只能继续拆零：整盒销售请扫描另一盒`;
  },

  lotExpiredAtScan(name: string, lot: string, expiry: string): string {
    return `${name}（批号 ${lot}）已过期，有效期至 ${expiry}，不得销售：请下架并交店长处理`;
  },
  lotExpiredAtSettle(name: string, lot: string, expiry: string): string {
    return `${name}（批号 ${lot}）已过期，有效期至 ${expiry}，不得销售：请从本单移出并下架`;
  },

  insufficientStock(name: string, lot: string, available: number, pieces: number, unit: string): string {
    const avail = Math.max(0, available);
    return `库存不足（${name}，批号 ${lot}）：账面可售 ${avail}${unit}，本次要 ${pieces}${unit}；请减少数量，或请店长核对库存`;
  },

  // ------------------------------------------------------------------ settlement time
  traceCodeMissing(name: string): string {
    return `追溯码缺失：请扫描该药品包装上的追溯码（${name}）`;
  },

  identityRequired(): string {
    return '医保结算需先核验身份：请扫描医保电子凭证或读取身份证';
  },

  notInsurancePayable(name: string, category: ProductCategory): string {
    const kind = NON_INSURANCE_CATEGORY[category] ?? '非医保支付范围商品';
    return `${name}属于${kind}，不能用医保支付：请移出本单，另行自费结算`;
  },

  consentRequired(name: string): string {
    return `${name}是医保目录外项目，须由参保人自费：请告知顾客并登记告知同意，或将其移出本单`;
  },

  noProcurementRecord(name: string, lot: string): string {
    return `${name}（批号 ${lot}）没有网上采购或备案采购记录，不能医保结算：请移出本单改自费结算，或请店长核对采购记录`;
  },

  quantityLimit(name: string, pieces: number, days: number, limitDays: number, chronic: boolean, maxPieces: number, unit: string): string {
    const kind = chronic ? '慢特病处方' : '普通门诊';
    return `${name}超量（本单 ${pieces}${unit} 可用 ${days} 天，超过${kind}上限 ${limitDays} 天）：请减至 ${maxPieces}${unit} 以内`;
  },

  repeatPurchase(name: string, priorDate: string, coveredUntil: string): string {
    return `${name}重复购药（上次购药 ${priorDate}，可用至 ${coveredUntil}，期间不能再用医保购买）：请移出本单，或改自费结算`;
  },
  repeatPurchaseChronic(name: string, priorDate: string, coveredUntil: string, allowedFrom: string): string {
    return `${name}重复购药（上次长期处方购药 ${priorDate}，可用至 ${coveredUntil}，最多提前 7 天即 ${allowedFrom} 起可再用医保购买）：请移出本单，或改自费结算`;
  },

  chronicDiseaseNotRegistered(diseaseCode: string): string {
    return `参保人未认定该门慢特病（病种编码 ${diseaseCode}）：请核对病种，或按普通门诊结算`;
  },
  notOnChronicList(name: string, diseaseName: string): string {
    return `${name}不在“${diseaseName}”的用药清单内（一病一清单）：请移出本单，另按普通门诊结算`;
  },

  prescriptionMissing(name: string): string {
    return `${name}是处方药，需要处方：请录入医师开具的电子处方或外配处方`;
  },
  prescriptionUnsigned(): string {
    return '处方没有医师签章：处方药须凭医师签章的处方销售，请核对处方';
  },
  prescriptionIncomplete(missing: readonly string[]): string {
    return `处方信息不全，缺少${missing.join('、')}：请按处方补录`;
  },

  prescriptionIdentityMismatch(): string {
    return '处方上的患者与参保人不是同一人：请核对处方和身份证件，处方须为参保人本人所开';
  },
} as const;

/** Field names of PrescriptionView as the cashier knows them. */
export const PRESCRIPTION_FIELD_NAMES = {
  institutionCode: '开方机构编码',
  doctorName: '医师姓名',
  rxNo: '处方号',
} as const;
