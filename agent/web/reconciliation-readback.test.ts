// 平台核对 over real HTTP against the embedded simulator: the platform loses one 3505, carries one record the
// ledger never sent and holds another with a different quantity; the read-back lists each (with product
// names), 上传完整 cites the platform's view, and the one-key re-send through the outbox makes the day complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUploads } from '../../sync/simulator/uploads.js';
import { PlatformReadbackService } from '../reconciliation/index.js';
import { line, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

let t: TestAgent;
const DATE = '2026-11-22'; // the RunningClock starts at 10:00 Shanghai on this day

interface Row {
  bchno: string;
  name: string | null;
  kind?: string;
  doc?: string;
}
interface Readback {
  date: string;
  ledgerRecords: number;
  platformRecords: number;
  matched: number;
  missing: Row[];
  extra: (Row & { query: string })[];
  differing: { ledger: Row; platform: Row; differences: { field: string; ledger: string; platform: string }[] }[];
}
interface Check {
  key: string;
  ok: boolean;
  message: string;
  basis?: string;
}
const uploadsCheck = async (): Promise<Check> => {
  const r = await t.api<{ checks: Check[] }>('GET', `/api/reconciliation?from=${DATE}&to=${DATE}`);
  return r.body.checks.find((c) => c.key === 'uploads')!;
};

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('IBU', 'I1', serials('IBU', 1, 4))] });
  for (const n of [1, 2, 3]) {
    const id = await t.open();
    expect((await t.scan(id, serials('IBU', n, 1)[0]!)).status).toBe(200);
    expect((await t.settle(id, 'self_pay')).status).toBe(200);
  }
  await t.drained();
});
afterAll(async () => {
  await t?.close();
});

