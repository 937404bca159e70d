import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { parsePeriod } from '../../reports/period.js';
import { MAX_ANSWER_CHARS, SuspiciousError, type SuspiciousService } from '../../suspicious/service.js';
import { requireRole } from '../auth.js';
import { readers, withQuery, type PeriodQuery } from './reports.js';

async function answer<T>(reply: FastifyReply, work: () => Promise<T> | T): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SuspiciousError) return reply.code(err.status).send({ errors: [{ code: err.code, message: err.message }] });
    throw err;
  }
}

/** The platform's 疑点: pull a day's items, list them, answer them (answers are only ever added). */
export function suspiciousRoutes(service: SuspiciousService, clock: () => Date): FastifyPluginAsync {
  return async (app) => {
    const manager = requireRole('manager');
    app.post<{ Body: { date: string } }>(
      '/api/suspicious/pull',
      { preHandler: manager, schema: { body: { type: 'object', additionalProperties: false, required: ['date'], properties: { date: { type: 'string', maxLength: 10 } } } } },
      async (req, reply) => answer(reply, () => service.pull(req.body.date)),
    );
    app.get<{ Querystring: PeriodQuery }>('/api/suspicious', { preHandler: readers }, async (req, reply) =>
      withQuery(reply, () => {
        const p = parsePeriod(req.query, clock());
        return { items: service.list(p.from, p.to) };
      }),
    );
    app.post<{ Params: { itemId: string }; Body: { text: string } }>(
      '/api/suspicious/:itemId/answers',
      {
        preHandler: manager,
        schema: {
          params: { type: 'object', required: ['itemId'], properties: { itemId: { type: 'string', minLength: 1, maxLength: 64 } } },
          body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: MAX_ANSWER_CHARS } } },
        },
      },
      async (req, reply) =>
        answer(reply, () => reply.code(201).send({ answer: service.answer(req.params.itemId, req.principal?.name ?? 'unknown', req.body.text) })),
    );
  };
}
