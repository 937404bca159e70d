// DOM and formatting helpers shared by the counter page's modules. Money is integer fen throughout.

import { $, el } from '../shared/page-core.js';

export { $, el };

/** Fen (integer) → "¥12.34" with integer math only. */
export function yuan(fen) {
  const n = Number(fen) || 0;
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(Math.trunc(n));
  return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

const SHANGHAI = { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour12: false };

/** ISO instant → Shanghai wall-clock "2026-11-22 10:00:02" (times are stored UTC, shown in Shanghai). */
export function shanghaiTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat('sv-SE', { ...SHANGHAI, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d);
}

/** Today's Shanghai date "YYYY-MM-DD" on this device's clock. */
export function shanghaiToday() {
  return new Intl.DateTimeFormat('sv-SE', SHANGHAI).format(new Date());
}

/** "阿莫西林胶囊（0.25g*24粒）" */
export function productLabel(item) {
  if (!item) return '';
  return `${item.name || item.productId}${item.spec ? `（${item.spec}）` : ''}`;
}

/** Replaces a node's children, skipping null/undefined/false (optional parts of a view). */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}
