import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { PlatformClient, type PlatformClientOptions } from '../sync/client.js';
import { MsgidAllocator } from '../sync/msgid.js';
import { OutboxWorker } from '../sync/outbox/worker.js';
import { PlatformReadback } from '../sync/readback.js';
import { type SimulatorHandle, startSimulator } from '../sync/simulator/index.js';
import { DISEASE, seedPerson } from '../sync/simulator/seed.js';
import { profileByName } from '../sync/spec/index.js';
import { PlatformSuspiciousSource } from '../sync/suspicious-source.js';
import type { DemoBuyers } from './demo/sales.js';
import type { Ledger } from './ledger/index.js';
import type { Logger } from './log.js';
import type { PlatformReadbackPort } from './reconciliation/index.js';
import type { SuspiciousSource } from './suspicious/service.js';

export interface Platform {
  client: PlatformClient;
  worker: OutboxWorker;
  /** The 疑点 pull (3601) as the suspicious-item service's port. */
  suspicious: SuspiciousSource;
  /** 平台核对: the platform's records of a day (3512/3513) as reconciliation's port. */
  readback: PlatformReadbackPort;
  url: string;
  simulator?: SimulatorHandle;
  close(): Promise<void>;
}

/** A platform client for this store, as the config describes it. */
export function platformClient(
  config: Config,
  url: string,
  msgids: MsgidAllocator,
  extra: { clock?: () => Date; log?: PlatformClientOptions['log']; timeoutMs?: number } = {},
): PlatformClient {
  return new PlatformClient({
    url,
    fixmedinsCode: config.store.code,
    fixmedinsName: config.store.name,
    mdtrtareaAdmvs: config.store.admdvs,
    insuplcAdmdvs: config.store.insuplcAdmdvs,
    recerSysCode: config.platform.recerSysCode,
    devNo: config.platform.devNo,
    operator: config.platform.operator,
    signing: config.platform.signing,
    timeoutMs: extra.timeoutMs ?? config.platform.timeoutMs,
    msgids,
    profile: profileByName(config.platform.profile),
    ...(extra.clock ? { clock: extra.clock } : {}),
    ...(extra.log ? { log: extra.log } : {}),
  });
}

/**
 * The platform side of the composition root: the embedded simulator when `platform.simulator` is set,
 * the client (msgids persisted in the ledger file) and the outbox worker.
 */
export async function startPlatform(config: Config, ledger: Ledger, log: Logger, clock: () => Date): Promise<Platform> {
  let simulator: SimulatorHandle | undefined;
  let url = config.platform.url;
  if (config.platform.simulator) {
    simulator = await startSimulator({
      port: config.platform.simulatorPort,
      dbPath: join(config.dataDir, 'platform-simulator.db'),
      profile: config.platform.profile,
      // The box's own store, as it was provisioned, besides the simulator's demo stores.
      stores: [{ code: config.store.code, name: config.store.name, admdvs: config.store.admdvs }],
      onError: (err) => log.error({ err: String(err) }, 'platform simulator error'),
    });
    url = simulator.url;
    log.info({ url }, 'embedded platform simulator started');
  }
  if (!url) throw new Error('platform.url is not set and platform.simulator is false');
  const client = platformClient(config, url, new MsgidAllocator(ledger.msgids, config.store.code, clock), {
    clock,
    log: (entry) => log.debug(entry, 'platform call'),
  });
  // Each batch the platform accepted is logged with the ledger's hash at the newest event in it and the head now
  // (the national records have no field for a hash, so it goes to the journal, not to the platform): a later rewrite
  // of the ledger contradicts these timestamped lines wherever the journal is kept or forwarded.
  const hashAt = ledger.db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
  const head = ledger.db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
  const worker = new OutboxWorker({
    queue: ledger.outbox,
    upload: (r) => client.upload(r.infno, r.input as never),
    mapContext: { defaultOperatorName: config.platform.operator.name, currentNhsaCode: (id) => ledger.catalog.get(id)?.nhsaCode },
    clock,
    onError: (e) => (e.permanent ? log.error(e, 'platform refused a record; kept as failed') : log.warn(e, 'platform upload will be retried')),
    onDrained: (b) => {
      const now = head.get() as { seq: number; hash: string } | undefined;
      log.info(
        { ...b, eventHash: hashAt.get(b.lastEventSeq) as string | undefined, headSeq: now?.seq, headHash: now?.hash },
        'outbox batch accepted by the platform; ledger head recorded',
      );
    },
  });
  worker.start();
  return {
    client,
    worker,
    suspicious: new PlatformSuspiciousSource(client),
    readback: new PlatformReadback(client, config.store.code),
    url,
    ...(simulator ? { simulator } : {}),
    async close() {
      await worker.stop();
      await simulator?.close();
    },
  };
}

/** The embedded simulator's people the demo sales use: 刘志强 (hypertension entitlement) and 杨帆. */
export function simulatorDemoBuyers(): DemoBuyers {
  return { chronic: { certno: seedPerson('both').certno, diseaseCode: DISEASE.hypertension }, refund: { certno: seedPerson('youngAdult').certno } };
}
