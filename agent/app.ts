import { createHash, randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { createIdReader } from '../device/idreader/index.js';
import { createScanner } from '../device/scanner/index.js';
import type { DeviceStatus } from '../device/types.js';
import { ChainRecheck, HqChainCheck } from '../sync/hq/chain-check.js';
import { HqReplicator } from '../sync/hq/replicator.js';
import { HqTransferPort } from '../sync/hq/transfers.js';
import { PlatformSettlementPort } from '../sync/settlement-port.js';
import { counterName } from './accounts/names.js';
import { AccountStore } from './accounts/store.js';
import { AuditService } from './audit/index.js';
import { type Cameras, startCameras } from './cameras.js';
import { ChainAlarms } from './checkout/chain-alarms.js';
import { PharmacistDuty } from './checkout/pharmacist.js';
import { refundAlarms } from './checkout/refund.js';
import { CheckoutService } from './checkout/service.js';
import { seedDemoSales } from './demo/sales.js';
import { type DemoAccounts, seedDemo, seedDemoAccounts } from './demo/seed.js';
import { deviceAlarms } from './devices/alarms.js';
import { DeviceManager } from './devices/manager.js';
import { ScanRouter } from './devices/router.js';
import { Ledger } from './ledger/index.js';
import { syncStatus } from './ledger/outbox-status.js';
import { Lifecycle } from './lifecycle.js';
import type { Logger } from './log.js';
import { ledgerPath } from './paths.js';
import { type Platform, simulatorDemoBuyers, startPlatform } from './platform.js';
import { ReceivingService } from './receiving/service.js';
import { PlatformReadbackService, ReconciliationService } from './reconciliation/index.js';
import { BacklogReport } from './reports/backlog.js';
import { DailyReport } from './reports/daily.js';
import { SalesList } from './reports/sales-list.js';
import { StockValueReport } from './reports/stock-value.js';
import { StocktakeStore } from './stocktake/store.js';
import { SuspiciousService } from './suspicious/service.js';
import { syncAlarms } from './sync-alarms.js';
import { compileManufacturerPatterns } from './tracecode/index.js';
import { TransferService } from './transfers/service.js';
import { VERSION } from './version.js';
import { type HealthReport, withoutDetails } from './web/routes/health.js';
import { buildServer } from './web/server.js';

export interface AgentOptions {
  config: Config;
  demo: boolean;
  /** Demo mode only: false leaves out the four sample sales (the chain demo sells its own boxes). */
  demoSales?: boolean;
  log: Logger;
  clock?: () => Date;
}

export interface RunningAgent {
  url: string;
  ledger: Ledger;
  server: FastifyInstance;
  platform: Platform;
  checkout: CheckoutService;
  devices: DeviceManager;
  /** Every device's state: scanners, ID readers, camera recorders and cameras not reachable at start. */
  deviceStatuses(): DeviceStatus[];
  /** What start-up recovery did with unresolved settlements. */
  recovery: { reopened: number; pending: number; refunded: number; refundsPending: number };
  /** Demo mode only: a manager token printed at start so the API can be tried at once. */
  demoToken?: string;
  /** Demo mode only: the demo accounts with this start's secrets, to print. */
  demoAccounts?: DemoAccounts;
  accounts: AccountStore;
  /** The platform's 疑点: pulled on request and once a day by itself. */
  suspicious: SuspiciousService;
  /** Replication to the chain HQ; absent when the config has no hq section. */
  hq?: HqReplicator;
  /** Transfers between stores (调拨). */
  transfers: TransferService;
  /** The recheck of lines sold while HQ did not answer, and HQ's conflict feed; absent without HQ. */
  chainRecheck?: ChainRecheck;
  chainAlarms: ChainAlarms;
  close(): Promise<void>;
}

/** The composition root: the one place that wires config, ledger, services and the web server. */
export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const life = new Lifecycle(opts.log);
  try {
    return await wireAgent(opts, life);
  } catch (err) {
    // A part's own start failure has already stopped the others; this covers the wiring between parts.
    await life.stop();
    throw err;
  }
}

