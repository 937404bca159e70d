import Fastify, { type FastifyInstance } from 'fastify';
import { formatAjvErrors } from '../../config/errors.js';
import type { Config } from '../../config/index.js';
import type { Ledger } from '../ledger/index.js';
import type { ReceivingService } from '../receiving/service.js';
import type { ClassifyOptions } from '../tracecode/index.js';
import { TokenAuth, authenticate } from './auth.js';
import { hostGuard } from './host-guard.js';
import type { AccountStore } from '../accounts/store.js';
import { accountRoutes } from './routes/accounts.js';
import { catalogRoutes } from './routes/catalog.js';
import { healthRoutes, type HealthSource } from './routes/health.js';
import { receivingRoutes } from './routes/receiving.js';
import { stockRoutes } from './routes/stock.js';
import { stocktakeRoutes } from './routes/stocktakes.js';
import { syncRoutes, type SyncControl } from './routes/sync.js';
import { salesRoutes } from './routes/sales.js';
import type { CheckoutService } from '../checkout/service.js';
import type { DeviceManager } from '../devices/manager.js';
import type { ScanRouter } from '../devices/router.js';
import { deviceRoutes } from './routes/devices.js';
import { videoRoutes } from './routes/video.js';
import { pageRoutes } from './routes/pages.js';
import type { VideoService } from '../video/service.js';
import type { SuspiciousService } from '../suspicious/service.js';
import { reportRoutes } from './routes/reports.js';
import { reconciliationRoutes } from './routes/reconciliation.js';
import { auditRoutes } from './routes/audit.js';
import { suspiciousRoutes } from './routes/suspicious.js';

export interface WebDeps {
  config: Config;
  ledger: Ledger;
  receiving: ReceivingService;
  classifyOptions: ClassifyOptions;
  health: HealthSource;
  sync: SyncControl;
  checkout: CheckoutService;
  devices: DeviceManager;
  router: ScanRouter;
  video: VideoService;
  accounts: AccountStore;
  /** The platform's 疑点 and the manager's answers. */
  suspicious: SuspiciousService;
  /** What the camera probes found at start (clock skew, warnings). */
  cameraProbes?: () => unknown[];
  clock?: () => Date;
}

export async function buildServer(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024 * 1024, // a large delivery is thousands of codes
    ajv: { customOptions: { allErrors: true, verbose: true, coerceTypes: false, removeAdditional: false } },
  });
  const auth = new TokenAuth(deps.config.http.apiTokens);
  app.addHook('onRequest', hostGuard(deps.config.http));
  app.addHook('onRequest', authenticate(auth, deps.accounts));
  app.setErrorHandler(async (err: { validation?: unknown; statusCode?: number; message: string }, _req, reply) => {
    if (Array.isArray(err.validation)) {
      const problems = formatAjvErrors(err.validation as Parameters<typeof formatAjvErrors>[0]);
      return reply.code(400).send({ errors: problems.map((p) => ({ code: 'BAD_REQUEST', message: `请求格式错误：${p}` })) });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error(err);
    return reply.code(status).send({ errors: [{ code: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status === 500 ? '内部错误：请联系技术员查看日志' : err.message }] });
  });
  await app.register(healthRoutes(deps.health));
  await app.register(accountRoutes(deps.accounts));
  await app.register(catalogRoutes(deps.ledger, deps.clock));
  await app.register(receivingRoutes(deps.receiving));
  await app.register(stockRoutes(deps.ledger, deps.classifyOptions, () => deps.sync.notify?.(), deps.clock));
  await app.register(stocktakeRoutes(deps.ledger.db, deps.clock ?? (() => new Date())));
  await app.register(salesRoutes(deps.checkout));
  await app.register(deviceRoutes(deps.devices, deps.router));
  await app.register(videoRoutes(deps.video, deps.cameraProbes));
  await app.register(syncRoutes(deps.ledger, deps.sync, deps.clock ?? (() => new Date())));
  await app.register(reportRoutes(deps.ledger.db, deps.clock ?? (() => new Date())));
  await app.register(reconciliationRoutes(deps.ledger.db, deps.clock ?? (() => new Date())));
  await app.register(auditRoutes(deps.ledger.db, deps.clock ?? (() => new Date())));
  await app.register(suspiciousRoutes(deps.suspicious, deps.clock ?? (() => new Date())));
  await app.register(pageRoutes());
  return app;
}
