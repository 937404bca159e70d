// `npm run harness`: the long form of the fault harness, JSON lines on stdout (figures and invariants), progress on
// stderr. HARNESS_SECONDS (default 180), HARNESS_COUNTERS (3), HARNESS_KILLS (6), HARNESS_SEED (random, printed).
import { emit, envInt, note } from '../util.js';
import { runHarness } from './harness.js';

const seed = envInt('HARNESS_SEED', Math.floor(Math.random() * 2 ** 31));
const seconds = envInt('HARNESS_SECONDS', 180);
note(`harness: ${seconds} s, seed ${seed} (HARNESS_SEED=${seed} repeats it)`);
const f = await runHarness({ durationMs: seconds * 1000, counters: envInt('HARNESS_COUNTERS', 3), kills: envInt('HARNESS_KILLS', 6), seed, log: note });
const { statuses, oversizedBodies, signInStorm, verifyLedgerOutput, ...figures } = f;
emit('harness_sales_settled', f.settled, 'sales', {
  seed,
  seconds: f.seconds,
  counters: f.counters,
  kills: f.kills,
  started: f.salesStarted,
  insurance: f.insuranceSettled,
  refunded: f.refunded,
  fuzzed_scans: f.fuzzedScans,
  connection_errors: f.connectionErrors,
});
emit(
  'harness_http_statuses',
  Object.values(statuses).reduce((a, b) => a + b, 0),
  'requests',
  { statuses, sign_in_storm: signInStorm, oversized_bodies: oversizedBodies },
);
const broken =
  f.fiveXX +
  f.doubleCharges +
  f.settledWithoutCharge +
  f.codesSoldTwice +
  f.settledLinesWithout3505 +
  f.negativeStockLots +
  f.unresolved +
  (f.verifyLedgerExit === 0 ? 0 : 1);
emit('harness_invariant_violations', broken, 'violations', {
  five_xx: f.fiveXX,
  double_charges: f.doubleCharges,
  settled_without_charge: f.settledWithoutCharge,
  codes_sold_twice: f.codesSoldTwice,
  settled_lines_without_3505: f.settledLinesWithout3505,
  negative_stock_lots: f.negativeStockLots,
  unresolved: f.unresolved,
  verify_ledger_exit: f.verifyLedgerExit,
});
note(`verify-ledger: ${verifyLedgerOutput}`);
void figures;
process.exitCode = broken === 0 ? 0 : 1;
