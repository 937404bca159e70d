// 平台核对 (on the 对账 screen): for one day (default yesterday, Shanghai), read what the platform holds
// (3512 入库 / 3513 销售追溯信息查询) and list what is missing there, extra there, or held differently — with
// product names — and re-send the missing and differing records through the outbox with one key.
import { $, addDays, api, el, failed, fillRows, notify, shanghaiToday, yuan } from './lib.js';

const KIND = { receipt: '入库', sale: '销售', refund: '退货' };
const QUERY = { 3512: '入库', 3513: '销售/退货' };
const FIELD = { pieces: '数量（件）', amount: '金额', code: '医保编码', codes: '追溯码' };

/** Why a missing record is missing, as far as this box knows (its outbox row's state). */
const MISSING_NOTE = {
  pending: '平台无此记录（本机队列中待上传，联网后自动补传）',
  failed: '平台无此记录（上传被平台拒收，原因见「平台同步」）',
  sent: '平台无此记录（本机已上传，平台未保存）',
};
const show = (field, v) => (field === 'amount' ? yuan(Number(v)) : v || '（无）');
const productName = (r) => r.name || `医保编码 ${r.code}`;
/** What the platform holds of a record: quantity and amount when it says (3512/3513 do not), else its trace codes. */
const platformHolds = (r) =>
  r.pieces === null || r.pieces === undefined
    ? `追溯码 ${r.codes.length} 个${r.codes.length ? `：${r.codes.join('、')}` : ''}`
    : `${r.pieces} 件${r.amountFen === null ? '' : `，${yuan(r.amountFen)}`}`;

let lastDate = null;
/** Called after a read-back changed what 上传完整 says (the 对账 screen reloads for that day). */
let onRead = () => {};

function render(d) {
  lastDate = d.date;
  const complete = d.missing.length === 0 && d.differing.length === 0;
  $('pf-summary').className = `summary ${complete ? 'ok' : 'bad'}`;
  $('pf-summary').textContent =
    `${d.date}：本机 ${d.ledgerRecords} 条，平台 ${d.platformRecords} 条，一致 ${d.matched} 条；` +
    `缺失 ${d.missing.length} 条，多余 ${d.extra.length} 条，不一致 ${d.differing.length} 条。` +
    (complete ? '本机记录在平台均已存在且一致（平台已核实）。' : '请点击“重新上传缺失记录”补传，补传后再读取一次平台记录核实。') +
    (d.extra.length ? '多余记录不在本机账本中，不会自动删除：请核实来源，确有错误请联系医保经办机构处理。' : '');
  const rows = [
    ...d.missing.map((r) =>
      el(
        'tr',
        { class: 'missing' },
        el('td', { class: 'bad' }, '缺失'),
        el('td', {}, productName(r)),
        el('td', {}, `${KIND[r.kind] || ''} · ${r.doc}`),
        el('td', { class: 'code small' }, r.bchno),
        el('td', {}, `${r.pieces} 件，${yuan(r.amountFen)}`),
        el('td', {}, MISSING_NOTE[r.outboxStatus] || '平台无此记录'),
      ),
    ),
    ...d.differing.map((x) =>
      el(
        'tr',
        { class: 'differing' },
        el('td', { class: 'warn' }, '不一致'),
        el('td', {}, productName(x.ledger)),
        el('td', {}, `${KIND[x.ledger.kind] || ''} · ${x.ledger.doc}`),
        el('td', { class: 'code small' }, x.ledger.bchno),
        el('td', {}, x.differences.map((f) => `${FIELD[f.field] || f.field}：${show(f.field, f.ledger)}`).join('；')),
        el('td', {}, x.differences.map((f) => `${FIELD[f.field] || f.field}：${show(f.field, f.platform)}`).join('；')),
      ),
    ),
    ...d.extra.map((r) =>
      el(
        'tr',
        { class: 'extra' },
        el('td', { class: 'warn' }, '多余'),
        el('td', {}, productName(r)),
        el('td', {}, `${QUERY[r.query] || ''} · 本机无此单据`),
        el('td', { class: 'code small' }, r.bchno),
        el('td', {}, '本机无此记录'),
        // 3512/3513 answer no quantity or price (sync/spec/queries.ts): the trace codes the platform holds instead.
        el('td', {}, platformHolds(r)),
      ),
    ),
  ];
  fillRows($('pf-rows'), rows, 6, '没有差异');
  $('pf-resend').disabled = complete;
}

async function readBack() {
  const date = $('pf-date').value;
  if (!date) return notify('error', '请先选择要核对的日期');
  $('pf-read').disabled = true;
  $('pf-summary').className = 'summary';
  $('pf-summary').textContent = `正在读取 ${date} 的平台记录……`;
  try {
    const r = await api('POST', '/api/reconciliation/platform-readback', { date });
    if (r.status !== 200) {
      $('pf-summary').textContent = '';
      return failed(r, '读取平台记录失败：');
    }
    render(r.body);
    await onRead(date);
    return true;
  } finally {
    $('pf-read').disabled = false;
  }
}

async function resend() {
  if (!lastDate) return;
  $('pf-resend').disabled = true;
  const r = await api('POST', '/api/reconciliation/platform-readback/resend', { date: lastDate });
  if (r.status !== 200) {
    $('pf-resend').disabled = false;
    return failed(r, '重新上传失败：');
  }
  const { requeued, alreadyQueued } = r.body;
  notify(
    'ok',
    `已将 ${requeued} 条记录重新排入上传队列${alreadyQueued ? `（另有 ${alreadyQueued} 条本就在队列中等待上传）` : ''}：上传完成后请再次点击“读取平台记录”核实。`,
  );
  return true;
}

/** `reload(date)`: the 对账 screen shows that day, so 上传完整 cites the read-back. */
export function init(reload) {
  onRead = reload;
  $('pf-date').value = addDays(shanghaiToday(), -1);
  $('pf-read').addEventListener('click', () => void readBack());
  $('pf-resend').addEventListener('click', () => void resend());
}
