// Shared by the agent/web/sales-*.test.ts files: a real agent (real HTTP, real SQLite, the embedded
// platform simulator), a catalogue whose national codes are the simulator's DRUG codes, and small
// typed wrappers around the sales API. Excluded from the build (*.test-helpers.ts).

import { expect } from 'vitest';
import type { Config } from '../../config/schema.js';
import { PlatformClient } from '../../sync/client.js';
import { MsgidAllocator } from '../../sync/msgid.js';
import { DRUG, SEED_STORES, type SeedPerson, seedPerson } from '../../sync/simulator/seed.js';
import { code } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import type { Product } from '../catalog/product.js';
import { openLedger } from '../ledger/db.js';
import { LedgerMsgidReservations } from '../ledger/msgids.js';
import type { Logger } from '../log.js';
import type { Refusal } from '../rules/types.js';
import { gs1CheckDigit } from '../tracecode/checkdigit.js';

export { code, TOKENS };

/** EAN-13 product barcode with its check digit. */
export function ean13(twelve: string): string {
  return `${twelve}${gs1CheckDigit(twelve)}`;
}

const base = { spec: '', manufacturer: '测试药业', approvalNo: '国药准字T' };
export const PREFIX = { AMOX: '8100003', IBU: '8100004', METF: '8100005', AMLO: '8100006', LIAN: '8100007', OOC: '8100008' } as const;

/** National codes are the simulator's, so the platform knows the drugs and the store's procurement orders. */
export const CATALOG = {
  AMOX: {
    ...base,
    id: 'AMOX',
    name: '阿莫西林胶囊',
    spec: '0.25g*24粒',
    nhsaCode: DRUG.amoxicillin,
    tracePrefix: PREFIX.AMOX,
    gtin: '06901234567892',
    rx: true,
    insured: true,
    category: 'drug',
    piecesPerPack: 24,
    pricePerPack: 1560,
    maxDailyPieces: 8,
  },
  IBU: {
    ...base,
    id: 'IBU',
    name: '布洛芬缓释胶囊',
    spec: '0.3g*20粒',
    nhsaCode: DRUG.ibuprofen,
    tracePrefix: PREFIX.IBU,
    rx: false,
    insured: true,
    category: 'drug',
    piecesPerPack: 20,
    pricePerPack: 1980,
    maxDailyPieces: 2,
  },
  METF: {
    ...base,
    id: 'METF',
    name: '二甲双胍片',
    spec: '0.5g*48片',
    nhsaCode: DRUG.metformin,
    tracePrefix: PREFIX.METF,
    rx: false,
    insured: true,
    category: 'drug',
    piecesPerPack: 48,
    pricePerPack: 960,
    maxDailyPieces: 4,
  },
  AMLO: {
    ...base,
    id: 'AMLO',
    name: '苯磺酸氨氯地平片',
    spec: '5mg*28片',
    nhsaCode: DRUG.amlodipine,
    tracePrefix: PREFIX.AMLO,
    rx: true,
    insured: true,
    category: 'drug',
    piecesPerPack: 28,
    pricePerPack: 2800,
    maxDailyPieces: 1,
  },
  LIAN: {
    ...base,
    id: 'LIAN',
    name: '连花清瘟胶囊',
    spec: '0.35g*24粒',
    nhsaCode: DRUG.lianhua,
    tracePrefix: PREFIX.LIAN,
    barcode: ean13('690100000007'),
    rx: false,
    insured: true,
    category: 'drug',
    piecesPerPack: 24,
    pricePerPack: 1450,
    maxDailyPieces: 12,
  },
  OOC: {
    ...base,
    id: 'OOC',
    name: '目录外滴眼液',
    spec: '10ml*1支',
    nhsaCode: '',
    tracePrefix: PREFIX.OOC,
    rx: false,
    insured: false,
    category: 'drug',
    piecesPerPack: 1,
    pricePerPack: 2500,
  },
  HERB: {
    ...base,
    id: 'HERB',
    name: '当归（饮片）',
    spec: '10g*1袋',
    nhsaCode: 'T000700434',
    barcode: ean13('690100000008'),
    rx: false,
    insured: true,
    category: 'herbal',
    traceExempt: true,
    piecesPerPack: 1,
    pricePerPack: 480,
  },
  VITC: {
    ...base,
    id: 'VITC',
    name: '维生素C咀嚼片（保健食品）',
    spec: '60片*1瓶',
    nhsaCode: '',
    barcode: ean13('690100000009'),
    rx: false,
    insured: false,
    category: 'health_food',
    traceExempt: true,
    piecesPerPack: 1,
    pricePerPack: 3900,
  },
} satisfies Record<string, Product>;

