// DESIGN 5: "Settlement must survive a crash at any point … The platform is never charged twice."
// A child process (test/support/settle-loop.mjs, on the built dist/) sells by insurance in a loop against
// the simulator, which loses 20 % of its answers after committing; the test SIGKILLs it at random moments,
// many times, then recovers with a healthy platform and checks the ledger against the platform.
// Reproduce a failure with CRASH_SEED=<the printed seed>.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Product } from '../agent/catalog/product.js';
import { CheckoutService } from '../agent/checkout/service.js';
import { Ledger } from '../agent/ledger/index.js';
import { verifyLedger } from '../agent/ledger/verify.js';
import { ReceivingService } from '../agent/receiving/service.js';
import { PlatformClient } from '../sync/client.js';
import { MsgidAllocator } from '../sync/msgid.js';
import { PlatformSettlementPort } from '../sync/settlement-port.js';
import { type SimulatorHandle, startSimulator } from '../sync/simulator/index.js';
import { DRUG, STORE_MAIN } from '../sync/simulator/seed.js';
import { code } from './fixtures.js';
import { silentLog, tempDir } from './helpers.js';

const LOOP = fileURLToPath(new URL('./support/settle-loop.mjs', import.meta.url));
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 24);
const LOST_RATE = 0.2;
const LATENCY_MS = 3;
const BOXES_PER_PRODUCT = 120; // 600 boxes: the loop never runs out

/** mulberry32: small, seedable, good enough to make kill timings reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The simulator's drugs; no maxDailyPieces, so the box's repeat-purchase and quantity rules never stop the loop.
const base = { manufacturer: '某药业', rx: false, insured: true, category: 'drug' } as const;
const PRODUCTS: Product[] = [
  {
    ...base,
    id: 'MET',
    name: '二甲双胍片',
    spec: '0.5g*48片',
    approvalNo: '国药准字H11',
    nhsaCode: DRUG.metformin,
    tracePrefix: '8300001',
    piecesPerPack: 48,
    pricePerPack: 1250,
  },
  {
    ...base,
    id: 'AML',
    name: '苯磺酸氨氯地平片',
    spec: '5mg*28片',
    approvalNo: '国药准字H12',
    nhsaCode: DRUG.amlodipine,
    tracePrefix: '8300002',
    piecesPerPack: 28,
    pricePerPack: 2380,
  },
  {
    ...base,
    id: 'AMX',
    name: '阿莫西林胶囊',
    spec: '0.25g*24粒',
    approvalNo: '国药准字H13',
    nhsaCode: DRUG.amoxicillin,
    tracePrefix: '8300003',
    piecesPerPack: 24,
    pricePerPack: 1560,
  },
  {
    ...base,
    id: 'IBU',
    name: '布洛芬缓释胶囊',
    spec: '0.3g*20粒',
    approvalNo: '国药准字H14',
    nhsaCode: DRUG.ibuprofen,
    tracePrefix: '8300004',
    piecesPerPack: 20,
    pricePerPack: 1980,
  },
  {
    ...base,
    id: 'LHQW',
    name: '连花清瘟胶囊',
    spec: '0.35g*36粒',
    approvalNo: '国药准字Z15',
    nhsaCode: DRUG.lianhua,
    tracePrefix: '8300005',
    piecesPerPack: 36,
    pricePerPack: 2650,
  },
];
const ORDERS: [string, string[]][] = [
  ['CG202611000001', ['MET', 'AML', 'AMX']],
  ['CG202611000002', ['IBU', 'LHQW']],
];

interface LoopEvent {
  ev: string;
  saleId?: number;
  code?: string;
  message?: string;
  phase?: string;
  reopened?: number;
  pending?: number;
  settling?: string[];
  /** When the test read the line (ms). */
  seen?: number;
}

let tmp: { dir: string; cleanup: () => void };
let sim: SimulatorHandle;
let ledgerFile: string;
const running = new Set<ChildProcess>();

beforeEach(() => {
  tmp = tempDir('counter-agent-crash-');
  ledgerFile = join(tmp.dir, 'ledger.db');
});
afterEach(async () => {
  for (const c of running) c.kill('SIGKILL');
  await sim?.close();
  tmp.cleanup();
});

