import { shanghaiDate } from '../../../common/time.js';
import type { Ledger } from '../../ledger/index.js';
import { type ClassifyOptions, classifyScan } from '../../tracecode/index.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

export function stockRoutes(
  ledger: Ledger,
  classifyOptions: ClassifyOptions,
  onRecorded: () => void = () => {},
  clock: () => Date = () => new Date(),
): TypedRoutes {
  return async (app) => {
    const anyRole = roles('manager', 'cashier', 'technician');
    app.get(
      '/api/stock',
      {
        config: anyRole,
        schema: routeSchema({ querystring: { type: 'object', properties: { productId: { type: 'string' }, includeEmpty: { type: 'string' } } } }),
      },
      async (req) => ({
        products: ledger.queries.stock({
          ...(req.query.productId ? { productId: req.query.productId } : {}),
          includeEmpty: req.query.includeEmpty === 'true' || req.query.includeEmpty === '1',
        }),
      }),
    );
    // Stocktake differences and write-offs (盘盈/盘亏/报损): a new ledger event with its reason, reported as 3502.
    app.post(
      '/api/stock/adjustments',
      {
        bodyLimit: BODY_LIMITS.bulk,
        config: roles('manager'),
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['lotId', 'reason'],
            properties: {
              lotId: { type: 'integer', minimum: 1 },
              deltaPieces: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000 },
              codes: { type: 'array', maxItems: 10_000, items: { type: 'string', maxLength: 512 } },
              reason: { type: 'string', maxLength: 200 },
            },
          },
        }),
      },
      async (req, reply) => {
        const keys: string[] = [];
        for (const raw of req.body.codes ?? []) {
          const c = classifyScan(raw, { ...classifyOptions, today: shanghaiDate(clock()) });
          if (c.kind === 'invalid') return reply.code(422).send({ errors: [{ code: 'TRACE_CODE_INVALID', message: `${c.message}（${raw}）` }] });
          keys.push(c.key);
        }
        const lot = ledger.queries.lotProduct(req.body.lotId);
        const product = lot ? ledger.catalog.get(lot) : undefined;
        if (!product) return reply.code(422).send({ errors: [{ code: 'LOT_UNKNOWN', message: `批次 ${req.body.lotId} 不存在` }] });
        const r = ledger.adjustments.record(
          { lotId: req.body.lotId, ...(req.body.deltaPieces !== undefined ? { deltaPieces: req.body.deltaPieces } : {}), codes: keys, reason: req.body.reason },
          product,
          { at: clock(), ...(req.principal ? { actor: req.principal.name } : {}) },
        );
        onRecorded();
        return reply.code(201).send(r);
      },
    );

    // A lot's boxes in stock by the book: the stocktake lists those not scanned (未盘到) for a one-step write-off.
    app.get(
      '/api/stock/lots/:id/codes',
      {
        config: roles('manager', 'technician'),
        schema: routeSchema({ params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } } } }),
      },
      async (req, reply) => {
        const codes = ledger.queries.lotCodes(Number(req.params.id));
        if (!codes) return reply.code(404).send({ errors: [{ code: 'LOT_UNKNOWN', message: `批次 ${req.params.id} 不存在：请刷新后重试` }] });
        return codes;
      },
    );

    app.get(
      '/api/codes/:code',
      { config: anyRole, schema: routeSchema({ params: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } }) },
      async (req, reply) => {
        const c = classifyScan(req.params.code, { ...classifyOptions, today: shanghaiDate(clock()) });
        if (c.kind === 'invalid') return reply.code(400).send({ errors: [{ code: 'TRACE_CODE_INVALID', message: c.message }] });
        const life = ledger.queries.codeLife(c.key);
        if (!life) return reply.code(404).send({ errors: [{ code: 'TRACE_CODE_UNKNOWN', message: `追溯码 ${req.params.code} 未在本店入库记录中` }] });
        return life;
      },
    );
  };
}
