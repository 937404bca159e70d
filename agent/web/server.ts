import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiRole, Config } from '../../config/index.js';
import type { AccountStore } from '../accounts/store.js';
import type { AuditService } from '../audit/index.js';
import type { PharmacistDuty } from '../checkout/pharmacist.js';
import type { CheckoutService } from '../checkout/service.js';
import type { DeviceManager } from '../devices/manager.js';
import type { ScanRouter } from '../devices/router.js';
import type { Ledger } from '../ledger/index.js';
import type { SyncStatus } from '../ledger/outbox-status.js';
import type { ReceivingService } from '../receiving/service.js';
import type { ReconciliationService } from '../reconciliation/index.js';
import type { StocktakeStore } from '../stocktake/store.js';
import type { SuspiciousService } from '../suspicious/service.js';
import type { ClassifyOptions } from '../tracecode/index.js';
import type { VideoService } from '../video/service.js';
import { authenticate, checkRouteAccess, TokenAuth } from './auth.js';
import { errorHandler } from './errors.js';
import { hostGuard } from './host-guard.js';
import { BODY_LIMITS } from './limits.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { catalogRoutes } from './routes/catalog.js';
import { counterRoutes } from './routes/counters.js';
import { deviceRoutes } from './routes/devices.js';
import { type HealthSource, healthRoutes } from './routes/health.js';
import { pageRoutes } from './routes/pages.js';
import { pharmacistRoutes } from './routes/pharmacists.js';
import { receivingRoutes } from './routes/receiving.js';
import { reconciliationRoutes } from './routes/reconciliation.js';
import { type ReportServices, reportRoutes } from './routes/reports.js';
import { ruleRoutes } from './routes/rules.js';
import { salesRoutes } from './routes/sales.js';
import { stockRoutes } from './routes/stock.js';
import { stocktakeRoutes } from './routes/stocktakes.js';
import { suspiciousRoutes } from './routes/suspicious.js';
import { type SyncControl, syncRoutes } from './routes/sync.js';
import { videoRoutes } from './routes/video.js';
import { PERSONAL_KEYWORD, registerSchemas } from './schemas.js';

export interface WebDeps {
  config: Config;
  ledger: Ledger;
  receiving: ReceivingService;
  classifyOptions: ClassifyOptions;
  health: HealthSource;
  sync: SyncControl;
  /** The outbox as the manager page shows it (GET /api/sync). */
  syncStatus: () => SyncStatus;
  reports: ReportServices;
  reconciliation: ReconciliationService;
  audit: AuditService;
  stocktakes: StocktakeStore;
  checkout: CheckoutService;
  devices: DeviceManager;
  router: ScanRouter;
  video: VideoService;
  accounts: AccountStore;
  /** Who is the pharmacist on duty (药师签到 at a counter, the manager's shift pharmacist). */
  pharmacists: PharmacistDuty;
  /** The platform's 疑点 and the manager's answers. */
  suspicious: SuspiciousService;
  /** What the camera probes found at start (clock skew, warnings). */
  cameraProbes?: () => unknown[];
  clock?: () => Date;
}

/** One registered route and who may call it ('public' or its roles). */
export interface RouteAccess {
  method: string;
  url: string;
  access: 'public' | ApiRole[];
  bodyLimit: number;
}

const routeTables = new WeakMap<FastifyInstance, RouteAccess[]>();

/** Every route the server registered, with its roles: the route table test compares it with the written one. */
export function routeTable(app: FastifyInstance): readonly RouteAccess[] {
  return routeTables.get(app) ?? [];
}

/**
 * Closed by default: a route that says neither who may call it nor that it is public stops the start
 * (onRoute throws, naming it); every route is recorded for routeTable().
 */
export function closedByDefault(app: FastifyInstance): void {
  const table: RouteAccess[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    checkRouteAccess(route);
    for (const method of [route.method].flat())
      table.push({
        method,
        url: route.url,
        access: route.config?.public ? 'public' : [...(route.config?.roles ?? [])],
        bodyLimit: route.bodyLimit ?? BODY_LIMITS.default,
      });
  });
}

export async function buildServer(deps: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMITS.default, // larger only on the routes that take a document (limits.ts)
    // x-personal marks what the serializer masks (schemas.ts); Ajv is told it is no validation keyword.
    ajv: { customOptions: { allErrors: true, verbose: true, coerceTypes: false, removeAdditional: false, keywords: [PERSONAL_KEYWORD] } },
  });
  const clock = deps.clock ?? (() => new Date());
  const auth = new TokenAuth(deps.config.http.apiTokens);
  // Before sign-in is read: a session cookie under a Host outside http.allowedHosts is refused.
  app.addHook('onRequest', hostGuard(deps.config.http));
  closedByDefault(app);
  registerSchemas(app);
  app.addHook('onRequest', authenticate(auth, deps.accounts));
  app.setErrorHandler(errorHandler(app.log));
  await app.register(healthRoutes(deps.health));
  await app.register(accountRoutes(deps.accounts, (sessionId) => deps.checkout.signedOut(sessionId)));
  await app.register(catalogRoutes(deps.ledger, deps.clock));
  await app.register(receivingRoutes(deps.receiving));
  await app.register(stockRoutes(deps.ledger, deps.classifyOptions, () => deps.sync.notify?.(), deps.clock));
  await app.register(stocktakeRoutes(deps.stocktakes, clock));
  await app.register(salesRoutes(deps.checkout));
  await app.register(counterRoutes(deps.checkout, deps.config.store));
  await app.register(pharmacistRoutes(deps.pharmacists, deps.accounts));
  await app.register(deviceRoutes(deps.devices, deps.router));
  await app.register(videoRoutes(deps.video, deps.cameraProbes));
  await app.register(syncRoutes(deps.syncStatus, deps.sync));
  await app.register(reportRoutes(deps.reports, clock));
  await app.register(reconciliationRoutes(deps.reconciliation, clock));
  await app.register(auditRoutes(deps.audit, clock));
  await app.register(suspiciousRoutes(deps.suspicious, clock));
  await app.register(ruleRoutes());
  await app.register(pageRoutes());
  return app;
}
