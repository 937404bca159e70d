import { reconciliationCsv } from '../../reconciliation/csv.js';
import type { ReconciliationService } from '../../reconciliation/index.js';
import { parsePeriod } from '../../reports/period.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

/** 进销存对账: JSON for the page, CSV (UTF-8 with BOM) for Excel. */
export function reconciliationRoutes(service: ReconciliationService, clock: () => Date): TypedRoutes {
  return async (app) => {
    const csv = (from: string, to: string, body: string) => ({
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="reconciliation-${from}-${to}.csv"`,
      body,
    });

    app.get(
      '/api/reconciliation',
      { config: readers, schema: routeSchema({ querystring: { allOf: [PERIOD, { type: 'object', properties: { format: { type: 'string' } } }] } }) },
      async (req, reply) => {
        const r = service.compute(parsePeriod(req.query, clock()));
        if (req.query.format !== 'csv') return r;
        const file = csv(r.from, r.to, reconciliationCsv(r));
        return reply.type(file.type).header('content-disposition', file.disposition).send(file.body);
      },
    );
    app.get('/api/reconciliation.csv', { config: readers, schema: routeSchema({ querystring: PERIOD }) }, async (req, reply) => {
      const r = service.compute(parsePeriod(req.query, clock()));
      const file = csv(r.from, r.to, reconciliationCsv(r));
      return reply.type(file.type).header('content-disposition', file.disposition).send(file.body);
    });
  };
}
