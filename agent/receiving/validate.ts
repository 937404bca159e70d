import { isCalendarDate } from '../../common/dates.js';
import type { Product } from '../catalog/product.js';
import { isTraceCode, normalizeGtin, type ScanClass } from '../tracecode/index.js';
import type { AcceptedLine, KnownCodeState, ReceiptInput, ReceiptProblem, ReceiptVerdict } from './types.js';

export interface ReceiptContext {
  products: ReadonlyMap<string, Product>;
  /** classified[i][j] is line i's code j, classified by the caller (one pass over the codes). */
  classified: readonly (readonly ScanClass[])[];
  /** State of every code key of this receipt that the ledger already holds. */
  known: ReadonlyMap<string, KnownCodeState>;
  /** Receipt date (Asia/Shanghai), YYYY-MM-DD. */
  today: string;
}

/** Receiving is all or nothing: every problem is listed, and any problem refuses the whole receipt. Pure. */
export function validateReceipt(input: ReceiptInput, ctx: ReceiptContext): ReceiptVerdict {
  const problems: ReceiptProblem[] = [];
  if (input.invoiceNo.trim() === '') problems.push({ code: 'INVOICE_MISSING', message: '缺少增值税发票号：请填写发票号码后再提交' });
  if (input.deliveryNoteNo.trim() === '') problems.push({ code: 'DELIVERY_NOTE_MISSING', message: '缺少随货同行单号：请填写随货同行单号后再提交' });
  if (input.supplier.trim() === '') problems.push({ code: 'SUPPLIER_MISSING', message: '缺少供货单位：请填写供货单位名称' });
  if (input.lines.length === 0) problems.push({ code: 'NO_LINES', message: '入库单没有明细：请至少添加一行药品' });

  const firstSeen = new Map<string, number>();
  const lines: AcceptedLine[] = [];
  input.lines.forEach((line, i) => {
    const lineNo = i + 1;
    const at = `第${lineNo}行`;
    const product = ctx.products.get(line.productId);
    if (!product) {
      problems.push({ code: 'PRODUCT_UNKNOWN', line: lineNo, message: `${at}：商品编码“${line.productId}”不在商品目录中，请先导入商品目录` });
      return;
    }
    const name = product.name;
    const datesOk = isCalendarDate(line.mfgDate) && isCalendarDate(line.expiry);
    if (!isCalendarDate(line.mfgDate))
      problems.push({ code: 'DATE_INVALID', line: lineNo, message: `${at}（${name}）：生产日期“${line.mfgDate}”不是有效日期` });
    if (!isCalendarDate(line.expiry)) problems.push({ code: 'DATE_INVALID', line: lineNo, message: `${at}（${name}）：有效期“${line.expiry}”不是有效日期` });
    if (datesOk && line.expiry <= line.mfgDate) {
      problems.push({
        code: 'EXPIRY_NOT_AFTER_PRODUCTION',
        line: lineNo,
        message: `${at}（${name}）：有效期 ${line.expiry} 不晚于生产日期 ${line.mfgDate}，请核对包装上的日期`,
      });
    }
    if (datesOk && line.expiry < ctx.today) {
      problems.push({ code: 'LOT_EXPIRED', line: lineNo, message: `${at}（${name}）：批号 ${line.lot} 已于 ${line.expiry} 过期，不得入库` });
    }

    const exempt = product.traceExempt === true;
    if (!exempt && line.codes.length !== line.packs) {
      problems.push({
        code: 'CODE_COUNT_MISMATCH',
        line: lineNo,
        message: `${at}（${name}）：到货 ${line.packs} 盒，但扫描了 ${line.codes.length} 个追溯码，请逐盒扫码`,
      });
    }

    const keys: string[] = [];
    line.codes.forEach((raw, j) => {
      const c = ctx.classified[i]?.[j];
      const problem = c ? checkCode(c, raw, product, line, lineNo) : undefined;
      if (problem || !c || c.kind === 'invalid') {
        if (problem) problems.push(problem);
        return;
      }
      const earlier = firstSeen.get(c.key);
      if (earlier !== undefined) {
        problems.push({
          code: 'TRACE_CODE_DUPLICATE_IN_RECEIPT',
          line: lineNo,
          traceCode: raw,
          message: `${at}（${name}）：追溯码 ${raw} 在本入库单中重复出现（第${earlier}行已扫），请检查是否重复扫码`,
        });
        return;
      }
      firstSeen.set(c.key, lineNo);
      const state = ctx.known.get(c.key);
      if (state === 'in_stock') {
        problems.push({
          code: 'TRACE_CODE_ALREADY_IN_STOCK',
          line: lineNo,
          traceCode: raw,
          message: `${at}（${name}）：追溯码 ${raw} 已在库存中，不能重复入库`,
        });
        return;
      }
      if (state !== undefined) {
        problems.push({
          code: 'TRACE_CODE_ALREADY_SOLD',
          line: lineNo,
          traceCode: raw,
          message: `${at}（${name}）：追溯码 ${raw} 已售出或已出库，不能再次入库，请联系供货单位核实`,
        });
        return;
      }
      keys.push(c.key);
    });

    lines.push({
      lineNo,
      product,
      lot: line.lot,
      mfgDate: line.mfgDate,
      expiry: line.expiry,
      packs: line.packs,
      pieces: line.packs * product.piecesPerPack,
      pricePerPack: line.pricePerPack,
      codes: keys,
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, lines };
}

function checkCode(c: ScanClass, raw: string, product: Product, line: { lot: string; expiry: string }, lineNo: number): ReceiptProblem | undefined {
  const at = `第${lineNo}行（${product.name}）`;
  if (c.kind === 'invalid') {
    return { code: 'TRACE_CODE_INVALID', line: lineNo, traceCode: raw, message: `${at}：${c.message}（${raw}）` };
  }
  if (!isTraceCode(c)) {
    return {
      code: 'TRACE_CODE_NOT_A_BOX',
      line: lineNo,
      traceCode: raw,
      message: `${at}：${raw} 是商品条码，不是追溯码，请扫描包装上的药品追溯码`,
    };
  }
  if (c.kind === 'nmpa20') {
    if (!product.tracePrefix) {
      return {
        code: 'PRODUCT_TRACE_ID_MISSING',
        line: lineNo,
        traceCode: raw,
        message: `${at}：商品目录未登记该药品的药品标识码（追溯码前7位），无法核对，请先在目录中补充`,
      };
    }
    if (c.drugId !== product.tracePrefix) return mismatch(at, raw, lineNo, '（可能是中包装/箱码，或其他药品的码）');
  }
  if (c.kind === 'gs1') {
    const gtin = product.gtin ?? (product.barcode ? normalizeGtin(product.barcode) : undefined);
    if (!gtin) {
      return { code: 'PRODUCT_TRACE_ID_MISSING', line: lineNo, traceCode: raw, message: `${at}：商品目录未登记该药品的GTIN，无法核对，请先在目录中补充` };
    }
    if (c.gtin !== gtin) return mismatch(at, raw, lineNo, '');
    if (c.lot !== undefined && c.lot !== line.lot) {
      return { code: 'GS1_LOT_MISMATCH', line: lineNo, traceCode: raw, message: `${at}：追溯码中的批号 ${c.lot} 与本行批号 ${line.lot} 不一致，请核对` };
    }
    if (c.expiry !== undefined && c.expiry !== line.expiry) {
      return {
        code: 'GS1_EXPIRY_MISMATCH',
        line: lineNo,
        traceCode: raw,
        message: `${at}：追溯码中的有效期 ${c.expiry} 与本行有效期 ${line.expiry} 不一致，请核对`,
      };
    }
  }
  if (c.kind === 'manufacturer' && c.productRef !== undefined && c.productRef !== product.tracePrefix && c.productRef !== product.id) {
    return mismatch(at, raw, lineNo, '');
  }
  return undefined;
}

function mismatch(at: string, raw: string, lineNo: number, hint: string): ReceiptProblem {
  return { code: 'TRACE_CODE_PRODUCT_MISMATCH', line: lineNo, traceCode: raw, message: `${at}：追溯码 ${raw} 不属于本行药品${hint}，请扫描本药品的追溯码` };
}
