// 整单退费 from a settled sale's detail: a button, then a confirm dialog that needs a reason and says in plain
// Chinese where the money goes back and which boxes return to stock, then POST /api/sales/:id/reverse.
// The server decides who may refund (店长); a technician's attempt is refused there and the refusal is shown.
import { $, api, el, notify, problems, shanghaiTime, yuan } from './lib.js';

export const REASONS = ['顾客退货', '收银错误', '药品质量问题'];
const OTHER = '其他';
const REASON_MAX = 200; // the API's limit

/** What the refund will do, one sentence each (kind money / stock / platform): money back per fund, goods back to stock. */
export function refundEffects(sale) {
  const t = (sale.settlement && sale.settlement.totals) || { total: sale.total, fundPay: 0, accountPay: 0, cashPay: sale.total };
  const insurance = sale.payment === 'insurance';
  const out = [];
  const add = (kind, text) => out.push({ kind, text });
  if (insurance) add('platform', '向医保平台撤销这笔结算（2103），需联网；平台拒绝时本单保持“已结算”，不会退回库存');
  if (t.fundPay > 0) add('money', `统筹基金 ${yuan(t.fundPay)} 退回医保基金`);
  if (t.accountPay > 0) add('money', `个人账户 ${yuan(t.accountPay)} 退回${sale.identity ? `参保人 ${sale.identity.name} 的` : ''}个人账户`);
  if (t.cashPay > 0) add('money', `现金 ${yuan(t.cashPay)}：请当面退还顾客`);
  const items = sale.items || [];
  const boxes = items.filter((i) => i.code && !i.split).length;
  const splitPieces = items.filter((i) => i.split).reduce((n, i) => n + i.pieces, 0);
  const uncodedPieces = items.filter((i) => !i.code && !i.split).reduce((n, i) => n + i.pieces, 0);
  if (boxes > 0) add('stock', `${boxes} 盒药品退回库存，追溯码恢复为“在库”，可以再次销售`);
  if (splitPieces > 0) add('stock', `拆零 ${splitPieces} 件退回原盒`);
  if (uncodedPieces > 0) add('stock', `无追溯码商品 ${uncodedPieces} 件退回库存`);
  add('platform', '退货记录自动上传医保平台（3506）；退费后本单不能再修改或再次退费');
  return out;
}

/** The reason sent to the server, or a Chinese problem when there is none. */
export function refundReason(choice, text) {
  const note = text.trim();
  if (!choice && !note) return { problem: '请选择退费原因，或在“说明”里写明原因' };
  if (choice === OTHER && !note) return { problem: '选择“其他”时请在“说明”里写明原因' };
  const reason = !choice || choice === OTHER ? note : note ? `${choice}：${note}` : choice;
  if (reason.length > REASON_MAX) return { problem: `退费原因最多 ${REASON_MAX} 个字，请精简说明` };
  return { reason };
}

let dialog = null;

/** The confirm dialog, built once; a native modal <dialog> keeps the keyboard inside it and closes on Esc. */
function ensureDialog() {
  if (dialog) return dialog;
  const reasonSelect = el(
    'select',
    { id: 'refund-reason', 'aria-required': 'true' },
    el('option', { value: '' }, '请选择退费原因'),
    ...[...REASONS, OTHER].map((r) => el('option', { value: r }, r)),
  );
  const noteInput = el('input', {
    id: 'refund-note',
    type: 'text',
    maxlength: String(REASON_MAX),
    placeholder: '补充说明（选“其他”时必填）',
    autocomplete: 'off',
  });
  const error = el('p', { id: 'refund-error', class: 'error-text', role: 'alert' });
  const submit = el('button', { type: 'submit', id: 'refund-confirm', class: 'danger' }, '确认退费');
  const cancel = el('button', { type: 'button', id: 'refund-cancel' }, '取消（Esc）');
  const form = el(
    'form',
    { id: 'refund-form', autocomplete: 'off', novalidate: true },
    el('h2', { id: 'refund-title' }, '整单退费'),
    el('p', { class: 'muted small' }, '确认后将发生：'),
    el('ul', { id: 'refund-effects', class: 'refund-effects' }),
    el(
      'div',
      { class: 'refund-fields' },
      el('label', { for: 'refund-reason' }, '退费原因'),
      reasonSelect,
      el('label', { for: 'refund-note' }, '说明'),
      noteInput,
    ),
    error,
    el('div', { class: 'row refund-actions' }, el('span', { id: 'refund-busy', class: 'muted small grow' }), cancel, submit),
  );
  dialog = el('dialog', { id: 'refund-dialog', class: 'refund-dialog', 'aria-labelledby': 'refund-title' }, form);
  cancel.addEventListener('click', () => dialog.close());
  $('app').append(dialog);
  return dialog;
}

