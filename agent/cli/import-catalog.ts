import type { LoadedConfig } from '../../config/index.js';
import { parseCatalogCsv } from '../catalog/csv.js';
import { Ledger } from '../ledger/index.js';
import { ledgerPath } from '../paths.js';
import type { CliIo } from './main.js';

/** Imports a catalogue CSV straight into the ledger (all rows or none). */
export function importCatalogCommand(loaded: LoadedConfig, bytes: Uint8Array, file: string, io: CliIo): number {
  const parsed = parseCatalogCsv(bytes);
  if (parsed.problems.length > 0) {
    io.err(`${file} (${parsed.encoding}): nothing imported, ${parsed.problems.length} problem(s):`);
    for (const p of parsed.problems) io.err(`  - ${p}`);
    return 1;
  }
  const ledger = Ledger.open(ledgerPath(loaded.config), { anchor: 'existing' });
  try {
    const result = ledger.catalog.importProducts(parsed.products, { at: new Date(), actor: 'cli' });
    if (result.problems.length > 0) {
      io.err(`${file}: nothing imported:`);
      for (const p of result.problems) io.err(`  - ${p}`);
      return 1;
    }
    io.out(`${file} (${parsed.encoding}): imported ${result.imported} products into ${ledgerPath(loaded.config)}`);
    return 0;
  } finally {
    ledger.close();
  }
}
