import type { FastifyPluginAsync } from 'fastify';
import type { AuditService } from '../../audit/index.js';
import { parsePeriod } from '../../reports/period.js';
import { readers, type PeriodQuery } from './reports.js';

/** The store's own audit: warnings the platform's nightly audit would raise, before it does. */
export function auditRoutes(service: AuditService, clock: () => Date): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: PeriodQuery }>('/api/audit', { config: readers, schema: { querystring: { $ref: 'Period#' }, response: { '2xx': { type: 'object', properties: { warnings: { type: 'array', items: { type: 'object', properties: { detail: { $ref: 'FreeText#' } } } } } } } } }, async (req) =>
      ({ warnings: service.warnings(parsePeriod(req.query, clock())) }),
    );
  };
}
