// scan_pty_to_page_latency: a trace code written to a serial scanner's pseudo-terminal until its line is in the
// counter page's DOM, in Chromium (issue 14; target p99 <= 50 ms). The box runs as its own process (`counter-agent
// run`) with a simulated scanner: socat makes the pty pair, the box reads the near end through the same serial code
// as a real scanner (parser cut at \r), routes the scan to the counter's sale and pushes it on /api/events; the page
// reloads the sale and renders its lines. Baseline in the same run: the same scan POSTed over HTTP (no pty, no page).
//
// Clocks: the write is stamped in this process and the DOM change in the page (a MutationObserver on #lines), both
// as performance.timeOrigin + performance.now() — the machine's wall clock at sub-millisecond resolution. The two
// processes' origins can differ, so the offset is measured before the scans: the page's clock read in round trips,
// keeping the shortest (its half-width bounds the error, reported as clock_error_ms). Polling the DOM from here
// instead would add a CDP round trip and the poll interval to every figure.
//   BENCH_PTY_SCANS=n   measured scans (default 300, after 20 unmeasured warm-up scans)

import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Page } from 'playwright-core';
import { demoCode } from '../agent/demo/stock.js';
import { BOX_TOKENS, boxCall, startBox, writeBoxConfig } from './box-process.js';
import { startSimulatorProcess } from './simulator-process.js';
import { emit, envInt, note, nowNs, quantile } from './util.js';

const PREFIX = '8400013';
/** Lines per sale before it is voided and the next scan opens a new one: a large basket, re-rendered on every scan. */
const BASKET = 20;
const WARMUP = 20;

const wallMs = (): number => performance.timeOrigin + performance.now();

/** page clock - this process's clock, from the round trip with the least uncertainty. */
async function clockOffset(page: Page): Promise<{ offset: number; error: number }> {
  let best = { offset: 0, error: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 50; i++) {
    const t0 = wallMs();
    const p = await page.evaluate<number>('performance.timeOrigin + performance.now()');
    const t1 = wallMs();
    if ((t1 - t0) / 2 < best.error) best = { offset: p - (t0 + t1) / 2, error: (t1 - t0) / 2 };
  }
  return best;
}

/** Arms an observer that stamps the moment #lines holds `rows` rows (window.__lineAt, a promise). */
function arm(page: Page, rows: number): Promise<void> {
  return page.evaluate<void>(`(() => {
    const lines = document.getElementById('lines');
    window.__lineAt = new Promise((resolve) => {
      const done = () => lines.rows.length === ${rows};
      if (done()) return resolve(-1);
      const mo = new MutationObserver(() => {
        if (!done()) return;
        mo.disconnect();
        resolve(performance.timeOrigin + performance.now());
      });
      mo.observe(lines, { childList: true });
    });
  })()`);
}

