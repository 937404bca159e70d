import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../../config/index.js';
import { Ledger } from '../ledger/index.js';
import { anchorPaths, checkAnchors } from '../ledger/anchor.js';
import { verifyLedger } from '../ledger/verify.js';
import { ledgerPath } from '../paths.js';
import type { CliIo } from './main.js';

export function verifyLedgerCommand(loaded: LoadedConfig, io: CliIo, json: boolean): number {
  const path = ledgerPath(loaded.config);
  if (!existsSync(path)) {
    io.err(`counter-agent verify-ledger: no ledger at ${path} (dataDir from ${loaded.source})`);
    return 2;
  }
  const ledger = Ledger.open(path, { readonly: true });
  try {
    // The signed heads first: a deleted tail or rehashed chain is named by the first missing or changed event.
    const chain = verifyLedger(ledger.db);
    const anchors = checkAnchors(ledger.db, anchorPaths(loaded.config.dataDir));
    const problems = [...anchors.problems, ...chain.problems];
    const result = { ...chain, ok: problems.length === 0, problems, signedHeads: anchors.checked ? { heads: anchors.heads, late: anchors.late } : null };
    if (json) io.out(JSON.stringify({ ledger: path, ...result }));
    else if (result.ok) {
      const signed = anchors.checked ? `, every event under a head signed by the box (${anchors.heads} heads, ${anchors.late} signed late after a stop)` : ' (no signed heads yet: only the chain itself was checked)';
      io.out(`ledger ${path}: OK — ${result.events} events, ${result.codes} trace codes, hash chain and stock invariants hold${signed}`);
    }
    else {
      const first = result.problems[0];
      io.out(`ledger ${path}: BROKEN — ${result.problems.length} problem(s); first: ${first?.message}`);
      for (const p of result.problems.slice(1, 20)) io.out(`  also: ${p.message}`);
    }
    return result.ok ? 0 : 1;
  } finally {
    ledger.close();
  }
}
