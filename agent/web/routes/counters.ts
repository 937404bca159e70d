import type { FastifyPluginAsync } from 'fastify';
import type { CheckoutService } from '../../checkout/service.js';
import { requireRole } from '../auth.js';
import { answer } from './sales.js';

// The counter's screen (issue 14): which sale it holds, who is signed in there, and the sales left open by a
// restart or a sign-out, which the cashier resumes or voids explicitly before the next customer's scans.
const counterParam = { type: 'object', required: ['counter'], properties: { counter: { type: 'string', minLength: 1, maxLength: 40 } } } as const;
const sellers = requireRole('cashier', 'manager');

/** `store`: printed on the counter's receipt (name and 定点编号, the fixmedins_code). */
export function counterRoutes(checkout: CheckoutService, store: { code: string; name: string }): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { counter: string } }>('/api/counters/:counter', { preHandler: requireRole('cashier', 'manager', 'technician'), schema: { params: counterParam } }, async (req) => {
      const { counter } = req.params;
      return { counter, store: { code: store.code, name: store.name }, saleId: checkout.currentSale(counter) ?? null, attendant: checkout.attendant(counter)?.name ?? null, leftOpen: checkout.leftOpen(counter) };
    });

    // The counter page says who signed in at it: the sales its scanners open record that cashier, and the
    // cashier's sign-out clears the screen for the next person.
    app.post<{ Params: { counter: string } }>('/api/counters/:counter/attend', { preHandler: sellers, schema: { params: counterParam } }, async (req) => {
      const p = req.principal!;
      checkout.attend(req.params.counter, { name: p.name, sessionId: p.sessionId });
      return { counter: req.params.counter, attendant: p.name, saleId: checkout.currentSale(req.params.counter) ?? null };
    });

    app.post<{ Params: { counter: string }; Body: { saleId: number } }>(
      '/api/counters/:counter/resume',
      {
        preHandler: sellers,
        schema: { params: counterParam, body: { type: 'object', additionalProperties: false, required: ['saleId'], properties: { saleId: { type: 'integer', minimum: 1 } } } },
      },
      async (req, reply) => answer(reply, () => (checkout.resume(req.params.counter, req.body.saleId), { counter: req.params.counter, saleId: req.body.saleId })),
    );
  };
}