export async function benchPtyToPage(scans: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'counter-bench-pty-'));
  const ptyPath = join(dir, 'scanner-pty');
  const sim = await startSimulatorProcess(join(dir, 'sim.db'));
  const box = await startBox(
    writeBoxConfig(dir, sim.url, {
      devicesYaml: `scanners:\n  - { id: bench-scanner, type: simulated, counter: counter-1, path: ${JSON.stringify(ptyPath)} }\n`,
    }),
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  let fd: number | undefined;
  try {
    const total = WARMUP + scans;
    const boxes = total + 2 * scans + 10;
    const codes = Array.from({ length: boxes }, (_, n) => demoCode(PREFIX, n + 1));
    await boxCall(box.url, 'POST', '/api/catalog', {
      products: [
        { id: 'PTY', name: '扫码基准药', spec: '10片', manufacturer: '厂', approvalNo: 'H1', nhsaCode: '', tracePrefix: PREFIX, rx: false, insured: false },
      ].map((p) => ({ ...p, category: 'drug', piecesPerPack: 10, pricePerPack: 1000 })),
    });
    await boxCall(box.url, 'POST', '/api/users', { username: 'cashier1', role: 'cashier', password: '2468' });
    const r = await boxCall(box.url, 'POST', '/api/receipts', {
      supplier: '供货商',
      invoiceNo: 'INV-PTY',
      deliveryNoteNo: 'DN-PTY',
      procurementOrderNo: 'CG-PTY',
      lines: [{ productId: 'PTY', lot: 'L1', mfgDate: '2026-01-01', expiry: '2029-01-01', packs: boxes, pricePerPack: 700, codes }],
    });
    if (r.status !== 201) throw new Error(`receipt refused: ${JSON.stringify(r.body)}`);

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // Stamps each scan event's arrival in the page (the split between the box and the page's own work).
    await page.addInitScript({
      content: `performance.setResourceTimingBufferSize(100000);
        const ES = window.EventSource;
        window.EventSource = class extends ES {
          constructor(...args) {
            super(...args);
            this.addEventListener('scan', () => { window.__eventAt = performance.timeOrigin + performance.now(); });
          }
        };`,
    });
    await page.goto(`${box.url}/counter?counter=counter-1`);
    await page.locator('#login-user').fill('cashier1');
    await page.locator('#login-pin').fill('2468');
    await page.locator('#login-pin').press('Enter');
    await page.locator('#counter').waitFor({ state: 'visible' });
    const clock = await clockOffset(page);
    note(`pty→page: page clock offset ${clock.offset.toFixed(3)} ms ± ${clock.error.toFixed(3)} ms`);

    fd = openSync(ptyPath, 'w');
    let c = 0;
    let inSale = 0;
    const ours: number[] = [];
    const toEvent: number[] = [];
    for (let i = 0; i < total; i++) {
      if (inSale === BASKET) {
        // The next scan opens a fresh sale on the counter (voided, the boxes go back to stock).
        const id = Number((await page.locator('#sale-title').textContent())?.match(/单号 (\d+)/)?.[1]);
        const v = await boxCall(box.url, 'POST', `/api/sales/${id}/void`, {}, BOX_TOKENS.cashier);
        if (v.status !== 200) throw new Error(`void of sale ${id} refused: ${JSON.stringify(v.body)}`);
        inSale = 0;
      }
      await arm(page, inSale + 1);
      const t0 = wallMs();
      writeSync(fd, `${codes[c++] as string}\r`);
      const at = await Promise.race([
        page.evaluate<number>('window.__lineAt'),
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`scan ${i}: no line ${inSale + 1} on the page after 10 s`)), 10_000)),
      ]);
      if (at < 0) throw new Error(`scan ${i}: the page already had ${inSale + 1} lines before the scan`);
      if (i >= WARMUP) {
        ours.push(at - clock.offset - t0);
        toEvent.push((await page.evaluate<number>('window.__eventAt')) - clock.offset - t0);
      }
      inSale++;
    }

    // Baseline: the same scan POSTed to the open sale over HTTP, timed round trip here.
    const sale = await boxCall<{ id: number }>(box.url, 'POST', '/api/sales', { counter: 'counter-9' }, BOX_TOKENS.cashier);
    const base: number[] = [];
    for (let i = 0; i < scans; i++) {
      const t = nowNs();
      const s = await boxCall(box.url, 'POST', `/api/sales/${sale.body.id}/items`, { code: codes[c++] }, BOX_TOKENS.cashier);
      base.push((nowNs() - t) / 1e6);
      if (s.status !== 200) throw new Error(`baseline scan refused: ${JSON.stringify(s.body)}`);
    }
    // The page's GET /api/sales/:id after each scan event, from its resource timing (request start to last byte).
    const fetches = await page.evaluate<number[]>(
      `performance.getEntriesByType('resource').filter((e) => /\\/api\\/sales\\/\\d+$/.test(e.name)).map((e) => e.responseEnd - e.startTime)`,
    );
    const p50 = quantile(ours, 0.5);
    const p99 = quantile(ours, 0.99);
    const b50 = quantile(base, 0.5);
    const b99 = quantile(base, 0.99);
    emit('scan_pty_to_page_latency', p99, 'ms', {
      stat: 'p99',
      p50,
      p99,
      max: quantile(ours, 1),
      baseline: { what: 'POST /api/sales/:id/items round trip', p50: b50, p99: b99 },
      ratio: { p50: p50 / b50, p99: p99 / b99 },
      split: {
        pty_to_event_in_page: { p50: quantile(toEvent, 0.5), p99: quantile(toEvent, 0.99) },
        event_to_line: {
          p50: quantile(
            ours.map((x, k) => x - (toEvent[k] as number)),
            0.5,
          ),
          p99: quantile(
            ours.map((x, k) => x - (toEvent[k] as number)),
            0.99,
          ),
        },
      },
      sale_fetch_in_page: { p50: quantile(fetches, 0.5), p99: quantile(fetches, 0.99), n: fetches.length },
      n: ours.length,
      basket: BASKET,
      clock_error_ms: clock.error,
      target: 'p99 <= 50 ms',
      meets_target: p99 <= 50,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
    await browser.close();
    await box.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const PTY_SCANS = (): number => envInt('BENCH_PTY_SCANS', 300);
