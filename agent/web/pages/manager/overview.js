// 概览: the day's figures at a glance and the charts people would rather look at than read:
// daily sales, stock value by product, the platform upload backlog.
import { COLORS, draw, fenToYuanNumber } from './charts.js';
import { $, addDays, api, el, failed, notify, problems, shanghaiTime, shanghaiToday, yuan } from './lib.js';
import { expiryClass } from './stock.js';

function kpi(label, value, note, kind = '') {
  return el(
    'div',
    { class: `kpi ${kind}` },
    el('div', { class: 'kpi-label' }, label),
    el('div', { class: 'kpi-value' }, value),
    note ? el('div', { class: 'kpi-note' }, note) : null,
  );
}

/** The last 30 days: the server's default period ends on its today, so ask for that first. */
async function dailySales() {
  const week = await api('GET', '/api/reports/daily');
  if (week.status !== 200 || !Array.isArray(week.body.days) || week.body.days.length === 0) return week;
  const to = week.body.days[week.body.days.length - 1].date;
  return api('GET', `/api/reports/daily?from=${addDays(to, -29)}&to=${to}`);
}

function chartNote(canvasId, r) {
  const canvas = $(canvasId);
  if (!canvas) return;
  canvas.closest('.canvas-box').replaceChildren(
    el(
      'p',
      { class: 'muted chart-missing' },
      problems(r)
        .map((p) => p.message)
        .join('；'),
    ),
  );
}

/** A failed load replaced a canvas with a note: the next visit puts the canvas back. */
function restoreCanvases() {
  for (const box of document.querySelectorAll('#screen-overview .canvas-box')) {
    if (!box.querySelector('canvas')) box.replaceChildren(el('canvas', { id: box.dataset.canvas, 'aria-label': box.dataset.label }));
  }
}

const SIGNED = { signed: '已由本机签名', pending: '签名中', off: '本机未启用签名' };

/** The ledger's head as the printout carries it: verify later with `counter-agent verify-ledger --head SEQ:HASH`. */
function headText(daily) {
  if (daily.status !== 200) return '账本链头暂不可读';
  const h = daily.body.head;
  if (!h) return '账本尚无记录';
  return `账本链头：第 ${h.seq} 条 · 哈希 ${h.shortHash} · ${SIGNED[h.signed] ?? h.signed} · 记录于 ${shanghaiTime(h.at)} · 打印于 ${shanghaiTime(daily.body.printedAt)}（核对：verify-ledger --head ${h.seq}:${h.shortHash}）`;
}

export function init() {
  $('ov-print')?.addEventListener('click', () => window.print());
  for (const c of document.querySelectorAll('#screen-overview canvas')) {
    const box = c.closest('.canvas-box');
    box.dataset.canvas = c.id;
    box.dataset.label = c.getAttribute('aria-label') || '';
  }
}

/** Boxes sold here and at another store of the chain (GET /api/chain/alarms), each with 已核查. */
async function chainAlarms() {
  const box = $('ov-chain');
  const r = await api('GET', '/api/chain/alarms');
  const open = r.status === 200 ? r.body.alarms.filter((a) => !a.resolvedAt) : [];
  box.hidden = open.length === 0;
  box.replaceChildren(
    el('h3', {}, `连锁串码：${open.length} 个追溯码在本店和其他门店都已售出`),
    ...open.map((a) =>
      el(
        'div',
        { class: 'chain-alarm', 'data-code': a.code },
        el('span', {}, a.message),
        el(
          'button',
          {
            type: 'button',
            onclick: async () => {
              const done = await api('POST', `/api/chain/alarms/${a.id}/resolve`, {});
              if (done.status !== 200) return failed(done, '标记失败：');
              notify('ok', `追溯码 ${a.code} 已标记为已核查`);
              await chainAlarms();
            },
          },
          '已核查',
        ),
      ),
    ),
  );
}

