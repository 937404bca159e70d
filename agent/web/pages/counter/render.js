// Draws the whole screen from state (cheap: a sale has a handful of lines).
import { $ } from './dom.js';
import { renderLines } from './lines.js';
import { renderReceipt } from './receipt.js';
import { renderSide } from './side.js';
import { state } from './state.js';

const STATUS = { open: '进行中', settling: '结算中', settled: '已结算', voided: '已作废', reversed: '已退费', reversing: '退费处理中' };

export function render() {
  const sale = state.sale;
  $('sale-title').textContent = sale ? `单号 ${sale.id} · ${STATUS[sale.status] || sale.status}` : '未开单';
  renderLines();
  renderSide();
  renderReceipt();
}

/** One line of status under the totals (blue: news; red: a problem that is not a refusal). */
export function showStatus(text, bad) {
  $('status').textContent = text || '';
  $('status').classList.toggle('bad', Boolean(bad));
}
