import type { Names } from '../../accounts/names.js';
import type { BacklogReport } from '../../reports/backlog.js';
import type { DailyReport } from '../../reports/daily.js';
import { type Period, parseCount, parsePeriod } from '../../reports/period.js';
import type { SalesList } from '../../reports/sales-list.js';
import type { StockValueReport } from '../../reports/stock-value.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

/** The `from`/`to` query of the lists and reports (shared schema; parsePeriod checks the dates). */
export const PERIOD = { $ref: 'Period#' } as const;

export const readers = roles('manager', 'technician');

/** The sales list names the buyer: the serializer masks the ID number (schemas.ts). */
const salesListReply = {
  '2xx': {
    type: 'object',
    properties: {
      sales: {
        type: 'array',
        items: {
          type: 'object',
          properties: { person: { type: ['object', 'null'], properties: { name: { type: 'string' }, certNoMasked: { $ref: 'CertNo#' } } } },
        },
      },
    },
  },
} as const;

/** The manager's lists and charts: sales, takings per day, stock value, platform backlog. */
export interface ReportServices {
  sales: SalesList;
  daily: DailyReport;
  stockValue: StockValueReport;
  backlog: BacklogReport;
}

export function reportRoutes({ sales, daily, stockValue, backlog }: ReportServices, clock: () => Date, names?: Names): TypedRoutes {
  return async (app) => {
    const period = (q: { from?: string; to?: string }): Period => parsePeriod(q, clock());

    app.get(
      '/api/sales',
      {
        config: readers,
        schema: routeSchema({ querystring: { allOf: [PERIOD, { type: 'object', properties: { limit: { type: 'string' } } }] }, response: salesListReply }),
      },
      async (req) => ({
        // Names beside the ids (issue 14): the counter's name, the cashier's display name (未签到 when nobody was).
        sales: sales
          .list(period(req.query), parseCount('limit', req.query.limit, 200, 1, 1000))
          .map((s) => (names ? { ...s, counterName: names.counter(s.counter), cashierName: names.person(s.cashier) } : s)),
      }),
    );
    // The ledger's head rides along so the page (and its printout) shows what anchors the day; null: no events yet.
    app.get('/api/reports/daily', { config: readers, schema: routeSchema({ querystring: PERIOD }) }, async (req) => ({
      days: daily.days(period(req.query)),
      head: daily.head() ?? null,
      printedAt: clock().toISOString(),
    }));
    app.get('/api/reports/stock-value', { config: readers }, async () => stockValue.value());
    app.get(
      '/api/reports/backlog',
      { config: readers, schema: routeSchema({ querystring: { type: 'object', properties: { hours: { type: 'string' } } } }) },
      async (req) => ({ points: backlog.points(parseCount('hours', req.query.hours, 24, 1, 24 * 31), clock()) }),
    );
  };
}
