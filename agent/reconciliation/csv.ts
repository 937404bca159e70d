// GET /api/reconciliation.csv: the reconciliation as one CSV a manager opens in Excel: UTF-8 with a BOM
// (Excel on Chinese Windows reads it as UTF-8 then), Chinese headings, money in yuan with two decimals,
// times in Shanghai, sections for purchases, sales, stock, totals and checks. Quoting is csv-stringify's.
import { stringify } from 'csv-stringify/sync';
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { UploadState } from '../reports/upload-state.js';
import type { Reconciliation } from './types.js';

type Cell = string | number;

const UPLOAD: Record<UploadState, string> = { sent: '已上传', pending: '待上传', failed: '被拒收', none: '无需上传' };
const PAYMENT = { insurance: '医保', self_pay: '自费' } as const;
const STATUS = { settled: '已结算', reversed: '已退费' } as const;

const yuan = (fen: number): string => fenToYuan(fen);
const time = (iso: string): string => formatShanghaiDateTime(new Date(iso));

/** Free text typed by people (supplier, product names): never let Excel read it as a formula. */
function text(s: string | null): string {
  if (s === null) return '';
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export const CSV_HEADINGS = {
  purchases: ['入库单号', '入库时间', '供应商', '发票号', '随货同行单号', '网采订单号', '备案号', '品种数', '数量（件）', '金额（元）', '上传状态'],
  sales: ['销售单号', '结算时间', '支付方式', '状态', '数量（件）', '总额（元）', '统筹基金（元）', '个人账户（元）', '现金（元）', '医保结算号', '上传状态'],
  stock: [
    '商品编码',
    '品名',
    '期初（件）',
    '入库（件）',
    '销售（件）',
    '退回（件）',
    '调整（件）',
    '调拨（件，调入−调出）',
    '期末（件）',
    '账面（件）',
    '盘点（件）',
    '差异（件）',
  ],
} as const;

export function reconciliationCsv(r: Reconciliation): string {
  const p = r.purchases;
  const s = r.sales;
  const t = r.stock.totals;
  const rows: Cell[][] = [
    ['进销存对账表', `${r.from} 至 ${r.to}`],
    [],
    ['一、进货'],
    [...CSV_HEADINGS.purchases],
    ...p.rows.map((x) => [
      x.receiptId,
      time(x.at),
      text(x.supplier),
      text(x.invoiceNo),
      text(x.deliveryNoteNo),
      text(x.procurementOrderNo),
      text(x.filingRef),
      x.lines,
      x.pieces,
      yuan(x.amountFen),
      UPLOAD[x.upload],
    ]),
    ['合计', '', '', '', '', '', '', p.rows.reduce((n, x) => n + x.lines, 0), p.pieces, yuan(p.amountFen), ''],
    [],
    ['二、销售'],
    [...CSV_HEADINGS.sales],
    ...s.rows.map((x) => [
      x.saleId,
      time(x.settledAt),
      PAYMENT[x.payment],
      STATUS[x.status],
      x.pieces,
      yuan(x.totalFen),
      yuan(x.fundFen),
      yuan(x.accountFen),
      yuan(x.cashFen),
      text(x.settlementId),
      UPLOAD[x.upload],
    ]),
    ['合计', '', '', '', s.pieces, yuan(s.totalFen), yuan(s.fundFen), yuan(s.accountFen), yuan(s.cashFen), '', ''],
    [],
    ['三、库存'],
    [...CSV_HEADINGS.stock],
    ...r.stock.rows.map((x) => [
      text(x.productId),
      text(x.name),
      x.opening,
      x.received,
      x.sold,
      x.returned,
      x.adjusted,
      x.transferred,
      x.closing,
      x.book,
      x.counted ?? '',
      x.difference ?? '',
    ]),
    ['合计', '', t.opening, t.received, t.sold, t.returned, t.adjusted, t.transferred, t.closing, t.book, '', ''],
    [],
    ['四、汇总'],
    ['项目', '数值'],
    ['进货单数', p.receipts],
    ['进货数量（件）', p.pieces],
    ['进货金额（元）', yuan(p.amountFen)],
    ['期初库存导入（件）', p.openingImports.pieces],
    ['结算笔数', s.settled],
    ['销售数量（件）', s.pieces],
    ['销售总额（元）', yuan(s.totalFen)],
    ['统筹基金支付（元）', yuan(s.fundFen)],
    ['个人账户支付（元）', yuan(s.accountFen)],
    ['现金支付（元）', yuan(s.cashFen)],
    ['医保结算笔数', s.insurance.count],
    ['医保结算金额（元）', yuan(s.insurance.totalFen)],
    ['自费笔数', s.selfPay.count],
    ['自费金额（元）', yuan(s.selfPay.totalFen)],
    ['其中已退费笔数', s.reversed.count],
    ['其中已退费金额（元）', yuan(s.reversed.totalFen)],
    ['本期退费笔数', s.returns.count],
    ['本期退费数量（件）', s.returns.pieces],
    ['本期退费金额（元）', yuan(s.returns.totalFen)],
    ['待上传记录', r.uploads.pending],
    ['被拒收记录', r.uploads.failed],
    [],
    ['五、核对'],
    ['项目', '结果', '说明'],
    ...r.checks.map((c) => [c.title, c.ok ? '相符' : '不符', c.message]),
  ];
  return stringify(rows, { bom: true, record_delimiter: 'windows' });
}
