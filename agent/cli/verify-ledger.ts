import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../../config/index.js';
import { Ledger } from '../ledger/index.js';
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
    const result = verifyLedger(ledger.db);
    if (json) io.out(JSON.stringify({ ledger: path, ...result }));
    else if (result.ok) io.out(`ledger ${path}: OK — ${result.events} events, ${result.codes} trace codes, hash chain and stock invariants hold`);
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
