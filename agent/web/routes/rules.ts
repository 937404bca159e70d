import type { FastifyPluginAsync } from 'fastify';
import { ruleCategories } from '../../rules/categories.js';
import { ANY_ROLE } from '../auth.js';

/** GET /api/rules/categories: the rules' product categories and next steps, for the counter page. */
export function ruleRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/rules/categories', { config: ANY_ROLE }, async () => ruleCategories());
  };
}
