import type { SyncStatus } from '../../ledger/outbox-status.js';
import type { RecordLabels } from '../../reports/labels.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

export interface SyncControl {
  retryFailed(ids?: readonly number[]): number;
  /** New outbox rows were written: send them soon. */
  notify?(): void;
}

export function syncRoutes(status: () => SyncStatus, control: SyncControl, labels?: RecordLabels): TypedRoutes {
  // What a record is, beside its key (issue 14): 销售单 #9（date, drugs） for a sale's records, 批次 L1 · name for stock.
  const label = (r: { recordKey: string; saleId: number | null }) => (r.saleId !== null ? labels?.sale(r.saleId) : labels?.lot(r.recordKey));
  return async (app) => {
    app.get('/api/sync', { config: roles('manager', 'technician') }, async () => {
      const s = status();
      if (!labels) return s;
      return {
        ...s,
        lastError: s.lastError ? { ...s.lastError, label: label(s.lastError) } : null,
        failedRecords: s.failedRecords.map((r) => ({ ...r, label: label(r) })),
      };
    });
    // A manager has looked at refused records (or fixed the catalogue) and sends them again.
    app.post(
      '/api/sync/retry',
      {
        bodyLimit: BODY_LIMITS.bulk,
        config: roles('manager', 'technician'),
        schema: routeSchema({
          body: { type: ['object', 'null'], additionalProperties: false, properties: { ids: { type: 'array', items: { type: 'integer' }, maxItems: 10000 } } },
        }),
      },
      async (req) => ({ retried: control.retryFailed(req.body?.ids) }),
    );
  };
}