async function wireAgent(opts: AgentOptions, life: Lifecycle): Promise<RunningAgent> {
  const { log } = opts;
  const clock = opts.clock ?? (() => new Date());
  let config = opts.config;
  let demoToken: string | undefined;
  if (opts.demo) {
    demoToken = randomBytes(16).toString('hex');
    const sha256 = createHash('sha256').update(demoToken).digest('hex');
    config = { ...config, http: { ...config.http, apiTokens: [...config.http.apiTokens, { name: 'demo-manager', role: 'manager', sha256 }] } };
  }

  // Parts start in this order and stop in reverse (agent/lifecycle.ts); a part that fails to start stops
  // the ones before it and the error names it. The services built between parts hold nothing open.
  let ledger!: Ledger;
  // WAL checkpoints on a worker thread, outside the counter's commits (agent/ledger/checkpointer.ts).
  const backgroundCheckpoint = {
    onFallback: (err: Error) => log.warn({ err: err.message }, 'ledger checkpoint worker unavailable: checkpoints run inside commits again'),
  };
  await life.add({
    name: 'ledger',
    start: () => void (ledger = Ledger.open(ledgerPath(config), { anchor: 'create', backgroundCheckpoint })),
    stop: () => ledger.close(),
  });
  let platform!: Platform;
  await life.add({ name: 'platform', start: async () => void (platform = await startPlatform(config, ledger, log, clock)), stop: () => platform.close() });
  const classifyOptions = { manufacturerPatterns: compileManufacturerPatterns(config.traceCodes.manufacturerPatterns) };
  const receiving = new ReceivingService(ledger, classifyOptions, clock, () => platform.worker.notify());
  const freshDemo = opts.demo && ledger.catalog.all().length === 0; // seedDemo's own condition, read before it seeds
  const accounts = new AccountStore(ledger.db, clock);
  let demoAccounts: DemoAccounts | undefined;
  if (opts.demo) {
    await life.add({
      name: 'demo data',
      start: async () => {
        seedDemo(ledger, receiving, clock, log);
        demoAccounts = await seedDemoAccounts(accounts, log);
      },
    });
  }
  let cameras!: Cameras;
  await life.add({ name: 'cameras', start: async () => void (cameras = await startCameras(config, opts.demo, log, clock)), stop: () => cameras.close() });
  const { video } = cameras;
  // The ledger's events table is the replication queue; the pusher reads it on its own (every second when idle).
  const hq = config.hq
    ? new HqReplicator({
        db: ledger.db,
        url: config.hq.url,
        storeCode: config.store.code,
        credential: config.hq.credential,
        enrolmentCode: config.hq.enrolmentCode,
        batchSize: config.hq.batchSize,
        log,
        clock,
        // The heartbeat the HQ page shows: this box's health, without device details (health is built below).
        status: async () => {
          const h = await health();
          const p = h.platform as { backlog: number; failed: number; oldestPendingAgeSeconds: number | null };
          return {
            version: h.version,
            outbox: { backlog: p.backlog, failed: p.failed, oldestPendingAgeSeconds: p.oldestPendingAgeSeconds },
            alarms: h.alarms.map((a) => ({ code: a.code, message: withoutDetails(a.message) })),
          };
        },
      })
    : undefined;
  // The chain-wide code check at scan time (issue 17): HQ's answer, within hq.checkTimeoutMs, feeds the scan rules.
  const chainAlarms = new ChainAlarms(ledger.db);
  const chain = hq && config.hq ? new HqChainCheck(() => hq.client, config.store.code, config.hq.checkTimeoutMs) : undefined;
  const recheck =
    hq && config.hq
      ? new ChainRecheck({ client: () => hq.client, alarms: chainAlarms, ownStore: config.store.code, log, clock, intervalMs: config.hq.recheckSeconds * 1000 })
      : undefined;
  const pharmacists = new PharmacistDuty(ledger.db, config.store.pharmacists, clock);
  const checkout: CheckoutService = new CheckoutService({
    ledger,
    port: new PlatformSettlementPort(platform.client),
    classifyOptions,
    requireTraceCodesForSelfPay: config.checkout.requireTraceCodesForSelfPay,
    pharmacistOnDuty: pharmacists.provider,
    log,
    clock,
    onRecorded: () => platform.worker.notify(),
    // Each settled sale gets the video covering it and, once the segment covering its settlement has closed, the
    // frame recorded at that moment (agent/video/snapshots.ts); nothing of it is on the cashier's path.
    onSettled: (s) => video.linkSale(s.saleId, s.counter, s.firstScanAt, s.settledAt),
    videoEvidence: (saleId) => video.saleVideo(saleId),
    ...(chain ? { chain } : {}),
  });
  video.onSaleSnapshot((saleId, snap) => checkout.sales.setSnapshot(saleId, snap));
  const devices = new DeviceManager(config.scanners, config.idReaders, { scanner: (c) => createScanner(c), idReader: (c) => createIdReader(c) }, log);
  const faceTerminals = config.face.mode === 'terminal' ? config.scanners.filter((s) => s.role === 'face_terminal').map((s) => s.id) : [];
  const router = new ScanRouter(checkout, log, new Set(faceTerminals));
  devices.on('scan', (e) => void router.onScan(e));
  devices.on('idcard', (e) => void router.onIdCard(e));
  // Settlements left unresolved by a crash or a lost answer are reversed before the counter opens,
  // then retried every 30 s while any remain (the platform may be offline at start).
  let recovery!: RunningAgent['recovery'];
  let recoveryTimer: NodeJS.Timeout | undefined;
  await life.add({
    name: 'settlement recovery',
    start: async () => {
      recovery = await recoverSettlements(checkout, log);
      recoveryTimer = setInterval(() => void recoverSettlements(checkout, log), 30_000);
      recoveryTimer.unref();
    },
    stop: () => clearInterval(recoveryTimer),
  });
  // An open sale nobody touched for checkout.idleVoidMinutes is voided (its boxes freed, the reason recorded).
  let idleTimer: NodeJS.Timeout | undefined;
  await life.add({
    name: 'idle sales',
    start: () => {
      idleTimer = setInterval(() => {
        try {
          checkout.voidIdle(config.checkout.idleVoidMinutes);
        } catch (err) {
          log.error({ err: (err as Error).message }, 'voiding idle sales failed');
        }
      }, 30_000);
      idleTimer.unref();
    },
    stop: () => clearInterval(idleTimer),
  });
  if (freshDemo && opts.demoSales !== false) {
    // The sample sales wait for the demo camera to record (a few seconds, first start only) and settle a second
    // apart, so each gets the frame recorded at its own settlement, with its own time on the picture's clock.
    await life.add({
      name: 'demo sales',
      start: async () => {
        const recording = await video.recording('counter-1', 15_000);
        await seedDemoSales(checkout, clock, log, simulatorDemoBuyers(), recording ? { pauseMs: 1000 } : {});
      },
    });
  }

  // Transfers between stores need HQ (it carries the manifests); without it the screens say so and the API refuses.
  const transfers = new TransferService({
    ledger,
    hq: hq ? new HqTransferPort(hq.client) : undefined,
    store: { store: config.store.code, name: config.store.name },
    classifyOptions,
    clock,
    log,
    onRecorded: () => platform.worker.notify(),
  });
  const allDeviceStatuses = (): DeviceStatus[] => [...devices.statuses(), ...video.statuses(), ...cameras.unreachable];

  const health = async (): Promise<HealthReport> => {
    const alarms: HealthReport['alarms'] = [];
    const disk = await diskReport(config.dataDir);
    if (disk.freeBytes < 1024 ** 3) alarms.push({ code: 'DISK_LOW', message: `数据盘剩余空间不足 1 GB（${config.dataDir}），请清理或扩容` });
    const sync = syncStatus(ledger.db, clock());
    alarms.push(...syncAlarms(sync), ...refundAlarms(checkout.refundsUnderWay()));
    const hqAlarm = hq && replicationAlarm(hq.status(), clock());
    if (hqAlarm) alarms.push(hqAlarm);
    alarms.push(...chainAlarms.healthAlarms());
    const deviceStatuses = allDeviceStatuses();
    // Recorders raise their own alarms (after 30 s, with the reason); cameras not reachable at all are device alarms.
    alarms.push(...deviceAlarms([...devices.statuses(), ...cameras.unreachable], (id) => counterName(id, config.counters)), ...video.alarms());
    const platformReport = {
      simulator: config.platform.simulator,
      url: platform.url,
      backlog: sync.backlog,
      failed: sync.failed,
      oldestPendingAgeSeconds: sync.oldestPendingAgeSeconds,
      lastError: sync.lastError?.error ?? null,
    };
    const ledgerReport = { checkpoints: ledger.checkpointer?.state ?? ('in_commits' as const) };
    return {
      status: alarms.length ? 'degraded' : 'ok',
      version: VERSION,
      devices: deviceStatuses,
      platform: platformReport,
      disk,
      ledger: ledgerReport,
      alarms,
    };
  };
  const suspicious = new SuspiciousService(ledger.db, platform.suspicious, clock, log);
  // The web layer gets services, never the database handle.
  const reports = {
    sales: new SalesList(ledger.db),
    daily: new DailyReport(ledger.db, ledger.anchor),
    stockValue: new StockValueReport(ledger.db),
    backlog: new BacklogReport(ledger.db),
  };
  const platformReadback = new PlatformReadbackService(ledger.db, platform.readback, {
    clock,
    currentCode: (id) => ledger.catalog.get(id)?.nhsaCode,
    notify: () => platform.worker.notify(),
  });
  let server!: FastifyInstance;
  let address!: string;
  await life.add({
    name: 'web server',
    start: async () => {
      server = await buildServer({
        config,
        ledger,
        receiving,
        classifyOptions,
        health,
        clock,
        sync: platform.worker,
        checkout,
        devices,
        router,
        video,
        cameraProbes: () => cameras.probes,
        accounts,
        pharmacists,
        suspicious,
        chainAlarms,
        syncStatus: () => syncStatus(ledger.db, clock()),
        reports,
        reconciliation: new ReconciliationService(ledger.db, (date) => platformReadback.verdictFor(date)),
        platformReadback,
        audit: new AuditService(ledger.db),
        stocktakes: new StocktakeStore(ledger.db),
        transfers,
      });
      try {
        address = await server.listen({ host: config.http.host, port: config.http.port });
      } catch (err) {
        await server.close(); // its plugins' onClose hooks still run
        throw new Error(`cannot listen on http.host ${config.http.host} http.port ${config.http.port}: ${(err as Error).message}`);
      }
    },
    stop: () => server.close(),
  });
  // Devices start after the web server: a scanner missing at boot retries in the background.
  await life.add({ name: 'devices', start: () => devices.start(), stop: () => devices.stop() });
  await life.add({ name: 'suspicious daily pull', start: () => suspicious.start(), stop: () => suspicious.stop() });
  if (hq) await life.add({ name: 'HQ replication', start: () => hq.start(), stop: () => hq.stop() });
  if (hq) await life.add({ name: 'transfer manifests', start: () => transfers.start(), stop: () => transfers.stop() });
  if (recheck) await life.add({ name: 'HQ chain recheck', start: () => recheck.start(), stop: () => recheck.stop() });
  log.info({ url: address, dataDir: config.dataDir, store: config.store.code, demo: opts.demo }, 'counter-agent started');
  return {
    url: address,
    ledger,
    server,
    ...(demoToken ? { demoToken } : {}),
    ...(demoAccounts ? { demoAccounts } : {}),
    accounts,
    suspicious,
    platform,
    checkout,
    recovery,
    devices,
    ...(hq ? { hq } : {}),
    transfers,
    ...(recheck ? { chainRecheck: recheck } : {}),
    chainAlarms,
    deviceStatuses: allDeviceStatuses,
    async close() {
      await life.stop();
    },
  };
}