/** Opens the confirm dialog for `sale`; `onChanged` re-renders the detail after a refund or a refusal. */
function confirmRefund(sale, onChanged) {
  const d = ensureDialog();
  const form = $('refund-form');
  $('refund-title').textContent =
    `整单退费 · 销售单 #${sale.id}（${yuan(sale.settlement && sale.settlement.totals ? sale.settlement.totals.total : sale.total)}）`;
  $('refund-effects').replaceChildren(...refundEffects(sale).map((e) => el('li', { 'data-kind': e.kind }, e.text)));
  $('refund-reason').value = '';
  $('refund-note').value = '';
  $('refund-error').textContent = '';
  $('refund-busy').textContent = '';
  let tried = false;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const { reason, problem } = refundReason($('refund-reason').value, $('refund-note').value);
    if (problem) {
      $('refund-error').textContent = problem;
      $('refund-reason').focus();
      return;
    }
    const buttons = [$('refund-confirm'), $('refund-cancel')];
    buttons.forEach((b) => (b.disabled = true));
    $('refund-error').textContent = '';
    $('refund-busy').textContent = sale.payment === 'insurance' ? '正在向医保平台退费，请稍候…' : '正在退费…';
    const r = await api('POST', `/api/sales/${sale.id}/reverse`, { reason });
    buttons.forEach((b) => (b.disabled = false));
    $('refund-busy').textContent = '';
    if (r.status === 200) {
      tried = false;
      d.close();
      const done = refundEffects(sale).filter((e) => e.kind !== 'platform');
      notify('ok', `销售单 #${sale.id} 已退费：${done.map((e) => e.text).join('；')}`);
      onChanged({ refunded: true });
      return;
    }
    tried = true;
    $('refund-error').textContent = `退费未完成：${problems(r)
      .map((p) => p.message)
      .join('；')}`;
    $('refund-confirm').focus();
  };
  // A refusal may have been recorded on the sale (途中拒绝): show it once the dialog is closed.
  d.onclose = () => tried && onChanged({ refunded: false });
  d.showModal();
  $('refund-reason').focus();
}

/** The refund part of the settlement panel: the button on a settled sale, the refund's time and reason after. */
export function renderRefund(sale, onChanged) {
  let box = $('sale-refund');
  if (!box) {
    box = el('div', { id: 'sale-refund', class: 'refund' });
    $('sale-settlement').after(box);
  }
  if (sale.status === 'reversed') {
    const rv = sale.reversal || {};
    box.replaceChildren(el('p', { id: 'sale-refunded', class: 'refunded', tabindex: '-1' }, `已退费 · ${rv.at ? shanghaiTime(rv.at) : '时间未记录'}`));
    return;
  }
  if (sale.status === 'reversing') {
    // The 2103 answer was lost: refunding again by hand could pay twice; the box resends the same 2103 itself.
    const rq = sale.reversing || {};
    box.replaceChildren(
      el(
        'p',
        { id: 'sale-reversing', class: 'bad', tabindex: '-1' },
        `退费处理中 · ${rq.at ? shanghaiTime(rq.at) : ''}：平台可能已退费，系统将自动核实（每 30 秒），请勿重复退款`,
      ),
    );
    return;
  }
  if (sale.status !== 'settled') {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    el('button', { type: 'button', id: 'sale-refund-open', class: 'danger', onclick: () => confirmRefund(sale, onChanged) }, '整单退费'),
    el('span', { class: 'muted small' }, ' 退回全部金额，药品退回库存（需店长账号）'),
  );
}

/** Leaving the screen closes an open dialog without sending anything. */
export function closeRefund() {
  if (dialog && dialog.open) dialog.close();
}
