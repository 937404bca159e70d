import type { FastifyPluginAsync } from 'fastify';
import { type OpeningStockInput, openingStockSchema, type ReceivingService } from '../../receiving/service.js';
import { type ReceiptInput, receiptSchema } from '../../receiving/types.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';

export function receivingRoutes(receiving: ReceivingService): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: ReceiptInput }>(
      '/api/receipts',
      { config: roles('manager'), bodyLimit: BODY_LIMITS.receipt, schema: { body: receiptSchema } },
      async (req, reply) => {
        const result = receiving.receive(req.body, req.principal?.name);
        if (!result.ok) return reply.code(422).send({ errors: result.problems });
        return reply.code(201).send({ id: result.id });
      },
    );
    // Opening stock without codes (无码库), a 3501-style inventory import done once at installation.
    app.post<{ Body: OpeningStockInput }>(
      '/api/inventory/opening',
      { config: roles('manager'), bodyLimit: BODY_LIMITS.opening, schema: { body: openingStockSchema } },
      async (req, reply) => {
        const result = receiving.receiveOpening(req.body, req.principal?.name);
        if (!result.ok) return reply.code(422).send({ errors: result.problems });
        return reply.code(201).send({ id: result.id, pendingWriteOff: result.pendingWriteOff });
      },
    );
  };
}
