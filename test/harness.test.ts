// The short form of the fault harness (bench/harness/harness.ts; the long form is `npm run harness`): the real box
// process against a faulty platform, counters selling in parallel, SIGKILLs and restarts, a sign-in storm,
// oversized bodies and fuzzed scans — then no double charge, no code sold twice, one 3505 per settled line,
// verify-ledger passes, stock never negative, no 5xx. Needs dist/ (npm test builds it).
import { describe, expect, it } from 'vitest';
import { runHarness } from '../bench/harness/harness.js';

describe('fault harness (short form)', () => {
  it('holds its invariants through faults, kills, storms and fuzz', async () => {
    const seed = Number(process.env.HARNESS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const f = await runHarness({ durationMs: 20_000, counters: 2, kills: 2, seed, log: (l) => console.log(`[harness seed ${seed}] ${l}`) });
    console.log(`[harness seed ${seed}] ${JSON.stringify(f)}`);
    expect(f.settled).toBeGreaterThan(0);
    expect({
      fiveXX: f.fiveXX,
      doubleCharges: f.doubleCharges,
      settledWithoutCharge: f.settledWithoutCharge,
      codesSoldTwice: f.codesSoldTwice,
      settledLinesWithout3505: f.settledLinesWithout3505,
      negativeStockLots: f.negativeStockLots,
      unresolved: f.unresolved,
      verifyLedgerExit: f.verifyLedgerExit,
    }).toEqual({
      fiveXX: 0,
      doubleCharges: 0,
      settledWithoutCharge: 0,
      codesSoldTwice: 0,
      settledLinesWithout3505: 0,
      negativeStockLots: 0,
      unresolved: 0,
      verifyLedgerExit: 0,
    });
    expect(f.signInStorm['200'] ?? 0).toBe(0);
    expect(f.seconds).toBeLessThan(60);
  }, 120_000);
});
