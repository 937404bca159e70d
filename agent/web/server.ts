import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiRole, Config } from '../../config/index.js';
import { Names } from '../accounts/names.js';
import type { AccountStore } from '../accounts/store.js';
import type { AuditService } from '../audit/index.js';
import type { ChainAlarms } from '../checkout/chain-alarms.js';
import type { PharmacistDuty } from '../checkout/pharmacist.js';
import type { CheckoutService } from '../checkout/service.js';
import type { DeviceManager } from '../devices/manager.js';
import type { ScanRouter } from '../devices/router.js';
import type { Ledger } from '../ledger/index.js';
import type { SyncStatus } from '../ledger/outbox-status.js';
import type { ReceivingService } from '../receiving/service.js';
import type { PlatformReadbackService, ReconciliationService } from '../reconciliation/index.js';
import { RecordLabels } from '../reports/labels.js';
import type { StocktakeStore } from '../stocktake/store.js';
import type { SuspiciousService } from '../suspicious/service.js';
import type { ClassifyOptions } from '../tracecode/index.js';
import { TransferService } from '../transfers/service.js';
import type { VideoService } from '../video/service.js';
import { authenticate, checkRouteAccess, TokenAuth } from './auth.js';
import { ClientLimiter, DEFAULT_RATE_LIMIT } from './client-limit.js';
import { errorHandler } from './errors.js';
import { hostGuard } from './host-guard.js';
import { BODY_LIMITS } from './limits.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { catalogRoutes } from './routes/catalog.js';
import { chainRoutes } from './routes/chain.js';
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
import { transferRoutes } from './routes/transfers.js';
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
  /** 平台核对 (3512/3513 read-back); absent in tests that build the server without a platform. */
  platformReadback?: PlatformReadbackService;
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
  /** Boxes sold here and at another store of the chain (issue 17). */
  chainAlarms: ChainAlarms;
  /** What the camera probes found at start (clock skew, warnings). */
  cameraProbes?: () => unknown[];
  /** Transfers between stores (调拨); without one the routes exist and refuse with HQ_REQUIRED. */
  transfers?: TransferService;
  clock?: () => Date;
}

/** One registered route and who may call it ('public' or its roles). */
export interface RouteAccess {
  method: string;
  url: string;
  access: 'public' | ApiRole[];
  bodyLimit: number;
}

const clientLimiters = new WeakMap<FastifyInstance, ClientLimiter>();

/** The server's per-address limiter (its counters are read by tests and the bench). */
export function clientLimiter(app: FastifyInstance): ClientLimiter | undefined {
  return clientLimiters.get(app);
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
    // Sockets that send nothing useful do not pile up (issue 15): headers within 10 s, a whole request within 60 s
    // (a 32 MB catalogue over the LAN takes a few seconds), idle keep-alive closed after 5 s; Node checks every 2 s.
    keepAliveTimeout: 5_000,
    requestTimeout: 60_000,
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 2_000 },
    // x-personal marks what the serializer masks (schemas.ts); Ajv is told it is no validation keyword.
    ajv: { customOptions: { allErrors: true, verbose: true, coerceTypes: false, removeAdditional: false, keywords: [PERSONAL_KEYWORD] } },
  });
  const clock = deps.clock ?? (() => new Date());
  const names = new Names(deps.ledger.db, {
    counters: deps.config.counters,
    devices: [...deps.config.scanners.map((s) => s.id), ...deps.config.idReaders.map((r) => r.id)],
  });
  const labels = new RecordLabels(deps.ledger.db);
  const auth = new TokenAuth(deps.config.http.apiTokens);
  const limiter = new ClientLimiter(deps.config.http.rateLimit ?? DEFAULT_RATE_LIMIT);
  clientLimiters.set(app, limiter);
  limiter.guard(app.server);
  app.addHook('preClose', (done) => (limiter.releaseAll(), done()));
  // Before sign-in is read: a session cookie under a Host outside http.allowedHosts is refused.
  app.addHook('onRequest', hostGuard(deps.config.http));
  closedByDefault(app);
  registerSchemas(app);
  app.addHook('onRequest', authenticate(auth, deps.accounts, limiter));
  app.setErrorHandler(errorHandler(app.log));
  await app.register(healthRoutes(deps.health));
  await app.register(accountRoutes(deps.accounts, (sessionId) => deps.checkout.signedOut(sessionId)));
  await app.register(catalogRoutes(deps.ledger, deps.clock));
  await app.register(receivingRoutes(deps.receiving));
  await app.register(stockRoutes(deps.ledger, deps.classifyOptions, () => deps.sync.notify?.(), deps.clock));
  await app.register(stocktakeRoutes(deps.stocktakes, clock));
  await app.register(
    transferRoutes(
      deps.transfers ??
        new TransferService({
          ledger: deps.ledger,
          hq: undefined,
          store: { store: deps.config.store.code, name: deps.config.store.name },
          classifyOptions: deps.classifyOptions,
          clock,
        }),
    ),
  );
  await app.register(salesRoutes(deps.checkout, names));
  await app.register(counterRoutes(deps.checkout, deps.config.store, names));
  await app.register(pharmacistRoutes(deps.pharmacists, deps.accounts));
  await app.register(deviceRoutes(deps.devices, deps.router));
  await app.register(videoRoutes(deps.video, deps.cameraProbes));
  await app.register(syncRoutes(deps.syncStatus, deps.sync, labels));
  await app.register(reportRoutes(deps.reports, clock, names));
  await app.register(reconciliationRoutes(deps.reconciliation, clock, deps.platformReadback));
  await app.register(auditRoutes(deps.audit, clock, labels));
  await app.register(suspiciousRoutes(deps.suspicious, clock));
  await app.register(chainRoutes(deps.chainAlarms, clock));
  await app.register(ruleRoutes());
  await app.register(pageRoutes());
  return app;
}
