// 收货入库: the receipt form, scanning at a counter (the agent routes that counter's scans here while a
// receiving session is active, and streams them as `scan` events with receiving: true), typed or pasted
// codes, the on-the-spot checks of each box, and the commit with the agent's problems shown per line.
import { belongsTo, identify, productOf } from './codes.js';
import { $, api, CODE_STATE, el, failed, notify, problems } from './lib.js';
import {
  addLine,
  clearReceipt,
  currentLine,
  formProblems,
  lineNo,
  packsOf,
  productById,
  receipt,
  receiptLines,
  removeLine,
  renderCount,
  renderCurrentCodes,
  renderLines,
} from './receipt-lines.js';

const session = { counter: null, events: null };
let queue = Promise.resolve();

// ------------------------------------------------------------------ one scanned box

function refuse(text, message) {
  const li = el('li', {}, el('div', { class: 'refused-msg' }, message), el('div', { class: 'code small' }, text));
  $('rcv-refused').prepend(li);
  while ($('rcv-refused').children.length > 6) $('rcv-refused').lastElementChild.remove();
  return false;
}

function wrongProduct(id, line, product) {
  const other = productOf(id, receipt.catalog);
  const at = `第${lineNo(line)}行「${product.name}」`;
  if (other) return `这是「${other.name}」的追溯码，不属于${at}：已拒收，请扫描本行药品的追溯码（或先选中该药品所在的行）`;
  const key = id.kind === 'nmpa20' ? `药品标识码 ${id.drugId}` : `GTIN ${id.gtin}`;
  return `追溯码不属于${at}（${key} 与目录不符，可能是中包装/箱码或其他药品的码）：已拒收`;
}

/** Checks one box against the current line and the ledger; adds it or says why not. */
async function acceptScan(text) {
  const line = currentLine();
  if (!line) return refuse(text, '还没有入库明细：请先“添加一行”并选择商品，再扫码');
  const product = productById(line.productId);
  if (!product) return refuse(text, `第${lineNo(line)}行还没有选择商品：请先选择商品，再扫码`);
  if (product.traceExempt) return refuse(text, `「${product.name}」免追溯码，不需要扫码：请直接填写盒数`);
  const id = identify(text);
  if (id.kind === 'ean13') return refuse(text, '这是商品条码，不是追溯码：请扫描药品包装上的追溯码');
  if (belongsTo(id, product) === false) return refuse(text, wrongProduct(id, line, product));
  if (id.lot && line.lot.trim() && id.lot !== line.lot.trim())
    return refuse(text, `追溯码中的批号 ${id.lot} 与第${lineNo(line)}行批号 ${line.lot} 不一致：请核对是否放错批次`);
  const seen = receipt.keys.get(id.key);
  if (seen !== undefined) {
    const at = receipt.lines.find((l) => l.uid === seen);
    return refuse(text, `这盒已经扫过（第${at ? lineNo(at) : '?'}行）：不要重复扫码`);
  }
  const packs = packsOf(line);
  if (!packs) return refuse(text, `第${lineNo(line)}行还没有填写盒数：请先按随货同行单填写盒数，再逐盒扫码`);
  if (line.codes.length >= packs) return refuse(text, `第${lineNo(line)}行到货 ${packs} 盒，已扫满 ${packs} 个追溯码：多出的一盒请核对盒数或随货同行单`);

  // The ledger knows whether this box was ever received here (and the agent's classifier checks its format).
  const r = await api('GET', `/api/codes/${encodeURIComponent(text)}`);
  if (r.status === 400)
    return refuse(
      text,
      problems(r)
        .map((p) => p.message)
        .join('；'),
    );
  if (r.status === 200) {
    const state = r.body.state;
    return refuse(
      text,
      state === 'in_stock' ? '这盒已在库存中，不能重复入库：请核对是否重复扫码' : `这盒已${CODE_STATE[state] || state}，不能再次入库：请联系供货单位核实`,
    );
  }
  if (r.status !== 404)
    return refuse(
      text,
      `无法核对追溯码：${problems(r)
        .map((p) => p.message)
        .join('；')}`,
    );
  if (receipt.keys.has(id.key) || !receipt.lines.includes(line)) return false; // changed while we asked
  if (line.codes.length >= packsOf(line)) return refuse(text, `第${lineNo(line)}行已扫满：多出的一盒请核对盒数`);
  line.codes.push({ raw: text, key: id.key });
  receipt.keys.set(id.key, line.uid);
  renderCount(line);
  renderCurrentCodes();
  return true;
}

