import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Db } from '../../ledger/index.js';
import { BacklogReport } from '../../reports/backlog.js';
import { DailyReport } from '../../reports/daily.js';
import { parseCount, parsePeriod, PeriodError, type Period } from '../../reports/period.js';
import { SalesList } from '../../reports/sales-list.js';
import { StockValueReport } from '../../reports/stock-value.js';
import { requireRole } from '../auth.js';

export type PeriodQuery = { from?: string; to?: string };

/** Runs `work` with the query's period (and other parsed parameters); a bad date is a 400 in Chinese. */
export async function withQuery<T>(reply: FastifyReply, work: () => T): Promise<T | FastifyReply> {
  try {
    return work();
  } catch (err) {
    if (err instanceof PeriodError) return reply.code(400).send({ errors: [{ code: err.code, message: err.message }] });
    throw err;
  }
}

export const readers = requireRole('manager', 'technician');

/** The manager's lists and charts: sales, takings per day, stock value, platform backlog. */
export function reportRoutes(db: Db, clock: () => Date): FastifyPluginAsync {
  return async (app) => {
    const sales = new SalesList(db);
    const daily = new DailyReport(db);
    const stockValue = new StockValueReport(db);
    const backlog = new BacklogReport(db);
    const period = (q: PeriodQuery): Period => parsePeriod(q, clock());

    app.get<{ Querystring: PeriodQuery & { limit?: string } }>('/api/sales', { preHandler: readers }, async (req, reply) =>
      withQuery(reply, () => ({ sales: sales.list(period(req.query), parseCount('limit', req.query.limit, 200, 1, 1000)) })),
    );
    app.get<{ Querystring: PeriodQuery }>('/api/reports/daily', { preHandler: readers }, async (req, reply) =>
      withQuery(reply, () => ({ days: daily.days(period(req.query)) })),
    );
    app.get('/api/reports/stock-value', { preHandler: readers }, async () => stockValue.value());
    app.get<{ Querystring: { hours?: string } }>('/api/reports/backlog', { preHandler: readers }, async (req, reply) =>
      withQuery(reply, () => ({ points: backlog.points(parseCount('hours', req.query.hours, 24, 1, 24 * 31), clock()) })),
    );
  };
}
