// A separate process that sells by insurance in a loop against a platform URL, so test/crash.test.ts can
// SIGKILL it at any point of a settlement and start it again. Like the agent it first runs recover() (and
// then again on a timer, as the agent does every 30 s), then loops forever: open a sale, scan 1-2 boxes
// still in stock, identify a seeded insured person by e-voucher token, settle with insurance.
// Uses the built dist/ (npm test builds first).
// usage: LEDGER_FILE=... PLATFORM_URL=... [SEED=n] [RECOVER_EVERY_MS=n] node settle-loop.mjs
// Writes one JSON line per outcome on stdout (synchronous on a pipe, so a SIGKILL loses nothing written).
import { Writable } from 'node:stream';
import { CheckoutError } from '../../dist/agent/checkout/errors.js';
import { CheckoutService } from '../../dist/agent/checkout/service.js';
import { Ledger } from '../../dist/agent/ledger/index.js';
import { createLogger } from '../../dist/agent/log.js';
import { PlatformClient } from '../../dist/sync/client.js';
import { MsgidAllocator } from '../../dist/sync/msgid.js';
import { PlatformSettlementPort } from '../../dist/sync/settlement-port.js';
import { SEED_PERSONS } from '../../dist/sync/simulator/seed.js';

const ledgerFile = process.env.LEDGER_FILE;
const url = process.env.PLATFORM_URL;
if (!ledgerFile || !url) {
  console.error('settle-loop: LEDGER_FILE and PLATFORM_URL are required');
  process.exit(2);
}
const recoverEveryMs = Number(process.env.RECOVER_EVERY_MS ?? 0);

// mulberry32: reproducible choices for a given SEED.
let seed = Number(process.env.SEED ?? 1) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const emit = (ev) => process.stdout.write(`${JSON.stringify(ev)}\n`);

const ledger = Ledger.open(ledgerFile);
const client = new PlatformClient({
  url,
  fixmedinsCode: 'P13010200001',
  fixmedinsName: '测试药店',
  mdtrtareaAdmvs: '130102',
  insuplcAdmdvs: '130102',
  recerSysCode: 'COUNTERAGENT',
  devNo: '',
  operator: { code: '0001', name: '收银员' },
  signing: { mode: 'none' },
  timeoutMs: 1000,
  msgids: new MsgidAllocator(ledger.msgids, 'P13010200001'),
});
/** Says when a 2102 leaves, so the test can aim a SIGKILL at the moment the platform charges. */
class ReportingPort extends PlatformSettlementPort {
  settle(req, msgid) {
    emit({ ev: '2102', msgid });
    return super.settle(req, msgid);
  }
}
const checkout = new CheckoutService({
  ledger,
  port: new ReportingPort(client),
  classifyOptions: {},
  requireTraceCodesForSelfPay: true,
  log: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })),
});

/** Boxes in stock and not held by an open or settling sale, one random pick per product. */
const freeCodes = ledger.db.prepare(`
  SELECT c.code, l.product_id AS productId FROM trace_codes c JOIN lots l ON l.id = c.lot_id
  WHERE c.state = 0 AND c.pieces_sold = 0 AND NOT EXISTS (
    SELECT 1 FROM sale_items i JOIN sales s ON s.id = i.sale_id
    WHERE i.code = c.code AND i.removed = 0 AND s.status IN ('open', 'settling'))
  ORDER BY c.code`);

function pickCodes(n) {
  const byProduct = new Map();
  for (const r of freeCodes.all()) {
    const list = byProduct.get(r.productId) ?? [];
    list.push(r.code);
    byProduct.set(r.productId, list);
  }
  const products = [...byProduct.keys()];
  const out = [];
  while (out.length < n && products.length > 0) {
    const [p] = products.splice(Math.floor(random() * products.length), 1);
    const list = byProduct.get(p);
    out.push(list[Math.floor(random() * list.length)]);
  }
  return out;
}

function outcome(saleId, err) {
  if (err instanceof CheckoutError) emit({ ev: 'refused', saleId, code: err.code, status: err.status, message: err.message });
  else emit({ ev: 'error', saleId, message: String(err?.stack ?? err) });
  const status = checkout.sales.get(saleId)?.status;
  if (status === 'open') checkout.void(saleId);
}

async function settle(saleId, retry) {
  try {
    const r = await checkout.settle(saleId, 'insurance');
    emit({ ev: 'settled', saleId, setlId: r.settlementId, retry });
  } catch (err) {
    outcome(saleId, err);
  }
}

async function recover(phase) {
  const r = await checkout.recover();
  if (r.reopened + r.pending > 0) emit({ ev: 'recovered', phase, ...r });
}

// What a crash left unresolved (for the test's report: which of these had been charged).
emit({ ev: 'recovering', settling: ledger.db.prepare("SELECT settle_msgid FROM sales WHERE status = 'settling'").pluck().all() });
await recover('start');
emit({ ev: 'ready' });

// As at a counter: a sale the recovery returned to the cashier is settled once more (a new 2102 msgid).
for (const id of ledger.db.prepare("SELECT id FROM sales WHERE status = 'open' AND person IS NOT NULL ORDER BY id").pluck().all()) {
  await settle(id, true);
}
for (const id of ledger.db.prepare("SELECT id FROM sales WHERE status = 'open' ORDER BY id").pluck().all()) checkout.void(id);

if (recoverEveryMs > 0) {
  // The agent's periodic recovery runs beside the counter, whatever the counter is doing.
  const tick = () =>
    void recover('timer')
      .catch((err) => emit({ ev: 'error', message: String(err?.stack ?? err) }))
      .finally(() => setTimeout(tick, recoverEveryMs));
  setTimeout(tick, recoverEveryMs);
}

for (let n = 0; ; n++) {
  const codes = pickCodes(1 + Math.floor(random() * 2));
  if (codes.length === 0) {
    emit({ ev: 'out-of-stock' });
    await new Promise((r) => setTimeout(r, 50));
    continue;
  }
  const saleId = checkout.open('C1');
  try {
    for (const c of codes) {
      const r = checkout.addItem(saleId, c);
      if (!r.ok) throw new CheckoutError(409, r.refused[0].code, r.refused.map((x) => x.message).join('；'));
    }
    const person = SEED_PERSONS[n % SEED_PERSONS.length];
    await checkout.setIdentity(saleId, '01', person.token);
  } catch (err) {
    outcome(saleId, err);
    continue;
  }
  await settle(saleId, false);
}
