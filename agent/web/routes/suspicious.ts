import { parsePeriod } from '../../reports/period.js';
import { MAX_ANSWER_CHARS, type SuspiciousService } from '../../suspicious/service.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { PERIOD, readers } from './reports.js';

/** The platform's 疑点: pull a day's items, list them, answer them (answers are only ever added). */
export function suspiciousRoutes(service: SuspiciousService, clock: () => Date): TypedRoutes {
  return async (app) => {
    const manager = roles('manager');
    app.post(
      '/api/suspicious/pull',
      {
        config: manager,
        schema: routeSchema({
          body: { type: 'object', additionalProperties: false, required: ['date'], properties: { date: { type: 'string', maxLength: 10 } } },
        }),
      },
      async (req) => service.pull(req.body.date),
    );
    app.get(
      '/api/suspicious',
      {
        config: readers,
        schema: routeSchema({
          querystring: PERIOD,
          response: {
            '2xx': { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { detail: { $ref: 'FreeText#' } } } } } },
          },
        }),
      },
      async (req) => {
        const p = parsePeriod(req.query, clock());
        return { items: service.list(p.from, p.to) };
      },
    );
    app.post(
      '/api/suspicious/:itemId/answers',
      {
        config: manager,
        schema: routeSchema({
          params: { type: 'object', required: ['itemId'], properties: { itemId: { type: 'string', minLength: 1, maxLength: 64 } } },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['text'],
            properties: { text: { type: 'string', minLength: 1, maxLength: MAX_ANSWER_CHARS } },
          },
        }),
      },
      async (req, reply) => reply.code(201).send({ answer: service.answer(req.params.itemId, req.principal?.name ?? 'unknown', req.body.text) }),
    );
  };
}