/** Replication failing for 10 minutes (not one lost request) is worth a banner; the counter keeps selling. */
function replicationAlarm(s: ReturnType<HqReplicator['status']>, now: Date): { code: string; message: string } | undefined {
  if (!s.lastError || s.lag === 0) return undefined;
  const since = s.lastOkAt ? now.getTime() - Date.parse(s.lastOkAt) : Number.POSITIVE_INFINITY;
  if (since < 10 * 60_000) return undefined;
  return {
    code: 'HQ_REPLICATION',
    message: `总部同步中断：${s.lag} 条账本记录未上传总部（${s.lastError}）。门店可照常销售，恢复后自动按序补传；如凭证被吊销或账本被标记，请联系总部`,
  };
}

async function recoverSettlements(checkout: CheckoutService, log: Logger): Promise<RunningAgent['recovery']> {
  try {
    const r = { ...(await checkout.recover()), ...(await checkout.recoverRefunds()) };
    if (r.reopened + r.pending + r.refunded + r.refundsPending > 0) log.warn(r, 'unresolved settlements and refunds recovered');
    return r;
  } catch (err) {
    log.error({ err: (err as Error).message }, 'settlement recovery failed; will retry');
    return { reopened: 0, pending: -1, refunded: 0, refundsPending: -1 };
  }
}

async function diskReport(dir: string): Promise<{ path: string; freeBytes: number; totalBytes: number }> {
  const s = await statfs(dir);
  return { path: dir, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}
