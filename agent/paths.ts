import { join } from 'node:path';
import type { Config } from '../config/index.js';

/** Where the ledger lives under dataDir; one place so every command opens the same file. */
export function ledgerPath(config: Config): string {
  return join(config.dataDir, 'ledger.db');
}
