// The retail receipt (销售小票): a preview on screen after settlement, the only thing printed (F10 →
// window.print(); the print stylesheet hides the rest). From 2026 it lists each box's trace code.
import { $, el, fill, shanghaiTime, yuan } from './dom.js';
import { state } from './state.js';

const CODE_NOTE = { missing: '未扫码', exempt: '免追溯码' };

export function renderReceipt() {
  const sale = state.sale;
  if (!sale || sale.status !== 'settled') {
    $('receipt').hidden = true;
    return;
  }
  const s = sale.settlement || {};
  const t = s.totals || { total: sale.total, fundPay: 0, accountPay: 0, cashPay: sale.total };
  const insurance = sale.payment === 'insurance';
  const disease = sale.chronicDisease && sale.identity ? (sale.identity.chronicDiseases || []).find((d) => d.code === sale.chronicDisease) : undefined;
  const payment = insurance ? `医保结算${sale.chronicDisease ? `（门慢特病 ${disease && disease.name ? disease.name : sale.chronicDisease}）` : ''}` : '自费';
  const cashier = sale.cashierName || (state.user ? state.user.displayName || state.user.username : '');
  $('receipt-store').textContent = state.store ? `${state.store.name} 销售小票` : '销售小票';
  fill(
    $('receipt-meta'),
    state.store ? el('div', {}, `医保定点编号 ${state.store.code}`) : null,
    el('div', {}, `单号 ${sale.id}\u3000收银台 ${sale.counterName || state.counterName || sale.counter || state.counter}`),
    el('div', {}, `时间 ${shanghaiTime(sale.settledAt)}`),
    el('div', {}, `收银员 ${cashier}\u3000${payment}`),
    sale.identity ? el('div', {}, `参保人 ${sale.identity.name}\u3000${sale.identity.certNo}`) : null,
    insurance && s.setlId ? el('div', {}, `医保结算号 ${s.setlId}`) : null,
    sale.prescription ? el('div', {}, `处方号 ${sale.prescription.rxNo}\u3000医师 ${sale.prescription.doctorName}`) : null,
  );
  const consented = new Set(sale.consents || []);
  const rows = [];
  for (const i of sale.items) {
    const self = i.insured === false ? (consented.has(i.productId) ? '目录外自费（已告知同意）' : '非医保自费') : '';
    rows.push(
      el('tr', {}, el('td', {}, `${i.name || i.productId} ${i.spec || ''}`), el('td', { class: 'num' }, i.pieces), el('td', { class: 'num' }, yuan(i.price))),
    );
    rows.push(
      el(
        'tr',
        { class: 'receipt-code' },
        el(
          'td',
          { colspan: '3' },
          `批号 ${i.lot || '—'}\u3000有效期 ${i.expiry || '—'}`,
          el('br'),
          `追溯码 ${i.code || CODE_NOTE[i.codeState] || ''}`,
          self ? el('br') : null,
          self || null,
        ),
      ),
    );
  }
  $('receipt-lines').replaceChildren(...rows);
  $('receipt-totals').replaceChildren(
    el('dt', {}, '合计'),
    el('dd', {}, yuan(t.total)),
    el('dt', {}, '统筹基金支付'),
    el('dd', {}, yuan(t.fundPay)),
    el('dt', {}, '个人账户支付'),
    el('dd', {}, yuan(t.accountPay)),
    el('dt', {}, '现金支付'),
    el('dd', {}, yuan(t.cashPay)),
  );
  $('receipt').hidden = false;
}
