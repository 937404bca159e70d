import type { TransferService } from '../../transfers/service.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

const codes = { type: 'array', minItems: 0, maxItems: 5000, items: { type: 'string', minLength: 1, maxLength: 512 } } as const;

/** Transfers between stores (调拨): ship out, receive in, list with discrepancies. Manager writes; technician reads. */
export function transferRoutes(transfers: TransferService): TypedRoutes {
  return async (app) => {
    const readers = roles('manager', 'technician');
    app.get('/api/transfers', { config: readers, schema: routeSchema({}) }, async () => transfers.list());
    app.get('/api/transfers/stores', { config: readers, schema: routeSchema({}) }, async () => ({ stores: await transfers.stores() }));
    // On demand when the page opens (and every minute by itself): inbound manifests and our shipments' outcomes.
    app.post('/api/transfers/refresh', { config: readers, schema: routeSchema({}) }, async () => transfers.refresh());
    app.post(
      '/api/transfers/check',
      {
        config: roles('manager'),
        schema: routeSchema({
          body: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string', minLength: 1, maxLength: 512 } } },
        }),
      },
      async (req) => transfers.check(req.body.code),
    );
    app.post(
      '/api/transfers',
      {
        config: roles('manager'),
        bodyLimit: BODY_LIMITS.bulk,
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['toStore', 'codes'],
            properties: { toStore: { type: 'string', minLength: 1, maxLength: 40 }, codes },
          },
        }),
      },
      async (req, reply) => reply.code(201).send(await transfers.ship(req.body.toStore, req.body.codes, req.principal?.name)),
    );
    app.post(
      '/api/transfers/:id/receive',
      {
        config: roles('manager'),
        bodyLimit: BODY_LIMITS.bulk,
        schema: routeSchema({
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 80 } } },
          body: { type: 'object', additionalProperties: false, required: ['codes'], properties: { codes } },
        }),
      },
      async (req) => transfers.receive(req.params.id, req.body.codes, req.principal?.name),
    );
  };
}
