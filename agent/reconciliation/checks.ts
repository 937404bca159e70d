// The four checks a reconciliation ends with: each says whether the figures agree and, if not, what the
// gap is and what the manager does about it. Pure: computed from the sections alone.
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { Check, LotCount, Purchases, Sales, StockRow } from './types.js';

export function purchasesCheck(p: Purchases): Check {
  const gaps: string[] = [];
  if (p.missingInvoice > 0) gaps.push(`${p.missingInvoice} 张入库单缺少增值税发票号`);
  if (p.missingDeliveryNote > 0) gaps.push(`${p.missingDeliveryNote} 张入库单缺少随货同行单号`);
  const note = p.missingProcurement > 0 ? `另有 ${p.missingProcurement} 张入库单既无网采订单号也无备案记录，其药品不能医保结算。` : '';
  const ok = gaps.length === 0;
  return {
    key: 'purchases_invoices',
    ok,
    title: '票账相符',
    message: ok
      ? `本期 ${p.receipts} 张入库单均有发票号和随货同行单号，进货 ${p.pieces} 件、金额 ${fenToYuan(p.amountFen)} 元。${note}`
      : `${gaps.join('，')}：请找出纸质发票和随货同行单核对，在入库记录中补录后再对账。${note}`,
  };
}

export function salesCheck(s: Sales): Check {
  const unbalanced = s.rows.filter((r) => r.fundFen + r.accountFen + r.cashFen !== r.totalFen);
  const noSetlId = s.rows.filter((r) => r.payment === 'insurance' && r.settlementId === null);
  const gaps: string[] = [];
  if (unbalanced.length > 0) gaps.push(`销售单 ${unbalanced.map((r) => r.saleId).join('、')} 的统筹+个人账户+现金不等于总额`);
  if (noSetlId.length > 0) gaps.push(`医保销售单 ${noSetlId.map((r) => r.saleId).join('、')} 没有医保结算号`);
  if (s.settling > 0) gaps.push(`${s.settling} 笔医保结算尚未得到平台确认（系统会自动冲正后退回收银台）`);
  if (s.reversing.length > 0) gaps.push(`销售单 ${s.reversing.join('、')} 的医保退费尚未得到平台确认（退费处理中，平台可能已退费，系统将自动核实）`);
  const ok = gaps.length === 0;
  return {
    key: 'sales_settlements',
    ok,
    title: '销售与结算相符',
    message: ok
      ? `本期结算 ${s.settled} 笔、合计 ${fenToYuan(s.totalFen)} 元（医保 ${s.insurance.count} 笔，自费 ${s.selfPay.count} 笔，其中已退费 ${s.reversed.count} 笔），每笔统筹+个人账户+现金均等于总额。`
      : `${gaps.join('；')}：请在销售记录中逐笔核对，并与医保平台结算明细对照；无法解释的差异请联系技术员。`,
  };
}

/** What a platform read-back (平台核对) of the period's one day found, when one was done. */
export interface PlatformVerdict {
  date: string;
  readAt: string;
  missing: number;
  extra: number;
  differing: number;
  /** The ledger queued records of that day after the read-back: the platform's view is out of date. */
  stale: boolean;
}

/**
 * 上传完整: by the local queue alone (仅本机队列), or — when the period is one day and that day was read back
 * from the platform (3512/3513) — by the platform's own view (平台已核实).
 */