export const codeOf = (id: keyof typeof PREFIX, serial: number): string => code(PREFIX[id], serial);
export const serials = (id: keyof typeof PREFIX, from: number, n: number): string[] => Array.from({ length: n }, (_, i) => codeOf(id, from + i));

/** A clock that runs in real time from 2026-11-22 10:00 Shanghai; tests may jump it forward. */
export class RunningClock {
  private offset = 0;
  private readonly t0 = Date.now();
  constructor(private readonly startIso = '2026-11-22T02:00:00Z') {}
  readonly now = (): Date => new Date(Date.parse(this.startIso) + this.offset + (Date.now() - this.t0));
  advance(ms: number): void {
    this.offset += ms;
  }
}

export type Json = Record<string, unknown>;
export interface Res<T = Json> {
  status: number;
  body: T & { errors?: { code: string; message: string }[]; refused?: Refusal[] };
}

export interface ItemView {
  id: number;
  productId: string;
  code: string | null;
  scanned: string | null;
  lot: string | null;
  expiry: string | null;
  pieces: number;
  split: boolean;
  price: number;
  codeState: 'missing' | 'scanned' | 'exempt';
}
export interface Totals {
  total: number;
  fundPay: number;
  accountPay: number;
  cashPay: number;
}
export interface SaleView {
  id: number;
  status: string;
  payment: string | null;
  chronicDisease: string | null;
  items: ItemView[];
  total: number;
  identity: { psnNo: string; name: string; certNo: string; insutype: string; evidence: Json; chronicDiseases: { code: string }[] } | null;
  prescription: Json | null;
  consents: string[];
  settlement: (Json & { totals?: Totals; setlId?: string; payment?: string }) | null;
  /** 药师在岗 when it was settled. */
  pharmacist: { name: string; certNo: string } | null;
  refusals: { code: string; message: string; itemId: number | null; scanned: string | null }[];
  sync: { infno: string; recordKey: string; status: string; lastError: string | null }[];
}

export const CHINESE = /[\u4e00-\u9fff]/;

export interface TestAgent {
  agent: RunningAgent;
  clock: RunningClock;
  dir: string;
  api<T = Json>(method: string, path: string, body?: unknown, token?: string | null): Promise<Res<T>>;
  open(): Promise<number>;
  scan(saleId: number, scanned: string, pieces?: number): Promise<Res<{ item: ItemView }>>;
  identify(saleId: number, person: SeedPerson, certType?: '01' | '02' | '03'): Promise<Res<{ person: Json }>>;
  prescribe(saleId: number, patient: SeedPerson, over?: Json): Promise<Res>;
  settle(saleId: number, payment: 'insurance' | 'self_pay', chronicDisease?: string): Promise<Res<{ status: string; settlementId: string; totals: Totals }>>;
  sale(saleId: number): Promise<SaleView>;
  receive(body: Json): Promise<number>;
  /** Waits until every outbox record has reached the platform. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** JSON over HTTP to an agent at `url`, as the manager unless another token (or none: null) is given. */
export function apiClient(url: string) {
  return async <T = Json>(method: string, path: string, body?: unknown, token: string | null = TOKENS.manager): Promise<Res<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Res<T>['body'] };
  };
}

