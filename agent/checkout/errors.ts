import { AppError } from '../../common/app-error.js';
import type { Refusal } from '../rules/types.js';

/** A checkout request that cannot proceed: refusals are answered as `{ refused }`, anything else as `{ errors }`. */
export class CheckoutError extends AppError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly refused: Refusal[] = [],
  ) {
    super(code, status, message, { refused });
  }
}

export const saleNotFound = (id: number) => new CheckoutError(404, 'SALE_NOT_FOUND', `销售单 ${id} 不存在：请重新开单`);
export const saleNotOpen = (id: number, status: string) =>
  new CheckoutError(409, 'SALE_NOT_OPEN', `销售单 ${id} 当前状态为“${STATUS_NAMES[status] ?? status}”，不能修改：请新开一单`);

export const STATUS_NAMES: Record<string, string> = { open: '未结算', settling: '结算中', settled: '已结算', voided: '已作废', reversed: '已退费' };
