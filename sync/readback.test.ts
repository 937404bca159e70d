// 3512/3513 read-back: the strict simulator answers from what it accepted, in the shape of the national table
// (sync/spec/queries.ts), and the box's adapter turns the answer into the reconciliation port's records — or
// refuses it with a Chinese message naming what failed (unreachable, garbage, infcode -1, a missing field).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformReadbackError } from '../agent/reconciliation/platform-port.js';
import { PlatformRejectedError } from './errors.js';
import { PlatformReadback } from './readback.js';
import { DRUG, SEED_STORES } from './simulator/seed.js';
import { validateInput, validateOutput } from './spec/index.js';
import { startTestEnv, type TestEnv, traceCode } from './test-support.js';

let env: TestEnv | undefined;
let fake: Server | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
  await new Promise<void>((r) => (fake ? fake.close(() => r()) : r()));
  fake = undefined;
});

const STORE = SEED_STORES[0].code;

const purchase = (bchno: string, at: string) => ({
  fixmedins_bchno: bchno,
  med_list_codg: DRUG.metformin,
  fixmedins_hilist_id: 'SKU-1',
  fixmedins_hilist_name: '二甲双胍片',
  rx_flag: '0',
  manu_lotnum: 'L1',
  manu_date: '2026-01-01',
  expy_end: '2028-01-01',
  spler_name: '华北医药',
  purc_retn_cnt: '48',
  finl_trns_pric: '0.458333',
  purc_retn_stoin_time: at,
  purc_retn_opter_name: '张药师',
  prdr_name: '某药业',
  aprvno: '国药准字H1',
  prod_geay_flag: '0' as const,
  drugtracinfo: [{ drug_trac_codg: traceCode(1) }, { drug_trac_codg: traceCode(2) }],
});

const sale = (bchno: string, at: string, code = traceCode(1)) => ({
  fixmedins_bchno: bchno,
  med_list_codg: DRUG.metformin,
  fixmedins_hilist_id: 'SKU-1',
  fixmedins_hilist_name: '二甲双胍片',
  rx_flag: '0',
  manu_lotnum: 'L1',
  manu_date: '2026-01-01',
  trdn_flag: '0' as const,
  sel_retn_cnt: '24',
  finl_trns_pric: '0.458333',
  sel_retn_time: at,
  sel_retn_opter_name: '张',
  prsc_dr_name: '无',
  phar_name: '李药师',
  phar_prac_cert_no: 'ZY1',
  hi_feesetl_type: '2',
  mdtrt_sn: bchno,
  psn_cert_type: '99',
  rtal_docno: bchno,
  mdtrt_setl_type: '2' as const,
  drugtracinfo: [{ drug_trac_codg: code }],
});

const Q = { fixmedins_code: STORE, begndate: '2026-11-22', enddate: '2026-11-22' };
const DAY = { receiptCodes: [DRUG.metformin], saleCodes: [DRUG.metformin] };

describe('3512 / 3513 in the strict simulator', () => {
  it("answers a drug's receipts and sales of a day from what it accepted: one camelCase row per trace code, 3507 deletions left out", async () => {
    env = await startTestEnv();
    const c = env.client();
    await c.upload('3503', { purcinfo: purchase('P-1', '2026-11-22 09:00:00') });
    await c.upload('3505', { selinfo: sale('S-1', '2026-11-22 10:00:00') });
    await c.upload('3505', { selinfo: sale('S-2', '2026-11-21 18:00:00', traceCode(2)) }); // the day before
    await c.upload('3505', { selinfo: sale('S-3', '2026-11-22 11:00:00', traceCode(3)) });
    await c.upload('3507', { data: { fixmedins_bchno: 'S-3', inv_data_type: '4' } });

    const inbound = await c.call('3512', { data: { ...Q, med_list_codg: DRUG.metformin } });
    expect(validateOutput('3512', inbound.output)).toEqual([]);
    const row = {
      fixmedinsCode: STORE,
      fixmedinsBchno: 'P-1',
      medListCodg: DRUG.metformin,
      medinsListCodg: 'SKU-1',
      medinsListName: '二甲双胍片',
      valiFlag: '1',
    };
    expect(inbound.output).toEqual([
      { ...row, drugTracCodg: traceCode(1) },
      { ...row, drugTracCodg: traceCode(2) },
    ]);

    const sold = await c.call('3513', { data: { ...Q, med_list_codg: DRUG.metformin, psn_cert_type: '99' } });
    expect(validateOutput('3513', sold.output)).toEqual([]);
    expect(sold.output.map((r) => [r.fixmedinsBchno, r.drugTracCodg])).toEqual([['S-1', traceCode(1)]]);
    // Person names the upload carried are not part of the answer (the sources' 3513 output has psnNo, not the name).
    expect(Object.keys(sold.output[0]!)).not.toContain('psnName');
    // Another drug code: nothing.
    expect((await c.call('3512', { data: { ...Q, med_list_codg: 'XC08' } })).output).toEqual([]);
  });

  it('refuses a query without a drug code, item code or batch id ("必须传其中一个"), one without psn_cert_type, and another store’s code', async () => {
    env = await startTestEnv();
    const c = env.client();
    expect(validateInput('3512', { data: Q }).map((p) => p.path)).toEqual(['data.medins_list_codg', 'data.fixmedins_bchno', 'data.med_list_codg']);
    expect(validateInput('3513', { data: { ...Q, mdtrt_id: 'M1', psn_cert_type: '99' } })).toEqual([]);
    const dayOnly = await c.call('3512', { data: Q } as never).catch((e: unknown) => e as PlatformRejectedError);
    expect(dayOnly).toBeInstanceOf(PlatformRejectedError);
    expect((dayOnly as PlatformRejectedError).errMsg).toContain('data.med_list_codg');
    expect(validateInput('3513', { data: { fixmedins_code: STORE, fixmedins_bchno: 'S-1' } }).map((p) => p.path)).toEqual(['data.psn_cert_type']);
    const missing = await c
      .call('3513', { data: { fixmedins_code: STORE, fixmedins_bchno: 'S-1' } } as never)
      .catch((e: unknown) => e as PlatformRejectedError);
    expect((missing as PlatformRejectedError).errMsg).toBe('入参错误：缺少字段 data.psn_cert_type');
    const other = await c
      .call('3512', { data: { fixmedins_code: SEED_STORES[1].code, fixmedins_bchno: 'P-1' } })
      .catch((e: unknown) => e as PlatformRejectedError);
    expect((other as PlatformRejectedError).infcode).toBe(-1);
  });

  it('reads a single record, or nothing, as an answer too (the sources model output both as a list and as one record)', () => {
    const row = { fixmedinsBchno: 'P-1', medListCodg: DRUG.metformin, drugTracCodg: traceCode(1) };
    expect(validateOutput('3512', row)).toEqual([]);
    expect(validateOutput('3512', null)).toEqual([]);
    expect(validateOutput('3512', [])).toEqual([]);
    expect(validateOutput('3512', 'rows')).toEqual([{ path: 'output', cn: 'output', problem: '应为列表' }]);
    expect(validateOutput('3512', [{ medListCodg: DRUG.metformin }]).map((p) => p.path)).toEqual(['output[0].fixmedinsBchno']);
  });
});

