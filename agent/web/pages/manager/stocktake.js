// 盘点: count each lot by scanning its boxes or typing the pieces, compare with the book, record the count
// (完成盘点: POST /api/stocktakes, the agent reads the book itself) and post each difference as a stock
// adjustment with its reason (a new ledger event, reported to the platform as 3502). Recording the count
// changes no stock; only the adjustments do.
// Coded lots lose boxes by code (the agent refuses a bare negative count for them, so a written-off code can
// never be sold again): once a lot's boxes are scanned, the boxes the book has in stock but nobody scanned are
// listed as 未盘到 and written off in one step. Uncoded lots change by count.
import { $, api, CODE_STATE, el, failed, fillRows, notify, problems, shanghaiToday } from './lib.js';
import { expiryClass } from './stock.js';

let products = [];
/**
 * lotId → { typed, scanned: Map<code, { raw, pieces }>, extra: Map<code, state>, reason, writeOff,
 *           inStock: [{ code, state, piecesLeft }] | null, recorded: stocktake id | null }
 */
const counts = new Map();

function countOf(lotId) {
  let c = counts.get(lotId);
  if (!c) {
    c = { typed: '', scanned: new Map(), extra: new Map(), reason: '', writeOff: '', inStock: null, recorded: null };
    counts.set(lotId, c);
  }
  return c;
}

const lots = () => products.flatMap((p) => p.lots.map((l) => ({ ...l, product: p })));
const findLot = (lotId) => lots().find((l) => l.lotId === lotId);
const rowOf = (lotId) => document.querySelector(`#st-rows tr[data-lot="${lotId}"]`);

/** Counted pieces: what was typed, else the scanned boxes' remaining pieces, else not counted (null). */
function counted(lotId) {
  const c = counts.get(lotId);
  if (!c) return null;
  if (/^\d+$/.test(c.typed.trim())) return Number(c.typed.trim());
  if (c.scanned.size) return [...c.scanned.values()].reduce((n, s) => n + s.pieces, 0);
  return null;
}

const differenceOf = (lot) => {
  const n = counted(lot.lotId);
  return n === null ? null : n - lot.piecesOnHand;
};

function differenceText(d) {
  if (d === null) return '未盘';
  return d === 0 ? '相符' : d > 0 ? `盘盈 +${d}` : `盘亏 ${d}`;
}

/** The boxes the book has in this lot that were not scanned (known once the lot's codes are loaded). */
function missingOf(lotId) {
  const c = counts.get(lotId);
  if (!c || !c.inStock || !c.scanned.size) return [];
  return c.inStock.filter((x) => !c.scanned.has(x.code));
}

/** Under a scanned coded lot: its 未盘到 boxes with the one-step write-off, and boxes scanned that the book has elsewhere. */
function detailRow(lot) {
  const c = countOf(lot.lotId);
  const missing = missingOf(lot.lotId);
  if (!missing.length && !c.extra.size) return null;
  const boxText = (x) => `${x.code}${x.state === 'partly_sold' ? `（已拆零，余 ${x.piecesLeft} 件）` : ''}`;
  const parts = [];
  if (missing.length) {
    const pieces = missing.reduce((n, x) => n + x.piecesLeft, 0);
    parts.push(
      el(
        'div',
        { class: 'st-missing' },
        el('b', {}, `未盘到 ${missing.length} 盒（${pieces} 件）：`),
        el('span', { class: 'code small' }, missing.map(boxText).join('、')),
        ' ',
        el('button', { type: 'button', class: 'write-off-missing', onclick: () => void writeOffMissing(lot) }, `报损未盘到的 ${missing.length} 盒`),
      ),
    );
  }
  if (c.extra.size) {
    const list = [...c.extra].map(([code, state]) => `${code}（账面${CODE_STATE[state] || state}）`).join('、');
    parts.push(
      el(
        'div',
        { class: 'st-extra' },
        el('b', {}, `账外 ${c.extra.size} 盒：`),
        el('span', { class: 'code small' }, list),
        '：账面不在本批次库存中，未计入实盘，请交店长核实',
      ),
    );
  }
  return el('tr', { class: 'line-problems', 'data-detail-lot': String(lot.lotId) }, el('td', { colspan: '9' }, parts));
}

