// The lines of the receipt being prepared: the model (product, lot, dates, packs, price, scanned codes) and
// its table. Codes are counted per line against the packs on the delivery note: one trace code per box.
import { $, el, parseYuan } from './lib.js';

let nextUid = 1;

export const receipt = {
  catalog: [],
  lines: [],
  current: null,
  /** code key → line uid, for every code in the receipt (a box is received once). */
  keys: new Map(),
  /** line uid → the server's problems for it, from the last commit. */
  problems: new Map(),
};

export const productById = (id) => receipt.catalog.find((p) => p.id === id);
export const lineNo = (line) => receipt.lines.indexOf(line) + 1;
export const currentLine = () => receipt.lines.find((l) => l.uid === receipt.current);
export const packsOf = (line) => (/^\d+$/.test(String(line.packs)) ? Number(line.packs) : 0);

export function addLine(seed = {}) {
  const line = { uid: nextUid++, productId: '', lot: '', mfgDate: '', expiry: '', packs: '', price: '', codes: [], ...seed };
  receipt.lines.push(line);
  receipt.current = line.uid;
  return line;
}

export function removeLine(uid) {
  const line = receipt.lines.find((l) => l.uid === uid);
  if (!line) return;
  for (const c of line.codes) receipt.keys.delete(c.key);
  receipt.lines = receipt.lines.filter((l) => l !== line);
  receipt.problems.delete(uid);
  if (receipt.current === uid) receipt.current = receipt.lines.length ? receipt.lines[receipt.lines.length - 1].uid : null;
}

export function removeCode(line, key) {
  line.codes = line.codes.filter((c) => c.key !== key);
  receipt.keys.delete(key);
}

export function clearReceipt() {
  receipt.lines = [];
  receipt.current = null;
  receipt.keys.clear();
  receipt.problems.clear();
}

/** "2 / 3" with its state: exempt products need no codes. */
function countText(line) {
  const product = productById(line.productId);
  if (product && product.traceExempt) return { text: '免追溯码', kind: 'exempt' };
  const packs = packsOf(line);
  const n = line.codes.length;
  return { text: `${n} / ${packs || '?'}`, kind: packs && n === packs ? 'ok' : n > packs ? 'over' : 'short' };
}

export function renderCount(line) {
  const cell = document.querySelector(`#rcv-lines tr[data-uid="${line.uid}"] .count`);
  if (!cell) return;
  const c = countText(line);
  cell.textContent = c.text;
  cell.className = `num count ${c.kind}`;
}

/** Local checks before sending: the fields the agent's schema needs in the right format, in Chinese. */
export function formProblems() {
  const out = [];
  receipt.lines.forEach((line, i) => {
    const at = `第${i + 1}行`;
    if (!line.productId) out.push({ line: i + 1, message: `${at}：请选择商品` });
    if (!line.lot.trim()) out.push({ line: i + 1, message: `${at}：请填写批号` });
    if (!line.mfgDate) out.push({ line: i + 1, message: `${at}：请填写生产日期` });
    if (!line.expiry) out.push({ line: i + 1, message: `${at}：请填写有效期` });
    if (!packsOf(line)) out.push({ line: i + 1, message: `${at}：盒数须为正整数（随货同行单上的数量）` });
    if (parseYuan(line.price) === undefined) out.push({ line: i + 1, message: `${at}：进价须为金额，如 12.50（元/盒）` });
  });
  return out;
}

/** The body of POST /api/receipts for the current lines. */
export function receiptLines() {
  return receipt.lines.map((l) => ({
    productId: l.productId,
    lot: l.lot.trim(),
    mfgDate: l.mfgDate,
    expiry: l.expiry,
    packs: packsOf(l),
    pricePerPack: parseYuan(l.price),
    codes: l.codes.map((c) => c.raw),
  }));
}

