// Helpers for tests that run the real client against the real simulator (127.0.0.1, temp SQLite).
// Not used at run time.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, openLedger } from '../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../agent/ledger/msgids.js';
import { fenToYuan } from '../common/money.js';
import { PlatformClient, type PlatformClientOptions } from './client.js';
import type { DrugDetail, SettlementInput } from './interfaces.js';
import { MsgidAllocator } from './msgid.js';
import type { SigningOptions } from './signing.js';
import { type Faults, type SimulatorHandle, type SimulatorSigning, startSimulator } from './simulator/index.js';
import { SEED_STORES, type SeedPerson } from './simulator/seed.js';
import { profileByName } from './spec/index.js';

/** A clock tests move by hand; shared by client and simulator. */
export class TestClock {
  private t: number;
  constructor(iso: string) {
    this.t = Date.parse(iso);
  }
  readonly now = (): Date => new Date(this.t);
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function tempDir(prefix = 'sync-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestEnv {
  dir: string;
  sim: SimulatorHandle;
  clock: TestClock;
  /** A client for a seeded store (default the main demo store). */
  client(opts?: { store?: string; signing?: SigningOptions; timeoutMs?: number; url?: string; profile?: string }): PlatformClient;
  close(): Promise<void>;
}

export async function startTestEnv(opts: { faults?: Faults; signing?: SimulatorSigning; time?: string; profile?: string } = {}): Promise<TestEnv> {
  const tmp = tempDir();
  // 2026-11-22 10:00:00 Asia/Shanghai unless told otherwise.
  const clock = new TestClock(opts.time ?? '2026-11-22T02:00:00Z');
  const sim = await startSimulator({
    dbPath: join(tmp.dir, 'platform.sqlite'),
    clock: clock.now,
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.signing ? { signing: opts.signing } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
  });
  // One box database per store, as on a real box: every client of a store draws msgids from it.
  const boxDbs = new Map<string, Db>();
  const boxDb = (code: string): Db => {
    let db = boxDbs.get(code);
    if (!db) boxDbs.set(code, (db = openLedger(join(tmp.dir, `box-${code}.sqlite`))));
    return db;
  };
  return {
    dir: tmp.dir,
    sim,
    clock,
    client: (c = {}) => {
      const storeCode = c.store ?? SEED_STORES[0].code;
      const store = SEED_STORES.find((s) => s.code === storeCode) ?? { code: storeCode, name: '未知药店', admdvs: '130102' };
      const o: PlatformClientOptions = {
        url: c.url ?? sim.url,
        fixmedinsCode: store.code,
        fixmedinsName: store.name,
        mdtrtareaAdmvs: store.admdvs,
        insuplcAdmdvs: '130102',
        recerSysCode: 'CNTAGT',
        devNo: 'BOX-001',
        operator: { code: 'OP001', name: '张药师' },
        signing: c.signing ?? { mode: 'none' },
        timeoutMs: c.timeoutMs ?? 5000,
        msgids: new MsgidAllocator(new LedgerMsgidReservations(boxDb(store.code)), store.code, clock.now),
        clock: clock.now,
        mac: '02:00:00:00:00:01',
        ip: '192.168.1.10',
        ...(c.profile ? { profile: profileByName(c.profile) } : {}),
      };
      return new PlatformClient(o);
    },
    close: async () => {
      await sim.close();
      for (const d of boxDbs.values()) d.close();
      tmp.remove();
    },
  };
}

export interface SaleLine {
  code: string;
  cnt: number;
  amountFen: number;
  trace?: { code: string; split?: boolean }[];
}

/** A 2101/2102 input for a seeded person; money given in fen, converted to yuan here. */
export function saleInput(p: SeedPerson, lines: SaleLine[], opts: { medType?: string; acct?: boolean; dise?: string } = {}): SettlementInput {
  const drugdetail: DrugDetail[] = lines.map((l, i) => ({
    feedetl_sn: String(i + 1),
    med_list_codg: l.code,
    medins_list_codg: `SKU${i + 1}`,
    det_item_fee_sumamt: fenToYuan(l.amountFen),
    cnt: String(l.cnt),
    pric: fenToYuan(Math.floor(l.amountFen / l.cnt)),
    drug_trac_info: (l.trace ?? []).map((t) => ({ drug_trac_codg: t.code, trdn_flag: t.split ? '1' : '0' })),
  }));
  return {
    druginfo: {
      psn_no: p.psnNo,
      mdtrt_cert_type: '02',
      mdtrt_cert_no: p.certno,
      begntime: '2026-11-22 10:00:00',
      medfee_sumamt: fenToYuan(lines.reduce((s, l) => s + l.amountFen, 0)),
      insutype: p.insutype,
      acct_used_flag: (opts.acct ?? true) ? '1' : '0',
      med_type: opts.medType ?? '41',
      ...(opts.dise !== undefined ? { dise_codg: opts.dise } : {}),
    },
    drugdetail,
  };
}

/** Current personal-account balance (fen) in the simulator. */
export function balanceOf(sim: SimulatorHandle, psnNo: string): number {
  return sim.db.prepare<[string], { balc_fen: number }>('SELECT balc_fen FROM persons WHERE psn_no = ?').get(psnNo)!.balc_fen;
}

/** Trace codes: 20 digits starting with 8 (码上放心). */
export function traceCode(n: number): string {
  return `8${'1234567'}${String(n).padStart(12, '0')}`;
}
