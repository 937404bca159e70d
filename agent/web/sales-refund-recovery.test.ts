// Issue 15: a refund (退费) whose 2103 answer is lost finishes exactly once. Real HTTP against the embedded
// simulator, which reverses the settlement and then drops the connection: the sale shows 退费处理中, health
// raises an alarm, reconciliation's 销售与结算相符 fails naming the sale, and the recovery pass re-sends the same
// 2103 (same msgid) and records the refund once: codes back in stock once, one 3506, one reversal at the platform.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../ledger/verify.js';
import { codeOf, expectRefused, line, person, serials, startTestAgent, type TestAgent } from './sales.test-helpers.js';

let t: TestAgent;

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000002', lines: [line('LIAN', 'LR1', serials('LIAN', 1, 4))] });
});
afterAll(async () => {
  await t?.close();
});

interface Check {
  key: string;
  ok: boolean;
  message: string;
}

describe('a refund whose platform answer is lost', () => {
  it('shows 退费处理中 with an alarm and a failing reconciliation, then recovery finishes it once', async () => {
    const p = person('diabetes');
    const sim = t.agent.platform.simulator!;
    const id = await t.open();
    await t.identify(id, p);
    await t.scan(id, codeOf('LIAN', 1));
    await t.scan(id, codeOf('LIAN', 2));
    const paid = await t.settle(id, 'insurance');
    expect(paid.status).toBe(200);
    await t.drained();

    let n = 0;
    sim.setFaults({ rateLostAfterCommit: 1, random: () => (++n === 1 ? 0 : 1) });
    try {
      const [x] = expectRefused(await t.api('POST', `/api/sales/${id}/reverse`, { reason: '顾客退货' }), 409, [{ code: 'PLATFORM_UNAVAILABLE' }]);
      expect(x!.message).toContain('平台可能已退费，系统将自动核实');
      expect(x!.message).not.toMatch(/联网/);
    } finally {
      sim.setFaults({});
    }
    const reversedAt = () =>
      (sim.db.prepare('SELECT reversed_at FROM settlements WHERE setl_id = ?').get(paid.body.settlementId) as { reversed_at: string | null }).reversed_at;
    expect(reversedAt()).toEqual(expect.any(String)); // the platform did reverse

    const pending = await t.sale(id);
    expect(pending.status).toBe('reversing');
    expect(pending).toMatchObject({ reversing: { reason: '顾客退货', actor: 'mgr', msgid: expect.stringMatching(/^P13010200001\d{18}$/) } });
    expect((await t.api('GET', `/api/codes/${codeOf('LIAN', 1)}`)).body).toMatchObject({ state: 'sold' });
    const list = await t.api<{ sales: { id: number; status: string }[] }>('GET', '/api/sales?from=2026-11-22&to=2026-11-22');
    expect(list.body.sales.find((s) => s.id === id)?.status).toBe('reversing');

    const health = await t.api<{ alarms: { code: string; message: string }[] }>('GET', '/api/health');
    const alarm = health.body.alarms.find((a) => a.code === 'REFUND_PENDING');
    expect(alarm?.message).toContain(`销售单 ${id} `);
    const rec = await t.api<{ checks: Check[] }>('GET', '/api/reconciliation?from=2026-11-22&to=2026-11-22');
    const salesCheck = rec.body.checks.find((c) => c.key === 'sales_settlements')!;
    expect(salesCheck.ok).toBe(false);
    expect(salesCheck.message).toContain(`销售单 ${id} 的医保退费尚未得到平台确认`);

    // A second click while under way repeats the same 2103 (same msgid), never a second refund.
    const msgid = (pending as unknown as { reversing: { msgid: string } }).reversing.msgid;
    const r = await t.agent.checkout.recoverRefunds();
    expect(r).toMatchObject({ refunded: 1, refundsPending: 0 });
    const done = await t.sale(id);
    expect(done.status).toBe('reversed');
    expect(done).toMatchObject({ reversal: { actor: 'mgr', reason: '顾客退货' }, reversing: null });
    expect((await t.api('GET', `/api/codes/${codeOf('LIAN', 1)}`)).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    expect((await t.api('GET', `/api/codes/${codeOf('LIAN', 2)}`)).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    await t.drained();
    expect(done.sync.filter((s) => s.infno === '3506')).toHaveLength(2); // one per line, once
    expect(sim.db.prepare("SELECT COUNT(*) FROM messages WHERE infno = '2103' AND msgid = ?").pluck().get(msgid)).toBe(1);
    expect(sim.db.prepare('SELECT COUNT(*) FROM settlements WHERE setl_id = ? AND reversed_at IS NOT NULL').pluck().get(paid.body.settlementId)).toBe(1);
    expect(await t.agent.checkout.recoverRefunds()).toMatchObject({ refunded: 0, refundsPending: 0 });
    expect((await t.api<{ alarms: { code: string }[] }>('GET', '/api/health')).body.alarms.map((a) => a.code)).not.toContain('REFUND_PENDING');
    const after = await t.api<{ checks: Check[] }>('GET', '/api/reconciliation?from=2026-11-22&to=2026-11-22');
    expect(after.body.checks.find((c) => c.key === 'sales_settlements')!.ok).toBe(true);
    expect((await t.api('POST', `/api/sales/${id}/reverse`, {})).status).toBe(409); // refunded once
    expect(verifyLedger(t.agent.ledger.db).ok).toBe(true);
  });

  it('a refund the platform refuses leaves the sale settled, no alarm, and the next try is a new 2103', async () => {
    const p = person('diabetes');
    const sim = t.agent.platform.simulator!;
    const id = await t.open();
    await t.identify(id, p);
    await t.scan(id, codeOf('LIAN', 3));
    const paid = await t.settle(id, 'insurance');
    expect(paid.status).toBe(200);
    // Reversed behind the box's back (e.g. at the 经办机构): the platform refuses a second reversal.
    sim.db.prepare('UPDATE settlements SET reversed_at = ? WHERE setl_id = ?').run(new Date().toISOString(), paid.body.settlementId);
    const [x] = expectRefused(await t.api('POST', `/api/sales/${id}/reverse`, {}), 409, [{ code: 'PLATFORM_REJECTED' }]);
    expect(x!.message).toMatch(/医保平台拒绝退费/);
    expect((await t.sale(id)).status).toBe('settled');
    expect((await t.api<{ alarms: { code: string }[] }>('GET', '/api/health')).body.alarms.map((a) => a.code)).not.toContain('REFUND_PENDING');
    sim.db.prepare('UPDATE settlements SET reversed_at = NULL WHERE setl_id = ?').run(paid.body.settlementId);
    expect((await t.api('POST', `/api/sales/${id}/reverse`, {})).status).toBe(200);
    expect((await t.sale(id)).status).toBe('reversed');
  });
});
