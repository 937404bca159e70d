import type { FastifyPluginAsync } from 'fastify';
import type { SyncStatus } from '../../../sync/outbox/status.js';
import { requireRole } from '../auth.js';

export interface SyncControl {
  retryFailed(ids?: readonly number[]): number;
  /** New outbox rows were written: send them soon. */
  notify?(): void;
}

export function syncRoutes(status: () => SyncStatus, control: SyncControl): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/sync', { preHandler: requireRole('manager', 'technician') }, async () => status());
    // A manager has looked at refused records (or fixed the catalogue) and sends them again.
    app.post<{ Body: { ids?: number[] } | undefined }>(
      '/api/sync/retry',
      {
        preHandler: requireRole('manager', 'technician'),
        schema: { body: { type: ['object', 'null'], additionalProperties: false, properties: { ids: { type: 'array', items: { type: 'integer' }, maxItems: 10000 } } } },
      },
      async (req) => ({ retried: control.retryFailed(req.body?.ids) }),
    );
  };
}
