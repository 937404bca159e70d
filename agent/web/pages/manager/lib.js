// Shared by the manager screens: DOM building, the API call, money/date formatting, the notice line.
// Plain browser ES module, no build step. Every write goes through fetch with the session cookie; the
// browser adds the same-origin Origin header the agent checks.

import { $, el, request } from '../shared/page-core.js';

export { whenUnauthorized as setUnauthenticatedHandler } from '../shared/page-core.js';
export { $, el };

/** One API call: `{ status, body }`; never throws (a network failure is status 0 with a Chinese error). */
export const api = (method, path, body) => request(method, path, body, '无法连接本机服务：请检查网络或收银机是否开机');

/** The problems of a failed answer as [{ code, message, line?, traceCode? }]. */
export function problems(r) {
  if (r.body && Array.isArray(r.body.errors) && r.body.errors.length) return r.body.errors;
  if (r.body && Array.isArray(r.body.refused) && r.body.refused.length) return r.body.refused;
  if (r.status === 404) return [{ code: 'NOT_FOUND', message: '本机服务尚未提供此功能（404）：请升级 counter-agent 或联系技术员' }];
  return [{ code: `HTTP_${r.status}`, message: `操作失败（${r.status}）：请重试或联系技术员` }];
}

// ------------------------------------------------------------------ the notice line under the header

let noticeTimer = null;
/** Shows what just happened: kind 'ok' (green, fades) or 'error' (red, stays until the next notice). */
export function notify(kind, message) {
  const box = $('notice');
  if (!box) return;
  clearTimeout(noticeTimer);
  box.className = `notice ${kind}`;
  box.textContent = message;
  box.hidden = false;
  if (kind === 'ok') noticeTimer = setTimeout(() => (box.hidden = true), 8000);
}

export function clearNotice() {
  const box = $('notice');
  if (box) box.hidden = true;
}

/** Shows a failed answer's problems in the notice line; returns false so callers can `return failed(r)`. */
export function failed(r, prefix = '') {
  notify(
    'error',
    `${prefix}${problems(r)
      .map((p) => p.message)
      .join('；')}`,
  );
  return false;
}

// ------------------------------------------------------------------ money and quantities (integers only)

/** Fen (integer) → "¥12.34" with integer math only. */
export function yuan(fen) {
  if (fen === null || fen === undefined) return '—';
  const n = Math.trunc(Number(fen) || 0);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  return `${sign}¥${Math.floor(a / 100).toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}

/** "12.5" / "12.50" / "12" yuan → 1250 fen, parsed as text (never through a float); undefined when not money. */
export function parseYuan(text) {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

/** Fen → "12.50" for an input box. */
export function yuanText(fen) {
  return yuan(fen).replace('¥', '').replace(/,/g, '');
}

/** A count of pieces, with whole packs when that helps: "60 粒（3 盒）". */
export function piecesText(pieces, piecesPerPack) {
  if (!piecesPerPack || piecesPerPack <= 1) return `${pieces} 件`;
  const packs = Math.floor(Math.abs(pieces) / piecesPerPack);
  const rest = Math.abs(pieces) % piecesPerPack;
  const sign = pieces < 0 ? '-' : '';
  return `${pieces} 件（${sign}${packs} 盒${rest ? ` + ${rest} 件` : ''}）`;
}

// ------------------------------------------------------------------ time (stored UTC, shown in Shanghai)

const SHANGHAI = 'Asia/Shanghai';

/** ISO instant → Shanghai wall-clock "2026-11-22 10:00:02". */
export function shanghaiTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: SHANGHAI,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}

/** Today's date in Shanghai, YYYY-MM-DD (the browser's clock). */
export function shanghaiToday(now = new Date()) {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: SHANGHAI, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Whole days from `from` to `to` (YYYY-MM-DD), calendar arithmetic in UTC so no daylight-saving surprise. */
export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** YYYY-MM-DD plus n days. */
export function addDays(date, n) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

// ------------------------------------------------------------------ small shared widgets

let defaultPeriod = null;
/**
 * The agent's default period { from, to }: the last 7 days ending on the box's today, asked once from the
 * daily report, so the dates shown are the box's and not this PC's clock. Undefined when it cannot be read.
 */
export async function boxPeriod() {
  if (!defaultPeriod) {
    const r = await api('GET', '/api/reports/daily');
    const days = r.status === 200 && Array.isArray(r.body.days) ? r.body.days : [];
    if (days.length) defaultPeriod = { from: days[0].date, to: days[days.length - 1].date };
  }
  return defaultPeriod || undefined;
}

/** Fills a period picker left empty with the agent's default period. */
export async function fillDefaultPeriod(fromInput, toInput) {
  if (fromInput.value && toInput.value) return;
  const p = await boxPeriod();
  if (!p) return;
  if (!fromInput.value) fromInput.value = p.from;
  if (!toInput.value) toInput.value = p.to;
}

/** A period picker's query string: "" when both are empty (the server's default: the last 7 days). */
export function periodQuery(fromInput, toInput) {
  const q = new URLSearchParams();
  if (fromInput.value) q.set('from', fromInput.value);
  if (toInput.value) q.set('to', toInput.value);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A table body filled with rows, or one row saying there is nothing. */
export function fillRows(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', { class: 'empty-row' }, el('td', { colspan: String(columns) }, emptyText))]));
}

export const PAYMENT = { insurance: '医保', self_pay: '自费' };
export const SALE_STATUS = { open: '进行中', settling: '结算中', settled: '已结算', voided: '已作废', reversed: '已退费', reversing: '退费处理中' };
export const UPLOAD = { sent: '已上传', pending: '待上传', failed: '上传失败', none: '无需上传' };
export const CODE_STATE = { in_stock: '在库', sold: '已售出', returned_to_supplier: '已退供应商', written_off: '已报损' };
export const ROLE = { cashier: '收银员', manager: '店长', technician: '技术员', pharmacist: '执业药师' };
