// 盘点: count each lot by scanning its boxes or typing the pieces, compare with the book, and post each
// difference as a stock adjustment with its reason (a new ledger event, reported to the platform as 3502).
// Coded lots lose boxes by code (the agent refuses a bare negative count for them, so a written-off code can
// never be sold again); uncoded lots change by count.
import { $, api, CODE_STATE, el, failed, fillRows, notify, problems, shanghaiToday } from './lib.js';
import { expiryClass } from './stock.js';

let products = [];
/** lotId → { typed: string, scanned: Map<key, { raw, pieces }>, reason: string, writeOff: string } */
const counts = new Map();

function countOf(lotId) {
  let c = counts.get(lotId);
  if (!c) {
    c = { typed: '', scanned: new Map(), reason: '', writeOff: '' };
    counts.set(lotId, c);
  }
  return c;
}

const lots = () => products.flatMap((p) => p.lots.map((l) => ({ ...l, product: p })));
const findLot = (lotId) => lots().find((l) => l.lotId === lotId);

/** Counted pieces: what was typed, else the scanned boxes' remaining pieces, else not counted (null). */
function counted(lotId) {
  const c = counts.get(lotId);
  if (!c) return null;
  if (/^\d+$/.test(c.typed.trim())) return Number(c.typed.trim());
  if (c.scanned.size) return [...c.scanned.values()].reduce((n, s) => n + s.pieces, 0);
  return null;
}

function differenceText(d) {
  if (d === null) return '未盘';
  return d === 0 ? '相符' : d > 0 ? `盘盈 +${d}` : `盘亏 ${d}`;
}

function updateRow(lot) {
  const tr = document.querySelector(`#st-rows tr[data-lot="${lot.lotId}"]`);
  if (!tr) return;
  const n = counted(lot.lotId);
  const d = n === null ? null : n - lot.piecesOnHand;
  const c = countOf(lot.lotId);
  tr.querySelector('.scanned').textContent = String(c.scanned.size);
  const input = tr.querySelector('input.counted');
  input.placeholder = c.scanned.size ? String(n) : '';
  const diff = tr.querySelector('.diff');
  diff.textContent = differenceText(d);
  diff.className = `num diff ${d === null ? 'muted' : d === 0 ? 'ok' : 'bad'}`;
  tr.querySelector('button.post').disabled = !d;
}

function render() {
  const today = shanghaiToday();
  const only = $('st-product').value;
  const rows = [];
  for (const p of products) {
    if (only && p.productId !== only) continue;
    rows.push(el('tr', { class: 'group' }, el('td', { colspan: '9' }, el('b', {}, p.name), ` ${p.spec || ''} `, el('span', { class: 'muted' }, `${p.productId} · 每盒 ${p.piecesPerPack} 件`))));
    for (const l of p.lots) {
      const c = countOf(l.lotId);
      const lot = { ...l, product: p };
      const field = (cls, key, attrs) => {
        const i = el('input', { class: cls, value: c[key], ...attrs });
        i.addEventListener('input', () => {
          c[key] = i.value;
          updateRow(lot);
        });
        return i;
      };
      rows.push(
        el(
          'tr',
          { 'data-lot': String(l.lotId) },
          el('td', { class: 'indent' }, `批号 ${l.lot}`, l.coded ? null : el('span', { class: 'tag' }, '无码')),
          el('td', { class: expiryClass(l.expiry, today) }, l.expiry),
          el('td', { class: 'num book' }, l.piecesOnHand),
          el('td', { class: 'num scanned' }, c.scanned.size),
          el('td', { class: 'num' }, field('counted num-input', 'typed', { inputmode: 'numeric', 'aria-label': `批号 ${l.lot} 实盘数量（件）` })),
          el('td', { class: 'num diff' }),
          el('td', {}, field('reason', 'reason', { list: 'st-reasons', 'aria-label': `批号 ${l.lot} 调整原因`, placeholder: '盘亏 / 破损…' })),
          el('td', {}, l.coded ? field('write-off', 'writeOff', { 'aria-label': `批号 ${l.lot} 报损追溯码`, placeholder: '缺少或报损盒的码，空格分隔', spellcheck: 'false' }) : el('span', { class: 'muted' }, '—')),
          el('td', {}, el('button', { type: 'button', class: 'post', onclick: () => void post(lot) }, '过账')),
        ),
      );
    }
  }
  fillRows($('st-rows'), rows, 9, '没有在库的批次');
  for (const l of lots()) updateRow(l);
}

function refuse(text, message) {
  $('st-refused').prepend(el('li', {}, el('div', { class: 'refused-msg' }, message), el('div', { class: 'code small' }, text)));
  while ($('st-refused').children.length > 4) $('st-refused').lastElementChild.remove();
}

