import { type ChainAlarms, chainAlarmMessage } from '../../checkout/chain-alarms.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';
import { readers } from './reports.js';

/** Late chain hits (issue 17): boxes sold here and at another store of the chain; the manager marks each checked. */
export function chainRoutes(alarms: ChainAlarms, clock: () => Date): TypedRoutes {
  return async (app) => {
    app.get('/api/chain/alarms', { config: readers, schema: routeSchema({}) }, async () => ({
      alarms: alarms.list().map((a) => ({ ...a, message: chainAlarmMessage(a) })),
    }));
    app.post('/api/chain/alarms/:id/resolve', { config: roles('manager'), schema: routeSchema({ params: { $ref: 'IdParams#' } }) }, async (req, reply) => {
      if (!alarms.resolve(Number(req.params.id), req.principal?.name, clock()))
        return reply.code(404).send({ error: 'NOT_FOUND', message: `没有未核查的第 ${req.params.id} 号连锁串码提醒：请刷新页面` });
      return { resolved: Number(req.params.id) };
    });
  };
}
