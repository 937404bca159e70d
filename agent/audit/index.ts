// GET /api/audit: the store's own audit of a period: every rule over the ledger's facts.
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';
import { AuditFactsQuery } from './facts.js';
import { recordModified, stockGap } from './ledger-rules.js';
import { largeAmount, multiPersonBurst, personFrequent, youngFrequent } from './settlement-rules.js';
import type { AuditFacts, AuditWarning } from './types.js';

export type { AuditWarning } from './types.js';

/** Every rule, in the order the manager reads them. Pure. */
export function auditWarnings(f: AuditFacts): AuditWarning[] {
  return [
    ...multiPersonBurst(f.sales),
    ...personFrequent(f.sales),
    ...youngFrequent(f.sales),
    ...largeAmount(f.sales),
    ...stockGap(f.outflows),
    ...recordModified(f.modified),
  ];
}

export class AuditService {
  private readonly facts: AuditFactsQuery;

  constructor(db: Db) {
    this.facts = new AuditFactsQuery(db);
  }

  warnings(period: Period): AuditWarning[] {
    return auditWarnings(this.facts.facts(period));
  }
}
