import type { SyncStatus } from '../../ledger/outbox-status.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

export interface SyncControl {
  retryFailed(ids?: readonly number[]): number;
  /** New outbox rows were written: send them soon. */
  notify?(): void;
}

export function syncRoutes(status: () => SyncStatus, control: SyncControl): TypedRoutes {
  return async (app) => {
    app.get('/api/sync', { config: roles('manager', 'technician') }, async () => status());
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
