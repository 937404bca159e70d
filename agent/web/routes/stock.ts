import type { FastifyPluginAsync } from 'fastify';
import type { Ledger } from '../../ledger/index.js';
import { classifyScan, type ClassifyOptions } from '../../tracecode/index.js';
import { requireRole } from '../auth.js';

export function stockRoutes(ledger: Ledger, classifyOptions: ClassifyOptions): FastifyPluginAsync {
  return async (app) => {
    const anyRole = requireRole('manager', 'cashier', 'technician');
    app.get<{ Querystring: { productId?: string; includeEmpty?: string } }>('/api/stock', { preHandler: anyRole }, async (req) => ({
      products: ledger.queries.stock({
        ...(req.query.productId ? { productId: req.query.productId } : {}),
        includeEmpty: req.query.includeEmpty === 'true' || req.query.includeEmpty === '1',
      }),
    }));
    app.get<{ Params: { code: string } }>('/api/codes/:code', { preHandler: anyRole }, async (req, reply) => {
      const c = classifyScan(req.params.code, classifyOptions);
      if (c.kind === 'invalid') return reply.code(400).send({ errors: [{ code: 'TRACE_CODE_INVALID', message: c.message }] });
      const life = ledger.queries.codeLife(c.key);
      if (!life) return reply.code(404).send({ errors: [{ code: 'TRACE_CODE_UNKNOWN', message: `追溯码 ${req.params.code} 未在本店入库记录中` }] });
      return life;
    });
  };
}
