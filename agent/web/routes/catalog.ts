import { checkProduct, productSchema } from '../../catalog/product.js';
import type { Ledger } from '../../ledger/index.js';
import { roles } from '../auth.js';
import { BODY_LIMITS } from '../limits.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

export function catalogRoutes(ledger: Ledger, clock: () => Date = () => new Date()): TypedRoutes {
  return async (app) => {
    app.post(
      '/api/catalog',
      {
        bodyLimit: BODY_LIMITS.catalog,
        config: roles('manager'),
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['products'],
            properties: { products: { type: 'array', minItems: 1, maxItems: 100000, items: productSchema } },
          },
        }),
      },
      async (req, reply) => {
        const problems: string[] = [];
        const products = req.body.products.map((p, i) => {
          const checked = checkProduct(p);
          problems.push(...checked.problems.map((m) => `products[${i}].${m}`));
          return checked.product;
        });
        const ids = new Set<string>();
        products.forEach((p, i) => {
          if (ids.has(p.id)) problems.push(`products[${i}].id: duplicate id "${p.id}"`);
          ids.add(p.id);
        });
        if (problems.length === 0) {
          const result = ledger.catalog.importProducts(products, { at: clock(), actor: req.principal?.name ?? 'api' });
          if (result.problems.length === 0) return { imported: result.imported };
          problems.push(...result.problems);
        }
        return reply.code(422).send({ errors: problems.map((p) => ({ code: 'PRODUCT_INVALID', message: `商品目录有误：${p}` })) });
      },
    );
    app.get('/api/catalog', { config: roles('manager', 'cashier', 'technician') }, async () => ({ products: ledger.catalog.all() }));
  };
}
