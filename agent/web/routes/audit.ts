import type { AuditService } from '../../audit/index.js';
import type { RecordLabels } from '../../reports/labels.js';
import { parsePeriod } from '../../reports/period.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

/** The store's own audit: warnings the platform's nightly audit would raise, before it does. */
export function auditRoutes(service: AuditService, clock: () => Date, labels?: RecordLabels): TypedRoutes {
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
      // Labels beside the keys (issue 14): what the record is, the product's name, each related sale's date and drugs.
      async (req) => ({
        warnings: service.warnings(parsePeriod(req.query, clock())).map((w) =>
          labels
            ? {
                ...w,
                subjectLabel: labels.subject(w.subject),
                ...(w.productId !== undefined ? { productName: labels.productName(w.productId) } : {}),
                sales: w.saleIds.map((id) => ({ id, label: labels.sale(id) })),
              }
            : w,
        ),
      }),
    );
  };
}
