// POST /api/stocktakes records a count (盘点) with the book stock read here at that moment; GET lists a
// period's counts. A count is a record, not a stock movement: differences change the book only through
// POST /api/stock/adjustments (a stock.adjusted ledger event with its reason, reported as 3502).
import { parsePeriod } from '../../reports/period.js';
import type { StocktakeStore } from '../../stocktake/store.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

export function stocktakeRoutes(store: StocktakeStore, clock: () => Date): TypedRoutes {
  return async (app) => {
    app.post(
      '/api/stocktakes',
      {
        bodyLimit: BODY_LIMITS.bulk,
        config: roles('manager'),
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['lines'],
            properties: {
              note: { type: 'string', maxLength: 200 },
              lines: {
                type: 'array',
                minItems: 1,
                maxItems: 10_000,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['lotId', 'countedPieces'],
                  properties: { lotId: { type: 'integer', minimum: 1 }, countedPieces: { type: 'integer', minimum: 0, maximum: 10_000_000 } },
                },
              },
            },
          },
        }),
      },
      async (req, reply) => {
        const s = store.record(
          { ...(req.body.note !== undefined ? { note: req.body.note } : {}), lines: req.body.lines },
          { at: clock(), ...(req.principal ? { actor: req.principal.name } : {}) },
        );
        return reply.code(201).send(s);
      },
    );
    app.get('/api/stocktakes', { config: readers, schema: routeSchema({ querystring: PERIOD }) }, async (req) => ({
      stocktakes: store.list(parsePeriod(req.query, clock())),
    }));
  };
}
