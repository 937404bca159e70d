import { reconciliationCsv } from '../../reconciliation/csv.js';
import { PlatformReadbackError, type PlatformReadbackService, type ReconciliationService } from '../../reconciliation/index.js';
import { parsePeriod } from '../../reports/period.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

const DAY = {
  type: 'object',
  required: ['date'],
  additionalProperties: false,
  properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
} as const;

/** 进销存对账: JSON for the page, CSV (UTF-8 with BOM) for Excel. */
export function reconciliationRoutes(service: ReconciliationService, clock: () => Date, readback?: PlatformReadbackService): TypedRoutes {
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

    // 平台核对: read the platform's records of a day (3512/3513) and compare with the ledger; nothing changes.
    const platform = (): PlatformReadbackService => {
      if (!readback) throw new PlatformReadbackError('本机未连接医保平台，无法读取平台记录', 503);
      return readback;
    };
    app.post('/api/reconciliation/platform-readback', { config: roles('manager'), schema: routeSchema({ body: DAY }) }, async (req) =>
      platform().readBack(req.body.date),
    );
    // 重新上传缺失记录: the latest read-back's missing records go back through the outbox (platform-readback.ts).
    app.post('/api/reconciliation/platform-readback/resend', { config: roles('manager'), schema: routeSchema({ body: DAY }) }, async (req) =>
      platform().resendMissing(req.body.date),
    );
  };
}