function updateRow(lot) {
  const tr = rowOf(lot.lotId);
  if (!tr) return;
  const n = counted(lot.lotId);
  const d = differenceOf(lot);
  const c = countOf(lot.lotId);
  tr.querySelector('.scanned').textContent = String(c.scanned.size);
  const input = tr.querySelector('input.counted');
  input.placeholder = c.scanned.size ? String(n) : '';
  const diff = tr.querySelector('.diff');
  diff.textContent = differenceText(d) + (c.recorded ? '（已记录）' : '');
  diff.className = `num diff ${d === null ? 'muted' : d === 0 ? 'ok' : 'bad'}`;
  tr.querySelector('button.post').disabled = !d;
  const writeOff = tr.querySelector('input.write-off');
  if (writeOff && writeOff.value !== c.writeOff) writeOff.value = c.writeOff;
  document.querySelector(`#st-rows tr[data-detail-lot="${lot.lotId}"]`)?.remove();
  const detail = detailRow(lot);
  if (detail) tr.after(detail);
}

function render() {
  const today = shanghaiToday();
  const only = $('st-product').value;
  const rows = [];
  for (const p of products) {
    if (only && p.productId !== only) continue;
    rows.push(
      el(
        'tr',
        { class: 'group' },
        el('td', { colspan: '9' }, el('b', {}, p.name), ` ${p.spec || ''} `, el('span', { class: 'muted' }, `${p.productId} · 每盒 ${p.piecesPerPack} 件`)),
      ),
    );
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
          el(
            'td',
            {},
            l.coded
              ? field('write-off', 'writeOff', { 'aria-label': `批号 ${l.lot} 报损追溯码`, placeholder: '缺少或报损盒的码，空格分隔', spellcheck: 'false' })
              : el('span', { class: 'muted' }, '—'),
          ),
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

/** The lot's boxes in stock by the book, asked once per lot (the 未盘到 list is what is left after scanning). */
async function loadLotCodes(lot) {
  const c = countOf(lot.lotId);
  if (c.inStock || !lot.coded) return;
  const r = await api('GET', `/api/stock/lots/${lot.lotId}/codes`);
  if (r.status !== 200) return failed(r, `批号 ${lot.lot} 在库追溯码读取失败（无法列出未盘到的盒）：`);
  c.inStock = r.body.codes;
}

/** One scanned box: it must be this store's, in stock on the book, and in a listed lot. */
async function scan(text) {
  const r = await api('GET', `/api/codes/${encodeURIComponent(text)}`);
  if (r.status === 404) return refuse(text, '本店没有这盒的入库记录：可能是未登记入库的货，请交店长核实并走“收货入库”');
  if (r.status !== 200)
    return refuse(
      text,
      problems(r)
        .map((p) => p.message)
        .join('；'),
    );
  const life = r.body;
  const only = $('st-product').value;
  if (only && life.product.id !== only) return refuse(text, `这是「${life.product.name}」，不是正在盘点的商品：请放回对应货位`);
  const lot = findLot(life.lot.lotId);
  if (life.state !== 'in_stock') {
    // On the shelf but not in stock by the book: flagged under its lot, never counted.
    if (lot) {
      countOf(lot.lotId).extra.set(life.code, life.state);
      updateRow(lot);
    }
    return refuse(text, `账面上这盒${CODE_STATE[life.state] || life.state}，却在货架上：请交店长核实`);
  }
  if (!lot) return refuse(text, `批号 ${life.lot.lot} 不在盘点清单中：请刷新后重试`);
  const c = countOf(lot.lotId);
  if (c.scanned.has(life.code)) return refuse(text, '这盒已经扫过：不要重复扫码');
  c.scanned.set(life.code, { raw: text, pieces: life.pieces - life.piecesSold });
  await loadLotCodes(lot);
  updateRow(lot);
  const tr = rowOf(lot.lotId);
  if (tr) {
    tr.classList.add('flash');
    setTimeout(() => tr.classList.remove('flash'), 600);
  }
}

/** The pieces the listed write-off codes still hold in this lot (the agent removes exactly these). */
async function writeOffPieces(codes, lot) {
  const known = new Map((countOf(lot.lotId).inStock || []).map((x) => [x.code, x.piecesLeft]));
  let sum = 0;
  for (const code of codes) {
    if (known.has(code)) {
      sum += known.get(code);
      continue;
    }
    const r = await api('GET', `/api/codes/${encodeURIComponent(code)}`);
    if (r.status !== 200)
      return {
        error: `报损追溯码 ${code}：${problems(r)
          .map((p) => p.message)
          .join('；')}`,
      };
    if (r.body.lot.lotId !== lot.lotId) return { error: `报损追溯码 ${code} 属于批号 ${r.body.lot.lot}，不是本批号 ${lot.lot}` };
    sum += r.body.pieces - r.body.piecesSold;
  }
  return { sum };
}

/** The adjustment a lot's difference needs ({ body }), or what is missing ({ error }). Sends nothing. */
async function planAdjustment(lot) {
  const d = differenceOf(lot);
  const c = countOf(lot.lotId);
  const reason = c.reason.trim();
  if (!reason) return { error: `批号 ${lot.lot}：请填写调整原因（如 盘亏、破损、过期销毁、盘盈）后再过账` };
  const body = { lotId: lot.lotId, reason: `盘点：${reason}` };
  if (lot.coded && d < 0) {
    const codes = c.writeOff.split(/[\s,，、]+/).filter(Boolean);
    if (!codes.length) return { error: `批号 ${lot.lot} 盘亏 ${-d} 件：有追溯码的批次须逐盒报损，请扫码盘点后点“报损未盘到的盒”，或填写缺少或报损盒的追溯码` };
    const w = await writeOffPieces(codes, lot);
    if (w.error) return { error: w.error };
    if (w.sum !== -d) return { error: `批号 ${lot.lot}：报损的 ${codes.length} 盒共 ${w.sum} 件，与盘亏 ${-d} 件不符，请核对` };
    body.codes = codes;
  } else body.deltaPieces = d;
  return { body, d, reason };
}

/** Records the count of these lots (the agent reads the book); returns the agent's lines by lot, or null. */
async function recordCount(list) {
  const r = await api('POST', '/api/stocktakes', {
    note: $('st-note').value.trim() || undefined,
    lines: list.map((l) => ({ lotId: l.lotId, countedPieces: counted(l.lotId) })),
  });
  if (r.status !== 201) return failed(r, '盘点记录保存失败（未过账任何调整）：') || null;
  for (const l of list) countOf(l.lotId).recorded = r.body.id;
  return { id: r.body.id, lines: new Map(r.body.lines.map((x) => [x.lotId, x])) };
}

/** Posts one planned adjustment; the difference is checked against the book the agent recorded with the count. */
async function adjust(lot, plan, agentLine) {
  if (agentLine && agentLine.difference !== plan.d) {
    return `批号 ${lot.lot}：盘点时账面已变为 ${agentLine.book} 件（盘点期间有销售或入库），差异应为 ${agentLine.difference} 件，未过账：请刷新后复核再过账`;
  }
  const r = await api('POST', '/api/stock/adjustments', plan.body);
  if (r.status !== 201)
    return `批号 ${lot.lot} 过账失败：${problems(r)
      .map((p) => p.message)
      .join('；')}`;
  counts.delete(lot.lotId);
  return null;
}

/** One lot's 过账: its count is recorded first (unless already), then its adjustment. */
async function post(lot) {
  if (!differenceOf(lot)) return;
  const plan = await planAdjustment(lot);
  if (plan.error) return notify('error', plan.error);
  let agentLine;
  if (!countOf(lot.lotId).recorded) {
    const rec = await recordCount([lot]);
    if (!rec) return;
    agentLine = rec.lines.get(lot.lotId);
  }
  const error = await adjust(lot, plan, agentLine);
  if (error) {
    notify('error', error);
    return load();
  }
  notify(
    'ok',
    `已过账：${lot.product.name} 批号 ${lot.lot} ${plan.d > 0 ? '+' : ''}${plan.d} 件（${plan.reason}），盘点已记录，调整已记入台账并排队上报平台（3502）`,
  );
  await load();
  return true;
}

/** Fills the lot's write-off with its 未盘到 boxes and posts it: the manager never types a code. */
async function writeOffMissing(lot) {
  const c = countOf(lot.lotId);
  c.writeOff = missingOf(lot.lotId)
    .map((x) => x.code)
    .join(' ');
  updateRow(lot);
  await post(lot);
}

/** 完成盘点: every counted lot's count is recorded in one stocktake, then each difference is posted. */
async function finish() {
  const list = lots().filter((l) => counted(l.lotId) !== null && !countOf(l.lotId).recorded);
  if (!list.length) return notify('error', '还没有盘点任何批次：请先扫码或填写实盘数量，再点“完成盘点”');
  const plans = new Map();
  const errors = [];
  for (const l of list.filter((x) => differenceOf(x))) {
    const plan = await planAdjustment(l);
    if (plan.error) errors.push(plan.error);
    else plans.set(l.lotId, plan);
  }
  if (errors.length) return notify('error', `盘点未保存：${errors.join('；')}`);
  const rec = await recordCount(list);
  if (!rec) return;
  const failures = [];
  for (const l of list) {
    const plan = plans.get(l.lotId);
    if (!plan) {
      counts.delete(l.lotId);
      continue;
    }
    const error = await adjust(l, plan, rec.lines.get(l.lotId));
    if (error) failures.push(error);
  }
  const summary = `盘点 #${rec.id} 已记录 ${list.length} 个批次，${plans.size - failures.length} 笔差异已过账（库存调整，排队上报平台 3502）`;
  if (failures.length) notify('error', `${summary}；${failures.join('；')}`);
  else notify('ok', `${summary}${plans.size ? '' : '，账实相符'}`);
  $('st-note').value = '';
  await load();
}

async function load() {
  const r = await api('GET', '/api/stock');
  if (r.status !== 200) return failed(r, '库存读取失败：');
  products = r.body.products;
  // The book may have moved: the lots' in-stock boxes are asked again when next needed.
  for (const c of counts.values()) c.inStock = null;
  const select = $('st-product');
  const chosen = select.value;
  select.replaceChildren(
    el('option', { value: '' }, '全部商品'),
    ...products.map((p) => el('option', { value: p.productId, selected: p.productId === chosen }, `${p.name} ${p.spec || ''}`)),
  );
  render();
  await Promise.all(
    lots()
      .filter((l) => countOf(l.lotId).scanned.size)
      .map((l) => loadLotCodes(l).then(() => updateRow(l))),
  );
  return true;
}

export function init() {
  const reasons = el(
    'datalist',
    { id: 'st-reasons' },
    ['盘亏', '盘盈', '破损', '过期销毁', '丢失'].map((v) => el('option', { value: v })),
  );
  $('screen-stocktake').append(reasons);
  $('st-reset').before(
    el('input', {
      id: 'st-note',
      class: 'short',
      placeholder: '盘点备注',
      title: '盘点备注（可不填），随盘点记录保存',
      'aria-label': '盘点备注',
      maxlength: '200',
    }),
    el(
      'button',
      {
        type: 'button',
        id: 'st-finish',
        class: 'primary',
        title: '保存各批次的实盘数量（与当时账面一起记录），并为有差异的批次过账库存调整',
        onclick: () => void finish(),
      },
      '完成盘点',
    ),
  );
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