/** Starts an agent on `dir` (a fresh temp dir by default) with the test catalogue imported. */
export async function startTestAgent(opts: { dir?: string; clock?: RunningClock; configure?: (c: Config) => void; log?: Logger } = {}): Promise<TestAgent> {
  const tmp = opts.dir ? undefined : tempDir('counter-agent-sales-');
  const dir = opts.dir ?? tmp!.dir;
  const clock = opts.clock ?? new RunningClock();
  const config = testConfig(dir);
  opts.configure?.(config);
  const agent = await startAgent({ config, demo: false, log: opts.log ?? silentLog(), clock: clock.now });
  const api = apiClient(agent.url);
  const imported = await api('POST', '/api/catalog', { products: Object.values(CATALOG) });
  expect(imported).toEqual({ status: 200, body: { imported: Object.keys(CATALOG).length } });
  const t: TestAgent = {
    agent,
    clock,
    dir,
    api,
    async open() {
      const r = await api<{ id: number; status: string }>('POST', '/api/sales', {}, TOKENS.cashier);
      expect(r.status).toBe(201);
      expect(r.body.status).toBe('open');
      return r.body.id;
    },
    scan: (saleId, scanned, pieces) =>
      api('POST', `/api/sales/${saleId}/items`, { code: scanned, ...(pieces !== undefined ? { pieces } : {}) }, TOKENS.cashier),
    identify: (saleId, person, certType = '02') =>
      api(
        'PUT',
        `/api/sales/${saleId}/identity`,
        { certType, certNo: certType === '01' ? person.token : certType === '02' ? person.certno : person.cardNo },
        TOKENS.cashier,
      ),
    prescribe: (saleId, patient, over = {}) =>
      api(
        'PUT',
        `/api/sales/${saleId}/prescription`,
        {
          rxNo: `RX${saleId}`,
          institutionCode: 'H13010200011',
          doctorName: '李医生',
          patientCertNo: patient.certno,
          issuedAt: '2026-11-22',
          signed: true,
          ...over,
        },
        TOKENS.cashier,
      ),
    settle: (saleId, payment, chronicDisease) =>
      api('POST', `/api/sales/${saleId}/settle`, { payment, ...(chronicDisease ? { chronicDisease } : {}) }, TOKENS.cashier),
    async sale(saleId) {
      const r = await api<SaleView>('GET', `/api/sales/${saleId}`, undefined, TOKENS.cashier);
      expect(r.status).toBe(200);
      return r.body;
    },
    async receive(body) {
      const r = await api<{ id: number }>('POST', '/api/receipts', { supplier: '华润河北医药有限公司', invoiceNo: 'INV-T', deliveryNoteNo: 'DN-T', ...body });
      expect(r.body.errors ?? []).toEqual([]);
      expect(r.status).toBe(201);
      return r.body.id;
    },
    async drained() {
      agent.platform.worker.notify();
      await outboxDrained(api);
    },
    async close() {
      await agent.close();
      tmp?.cleanup();
    },
  };
  return t;
}

/** A line of a receipt: `packs` boxes with the given codes (none for trace-exempt goods). */
export function line(productId: keyof typeof CATALOG, lot: string, codes: string[], over: { packs?: number; expiry?: string; mfgDate?: string } = {}): Json {
  return {
    productId,
    lot,
    mfgDate: over.mfgDate ?? '2026-01-10',
    expiry: over.expiry ?? '2028-01-09',
    packs: over.packs ?? codes.length,
    pricePerPack: 1000,
    codes,
  };
}

export const person = seedPerson;

/**
 * A platform client of the OTHER seeded store (P13010200002), pointed at the agent's embedded simulator:
 * what another pharmacy does is visible to the platform only.
 */
export function otherStoreClient(url: string): { client: PlatformClient; close(): void } {
  const db = openLedger(':memory:');
  const store = SEED_STORES[1];
  const client = new PlatformClient({
    url,
    fixmedinsCode: store.code,
    fixmedinsName: store.name,
    mdtrtareaAdmvs: store.admdvs,
    insuplcAdmdvs: '130102',
    recerSysCode: 'OTHERBOX',
    devNo: 'BOX-002',
    operator: { code: 'OP002', name: '王药师' },
    signing: { mode: 'none' },
    timeoutMs: 5000,
    msgids: new MsgidAllocator(new LedgerMsgidReservations(db), store.code),
    mac: '02:00:00:00:00:02',
    ip: '192.168.2.10',
  });
  return { client, close: () => db.close() };
}

/** Asserts a refusal answer: status, exactly these codes (in order), each with a Chinese message and the given item. */
export function expectRefused(r: Res, status: number, expected: { code: string; itemId?: number | undefined }[]): Refusal[] {
  expect(r.status).toBe(status);
  const refused = r.body.refused ?? [];
  expect(refused.map((x) => ({ code: x.code, ...(x.itemId !== undefined ? { itemId: x.itemId } : {}) }))).toEqual(
    expected.map((e) => ({ code: e.code, ...(e.itemId !== undefined ? { itemId: e.itemId } : {}) })),
  );
  for (const x of refused) expect(x.message).toMatch(CHINESE);
  return refused;
}

/** Polls GET /api/sync until nothing is waiting, failing at once on a refused record (5 s at most). */
export async function outboxDrained(api: <T>(method: string, path: string) => Promise<{ body: T }>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = await api<{ backlog: number; failed: number }>('GET', '/api/sync');
    expect(s.body.failed).toBe(0);
    if (s.body.backlog === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the outbox did not drain to the simulator');
}
