// 药师在岗 through the API (issue 13 item 2): pharmacists are accounts; one signs in at a counter, or the manager sets
// the store's shift pharmacist; every sale records who was on duty and its 3505 carries them to the (strict) simulator;
// without one a prescription drug is refused PHARMACIST_REQUIRED while OTC goods still sell; a restart keeps the shift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { codeOf, line, person, RunningClock, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

const WANG = { username: 'wang', displayName: '王药师', role: 'pharmacist', password: 'wang-pass-01', pracCertNo: 'ZY13010220200001' };
const ZHAO = { username: 'zhao', displayName: '赵药师', role: 'pharmacist', password: 'zhao-pass-01', pracCertNo: '13010220200002' };
const RX_MESSAGE = '处方药须执业药师审核：请执业药师在收银台签到，或由店长设置当班药师，然后再结算';

/** The settle answer was a 409 naming exactly these refusal codes. */
function expectRefused(r: { status: number; body: { refused?: { code: string; message: string }[] } }, status: number, codes: { code: string }[]) {
  expect(r.status).toBe(status);
  expect((r.body.refused ?? []).map((x) => ({ code: x.code }))).toEqual(codes);
  return r.body.refused ?? [];
}

type OnDuty = { name: string; certNo: string; source: string; username?: string } | null;

