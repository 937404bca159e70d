import type { Names } from '../../accounts/names.js';
import type { CheckoutService } from '../../checkout/service.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

// The counter's screen (issue 14): which sale it holds, who is signed in there, and the sales left open by a
// restart or a sign-out, which the cashier resumes or voids explicitly before the next customer's scans.
const counterParam = { type: 'object', required: ['counter'], properties: { counter: { type: 'string', minLength: 1, maxLength: 40 } } } as const;
const sellers = roles('cashier', 'manager');

/** `store`: printed on the counter's receipt (name and 定点编号, the fixmedins_code). */
export function counterRoutes(checkout: CheckoutService, store: { code: string; name: string }, names?: Names): TypedRoutes {
  return async (app) => {
    app.get('/api/counters/:counter', { config: roles('cashier', 'manager', 'technician'), schema: routeSchema({ params: counterParam }) }, async (req) => {
      const { counter } = req.params;
      return {
        counter,
        store: { code: store.code, name: store.name },
        saleId: checkout.currentSale(counter) ?? null,
        attendant: checkout.attendant(counter)?.name ?? null,
        // Names beside the ids (issue 14): the counter's name, the cashier's display name.
        counterName: names?.counter(counter) ?? counter,
        attendantName: names && checkout.attendant(counter) ? names.person(checkout.attendant(counter)?.name) : null,
        leftOpen: checkout.leftOpen(counter).map((s) => (names ? { ...s, openedByName: names.person(s.openedBy) } : s)),
      };
    });

    // The counter page says who signed in at it: the sales its scanners open record that cashier, and the
    // cashier's sign-out clears the screen for the next person.
    app.post('/api/counters/:counter/attend', { config: sellers, schema: routeSchema({ params: counterParam }) }, async (req) => {
      const p = req.principal!;
      checkout.attend(req.params.counter, { name: p.name, sessionId: p.sessionId });
      return { counter: req.params.counter, attendant: p.name, saleId: checkout.currentSale(req.params.counter) ?? null };
    });

    app.post(
      '/api/counters/:counter/resume',
      {
        config: sellers,
        schema: routeSchema({
          params: counterParam,
          body: { type: 'object', additionalProperties: false, required: ['saleId'], properties: { saleId: { type: 'integer', minimum: 1 } } },
        }),
      },
      async (req) => (checkout.resume(req.params.counter, req.body.saleId), { counter: req.params.counter, saleId: req.body.saleId }),
    );
  };
}