function productSelect(line) {
  const select = el(
    'select',
    { 'aria-label': '商品', class: 'product' },
    el('option', { value: '' }, '选择商品…'),
    receipt.catalog.map((p) => el('option', { value: p.id, selected: p.id === line.productId }, `${p.name} ${p.spec || ''}（${p.id}）`)),
  );
  select.addEventListener('change', () => {
    line.productId = select.value;
    renderCount(line);
    renderCurrentCodes();
  });
  return select;
}

function input(line, field, attrs) {
  const i = el('input', { value: line[field], ...attrs });
  i.addEventListener('input', () => {
    line[field] = i.value;
    if (field === 'packs') renderCount(line);
  });
  return i;
}

/** Redraws the lines table (after a structural change: a line added or removed, the server's problems). */
export function renderLines(onRemove) {
  const rows = [];
  receipt.lines.forEach((line, i) => {
    const c = countText(line);
    const tr = el(
      'tr',
      { 'data-uid': String(line.uid), class: line.uid === receipt.current ? 'current' : '' },
      el('td', {}, el('input', { type: 'radio', name: 'rcv-current', 'aria-label': `第${i + 1}行为当前扫码行`, checked: line.uid === receipt.current })),
      el('td', {}, productSelect(line)),
      el('td', {}, input(line, 'lot', { 'aria-label': '批号', class: 'lot' })),
      el('td', {}, input(line, 'mfgDate', { type: 'date', 'aria-label': '生产日期' })),
      el('td', {}, input(line, 'expiry', { type: 'date', 'aria-label': '有效期' })),
      el('td', { class: 'num' }, input(line, 'packs', { type: 'number', min: '1', step: '1', 'aria-label': '盒数', class: 'packs' })),
      el('td', { class: 'num' }, input(line, 'price', { inputmode: 'decimal', 'aria-label': '进价（元/盒）', class: 'price' })),
      el('td', { class: `num count ${c.kind}` }, c.text),
      el(
        'td',
        {},
        el('button', { type: 'button', class: 'icon', 'aria-label': `删除第${i + 1}行`, title: '删除本行', onclick: () => onRemove(line.uid) }, '✕'),
      ),
    );
    // Working in a row makes it the row the scanner fills.
    tr.addEventListener('focusin', () => selectLine(line.uid));
    rows.push(tr);
    const problems = receipt.problems.get(line.uid) || [];
    if (problems.length)
      rows.push(
        el(
          'tr',
          { class: 'line-problems' },
          el(
            'td',
            { colspan: '9' },
            el(
              'ul',
              {},
              problems.map((p) => el('li', {}, p.message)),
            ),
          ),
        ),
      );
  });
  if (!rows.length) rows.push(el('tr', { class: 'empty-row' }, el('td', { colspan: '9' }, '按“添加一行”登记到货的药品（每个批号一行），然后逐盒扫码')));
  $('rcv-lines').replaceChildren(...rows);
  renderCurrentCodes();
}

export function selectLine(uid) {
  if (receipt.current === uid) return;
  receipt.current = uid;
  for (const tr of document.querySelectorAll('#rcv-lines tr[data-uid]')) {
    const on = tr.dataset.uid === String(uid);
    tr.classList.toggle('current', on);
    const radio = tr.querySelector('input[type=radio]');
    if (radio) radio.checked = on;
  }
  renderCurrentCodes();
}

/** The side panel's list of the current line's codes, each removable. */
export function renderCurrentCodes() {
  const line = currentLine();
  const product = line && productById(line.productId);
  $('rcv-current-title').textContent = line ? `第${lineNo(line)}行${product ? ` ${product.name}` : ''} 的追溯码（${line.codes.length}）` : '当前行的追溯码';
  $('rcv-current-codes').replaceChildren(
    ...(line
      ? line.codes.map((c) =>
          el(
            'li',
            { 'data-key': c.key },
            el('span', { class: 'code' }, c.raw),
            el(
              'button',
              {
                type: 'button',
                class: 'icon',
                'aria-label': `移除 ${c.raw}`,
                title: '移除',
                onclick: () => {
                  removeCode(line, c.key);
                  renderCount(line);
                  renderCurrentCodes();
                },
              },
              '✕',
            ),
          ),
        )
      : []),
  );
}
