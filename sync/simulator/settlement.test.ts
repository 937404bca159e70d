import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformNetworkError, PlatformRejectedError } from '../errors.js';
import { readSetlinfo } from '../outputs.js';
import { balanceOf, saleInput, startTestEnv, type TestEnv, traceCode } from '../test-support.js';
import { DISEASE, DRUG, STORE_OTHER, seedPerson } from './seed.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env.close();
});

async function rejection(p: Promise<unknown>): Promise<PlatformRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformRejectedError);
  return err as PlatformRejectedError;
}

describe('1101 person info', () => {
  it('finds a person by e-voucher token, ID number and card number', async () => {
    const c = env.client();
    const p = seedPerson('hypertension');
    for (const [type, no] of [
      ['01', p.token],
      ['02', p.certno],
      ['03', p.cardNo],
    ] as const) {
      const { output } = await c.personInfo({ data: { mdtrt_cert_type: type, mdtrt_cert_no: no, ...(type === '03' ? { card_sn: no } : {}) } });
      expect(output.baseinfo.psn_no).toBe(p.psnNo);
      expect(output.baseinfo.psn_name).toBe('张建国');
      expect(output.insuinfo[0]!.balc).toBe('2860.50');
      expect(output.insuinfo[0]!.insutype).toBe('310');
      expect(output.opsp_dise_list).toEqual([{ opsp_dise_code: DISEASE.hypertension, opsp_dise_name: '高血压', med_list_codgs: [DRUG.amlodipine] }]);
    }
  });

  it('reports age from the ID birth date', async () => {
    const { output } = await env.client().personInfo({ data: { mdtrt_cert_type: '02', mdtrt_cert_no: seedPerson('young').certno } });
    expect(output.baseinfo.age).toBe(22);
  });

  it('refuses an unknown person in Chinese', async () => {
    const err = await rejection(env.client().personInfo({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: 'EC000' } }));
    expect(err.infcode).toBe(-1);
    expect(err.errMsg).toContain('未查询到参保人员信息');
    expect(err.transient).toBe(false);
  });
});

describe('2101 / 2102 arithmetic (integer fen)', () => {
  it('pre-settlement computes without charging', async () => {
    const p = seedPerson('hypertension');
    const { output } = await env.client().preSettle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]));
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ totalFen: 2450, fundPayFen: 0, accountPayFen: 2450, cashPayFen: 0, balanceFen: 286_050 - 2450 });
    expect(balanceOf(env.sim, p.psnNo)).toBe(286_050);
  });

  it('med_type 41: account pays, balance goes down', async () => {
    const p = seedPerson('hypertension');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]));
    const s = readSetlinfo(output.setlinfo);
    expect(s).toMatchObject({ totalFen: 2450, fundPayFen: 0, accountPayFen: 2450, cashPayFen: 0, balanceFen: 283_600, psnNo: p.psnNo });
    expect(s.setlId).not.toBe('');
    expect(s.setlTime).toBe('2026-11-22 10:00:00');
    expect(balanceOf(env.sim, p.psnNo)).toBe(283_600);
  });

  it('med_type 41: a low balance pays what it can, the rest is cash', async () => {
    const p = seedPerson('lowBalance');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.lianhua, cnt: 24, amountFen: 1000 }]));
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ totalFen: 1000, accountPayFen: 350, cashPayFen: 650, balanceFen: 0 });
  });

  it('med_type 41 without acct_used_flag is all cash', async () => {
    const p = seedPerson('employee');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.amoxicillin, cnt: 24, amountFen: 1288 }], { acct: false }));
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ accountPayFen: 0, cashPayFen: 1288, balanceFen: 93_040 });
  });

  it('med_type 14 employee: fund 70 % of the listed drugs, then account', async () => {
    const p = seedPerson('hypertension');
    const input = saleInput(
      p,
      [
        { code: DRUG.amlodipine, cnt: 28, amountFen: 4599 },
        { code: DRUG.amoxicillin, cnt: 24, amountFen: 1000 }, // not on the hypertension list
      ],
      { medType: '14', dise: DISEASE.hypertension },
    );
    const { output } = await env.client().settle(input);
    // floor(4599 × 70 / 100) = 3219; rest 5599 − 3219 = 2380 from the account.
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ totalFen: 5599, fundPayFen: 3219, accountPayFen: 2380, cashPayFen: 0, balanceFen: 286_050 - 2380 });
    expect(output.setldetail).toEqual([{ fund_pay_type: '310100', fund_payamt: '32.19' }]);
  });

  it('med_type 14 resident: fund 55 %, no personal account, rest cash', async () => {
    const p = seedPerson('diabetes');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.metformin, cnt: 120, amountFen: 1999 }], { medType: '14' }));
    // floor(1999 × 55 / 100) = floor(1099.45) = 1099
    expect(readSetlinfo(output.setlinfo)).toMatchObject({ totalFen: 1999, fundPayFen: 1099, accountPayFen: 0, cashPayFen: 900, balanceFen: 0 });
  });

  it('refuses med_type 14 for a person with no registered chronic disease', async () => {
    const err = await rejection(env.client().settle(saleInput(seedPerson('employee'), [{ code: DRUG.metformin, cnt: 8, amountFen: 500 }], { medType: '14' })));
    expect(err.errMsg).toContain('门慢特病');
  });

  it('refuses a total that does not match the lines', async () => {
    const input = saleInput(seedPerson('employee'), [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 500 }]);
    input.druginfo.medfee_sumamt = '5.01';
    const err = await rejection(env.client().settle(input));
    expect(err.errMsg).toContain('与明细合计');
  });
});

