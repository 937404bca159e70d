// Ledger rules from seeds/001: 药品出库量与收费数量差异超过5%视为异常; 无合理理由修改超过3次视为异常.
// Pure functions over the period's facts.
import type { AuditWarning, ModifiedRecord, StockOutflow } from './types.js';

/** Gap over this percentage of the charged pieces is a warning (strictly over: exactly 5 % is not). */
export const STOCK_GAP_PERCENT = 5;
/** More changes than this is a warning (strictly more: 3 changes is not). */
export const MAX_CHANGES = 3;

/** `part / whole` as a percentage with one decimal, rounded half up in integer arithmetic ("6.2"). */
function percent(part: number, whole: number): string {
  const tenths = Math.floor((part * 2000 + whole) / (2 * whole));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/**
 * Pieces out of stock (sold + written off) against pieces charged in settled sales. The box charges every
 * piece it sells, so the gap is what left the shelf without a sale: write-offs and stocktake shortfalls.
 */
export function stockGap(outflows: readonly StockOutflow[]): AuditWarning[] {
  return outflows
    .filter((o) => o.writtenOff > 0 && o.writtenOff * 100 > STOCK_GAP_PERCENT * Math.max(o.charged, 0))
    .map((o) => {
      const out = o.charged + o.writtenOff;
      const gap = o.charged > 0 ? `差异${percent(o.writtenOff, o.charged)}%` : '没有收费记录';
      return {
        rule: 'STOCK_GAP' as const,
        title: '药品出库量与收费数量差异超过5%',
        subject: `product:${o.productId}`,
        productId: o.productId,
        saleIds: [],
        detail: `${o.name}本期出库${out}件（销售${o.charged}件，报损或盘亏${o.writtenOff}件），收费${o.charged}件，${gap}：请核对报损、盘亏原因并保留凭证`,
      };
    });
}

const WHAT: Record<ModifiedRecord['kind'], (r: ModifiedRecord) => string> = {
  lot: (r) => `批次${r.label}本期库存调整${r.changes}次`,
  sale: (r) => `销售单${r.label}结算前删除商品${r.changes}次`,
  product: (r) => `商品${r.label}本期目录资料（价格、编码等）修改${r.changes}次`,
};

/** A record changed more than 3 times in the period. */
export function recordModified(records: readonly ModifiedRecord[]): AuditWarning[] {
  return records
    .filter((r) => r.changes > MAX_CHANGES)
    .map((r) => ({
      rule: 'RECORD_MODIFIED' as const,
      title: '记录修改超过3次',
      subject: `${r.kind}:${r.subject}`,
      saleIds: r.saleIds,
      ...(r.productId !== undefined ? { productId: r.productId } : {}),
      detail: `${WHAT[r.kind](r)}（超过${MAX_CHANGES}次）：请确认每次修改都有合理原因，并能向医保部门说明`,
    }));
}