/** Scans are checked one after another, in the order they arrive. */
function enqueue(text) {
  const next = queue.then(() => acceptScan(text));
  queue = next.catch(() => false);
  return next;
}

// ------------------------------------------------------------------ the receiving session at a counter

function renderSession() {
  const on = session.counter !== null;
  $('rcv-start').hidden = on;
  $('rcv-stop').hidden = !on;
  $('rcv-counter').disabled = on;
  $('rcv-session').textContent = on
    ? `● 正在收货：收银台 ${session.counter} 的扫码枪扫到的码进入“当前”行（该收银台暂停收银）`
    : '未开始：开始后，该收银台扫码枪扫到的码进入“当前”行';
  $('rcv-session').className = on ? 'live small' : 'muted small';
}

function listen(counter) {
  closeEvents();
  const es = new EventSource(`/api/events?counter=${encodeURIComponent(counter)}`);
  es.addEventListener('scan', (m) => {
    const e = JSON.parse(m.data);
    if (e.receiving) void enqueue(e.text);
  });
  session.events = es;
}

function closeEvents() {
  if (session.events) session.events.close();
  session.events = null;
}

async function startSession() {
  const counter = $('rcv-counter').value.trim();
  if (!counter) return notify('error', '请填写扫码枪所在的收银台（如 counter-1）');
  const r = await api('POST', `/api/receiving/${encodeURIComponent(counter)}/start`);
  if (r.status !== 200) return failed(r, '不能开始扫码收货：');
  session.counter = counter;
  listen(counter);
  renderSession();
  notify('ok', `收银台 ${counter} 的扫码枪已切换到收货`);
  return true;
}

async function stopSession(quiet = false) {
  const counter = session.counter;
  if (counter === null) return;
  session.counter = null;
  closeEvents();
  renderSession();
  const r = await api('POST', `/api/receiving/${encodeURIComponent(counter)}/stop`);
  if (r.status !== 200) failed(r, '停止扫码收货失败：');
  else if (!quiet) notify('ok', `收银台 ${counter} 已恢复收银`);
}

// ------------------------------------------------------------------ typed codes, commit

async function addTyped() {
  const texts = $('rcv-type')
    .value.split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  $('rcv-type').value = '';
  for (const t of texts) await enqueue(t);
  $('rcv-type').focus();
}

function showProblems(list) {
  receipt.problems.clear();
  const general = [];
  for (const p of list) {
    const line = p.line ? receipt.lines[p.line - 1] : undefined;
    if (line) receipt.problems.set(line.uid, [...(receipt.problems.get(line.uid) || []), p]);
    else general.push(p);
  }
  $('rcv-problems').replaceChildren(...general.map((p) => el('li', {}, p.message)));
  $('rcv-problems').hidden = general.length === 0;
  rerender();
}