describe('不网采不结算', () => {
  it('refuses, naming the drug, when the store has no procurement record', async () => {
    const p = seedPerson('employee');
    const input = saleInput(p, [{ code: DRUG.ibuprofen, cnt: 4, amountFen: 1500 }]);
    const err = await rejection(env.client({ store: STORE_OTHER }).settle(input));
    expect(err.errMsg).toContain('布洛芬缓释胶囊');
    expect(err.errMsg).toContain('网采');
    // The main store has ibuprofen procurement.
    await expect(env.client().settle(input)).resolves.toBeDefined();
  });
});

describe('trace codes across stores', () => {
  it('refuses a code already settled at another store, and at the same store', async () => {
    const code = traceCode(1);
    await env.client().settle(saleInput(seedPerson('hypertension'), [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }]));
    const other = saleInput(seedPerson('both'), [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }]);
    const err = await rejection(env.client({ store: STORE_OTHER }).settle(other));
    expect(err.errMsg).toContain(code);
    expect(err.errMsg).toContain('其他定点机构');
    const same = await rejection(env.client().settle(other));
    expect(same.errMsg).toContain('本机构');
    expect(balanceOf(env.sim, seedPerson('both').psnNo)).toBe(521_000);
  });

  it('refuses a code twice in one sale', async () => {
    const code = traceCode(2);
    const input = saleInput(seedPerson('employee'), [
      { code: DRUG.amoxicillin, cnt: 8, amountFen: 500, trace: [{ code }] },
      { code: DRUG.lianhua, cnt: 12, amountFen: 500, trace: [{ code }] },
    ]);
    expect((await rejection(env.client().settle(input))).errMsg).toContain('重复');
  });

  it('lets split-pack (trdn_flag 1) codes repeat, but not be sold whole afterwards', async () => {
    const code = traceCode(3);
    const split = (who: string) => saleInput(seedPerson(who), [{ code: DRUG.lianhua, cnt: 6, amountFen: 800, trace: [{ code, split: true }] }]);
    await env.client().settle(split('employee'));
    await env.client({ store: STORE_OTHER }).settle(split('youngAdult'));
    const whole = saleInput(seedPerson('resident'), [{ code: DRUG.lianhua, cnt: 24, amountFen: 2600, trace: [{ code }] }]);
    expect((await rejection(env.client().settle(whole))).errMsg).toContain(code);
  });
});

describe('cross-store repeat purchase', () => {
  it('refuses the same drug elsewhere until the covered days have passed', async () => {
    const p = seedPerson('employee');
    // 16 capsules at 8/day cover 2 days: 2026-11-22 and 2026-11-23.
    await env.client().settle(saleInput(p, [{ code: DRUG.amoxicillin, cnt: 16, amountFen: 1800 }]));
    const again = saleInput(p, [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 900 }]);
    const err = await rejection(env.client({ store: STORE_OTHER }).settle(again));
    expect(err.errMsg).toContain('重复购药');
    expect(err.errMsg).toContain('阿莫西林胶囊');
    expect(err.errMsg).toContain('2026-11-23');
    env.clock.advance(86_400_000);
    await rejection(env.client({ store: STORE_OTHER }).settle(again));
    env.clock.advance(86_400_000);
    await expect(env.client({ store: STORE_OTHER }).settle(again)).resolves.toBeDefined();
  });

  it('caps an ordinary sale at 7 covered days and a chronic one at 84', async () => {
    const p = seedPerson('both');
    await env.client().settle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 100, amountFen: 9000 }], { medType: '14', dise: DISEASE.hypertension }));
    const later = saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 700 }]);
    env.clock.advance(83 * 86_400_000);
    await rejection(env.client({ store: STORE_OTHER }).settle(later));
    env.clock.advance(86_400_000);
    await expect(env.client({ store: STORE_OTHER }).settle(later)).resolves.toBeDefined();
  });

  it('a reversed sale does not block', async () => {
    const p = seedPerson('employee');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.amoxicillin, cnt: 16, amountFen: 1800 }]));
    await env.client().reverseSettlement({ data: { setl_id: output.setlinfo.setl_id, mdtrt_id: output.setlinfo.mdtrt_id, psn_no: p.psnNo } });
    await expect(env.client({ store: STORE_OTHER }).settle(saleInput(p, [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 900 }]))).resolves.toBeDefined();
  });
});