export async function show() {
  restoreCanvases();
  void chainAlarms();
  const [daily, value, backlog, sync, stock, audit] = await Promise.all([
    dailySales(),
    api('GET', '/api/reports/stock-value'),
    api('GET', '/api/reports/backlog?hours=24'),
    api('GET', '/api/sync'),
    api('GET', '/api/stock'),
    api('GET', '/api/audit'),
  ]);

  const days = daily.status === 200 ? daily.body.days : [];
  const last = days[days.length - 1];
  const today = shanghaiToday();
  let expired = 0;
  let near = 0;
  if (stock.status === 200) {
    for (const p of stock.body.products)
      for (const l of p.lots) {
        const c = expiryClass(l.expiry, today);
        if (c === 'expired') expired++;
        else if (c === 'near') near++;
      }
  }
  const s = sync.status === 200 ? sync.body : null;
  $('ov-kpis').replaceChildren(
    kpi(`${last ? last.date : '今日'} 销售`, last ? yuan(last.totalFen) : '—', last ? `${last.sales} 笔 · 统筹 ${yuan(last.fundFen)}` : '销售报表暂不可用'),
    kpi('库存金额（进价）', value.status === 200 ? yuan(value.body.totalFen) : '—', value.status === 200 ? `${value.body.products.length} 种商品` : ''),
    kpi(
      '平台上传积压',
      s ? `${s.backlog} 条` : '—',
      s ? (s.failed ? `${s.failed} 条失败，请到“平台同步”处理` : s.oldestPendingAt ? `最早 ${shanghaiTime(s.oldestPendingAt)}` : '全部已上传') : '',
      s && s.failed ? 'bad' : '',
    ),
    kpi('效期', `${expired} 个过期批次`, `${near} 个批次 90 天内到期`, expired ? 'bad' : near ? 'warn' : ''),
    kpi(
      '自查预警（近7天）',
      audit.status === 200 ? `${audit.body.warnings.length} 条` : '—',
      audit.status === 200 && audit.body.warnings.length ? '请到“自查预警”核实' : '',
      audit.status === 200 && audit.body.warnings.length ? 'warn' : '',
    ),
  );

  $('ov-head').textContent = headText(daily);
  if (daily.status === 200) {
    draw($('ov-daily'), {
      type: 'bar',
      data: {
        labels: days.map((d) => d.date.slice(5)),
        datasets: [
          { label: '统筹基金', data: days.map((d) => fenToYuanNumber(d.fundFen)), backgroundColor: COLORS.blue, stack: 'pay' },
          { label: '个人账户', data: days.map((d) => fenToYuanNumber(d.accountFen)), backgroundColor: COLORS.green, stack: 'pay' },
          { label: '现金', data: days.map((d) => fenToYuanNumber(d.cashFen)), backgroundColor: COLORS.amber, stack: 'pay' },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }, plugins: { legend: { position: 'top' } } },
    });
  } else chartNote('ov-daily', daily);

  if (value.status === 200) {
    const top = [...value.body.products].sort((a, b) => b.valueFen - a.valueFen).slice(0, 8);
    draw($('ov-stock'), {
      type: 'bar',
      data: {
        labels: top.map((p) => p.name),
        datasets: [{ label: '库存金额', data: top.map((p) => fenToYuanNumber(p.valueFen)), backgroundColor: COLORS.blue }],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
  } else chartNote('ov-stock', value);

  if (backlog.status === 200) {
    const points = backlog.body.points;
    draw($('ov-backlog'), {
      type: 'line',
      data: {
        labels: points.map((p) => shanghaiTime(p.at).slice(11, 16)),
        datasets: [
          { label: '待上传', data: points.map((p) => p.pending), borderColor: COLORS.amber, backgroundColor: COLORS.amber, pointRadius: 0, tension: 0.2 },
          { label: '失败', data: points.map((p) => p.failed), borderColor: COLORS.red, backgroundColor: COLORS.red, pointRadius: 0, tension: 0.2 },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: 'top' } } },
    });
  } else chartNote('ov-backlog', backlog);
}
