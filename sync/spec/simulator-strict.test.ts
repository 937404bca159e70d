// The strict simulator, over real HTTP: it refuses what a real platform would (infcode -1, the field named),
// speaks a province profile when set to one, and a 35xx answer with retRslt ≠ 1 is a refusal with its message.
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformRejectedError } from '../errors.js';
import { DRUG } from '../simulator/seed.js';
import { countUploads, listUploads } from '../simulator/uploads.js';
import { startTestEnv, type TestEnv, traceCode } from '../test-support.js';

let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

const purchase = (bchno: string) => ({
  fixmedins_bchno: bchno,
  med_list_codg: DRUG.metformin,
  fixmedins_hilist_id: 'SKU-1',
  fixmedins_hilist_name: '二甲双胍片',
  rx_flag: '0',
  manu_lotnum: 'L1',
  manu_date: '2026-01-01',
  expy_end: '2028-01-01',
  spler_name: '华北医药',
  purc_retn_cnt: '10',
  purc_retn_stoin_time: '2026-11-22 09:00:00',
  purc_retn_opter_name: '张药师',
  prdr_name: '某药业',
  aprvno: '国药准字H1',
  prod_geay_flag: '0' as const,
  drugtracinfo: [{ drug_trac_codg: traceCode(1) }],
});
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as PlatformRejectedError,
  );

describe('the strict simulator', () => {
  it('refuses a 3505 without the pharmacist: infcode -1, the field named in err_msg, nothing stored', async () => {
    env = await startTestEnv();
    const sale = {
      fixmedins_bchno: 'S-1',
      med_list_codg: DRUG.metformin,
      fixmedins_hilist_id: 'SKU-1',
      fixmedins_hilist_name: '二甲双胍片',
      rx_flag: '0',
      manu_lotnum: 'L1',
      manu_date: '2026-01-01',
      trdn_flag: '0' as const,
      sel_retn_cnt: '1',
      sel_retn_time: '2026-11-22 10:00:00',
      sel_retn_opter_name: '张',
      prsc_dr_name: '无',
      phar_name: '李药师',
      hi_feesetl_type: '2',
      mdtrt_sn: 'S-1',
      psn_cert_type: '99',
      rtal_docno: 'S-1',
    };
    const err = await rejection(env.client().upload('3505', { selinfo: sale }));
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect(err!.infcode).toBe(-1);
    expect(err!.errMsg).toBe('入参错误：缺少字段 selinfo.phar_prac_cert_no');
    expect(countUploads(env.sim.db, { bchno: 'S-1' })).toBe(0);
    await env.client().upload('3505', { selinfo: { ...sale, phar_prac_cert_no: 'ZY1' } });
    expect(countUploads(env.sim.db, { bchno: 'S-1' })).toBe(1);
  });

  it('names a bad format in Chinese', async () => {
    env = await startTestEnv();
    const err = await rejection(env.client().upload('3503', { purcinfo: { ...purchase('P-1'), purc_retn_stoin_time: '2026-11-22T09:00:00' } }));
    expect(err!.errMsg).toBe('入参错误：3503 purcinfo.purc_retn_stoin_time 格式错误（应为yyyy-MM-dd HH:mm:ss）（采购/退货入库时间）');
  });

  it("set to the prodentp-name profile, accepts the box's 3503 as the client sends it under that profile, and refuses the national name", async () => {
    env = await startTestEnv({ profile: 'prodentp-name' });
    await env.client({ profile: 'prodentp-name' }).upload('3503', { purcinfo: purchase('P-2') });
    const [row] = listUploads(env.sim.db, { bchno: 'P-2' });
    expect(row!.payload['prodentp_name']).toBe('某药业');
    expect(row!.payload['prdr_name']).toBeUndefined();
    const err = await rejection(env.client().upload('3503', { purcinfo: purchase('P-3') }));
    expect(err!.errMsg).toBe('入参错误：缺少字段 purcinfo.prodentp_name');
  });

  it("a 35xx answered with retRslt 0 is refused with the platform's msgRslt (never taken as accepted)", async () => {
    env = await startTestEnv();
    env.sim.setUploadRefusal('追溯码已被其他机构上传');
    const err = await rejection(env.client().upload('3503', { purcinfo: purchase('P-4') }));
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect(err!.errMsg).toBe('追溯码已被其他机构上传');
    env.sim.setUploadRefusal(undefined);
    await env.client().upload('3503', { purcinfo: purchase('P-4') });
  });
});
