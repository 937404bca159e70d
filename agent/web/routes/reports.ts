import type { FastifyPluginAsync } from 'fastify';
import type { BacklogReport } from '../../reports/backlog.js';
import type { DailyReport } from '../../reports/daily.js';
import { parseCount, parsePeriod, type Period } from '../../reports/period.js';
import type { SalesList } from '../../reports/sales-list.js';
import type { StockValueReport } from '../../reports/stock-value.js';
import { roles } from '../auth.js';

export type PeriodQuery = { from?: string; to?: string };

export const readers = roles('manager', 'technician');

/** The sales list names the buyer: the serializer masks the ID number (schemas.ts). */
const salesListReply = {
  '2xx': {
    type: 'object',
    properties: { sales: { type: 'array', items: { type: 'object', properties: { person: { type: ['object', 'null'], properties: { name: { type: 'string' }, certNoMasked: { $ref: 'CertNo#' } } } } } } },
  },
} as const;

/** The manager's lists and charts: sales, takings per day, stock value, platform backlog. */
export interface ReportServices {
  sales: SalesList;
  daily: DailyReport;
  stockValue: StockValueReport;
  backlog: BacklogReport;
}

export function reportRoutes({ sales, daily, stockValue, backlog }: ReportServices, clock: () => Date): FastifyPluginAsync {
  return async (app) => {
    const period = (q: PeriodQuery): Period => parsePeriod(q, clock());

    app.get<{ Querystring: PeriodQuery & { limit?: string } }>('/api/sales', { config: readers, schema: { querystring: { $ref: 'Period#' }, response: salesListReply } }, async (req) =>
      ({ sales: sales.list(period(req.query), parseCount('limit', req.query.limit, 200, 1, 1000)) }),
    );
    app.get<{ Querystring: PeriodQuery }>('/api/reports/daily', { config: readers }, async (req) =>
      ({ days: daily.days(period(req.query)) }),
    );
    app.get('/api/reports/stock-value', { config: readers }, async () => stockValue.value());
    app.get<{ Querystring: { hours?: string } }>('/api/reports/backlog', { config: readers }, async (req) =>
      ({ points: backlog.points(parseCount('hours', req.query.hours, 24, 1, 24 * 31), clock()) }),
    );
  };
}