function prepareLedger(): void {
  const ledger = Ledger.open(ledgerFile);
  try {
    ledger.catalog.importProducts(PRODUCTS, { at: new Date() });
    const receiving = new ReceivingService(ledger, {});
    ORDERS.forEach(([orderNo, ids], n) => {
      const r = receiving.receive({
        supplier: '华润河北医药有限公司',
        invoiceNo: `INV-${n}`,
        deliveryNoteNo: `DN-${n}`,
        procurementOrderNo: orderNo,
        lines: ids.map((id) => {
          const p = PRODUCTS.find((x) => x.id === id)!;
          return {
            productId: id,
            lot: `${id}2601`,
            mfgDate: '2026-06-01',
            expiry: '2028-05-31',
            packs: BOXES_PER_PRODUCT,
            pricePerPack: Math.floor(p.pricePerPack * 0.7),
            codes: Array.from({ length: BOXES_PER_PRODUCT }, (_, i) => code(p.tracePrefix!, i + 1)),
          };
        }),
      });
      if (!r.ok) throw new Error(`receipt refused: ${JSON.stringify(r.problems)}`);
    });
  } finally {
    ledger.close();
  }
}

/** One run of the loop; `killAt` decides when to SIGKILL it, from the child's own progress lines. */
function runLoop(
  seed: number,
  events: LoopEvent[],
): { child: ChildProcess; line: (ev: string) => Promise<void>; exited: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [LOOP], {
    env: { ...process.env, LEDGER_FILE: ledgerFile, PLATFORM_URL: sim.url, SEED: String(seed), RECOVER_EVERY_MS: process.env.CRASH_RECOVER_EVERY_MS ?? '70' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const waiters = new Map<string, () => void>();
  let buf = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const ev = { ...(JSON.parse(buf.slice(0, nl)) as LoopEvent), seen: Date.now() };
      buf = buf.slice(nl + 1);
      events.push(ev);
      waiters.get(ev.ev)?.();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child);
      for (const w of waiters.values()) w();
      resolve({ code, stderr });
    }),
  );
  const line = (ev: string) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`settle-loop never said "${ev}"; stderr: ${stderr}`)), 15_000);
      waiters.set(ev, () => (clearTimeout(t), resolve()));
    });
  return { child, line, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('settlement survives SIGKILL at any point', () => {
  it('never charges twice, never charges without a settled sale, never sells a box twice', async () => {
    const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`crash test seed ${seed} (CRASH_SEED=${seed} to repeat), ${ROUNDS} rounds`);
    const rng = prng(seed);
    const faultRng = prng(seed ^ 0x5bd1e995);
    let draws = 0;
    let lost = 0;
    const simErrors: string[] = [];
    sim = await startSimulator({
      dbPath: join(tmp.dir, 'sim.db'),
      // Only rateLostAfterCommit is set, so every draw decides whether one answer is lost.
      faults: {
        rateLostAfterCommit: LOST_RATE,
        latencyMs: LATENCY_MS,
        random: () => {
          const r = faultRng();
          draws++;
          if (r < LOST_RATE) lost++;
          return r;
        },
      },
      onError: (err) => simErrors.push(String(err)),
    });
    prepareLedger();

    const events: LoopEvent[] = [];
    const started = Date.now();
    for (let round = 0; round <= ROUNDS; round++) {
      const run = runLoop(Math.floor(rng() * 2 ** 31), events);
      const final = round === ROUNDS;
      const mode = final ? 'final' : (['random', 'random', 'at-2102', 'recovery'] as const)[round % 4]!;
      if (mode === 'recovery') {
        // During the start-up recovery (2601 sent, sale not yet reopened, …).
        await Promise.race([run.line('recovering'), run.exited]);
        await sleep(Math.floor(rng() * 40));
      } else if (mode === 'at-2102') {
        // Just after a 2102 leaves: before the platform commits, after it commits, or after the box records.
        await Promise.race([run.line('ready'), run.exited]);
        await sleep(Math.floor(rng() * 150));
        await Promise.race([run.line('2102'), run.exited, sleep(3000)]);
        await sleep(Math.floor(rng() * (LATENCY_MS + 12)));
      } else {
        await Promise.race([run.line('ready'), run.exited]);
        await sleep(final ? 150 : 50 + Math.floor(rng() * 351));
      }
      run.child.kill('SIGKILL');
      const { code, stderr } = await run.exited;
      expect(code, `settle-loop ended on its own: ${stderr}`).toBeNull();
      // Let a 2102 the dead process left in flight reach the platform before anyone sends its 2601.
      await sleep(LATENCY_MS + 30);
    }
    const loopMs = Date.now() - started;

    // Restart with the platform healthy: every settlement left unresolved is reversed and reopened.
    sim.setFaults({});
    const ledger = Ledger.open(ledgerFile);
    try {
      const client = new PlatformClient({
        url: sim.url,
        fixmedinsCode: STORE_MAIN,
        fixmedinsName: '测试药店',
        mdtrtareaAdmvs: '130102',
        insuplcAdmdvs: '130102',
        recerSysCode: 'COUNTERAGENT',
        devNo: '',
        operator: { code: '0001', name: '收银员' },
        signing: { mode: 'none' },
        timeoutMs: 2000,
        msgids: new MsgidAllocator(ledger.msgids, STORE_MAIN),
      });
      const checkout = new CheckoutService({
        ledger,
        port: new PlatformSettlementPort(client),
        classifyOptions: {},
        requireTraceCodesForSelfPay: true,
        log: silentLog(),
      });
      events.push({
        ev: 'recovering',
        seen: Date.now(),
        settling: ledger.db.prepare("SELECT settle_msgid FROM sales WHERE status = 'settling'").pluck().all() as string[],
      });
      const recovered = await checkout.recover();
      expect(recovered.pending).toBe(0);

      const db = ledger.db;
      const count = (sql: string) => db.prepare(sql).pluck().get() as number;
      const byCode = new Map<string, number>();
      for (const e of events) if (e.ev === 'refused') byCode.set(e.code!, (byCode.get(e.code!) ?? 0) + 1);
      const sales = db.prepare('SELECT status, COUNT(*) AS n FROM sales GROUP BY status').all() as { status: string; n: number }[];
      const simRows = sim.db
        .prepare('SELECT setl_id AS setlId, msgid, medfee_sumamt_fen AS total, reversed_at AS reversedAt FROM settlements WHERE fixmedins_code = ?')
        .all(STORE_MAIN) as {
        setlId: string;
        msgid: string;
        total: number;
        reversedAt: string | null;
      }[];
      const reversedBy2601 = sim.db
        .prepare("SELECT COUNT(*) FROM settlements s JOIN messages m ON m.msgid = s.reversal_msgid AND m.infno = '2601' WHERE s.fixmedins_code = ?")
        .pluck()
        .get(STORE_MAIN) as number;
      // Sales a SIGKILL left settling, and those the platform had charged and the restart reversed (the hardest path).
      const restarts = new Map<string, number>();
      for (const e of events) if (e.ev === 'recovering') for (const m of e.settling ?? []) if (!restarts.has(m)) restarts.set(m, e.seen!);
      const chargedBeforeCrash = simRows.filter(
        (r) => restarts.has(r.msgid) && r.reversedAt !== null && Date.parse(r.reversedAt) >= restarts.get(r.msgid)! - 5,
      );
      const summary = {
        seed,
        rounds: ROUNDS + 1,
        loopMs,
        platformDraws: draws,
        lostAnswersInjected: lost,
        sales: Object.fromEntries(sales.map((s) => [s.status, s.n])),
        platformSettlements: simRows.length,
        platformLive: simRows.filter((r) => r.reversedAt === null).length,
        reversedBy2601,
        loopSettled: events.filter((e) => e.ev === 'settled').length,
        outOfStock: events.some((e) => e.ev === 'out-of-stock'),
        loopRefusals: Object.fromEntries(byCode),
        crashLeftSettling: restarts.size,
        chargedBeforeCrash: chargedBeforeCrash.length,
        timerRecoveries: events.filter((e) => e.ev === 'recovered' && e.phase === 'timer').length,
        finalRecovery: recovered,
        simulatorErrors: simErrors.length,
      };
      console.log('crash test:', JSON.stringify(summary));
      expect(
        events.filter((e) => e.ev === 'error'),
        'unexpected errors in settle-loop',
      ).toEqual([]);

      // No sale is left settling.
      expect(count("SELECT COUNT(*) FROM sales WHERE status = 'settling'")).toBe(0);

      // Platform and ledger agree exactly: every live settlement is one settled sale with its setl_id and msgid, and back.
      const settled = (db.prepare("SELECT id, settlement FROM sales WHERE status = 'settled'").all() as { id: number; settlement: string }[]).map((s) => ({
        id: s.id,
        ...(JSON.parse(s.settlement) as { setlId: string; msgid: string; totals: { total: number } }),
      }));
      const live = simRows.filter((r) => r.reversedAt === null);
      for (const r of live) {
        const matches = settled.filter((s) => s.setlId === r.setlId);
        expect(matches.length, `platform settlement ${r.setlId} (msgid ${r.msgid}) has ${matches.length} settled sales`).toBe(1);
        expect(matches[0]!.msgid).toBe(r.msgid);
        expect(matches[0]!.totals.total).toBe(r.total);
      }
      const liveIds = new Set(live.map((r) => r.setlId));
      for (const s of settled) expect(liveIds.has(s.setlId), `sale ${s.id} is settled but its ${s.setlId} is not live at the platform`).toBe(true);
      expect(new Set(settled.map((s) => s.setlId)).size).toBe(settled.length);
      expect(count("SELECT COUNT(*) FROM sales WHERE status = 'reversed'")).toBe(0);

      // No code sold twice, in the ledger or at the platform; the box's and the platform's sold codes are the same.
      expect(count('SELECT COUNT(*) FROM trace_codes WHERE pieces_sold > pieces')).toBe(0);
      const twice = db
        .prepare(`SELECT i.code, COUNT(*) AS n FROM sale_items i JOIN sales s ON s.id = i.sale_id
          WHERE s.status = 'settled' AND i.removed = 0 AND i.split = 0 AND i.code IS NOT NULL GROUP BY i.code HAVING n > 1`)
        .all();
      expect(twice).toEqual([]);
      const soldInSales = db
        .prepare(`SELECT i.code, SUM(i.pieces) AS pieces FROM sale_items i JOIN sales s ON s.id = i.sale_id
          WHERE s.status = 'settled' AND i.removed = 0 AND i.code IS NOT NULL GROUP BY i.code ORDER BY i.code`)
        .all() as { code: string; pieces: number }[];
      expect(db.prepare('SELECT code, pieces_sold AS pieces FROM trace_codes WHERE pieces_sold > 0 ORDER BY code').all()).toEqual(soldInSales);
      expect(
        sim.db
          .prepare('SELECT drug_trac_codg FROM settled_codes WHERE released = 0 AND fixmedins_code = ? GROUP BY drug_trac_codg HAVING COUNT(*) > 1')
          .all(STORE_MAIN),
      ).toEqual([]);
      const liveCodes = sim.db
        .prepare('SELECT drug_trac_codg FROM settled_codes WHERE released = 0 AND fixmedins_code = ? ORDER BY drug_trac_codg')
        .pluck()
        .all(STORE_MAIN);
      expect(liveCodes).toEqual(soldInSales.map((s) => s.code));

      // Stock adds up per lot.
      const lots = db
        .prepare(`SELECT l.bchno, l.pieces_received - l.pieces_on_hand AS gone, COALESCE((SELECT SUM(i.pieces) FROM sale_items i JOIN sales s ON s.id = i.sale_id
          WHERE i.lot_id = l.id AND i.removed = 0 AND s.status = 'settled'), 0) AS sold FROM lots l`)
        .all() as { bchno: string; gone: number; sold: number }[];
      expect(lots.length).toBe(PRODUCTS.length);
      for (const l of lots) expect(l.gone, `lot ${l.bchno}`).toBe(l.sold);

      const verified = verifyLedger(db);
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);

      // The hard paths were exercised: an uncertain 2102 was reversed by 2601, and sales did settle.
      expect(reversedBy2601).toBeGreaterThan(0);
      expect(chargedBeforeCrash.length, 'no SIGKILL landed between the platform charging and the box recording').toBeGreaterThan(0);
      expect(settled.length).toBeGreaterThan(0);
      expect(lost).toBeGreaterThan(0);
    } finally {
      ledger.close();
    }
  }, 90_000);
});