async function commit() {
  const local = formProblems();
  if (local.length) {
    showProblems(local);
    return notify('error', `入库单未提交：有 ${local.length} 处需要补充，见红色提示`);
  }
  const body = {
    supplier: $('rcv-supplier').value.trim(),
    invoiceNo: $('rcv-invoice').value.trim(),
    deliveryNoteNo: $('rcv-delivery').value.trim(),
    lines: receiptLines(),
  };
  const order = $('rcv-order').value.trim();
  const filing = $('rcv-filing').value.trim();
  if (order) body.procurementOrderNo = order;
  if (filing) body.filingRef = filing;
  $('rcv-commit').disabled = true;
  const r = await api('POST', '/api/receipts', body);
  $('rcv-commit').disabled = false;
  if (r.status === 201) {
    const boxes = body.lines.reduce((n, l) => n + l.packs, 0);
    await stopSession(true);
    clearReceipt();
    addLine();
    for (const id of ['rcv-supplier', 'rcv-invoice', 'rcv-delivery', 'rcv-order', 'rcv-filing']) $(id).value = '';
    $('rcv-refused').replaceChildren();
    showProblems([]);
    notify('ok', `入库成功：入库单 #${r.body.id}，${body.lines.length} 行共 ${boxes} 盒，已记入库存并排队上报平台（3503）`);
    return true;
  }
  if (r.status === 422 && Array.isArray(r.body.errors)) {
    showProblems(r.body.errors);
    return notify('error', `入库单被拒绝（整单未入库）：共 ${r.body.errors.length} 个问题，见红色提示`);
  }
  return failed(r, '入库失败：');
}

function rerender() {
  renderLines((uid) => {
    removeLine(uid);
    rerender();
  });
}

export function init() {
  $('rcv-add-line').addEventListener('click', () => {
    addLine();
    rerender();
    const select = document.querySelector('#rcv-lines tr.current select');
    if (select) select.focus();
  });
  $('rcv-clear').addEventListener('click', () => {
    clearReceipt();
    addLine();
    $('rcv-refused').replaceChildren();
    showProblems([]);
  });
  $('rcv-start').addEventListener('click', () => void startSession());
  $('rcv-stop').addEventListener('click', () => void stopSession());
  $('rcv-type-add').addEventListener('click', () => void addTyped());
  $('rcv-type').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.ctrlKey) {
      ev.preventDefault();
      void addTyped();
    }
  });
  $('rcv-lines').addEventListener('change', (ev) => {
    if (ev.target.name === 'rcv-current') {
      const uid = Number(ev.target.closest('tr').dataset.uid);
      receipt.current = uid;
      for (const tr of document.querySelectorAll('#rcv-lines tr[data-uid]')) tr.classList.toggle('current', tr.dataset.uid === String(uid));
      renderCurrentCodes();
    }
  });
  const form = $('rcv-form');
  // Enter in a field must not commit a half-filled receipt: only the button or Ctrl+Enter do.
  form.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.target.tagName === 'TEXTAREA' || ev.target.tagName === 'BUTTON') return;
    ev.preventDefault(); // Ctrl+Enter is handled on the document
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void commit();
  });
  // Closing the tab gives the scanner back to the cashier (keepalive: the request outlives the page).
  window.addEventListener('pagehide', () => {
    if (session.counter === null) return;
    void fetch(`/api/receiving/${encodeURIComponent(session.counter)}/stop`, { method: 'POST', credentials: 'same-origin', keepalive: true });
  });
  document.addEventListener('keydown', (ev) => {
    if ($('screen-receiving').hidden) return;
    if (ev.key === 'Enter' && ev.ctrlKey) {
      ev.preventDefault();
      void commit();
    } else if (ev.altKey && (ev.key === 'n' || ev.key === 'N')) {
      ev.preventDefault();
      $('rcv-add-line').click();
    }
  });
}

/** A session left running (this page was reloaded or closed without stopping): pick it up again. */
async function adoptSession() {
  const counter = $('rcv-counter').value.trim();
  if (session.counter !== null || !counter) return;
  const r = await api('GET', `/api/receiving/${encodeURIComponent(counter)}`);
  if (r.status !== 200 || !r.body.active) return;
  session.counter = counter;
  listen(counter);
  notify('ok', `收银台 ${counter} 仍在收货状态：扫码继续进入“当前”行；完成后请提交或点“停止”`);
}

export async function show() {
  const r = await api('GET', '/api/catalog');
  if (r.status !== 200) return failed(r, '商品目录读取失败：');
  receipt.catalog = r.body.products;
  if (receipt.lines.length === 0) addLine();
  rerender();
  await adoptSession();
  renderSession();
  return true;
}

/** Leaving the screen gives the counter's scanner back to the cashier; the receipt stays in the page. */
export function hide() {
  void stopSession(true);
}
