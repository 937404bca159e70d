// A record the platform refused because of a mistyped 医保编码 in our own catalogue: the manager corrects the
// catalogue and retries, and the retry carries the corrected code (the sync screen tells them to do exactly
// that). Real agent, real simulator over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUploads } from '../../sync/simulator/uploads.js';
import { type ManagerAgent, startManagerAgent } from './manager-page.test-helpers.js';
import { CATALOG, line, serials } from './sales.test-helpers.js';

const RIGHT = CATALOG.IBU.nhsaCode;
/** Two digits swapped, as a person typing the catalogue might. */
const TYPO = `${RIGHT.slice(0, -2)}${RIGHT.at(-1)}${RIGHT.at(-2)}`;

interface SyncView {
  backlog: number;
  failed: number;
  sent: number;
  failedRecords: { id: number; infno: string; recordKey: string; error: string | null }[];
}

let a: ManagerAgent;
const sync = async () => (await a.api<SyncView>('GET', '/api/sync')).body;
async function until(what: string, ok: (s: SyncView) => boolean): Promise<SyncView> {
  a.agent.platform.worker.notify();
  for (let i = 0; i < 400; i++) {
    const s = await sync();
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting until ${what}: ${JSON.stringify(await sync())}`);
}

beforeAll(async () => {
  a = await startManagerAgent();
  expect(TYPO).not.toBe(RIGHT);
  expect((await a.api('POST', '/api/catalog', { products: [{ ...CATALOG.IBU, nhsaCode: TYPO }] })).status).toBe(200);
  await a.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I1', serials('IBU', 1, 2))] });
}, 30_000);
afterAll(async () => a?.close());

describe('a refused upload after correcting our catalogue', () => {
  it("is refused in the platform's words while the catalogue has the mistyped code", async () => {
    const s = await until('the purchase is refused', (v) => v.failed === 1);
    expect(s.failedRecords).toEqual([expect.objectContaining({ infno: '3503', error: expect.stringContaining(`医保目录编码${TYPO}`) })]);
    expect(listUploads(a.agent.platform.simulator!.db, { infno: '3503' })).toEqual([]);
  });

  it('goes through with the corrected code once the catalogue is fixed and the record retried; the ledger keeps its history', async () => {
    const refused = (await sync()).failedRecords[0]!;
    expect((await a.api('POST', '/api/catalog', { products: [CATALOG.IBU] })).status).toBe(200);
    expect((await a.api('POST', '/api/sync/retry', { ids: [refused.id] })).status).toBe(200);
    const s = await until('the retried purchase is sent', (v) => v.backlog === 0);
    expect(s).toMatchObject({ failed: 0 });

    const uploads = listUploads(a.agent.platform.simulator!.db, { infno: '3503', bchno: refused.recordKey });
    expect(uploads.map((u) => u.payload.med_list_codg)).toEqual([RIGHT]);
    // The receipt's event still says what the catalogue said then; the correction is an event of its own.
    const events = a.agent.ledger.db.prepare("SELECT type, payload FROM events WHERE type IN ('receipt.recorded', 'catalog.imported') ORDER BY seq").all() as {
      type: string;
      payload: string;
    }[];
    const receipt = JSON.parse(events.find((e) => e.type === 'receipt.recorded')!.payload) as { lines: { product: { nhsaCode: string } }[] };
    expect(receipt.lines[0]!.product.nhsaCode).toBe(TYPO);
    expect(events.at(-1)!.type).toBe('catalog.imported');
    expect(JSON.parse(events.at(-1)!.payload)).toEqual({ products: [expect.objectContaining({ id: 'IBU', nhsaCode: RIGHT })] });
  });
});
