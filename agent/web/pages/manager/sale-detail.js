// 销售单详情: the items with their trace codes, the identity evidence (how the person was identified, the
// face check, the settlement snapshot's hash), every refusal on the way, the settlement, the platform
// uploads, the counter's video of the sale playing in the page, and 整单退费 (sale-refund.js).
import { $, api, el, failed, fillRows, PAYMENT, SALE_STATUS, shanghaiTime, yuan } from './lib.js';
import { closeRefund, renderRefund } from './sale-refund.js';

const METHOD = { e_voucher: '医保电子凭证', id_card: '身份证', social_security_card: '社会保障卡' };
const FACE_METHOD = { face_terminal: '人脸识别终端', camera: '收银台摄像头' };
const FACE_RESULT = { pass: '通过', fail: '未通过', skipped: '未核验' };
const INSUTYPE = { 310: '职工基本医疗保险', 390: '城乡居民基本医疗保险' };
const CODE_STATE = { scanned: '已扫码', missing: '缺追溯码', exempt: '免追溯码' };
const SYNC = { sent: '已上传', pending: '待上传', failed: '失败' };

/** A <dl> from [label, value] pairs, skipping empty values. */
function facts(dl, pairs) {
  dl.replaceChildren(...pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/** The camera's still at settlement: which camera, when, and the SHA-256 that proves the file unchanged. */
function snapshotFact(sale) {
  const snap = sale.evidence && sale.evidence.snapshot;
  if (!snap)
    return sale.status === 'settled' || sale.status === 'reversed' || sale.status === 'reversing'
      ? '等待录像：结算时刻的画面在录像片段保存后取得'
      : '结算时取得';
  return el('span', {}, `摄像头 ${snap.cameraId} · ${shanghaiTime(snap.at)}`, el('br'), el('span', { class: 'code small', title: 'SHA-256' }, snap.sha256));
}

function renderIdentity(sale) {
  const p = sale.identity;
  if (!p) {
    facts($('sale-identity'), [
      ['参保人', '未核验身份（自费）'],
      ['结算快照', snapshotFact(sale)],
    ]);
    return;
  }
  const ev = p.evidence || {};
  const face = ev.face;
  facts($('sale-identity'), [
    ['参保人', `${p.name}（${p.certNo}）`],
    ['险种', INSUTYPE[p.insutype] || p.insutype],
    ['年龄', p.age !== undefined && p.age !== null ? `${p.age} 岁` : ''],
    ['识别方式', `${METHOD[ev.method] || ev.method || '—'}${ev.at ? ` · ${shanghaiTime(ev.at)}` : ''}`],
    ['人脸核验', face ? `${FACE_RESULT[face.result] || face.result}（${FACE_METHOD[face.method] || face.method}）` : '未做人脸核验'],
    ['结算快照', snapshotFact(sale)],
  ]);
}

function renderSettlement(sale) {
  const s = sale.settlement || {};
  const t = s.totals;
  facts($('sale-settlement'), [
    ['状态', SALE_STATUS[sale.status] || sale.status],
    ['方式', PAYMENT[sale.payment] || '—'],
    ['时间', sale.settledAt ? shanghaiTime(sale.settledAt) : ''],
    ['收银员', sale.cashierName || sale.settledBy || sale.openedBy || ''],
    ['结算号', s.setlId ? el('span', { class: 'code small' }, s.setlId) : ''],
    ['合计', yuan(t ? t.total : sale.total)],
    ['统筹基金', t ? yuan(t.fundPay) : ''],
    ['个人账户', t ? yuan(t.accountPay) : ''],
    ['现金', t ? yuan(t.cashPay) : ''],
    ['处方', sale.prescription ? `${sale.prescription.rxNo} · ${sale.prescription.doctorName}` : ''],
    ['在岗药师', sale.pharmacist ? `${sale.pharmacist.name}（注册证号 ${sale.pharmacist.certNo}）` : sale.settledAt ? '无' : ''],
    ['退费时间', sale.reversal ? shanghaiTime(sale.reversal.at) : ''],
    ['退费原因', sale.reversal ? sale.reversal.reason : ''],
    ['退费人', sale.reversal ? sale.reversedByName || sale.reversal.actor : ''],
  ]);
}

/** The clip is cut by the agent; a sale without recorded segments says so instead of a broken player. */
function renderVideo(sale) {
  const video = $('sale-video');
  const note = $('sale-video-note');
  const segments = (sale.evidence && sale.evidence.video) || [];
  video.pause();
  video.removeAttribute('src');
  video.load();
  if (!segments.length) {
    video.hidden = true;
    // An open (or voided) sale has no video window yet: saying the counter had no camera would be wrong.
    if (sale.status === 'open' || sale.status === 'settling' || sale.status === 'voided') {
      note.textContent = sale.status === 'voided' ? '本单已作废，未结算，不关联录像' : '本单尚未结算：结算后关联开始扫码前 30 秒至结算后 30 秒的录像';
      note.className = 'muted small';
      return;
    }
    note.textContent = '本单没有录像：该收银台在这段时间没有摄像头录像，请检查摄像头是否在录像';
    note.className = 'warn-text';
    return;
  }
  video.hidden = false;
  note.className = 'muted small';
  note.textContent = `${segments.length} 段录像（${[...new Set(segments.map((s) => s.cameraId))].join('、')}）${segments.some((s) => s.broken) ? '，其中有损坏的片段' : ''}；开始扫码前 30 秒至结算后 30 秒`;
  video.onerror = () => {
    note.textContent = '录像无法播放：可能已超过保存期限被清理，或录像文件损坏，请联系技术员';
    note.className = 'warn-text';
  };
  video.src = `/api/sales/${sale.id}/video`;
}

export async function show(ctx, id) {
  $('sale-title').textContent = `销售单 #${id}`;
  const r = await api('GET', `/api/sales/${encodeURIComponent(id)}`);
  if (r.status !== 200) return failed(r, `销售单 #${id}：`);
  const sale = r.body;
  $('sale-title').textContent =
    `销售单 #${sale.id} · ${SALE_STATUS[sale.status] || sale.status} · ${sale.counterName || sale.counter} · 开单 ${shanghaiTime(sale.openedAt)}`;
  fillRows(
    $('sale-items'),
    sale.items.map((i) =>
      el(
        'tr',
        {},
        el('td', {}, `${i.name || i.productId} ${i.spec || ''}`, i.split ? el('span', { class: 'tag' }, '拆零') : null),
        el('td', {}, i.lot || '—'),
        el('td', { class: i.expired ? 'expired' : '' }, i.expiry || '—'),
        el('td', { class: i.code ? 'code small' : 'muted' }, i.code || CODE_STATE[i.codeState] || i.codeState),
        el('td', { class: 'num' }, i.pieces),
        el('td', { class: 'num' }, yuan(i.price)),
      ),
    ),
    6,
    '本单没有商品',
  );
  $('sale-refusals').replaceChildren(
    ...(sale.refusals.length
      ? sale.refusals.map((x) =>
          el(
            'li',
            { 'data-code': x.code },
            el('span', { class: 'muted' }, shanghaiTime(x.at)),
            ' ',
            el('b', {}, x.message),
            x.scanned ? el('span', { class: 'code small' }, ` 扫码：${x.scanned}`) : null,
          ),
        )
      : [el('li', { class: 'muted' }, '没有拒绝')]),
  );
  $('sale-sync').replaceChildren(
    ...(sale.sync.length
      ? sale.sync.map((s) =>
          el('li', {}, `${s.infno} · ${SYNC[s.status] || s.status}`, s.lastError ? el('span', { class: 'error-text' }, ` ${s.lastError}`) : null),
        )
      : [el('li', { class: 'muted' }, '无需上传或尚未结算')]),
  );
  renderIdentity(sale);
  renderSettlement(sale);
  renderRefund(sale, async ({ refunded }) => {
    await show(ctx, id);
    // The button is gone after a refund: keep the keyboard on the result instead of the page's top.
    if (refunded && $('sale-refunded')) $('sale-refunded').focus();
  });
  renderVideo(sale);
  return true;
}

export function hide() {
  closeRefund();
  const video = $('sale-video');
  video.pause();
}
