// 平台同步: the upload backlog by interface, its age, the last error, the records the platform refused,
// and sending them again once the cause is fixed.
import { $, api, el, failed, fillRows, notify, shanghaiTime } from './lib.js';

export const INTERFACE = {
  3501: '3501 商品盘存',
  3502: '3502 库存变更',
  3503: '3503 商品采购',
  3504: '3504 采购退货',
  3505: '3505 商品销售',
  3506: '3506 销售退货',
  3507: '3507 信息删除',
};

function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} 分钟`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} 小时 ${Math.floor((seconds % 3600) / 60)} 分钟`;
  return `${Math.floor(seconds / 86400)} 天 ${Math.floor((seconds % 86400) / 3600)} 小时`;
}

function kpi(label, value, kind = '') {
  return el('div', { class: `kpi ${kind}` }, el('div', { class: 'kpi-label' }, label), el('div', { class: 'kpi-value' }, value));
}

async function load() {
  const r = await api('GET', '/api/sync');
  if (r.status !== 200) return failed(r, '同步状态读取失败：');
  const s = r.body;
  $('sync-kpis').replaceChildren(
    kpi('积压（待上传 + 失败）', `${s.backlog} 条`, s.backlog ? 'warn' : ''),
    kpi('上传失败', `${s.failed} 条`, s.failed ? 'bad' : ''),
    kpi('已上传', `${s.sent} 条`),
    kpi('最早积压', s.oldestPendingAt ? `${age(s.oldestPendingAgeSeconds)}前` : '无', s.oldestPendingAgeSeconds > 3600 ? 'warn' : ''),
    kpi('下次尝试', s.nextAttemptAt ? shanghaiTime(s.nextAttemptAt).slice(5) : '—'),
  );
  const last = $('sync-last-error');
  last.hidden = !s.lastError;
  if (s.lastError)
    last.textContent = `最近错误：${INTERFACE[s.lastError.infno] || s.lastError.infno} 记录 ${s.lastError.label || s.lastError.recordKey}（第 ${s.lastError.attempts} 次）：${s.lastError.error}`;
  fillRows(
    $('sync-interfaces'),
    s.byInterface.map((i) =>
      el(
        'tr',
        {},
        el('td', {}, INTERFACE[i.infno] || i.infno),
        el('td', { class: 'num' }, i.pending),
        el('td', { class: `num ${i.failed ? 'bad' : ''}` }, i.failed),
        el('td', { class: 'num' }, i.sent),
      ),
    ),
    4,
    '还没有需要上传的记录',
  );
  fillRows(
    $('sync-failed'),
    s.failedRecords.map((f) =>
      el(
        'tr',
        { 'data-id': String(f.id) },
        el('td', {}, el('input', { type: 'checkbox', class: 'pick', value: String(f.id), 'aria-label': `选择记录 ${f.label || f.recordKey}` })),
        el('td', {}, INTERFACE[f.infno] || f.infno),
        el('td', { class: 'code small' }, f.recordKey),
        el('td', { class: 'error-text' }, f.error || '—'),
        el('td', { class: 'num' }, f.attempts),
        el('td', {}, shanghaiTime(f.createdAt)),
        // What the record is (销售单 #9（…）, 批次 L1 · name): the key alone means nothing to a manager.
        el('td', {}, f.label || '—'),
      ),
    ),
    7,
    '没有上传失败的记录',
  );
  $('sync-failed-hint').hidden = s.failed === 0;
  $('sync-select-all').checked = false;
  $('sync-retry-all').disabled = s.failed === 0;
  return true;
}

async function retry(ids) {
  const r = await api('POST', '/api/sync/retry', ids ? { ids } : {});
  if (r.status !== 200) return failed(r, '重试失败：');
  notify('ok', `已重新排队 ${r.body.retried} 条记录，稍后自动上传`);
  await load();
  return true;
}

export function init() {
  // A refused record is never sent again by itself: say so, and what the manager does about it.
  const hint = el(
    'p',
    { id: 'sync-failed-hint', class: 'muted small', hidden: true },
    '平台拒收的记录不会自动重发。请按“错误”一栏中平台的说明修正原因（如商品的医保编码、平台目录、采购单号），再勾选记录点“重试所选”，或点“全部重试”。',
  );
  $('sync-failed').closest('.table-box').before(hint);
  $('sync-retry-all').addEventListener('click', () => void retry());
  $('sync-retry-selected').addEventListener('click', () => {
    const ids = [...document.querySelectorAll('#sync-failed input.pick:checked')].map((i) => Number(i.value));
    if (!ids.length) return notify('error', '请先勾选要重试的记录');
    void retry(ids);
  });
  $('sync-select-all').addEventListener('change', (ev) => {
    for (const i of document.querySelectorAll('#sync-failed input.pick')) i.checked = ev.target.checked;
  });
}

export async function show() {
  await load();
}
