// Charts through Chart.js (window.Chart, bundled with the box under /vendor/, no CDN). One chart per canvas:
// drawing again replaces it. Without the library the canvas is replaced by a sentence saying so.
import { el } from './lib.js';

const charts = new Map();
const FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
export const COLORS = { blue: '#2563eb', green: '#16a34a', amber: '#d97706', red: '#dc2626', grey: '#9ca3af' };

/** Fen → yuan as a number, for axes only (the tables show exact fen-based text). */
export const fenToYuanNumber = (fen) => Math.round(Number(fen) || 0) / 100;

function chartLibrary(canvas) {
  if (window.Chart) return window.Chart;
  const note = el('p', { class: 'muted chart-missing' }, '图表组件未加载（/vendor/chart.umd.min.js）：请重新安装 counter-agent；数据仍可在各页面表格中查看');
  canvas.replaceWith(note);
  return undefined;
}

/** Draws (or redraws) a chart on the canvas; `config` is a Chart.js configuration. */
export function draw(canvas, config) {
  if (!canvas) return undefined;
  const Chart = chartLibrary(canvas);
  if (!Chart) return undefined;
  Chart.defaults.font.family = FONT;
  Chart.defaults.font.size = 13;
  const old = charts.get(canvas);
  if (old) old.destroy();
  const chart = new Chart(canvas, {
    ...config,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false, // screenshots and slow kiosks: draw once, at once
      ...config.options,
    },
  });
  charts.set(canvas, chart);
  return chart;
}
