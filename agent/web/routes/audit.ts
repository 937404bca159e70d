import type { AuditService } from '../../audit/index.js';
import { parsePeriod } from '../../reports/period.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

/** The store's own audit: warnings the platform's nightly audit would raise, before it does. */
export function auditRoutes(service: AuditService, clock: () => Date): TypedRoutes {
  return async (app) => {
    app.get(
      '/api/audit',
      {
        config: readers,
        schema: routeSchema({
          querystring: PERIOD,
          response: {
            '2xx': { type: 'object', properties: { warnings: { type: 'array', items: { type: 'object', properties: { detail: { $ref: 'FreeText#' } } } } } },
          },
        }),
      },
      async (req) => ({ warnings: service.warnings(parsePeriod(req.query, clock())) }),
    );
  };
}