describe('POST /api/reconciliation/platform-readback', () => {
  it('a day that agrees: nothing missing, 上传完整 verified by the platform (平台已核实)', async () => {
    expect((await uploadsCheck()).basis).toBe('queue');
    const r = await t.api<Readback>('POST', '/api/reconciliation/platform-readback', { date: DATE });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ledgerRecords: 4, platformRecords: 4, matched: 4, missing: [], extra: [], differing: [] });
    expect(await uploadsCheck()).toMatchObject({ ok: true, basis: 'platform', message: expect.stringMatching(/^平台已核实/) });
  });

  it('lists a lost 3505 as missing, a foreign record as extra, a changed trace code as differing; the re-send makes the day complete', async () => {
    const sim = t.agent.platform.simulator!;
    const sales = listUploads(sim.db, { infno: '3505' });
    expect(sales).toHaveLength(3);
    const [lost, changed, copied] = sales as [(typeof sales)[0], (typeof sales)[0], (typeof sales)[0]];
    sim.db.prepare("DELETE FROM uploads WHERE infno = '3505' AND fixmedins_bchno = ?").run(lost.bchno);
    // The platform holds another box under that sale (3512/3513 answer trace codes, not quantities: sync/spec/queries.ts).
    const held = (changed.payload['drugtracinfo'] as { drug_trac_codg: string }[])[0]!.drug_trac_codg;
    const other = `${held.slice(0, -1)}${held.endsWith('9') ? '8' : '9'}`;
    sim.db
      .prepare("UPDATE uploads SET payload = json_set(payload, '$.drugtracinfo', json(?)) WHERE infno = '3505' AND fixmedins_bchno = ?")
      .run(JSON.stringify([{ drug_trac_codg: other }]), changed.bchno);
    sim.db
      .prepare(
        `INSERT INTO uploads (fixmedins_code, infno, fixmedins_bchno, payload, first_msgid, received_at, updated_at)
         SELECT fixmedins_code, infno, 'HIS-0001', json_set(payload, '$.fixmedins_bchno', 'HIS-0001'), 'X', received_at, updated_at FROM uploads
         WHERE infno = '3505' AND fixmedins_bchno = ?`,
      )
      .run(copied.bchno);

    const r = await t.api<Readback>('POST', '/api/reconciliation/platform-readback', { date: DATE });
    expect(r.status).toBe(200);
    expect(r.body.missing).toEqual([
      expect.objectContaining({ bchno: lost.bchno, name: '布洛芬缓释胶囊', kind: 'sale', doc: expect.stringMatching(/^销售单 \d+$/) }),
    ]);
    expect(r.body.extra).toEqual([expect.objectContaining({ bchno: 'HIS-0001', name: '布洛芬缓释胶囊', query: '3513' })]);
    expect(r.body.differing).toEqual([
      expect.objectContaining({
        ledger: expect.objectContaining({ bchno: changed.bchno, name: '布洛芬缓释胶囊' }),
        differences: [{ field: 'codes', ledger: held, platform: other }],
      }),
    ]);
    expect(await uploadsCheck()).toMatchObject({ ok: false, basis: 'platform', message: expect.stringMatching(/缺失 1 条，不一致 1 条/) });

    // Only a manager reads or re-sends.
    expect((await t.api('POST', '/api/reconciliation/platform-readback', { date: DATE }, TOKENS.cashier)).status).toBe(403);
    expect((await t.api('POST', '/api/reconciliation/platform-readback/resend', { date: DATE }, TOKENS.cashier)).status).toBe(403);

    const resend = await t.api('POST', '/api/reconciliation/platform-readback/resend', { date: DATE });
    expect(resend).toEqual({ status: 200, body: { date: DATE, requeued: 2, alreadyQueued: 0 } });
    await t.drained();
    const again = await t.api<Readback>('POST', '/api/reconciliation/platform-readback', { date: DATE });
    expect(again.body).toMatchObject({ missing: [], differing: [], extra: [expect.objectContaining({ bchno: 'HIS-0001' })] });
    // Re-sent under its own batch id: the platform holds the lost sale once.
    expect(listUploads(sim.db, { infno: '3505' }).filter((u) => u.bchno === lost.bchno)).toHaveLength(1);
    const check = await uploadsCheck();
    expect(check).toMatchObject({ ok: true, basis: 'platform' });
    expect(check.message).toMatch(/另有 1 条平台记录不在本机账本中/);
    // Kept in the ledger file: a restarted box (a new service on the same database) still cites it.
    const restarted = new PlatformReadbackService(t.agent.ledger.db, t.agent.platform.readback, { clock: t.clock.now });
    expect(restarted.verdictFor(DATE)).toMatchObject({ date: DATE, missing: 0, differing: 0, extra: 1, stale: false });
  });

  it('a sale after the read-back makes the platform view out of date: 上传完整 falls back to the queue and says to read again', async () => {
    const id = await t.open();
    expect((await t.scan(id, serials('IBU', 4, 1)[0]!)).status).toBe(200);
    expect((await t.settle(id, 'self_pay')).status).toBe(200);
    await t.drained();
    expect(await uploadsCheck()).toMatchObject({ ok: true, basis: 'queue', message: expect.stringMatching(/请在「平台核对」重新读取平台记录核实/) });
    const r = await t.api<Readback>('POST', '/api/reconciliation/platform-readback', { date: DATE });
    expect(r.body).toMatchObject({ missing: [], differing: [], matched: 5 });
    expect((await uploadsCheck()).basis).toBe('platform');
  });

  it('the platform unreachable: 502 with a Chinese message naming the query; nothing changed', async () => {
    const sim = t.agent.platform.simulator!;
    sim.setFaults({ rate5xx: 1, random: () => 0 });
    try {
      const r = await t.api<{ errors: { code: string; message: string }[] }>('POST', '/api/reconciliation/platform-readback', { date: DATE });
      expect(r.status).toBe(502);
      expect(r.body.errors[0]).toEqual({
        code: 'PLATFORM_READBACK_FAILED',
        message: expect.stringMatching(/^入库药品追溯信息查询（3512）未能完成：.*本次核对未作任何改动$/),
      });
    } finally {
      sim.setFaults({});
    }
    // The previous read-back still stands.
    expect((await uploadsCheck()).ok).toBe(true);
  });

  it('a bad date is 400; a re-send before any read-back of the day is 409', async () => {
    expect((await t.api('POST', '/api/reconciliation/platform-readback', { date: '22-11-2026' })).status).toBe(400);
    const r = await t.api<{ errors: { message: string }[] }>('POST', '/api/reconciliation/platform-readback/resend', { date: '2026-11-20' });
    expect(r.status).toBe(409);
    expect(r.body.errors[0]!.message).toMatch(/请先点击“读取平台记录”/);
  });
});
