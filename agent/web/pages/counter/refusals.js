// The red panel: every refusal at once, each in plain Chinese naming its item and the next step, with a
// sound. It stays until Esc; the next step's key (F4, F5, F6, F7, F9) closes it and does that step.
import { $, el, productLabel } from './dom.js';
import { beep } from './sound.js';
import { itemById, state } from './state.js';

/**
 * The key and words of each next step (handled in keys.js). Which refusal code needs which step comes from
 * the rules (GET /api/rules/categories → state.rules.nextSteps), never encoded here.
 */
const STEP_KEYS = {
  identity: { key: 'F4', text: '读取参保人身份（刷身份证、电子凭证或输入身份证号、社保卡号）' },
  pharmacist: { key: 'F5', text: '执业药师在本收银台签到（或由店长设置当班药师）' },
  prescription: { key: 'F6', text: '录入处方' },
  prescription_patient: { key: 'F6', text: '核对并修改处方的患者证件号' },
  consent: { key: 'F7', text: '向参保人告知并登记同意' },
  self_pay_or_remove: { key: 'F9', text: '改用自费结算，或用 ↑↓ 选中该行按 Del 删除' },
  retry_or_self_pay: { key: 'F9', text: '稍后重试，或改用自费结算' },
  scan_code: { key: null, text: '扫描该药品包装上的追溯码' },
};

export const refusalsOpen = () => !$('refusals').hidden;

/** Adds refusals ({ code, message, itemId? }) to the panel and shows it. `scanned`: what the scanner read. */
export function showRefusals(list, scanned) {
  if (!list || list.length === 0) return;
  for (const r of list) state.refusals.push({ ...r, scanned });
  $('refusal-list').replaceChildren(...state.refusals.map(refusalRow));
  $('refusals-count').textContent = state.refusals.length > 1 ? `（共 ${state.refusals.length} 项）` : '';
  $('refusals').hidden = false;
  $('refusals').dataset.beeped = String(beep());
}

function refusalRow(r) {
  const item = r.itemId !== undefined && r.itemId !== null ? itemById(r.itemId) : undefined;
  const next = STEP_KEYS[state.rules.nextSteps[r.code]];
  const detail = [item ? `商品：${productLabel(item)}` : '', r.scanned ? `扫码内容：${r.scanned}` : ''].filter(Boolean).join('\u3000');
  return el(
    'li',
    { 'data-code': r.code || '' },
    el('div', { class: 'refusal-msg' }, r.message || r.code),
    detail ? el('div', { class: 'refusal-item' }, detail) : null,
    next ? el('div', { class: 'refusal-next' }, '下一步：', next.key ? el('kbd', {}, next.key) : null, ` ${next.text}`) : null,
  );
}

export function dismissRefusals() {
  state.refusals = [];
  $('refusals').hidden = true;
}