describe('2103 reversal', () => {
  it('restores the balance, frees the codes, and cannot be done twice', async () => {
    const p = seedPerson('hypertension');
    const code = traceCode(10);
    const c = env.client();
    const { output } = await c.settle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }]));
    const data = { setl_id: output.setlinfo.setl_id, mdtrt_id: output.setlinfo.mdtrt_id, psn_no: p.psnNo };
    const rev = await c.reverseSettlement({ data });
    expect(readSetlinfo(rev.output.setlinfo!)).toMatchObject({ totalFen: -2450, accountPayFen: -2450, balanceFen: 286_050 });
    expect(balanceOf(env.sim, p.psnNo)).toBe(286_050);
    expect((await rejection(c.reverseSettlement({ data }))).errMsg).toContain('已撤销');
    await expect(
      env.client({ store: STORE_OTHER }).settle(saleInput(seedPerson('both'), [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }])),
    ).resolves.toBeDefined();
  });

  it('refuses another store’s settlement', async () => {
    const p = seedPerson('hypertension');
    const { output } = await env.client().settle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]));
    const err = await rejection(
      env.client({ store: STORE_OTHER }).reverseSettlement({ data: { setl_id: output.setlinfo.setl_id, mdtrt_id: output.setlinfo.mdtrt_id, psn_no: p.psnNo } }),
    );
    expect(err.errMsg).toContain('结算记录不存在');
  });
});

describe('2601 reversal by msgid', () => {
  it('a 2102 whose answer was lost after commit: replay shows the outcome, 2601 reverses it', async () => {
    const p = seedPerson('hypertension');
    const code = traceCode(20);
    const c = env.client();
    await c.signIn();
    const input = saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }]);
    const msgid = c.nextMsgid();
    env.sim.setFaults({ rateLostAfterCommit: 1 });
    const err = await c.settle(input, { msgid }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformNetworkError);
    expect((err as PlatformNetworkError).transient).toBe(true);
    env.sim.setFaults({});
    expect(balanceOf(env.sim, p.psnNo)).toBe(283_600); // the platform did charge

    // Repeating the same msgid replays the original answer: no second charge.
    const replay = await c.settle(input, { msgid });
    expect(replay.output.setlinfo.acct_pay).toBe('24.50');
    expect(balanceOf(env.sim, p.psnNo)).toBe(283_600);

    const rev = await c.reverseByMsgid({ data: { psn_no: p.psnNo, omsgid: msgid, oinfno: '2102' } });
    expect(rev.output.reversed).toBe(true);
    expect(rev.output.setl_id).toBe(replay.output.setlinfo.setl_id);
    expect(balanceOf(env.sim, p.psnNo)).toBe(286_050);
    await expect(
      env.client({ store: STORE_OTHER }).settle(saleInput(seedPerson('both'), [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450, trace: [{ code }] }])),
    ).resolves.toBeDefined();

    const again = await c.reverseByMsgid({ data: { psn_no: p.psnNo, omsgid: msgid, oinfno: '2102' } });
    expect(again.output.reversed).toBe(false);
    expect(balanceOf(env.sim, p.psnNo)).toBe(286_050);
  });

  it('answers reversed:false when the original never arrived, and refuses that 2102 if it arrives late', async () => {
    const c = env.client();
    const p = seedPerson('employee');
    const msgid = c.nextMsgid();
    const { output, response } = await c.reverseByMsgid({ data: { psn_no: p.psnNo, omsgid: msgid, oinfno: '2102' } });
    expect(response.infcode).toBe(0);
    expect(output).toEqual({ reversed: false, reason: '原交易不存在，无需冲正' });
    const before = balanceOf(env.sim, p.psnNo);
    const late = await rejection(c.settle(saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]), { msgid }));
    expect(late.errMsg).toMatch(/已被冲正/);
    expect(balanceOf(env.sim, p.psnNo)).toBe(before);
  });

  it('answers reversed:false for a 2102 the platform refused', async () => {
    const c = env.client({ store: STORE_OTHER });
    const p = seedPerson('employee');
    const msgid = c.nextMsgid();
    await rejection(c.settle(saleInput(p, [{ code: DRUG.ibuprofen, cnt: 4, amountFen: 1500 }]), { msgid }));
    const { output } = await c.reverseByMsgid({ data: { psn_no: p.psnNo, omsgid: msgid, oinfno: '2102' } });
    expect(output.reversed).toBe(false);
  });
});