describe('PlatformReadback (the adapter behind the reconciliation port)', () => {
  it('reads a day, one query per drug code, into records: batch id, code, name, sorted trace codes (no quantity or price: the answer has none)', async () => {
    env = await startTestEnv();
    const c = env.client();
    await c.upload('3503', { purcinfo: purchase('P-1', '2026-11-22 09:00:00') });
    await c.upload('3505', { selinfo: sale('S-1', '2026-11-22 10:00:00') });
    const day = await new PlatformReadback(c, STORE).readDay('2026-11-22', DAY);
    expect(day.receipts).toEqual([
      { bchno: 'P-1', code: DRUG.metformin, name: '二甲双胍片', pieces: null, amountFen: null, codes: [traceCode(1), traceCode(2)] },
    ]);
    expect(day.sales).toEqual([{ bchno: 'S-1', code: DRUG.metformin, name: '二甲双胍片', pieces: null, amountFen: null, codes: [traceCode(1)] }]);
    // A day with no records of its own asks nothing.
    expect(await new PlatformReadback(c, STORE).readDay('2026-11-22', { receiptCodes: [], saleCodes: [] })).toEqual({
      date: '2026-11-22',
      receipts: [],
      sales: [],
    });
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as PlatformReadbackError,
    );

  it('platform unreachable: a clear Chinese message naming the query', async () => {
    env = await startTestEnv();
    const dead = env.client({ url: 'http://127.0.0.1:9/fsi/api/rsfComIfsService/callService', timeoutMs: 1000 });
    const err = await failure(new PlatformReadback(dead, STORE).readDay('2026-11-22', DAY));
    expect(err).toBeInstanceOf(PlatformReadbackError);
    expect(err!.message).toMatch(/^入库药品追溯信息查询（3512）未能完成：.+本次核对未作任何改动$/);
  });

  it('garbage answers: refused as unreadable', async () => {
    env = await startTestEnv({ faults: { rateMalformed: 1, malformedKind: 'html', random: () => 0 } });
    const err = await failure(new PlatformReadback(env.client(), STORE).readDay('2026-11-22', DAY));
    expect(err!.message).toMatch(/入库药品追溯信息查询（3512）.*本次核对未作任何改动/);
  });

  it('infcode -1: the platform’s own message, named', async () => {
    env = await startTestEnv();
    const err = await failure(new PlatformReadback(env.client(), SEED_STORES[1].code).readDay('2026-11-22', DAY));
    expect(err!.message).toMatch(/^医保平台拒绝了入库药品追溯信息查询（3512）：入参错误：data\.fixmedins_code/);
  });

  it('an answer missing a mandatory output field is refused naming the field', async () => {
    // A platform that answers 9001 properly and 3512 with a record lacking its batch id, and one marked invalid.
    fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const infno = (JSON.parse(body) as { infno: string }).infno;
        const output =
          infno === '9001'
            ? { signinoutb: { sign_time: '2026-11-22 10:00:00', sign_no: 'SN1' } }
            : [{ medListCodg: DRUG.metformin, drugTracCodg: traceCode(1) }];
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ infcode: 0, inf_refmsgid: 'X', refmsg_time: '', respond_time: '', err_msg: '', output }));
      });
    });
    await new Promise<void>((r) => fake!.listen(0, '127.0.0.1', () => r()));
    env = await startTestEnv();
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/`;
    const err = await failure(new PlatformReadback(env.client({ url }), STORE).readDay('2026-11-22', DAY));
    expect(err!.message).toBe(
      '医保平台对入库药品追溯信息查询（3512）的应答不符合接口规范：3512 output[0].fixmedinsBchno 缺失（定点医药机构批次流水号）。本次核对未作任何改动，请联系平台技术支持',
    );
  });
});