describe('pharmacist on duty (药师在岗)', () => {
  const dir = tempDir('counter-agent-pharm-');
  const clock = new RunningClock();
  let t: TestAgent;
  let amox = 1;
  let ibu = 1;

  const start = () => startTestAgent({ dir: dir.dir, clock, configure: (c) => void (c.store.pharmacists = []) });
  const onDuty = async (counter: string) =>
    (await t.api<{ pharmacist: OnDuty }>('GET', `/api/counters/${counter}/pharmacist`, undefined, TOKENS.cashier)).body.pharmacist;
  const openAt = async (counter: string) => (await t.api<{ id: number }>('POST', '/api/sales', { counter }, TOKENS.cashier)).body.id;

  /** A self-pay sale of one prescription drug (with its prescription) or one OTC drug at `counter`. */
  async function sell(counter: string, kind: 'rx' | 'otc') {
    const id = await openAt(counter);
    const scanned = kind === 'rx' ? codeOf('AMOX', amox++) : codeOf('IBU', ibu++);
    expect((await t.scan(id, scanned)).status).toBe(200);
    if (kind === 'rx') expect((await t.prescribe(id, person('young'))).status).toBe(200);
    return { id, res: await t.settle(id, 'self_pay') };
  }

  /** The 3505 records the simulator accepted for a sale (its fixmedins_bchno starts with the sale's line keys). */
  function uploaded3505(): { phar_name: string; phar_prac_cert_no: string }[] {
    const sim = t.agent.platform.simulator!;
    return (sim.db.prepare("SELECT payload FROM uploads WHERE infno = '3505' ORDER BY rowid").pluck().all() as string[]).map(
      (p) => JSON.parse(p) as { phar_name: string; phar_prac_cert_no: string },
    );
  }

  beforeAll(async () => {
    t = await start();
    await t.receive({ procurementOrderNo: 'CG202611000001', lines: [line('AMOX', 'A1', serials('AMOX', 1, 12)), line('IBU', 'I1', serials('IBU', 1, 12))] });
    for (const u of [WANG, ZHAO]) expect((await t.api('POST', '/api/users', u)).status).toBe(201);
    expect((await t.api('POST', '/api/users', { username: 'li', role: 'cashier', password: '2468' })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    dir.cleanup();
  });

  it('a manager creates pharmacists with their 执业药师注册证号; a bad number is refused in Chinese', async () => {
    const bad = await t.api('POST', '/api/users', { ...WANG, username: 'sun', pracCertNo: '12-34' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]).toMatchObject({ code: 'PRAC_CERT_NO_INVALID', message: expect.stringContaining('执业药师注册证号') });
    const users = (await t.api<{ users: { username: string; role: string; pracCertNo?: string }[] }>('GET', '/api/users')).body.users;
    expect(users.find((u) => u.username === 'wang')).toMatchObject({ role: 'pharmacist', pracCertNo: WANG.pracCertNo });
    // A pharmacist's account is for 药师签到, not for the pages.
    const page = await t.api('POST', '/api/login', { username: 'wang', password: WANG.password }, null);
    expect(page.status).toBe(403);
    expect(page.body.errors?.[0]?.code).toBe('PHARMACIST_ACCOUNT');
  });

  it('without a pharmacist on duty a prescription drug is refused PHARMACIST_REQUIRED', async () => {
    expect(await onDuty('counter-1')).toBeNull();
    const rx = await sell('counter-1', 'rx');
    const [refusal] = expectRefused(rx.res, 409, [{ code: 'PHARMACIST_REQUIRED' }]);
    expect(refusal!.message).toBe(RX_MESSAGE);
    expect((await t.sale(rx.id)).status).toBe('open');
    await t.api('POST', `/api/sales/${rx.id}/void`, {}, TOKENS.cashier);
  });

  it('药师签到 at a counter: wrong password and a non-pharmacist are refused; the pharmacist is on duty there and in 3505', async () => {
    const url = '/api/counters/counter-1/pharmacist';
    const wrong = await t.api('POST', url, { username: 'wang', password: 'nope-nope' }, TOKENS.cashier);
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors?.[0]?.code).toBe('BAD_CREDENTIALS');
    const cashier = await t.api('POST', url, { username: 'li', password: '2468' }, TOKENS.cashier);
    expect(cashier.status).toBe(403);
    expect(cashier.body.errors?.[0]).toMatchObject({ code: 'NOT_PHARMACIST', message: expect.stringContaining('执业药师') });
    const ok = await t.api<{ pharmacist: OnDuty }>('POST', url, { username: 'wang', password: WANG.password }, TOKENS.cashier);
    expect(ok.status).toBe(200);
    expect(ok.body.pharmacist).toMatchObject({ name: '王药师', certNo: WANG.pracCertNo, source: 'counter' });
    // Another counter has nobody.
    expect(await onDuty('counter-2')).toBeNull();
    expectRefused((await sell('counter-2', 'rx')).res, 409, [{ code: 'PHARMACIST_REQUIRED' }]);

    const sale = await sell('counter-1', 'rx');
    expect(sale.res.status).toBe(200);
    expect((await t.sale(sale.id)).pharmacist).toEqual({ name: '王药师', certNo: WANG.pracCertNo });
    await t.drained();
    // The strict simulator validated the 3505 against the national table and kept it.
    expect(uploaded3505().at(-1)).toMatchObject({ phar_name: '王药师', phar_prac_cert_no: WANG.pracCertNo });
  });

  it('the manager sets the shift pharmacist; a counter sign-in takes precedence; 药师签退 falls back to the shift', async () => {
    const set = await t.api<{ shift: OnDuty }>('PUT', '/api/pharmacists/shift', { username: 'zhao' });
    expect(set.status).toBe(200);
    expect(set.body.shift).toMatchObject({ name: '赵药师', source: 'store' });
    expect((await t.api('PUT', '/api/pharmacists/shift', { username: 'li' })).status).toBe(404);
    expect((await t.api('PUT', '/api/pharmacists/shift', { username: 'zhao' }, TOKENS.cashier)).status).toBe(403);

    expect(await onDuty('counter-1')).toMatchObject({ name: '王药师', source: 'counter' });
    const c2 = await sell('counter-2', 'rx');
    expect(c2.res.status).toBe(200);
    expect((await t.sale(c2.id)).pharmacist).toEqual({ name: '赵药师', certNo: ZHAO.pracCertNo });

    const out = await t.api<{ pharmacist: OnDuty }>('DELETE', '/api/counters/counter-1/pharmacist', undefined, TOKENS.cashier);
    expect(out.body.pharmacist).toMatchObject({ name: '赵药师', source: 'store' });
    const c1 = await sell('counter-1', 'rx');
    expect((await t.sale(c1.id)).pharmacist?.name).toBe('赵药师');

    const duty = await t.api<{ shift: OnDuty; counters: unknown[]; pharmacists: { username: string }[] }>('GET', '/api/pharmacists/duty');
    expect(duty.body.counters).toEqual([]);
    expect(duty.body.pharmacists.map((p) => p.username)).toEqual(['wang', 'zhao']);

    // The manager's sales list names who was on duty for each sale.
    const list = await t.api<{ sales: { id: number; pharmacist: string | null }[] }>('GET', '/api/sales');
    const byId = new Map(list.body.sales.map((s) => [s.id, s.pharmacist]));
    expect(byId.get(c1.id)).toBe('赵药师');
    expect(byId.get(c2.id)).toBe('赵药师');

    await t.drained();
    expect(uploaded3505().at(-1)).toMatchObject({ phar_name: '赵药师', phar_prac_cert_no: ZHAO.pracCertNo });
  });

  it('a restart keeps the shift and the counter sign-in; a sign-in ends with its day, and a cleared shift leaves OTC only', async () => {
    await t.api('POST', '/api/counters/counter-1/pharmacist', { username: 'wang', password: WANG.password }, TOKENS.cashier);
    await t.agent.close();
    t = await start();
    expect(await onDuty('counter-1')).toMatchObject({ name: '王药师', source: 'counter' });
    expect(await onDuty('counter-2')).toMatchObject({ name: '赵药师', source: 'store' });

    // The next day: yesterday's counter sign-in no longer counts, the manager's shift does.
    clock.advance(24 * 3600_000);
    expect(await onDuty('counter-1')).toMatchObject({ name: '赵药师', source: 'store' });

    const cleared = await t.api<{ shift: OnDuty }>('PUT', '/api/pharmacists/shift', { username: null });
    expect(cleared.body.shift).toBeNull();
    expectRefused((await sell('counter-1', 'rx')).res, 409, [{ code: 'PHARMACIST_REQUIRED' }]);
    const otc = await sell('counter-1', 'otc');
    expect(otc.res.status).toBe(200);
    expect((await t.sale(otc.id)).pharmacist).toBeNull();
    // GSP lets OTC goods sell while the pharmacist is away, but the national 3505 needs phar_name: the platform
    // refuses the record and the sync screen says why (README "Pharmacist on duty").
    t.agent.platform.worker.notify();
    let failed: { infno: string; error: string }[] = [];
    for (let i = 0; i < 200 && failed.length === 0; i++) {
      failed = (await t.api<{ failedRecords: { infno: string; error: string }[] }>('GET', '/api/sync')).body.failedRecords;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(failed).toEqual([expect.objectContaining({ infno: '3505', error: expect.stringContaining('selinfo.phar_name') })]);
  }, 60_000);

  it('a disabled pharmacist is on duty nowhere', async () => {
    await t.api('POST', '/api/counters/counter-3/pharmacist', { username: 'zhao', password: ZHAO.password }, TOKENS.cashier);
    expect(await onDuty('counter-3')).toMatchObject({ name: '赵药师' });
    expect((await t.api('POST', '/api/users/zhao/disable', {})).status).toBe(200);
    expect(await onDuty('counter-3')).toBeNull();
  });
});