/** One scanned box: it must be this store's, in stock on the book, and in a listed lot. */
async function scan(text) {
  const r = await api('GET', `/api/codes/${encodeURIComponent(text)}`);
  if (r.status === 404) return refuse(text, '本店没有这盒的入库记录：可能是未登记入库的货，请交店长核实并走“收货入库”');
  if (r.status !== 200) return refuse(text, problems(r).map((p) => p.message).join('；'));
  const life = r.body;
  const only = $('st-product').value;
  if (only && life.product.id !== only) return refuse(text, `这是「${life.product.name}」，不是正在盘点的商品：请放回对应货位`);
  if (life.state !== 'in_stock') return refuse(text, `账面上这盒${CODE_STATE[life.state] || life.state}，却在货架上：请交店长核实`);
  const lot = findLot(life.lot.lotId);
  if (!lot) return refuse(text, `批号 ${life.lot.lot} 不在盘点清单中：请刷新后重试`);
  const c = countOf(lot.lotId);
  if (c.scanned.has(life.code)) return refuse(text, '这盒已经扫过：不要重复扫码');
  c.scanned.set(life.code, { raw: text, pieces: life.pieces - life.piecesSold });
  updateRow(lot);
  const tr = document.querySelector(`#st-rows tr[data-lot="${lot.lotId}"]`);
  if (tr) {
    tr.classList.add('flash');
    setTimeout(() => tr.classList.remove('flash'), 600);
  }
}

/** The pieces the listed write-off codes still hold in this lot (the agent removes exactly these). */
async function writeOffPieces(codes, lot) {
  let sum = 0;
  for (const code of codes) {
    const r = await api('GET', `/api/codes/${encodeURIComponent(code)}`);
    if (r.status !== 200) return { error: `报损追溯码 ${code}：${problems(r).map((p) => p.message).join('；')}` };
    if (r.body.lot.lotId !== lot.lotId) return { error: `报损追溯码 ${code} 属于批号 ${r.body.lot.lot}，不是本批号 ${lot.lot}` };
    sum += r.body.pieces - r.body.piecesSold;
  }
  return { sum };
}

async function post(lot) {
  const n = counted(lot.lotId);
  const d = n === null ? 0 : n - lot.piecesOnHand;
  if (!d) return;
  const c = countOf(lot.lotId);
  const reason = c.reason.trim();
  if (!reason) return notify('error', `批号 ${lot.lot}：请填写调整原因（如 盘亏、破损、过期销毁、盘盈）后再过账`);
  const body = { lotId: lot.lotId, reason: `盘点：${reason}` };
  if (lot.coded && d < 0) {
    const codes = c.writeOff.split(/[\s,，]+/).filter(Boolean);
    if (!codes.length) return notify('error', `批号 ${lot.lot} 盘亏 ${-d} 件：有追溯码的批次须逐盒报损，请填写缺少或报损盒的追溯码`);
    const w = await writeOffPieces(codes, lot);
    if (w.error) return notify('error', w.error);
    if (w.sum !== -d) return notify('error', `批号 ${lot.lot}：报损的 ${codes.length} 盒共 ${w.sum} 件，与盘亏 ${-d} 件不符，请核对`);
    body.codes = codes;
  } else body.deltaPieces = d;
  const r = await api('POST', '/api/stock/adjustments', body);
  if (r.status !== 201) return failed(r, `批号 ${lot.lot} 过账失败：`);
  notify('ok', `已过账：${lot.product.name} 批号 ${lot.lot} ${d > 0 ? '+' : ''}${d} 件（${reason}），已记入台账并排队上报平台（3502）`);
  counts.delete(lot.lotId);
  await load();
  return true;
}

async function load() {
  const r = await api('GET', '/api/stock');
  if (r.status !== 200) return failed(r, '库存读取失败：');
  products = r.body.products;
  const select = $('st-product');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, '全部商品'), ...products.map((p) => el('option', { value: p.productId, selected: p.productId === chosen }, `${p.name} ${p.spec || ''}`)));
  render();
  return true;
}

export function init() {
  const reasons = el('datalist', { id: 'st-reasons' }, ['盘亏', '盘盈', '破损', '过期销毁', '丢失'].map((v) => el('option', { value: v })));
  $('screen-stocktake').append(reasons);
  $('st-product').addEventListener('change', render);
  $('st-scan-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('st-scan').value.trim();
    $('st-scan').value = '';
    if (text) void scan(text);
  });
  $('st-reset').addEventListener('click', () => {
    counts.clear();
    $('st-refused').replaceChildren();
    render();
  });
}

export async function show() {
  await load();
  $('st-scan').focus();
}