export function uploadsCheck(u: { pending: number; failed: number }, platform?: PlatformVerdict): Check {
  const queueOk = u.pending === 0 && u.failed === 0;
  const parts: string[] = [];
  if (u.pending > 0) parts.push(`${u.pending} 条待上传（联网后自动补传）`);
  if (u.failed > 0) parts.push(`${u.failed} 条被医保平台拒收`);
  const queueMessage = queueOk
    ? '本期进、销、存、退记录均已上传医保平台。'
    : `本期进销存记录中${parts.join('，')}：${u.failed > 0 ? '请到「平台同步」查看拒收原因，修正后点击重新上传；' : ''}待上传记录无需处理，网络恢复后会自动上传。`;
  if (!platform) return { key: 'uploads', ok: queueOk, title: '进销存上传完整', message: queueMessage, basis: 'queue' };
  if (platform.stale)
    return {
      key: 'uploads',
      ok: queueOk,
      title: '进销存上传完整',
      basis: 'queue',
      message: `${queueMessage}上次读取平台记录之后当日又有新的进销存记录：请在「平台核对」重新读取平台记录核实。`,
    };
  // 上传完整 asks whether everything the ledger holds is at the platform as the ledger holds it: missing and
  // differing records fail it. Records at the platform the ledger does not know (多余) are named as a warning but
  // do not: they are not an upload of ours, and only the manager can tell what they are (decision).
  const platformOk = platform.missing === 0 && platform.differing === 0;
  const found = [platform.missing ? `缺失 ${platform.missing} 条` : '', platform.differing ? `不一致 ${platform.differing} 条` : ''].filter(Boolean);
  const extra = platform.extra ? `另有 ${platform.extra} 条平台记录不在本机账本中，请在「平台核对」核实。` : '';
  return {
    key: 'uploads',
    ok: queueOk && platformOk,
    title: '进销存上传完整',
    basis: 'platform',
    message: platformOk
      ? `平台已核实：${platform.date} 本机的入库、销售、退货记录在医保平台均已存在且一致。${extra}${queueOk ? '' : queueMessage}`
      : `平台核对发现${found.join('，')}：请在「平台核对」点击“重新上传缺失记录”补传，补传后再读取一次平台记录核实。${extra}${queueOk ? '' : queueMessage}`,
  };
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** Counted lots whose difference (counted − book at the count) the adjustments posted since do not add up to. */
export function unexplainedCounts(rows: readonly StockRow[]): { name: string; count: LotCount }[] {
  return rows.flatMap((r) => r.counts.filter((c) => c.counted - c.book !== c.adjustedSince).map((count) => ({ name: r.name, count })));
}

/** What the period's stocktakes say when they all agree (or were all explained by adjustments). */
function countNote(rows: readonly StockRow[]): string {
  const counts = rows.flatMap((r) => r.counts);
  if (counts.length === 0) return '本期没有盘点记录：盘点后在「盘点」点“完成盘点”保存实盘数量，这里会逐批核对实盘与账面。';
  const differing = counts.filter((c) => c.counted !== c.book).length;
  return `本期盘点 ${counts.length} 个批次：${counts.length - differing} 个实盘与账面相符${differing ? `，${differing} 个有差异且盘点后已通过库存调整登记原因` : ''}。`;
}

/**
 * 账实相符: the stock tables agree with the record of movements, and every lot counted in the period either
 * matched the book or had its difference posted as adjustments after the count.
 */
export function stockCheck(rows: readonly StockRow[], toIsToday: boolean): Check {
  const negative = rows.filter((r) => r.closing < 0);
  const drift = rows.filter((r) => r.book !== r.closing);
  const gaps: string[] = [];
  if (negative.length > 0) gaps.push(`${negative.map((r) => r.name).join('、')} 的期末库存为负数`);
  if (drift.length > 0) gaps.push(`${drift.map((r) => `${r.name}（按记录 ${r.closing} 件，库存表 ${r.book} 件）`).join('、')} 账面库存与进销存记录不一致`);
  const unexplained = unexplainedCounts(rows).map(
    ({ name, count: c }) =>
      `${name} 批号 ${c.lot}（${formatShanghaiDateTime(new Date(c.at))} 盘点：实盘 ${c.counted} 件，账面 ${c.book} 件，差异 ${signed(c.counted - c.book)} 件，盘点后已调整 ${signed(c.adjustedSince)} 件）`,
  );
  const parts: string[] = [];
  if (gaps.length > 0) parts.push(`${gaps.join('；')}：请运行 counter-agent verify-ledger 检查台账，并联系技术员。`);
  if (unexplained.length > 0) {
    parts.push(`${unexplained.join('、')} 实盘差异尚未登记：请在「盘点」为差异填写原因并过账（库存调整，上报平台 3502）；若怀疑点错，请复盘后再次完成盘点。`);
  } else parts.push(countNote(rows));
  const ok = gaps.length === 0 && unexplained.length === 0;
  return {
    key: 'stock_book',
    ok,
    title: '账实相符',
    message: ok ? `${toIsToday ? '当前库存表与进销存记录逐品种一致，' : ''}期初+入库−销售+退回±调整±调拨=期末，逐品种相符。${countNote(rows)}` : parts.join(''),
  };
}
