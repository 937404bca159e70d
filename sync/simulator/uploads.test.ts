// 35xx uploads: every interface round-trips; a repeated batch id is one record; 3507 deletes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformRejectedError } from '../errors.js';
import type { PurchaseRecord, SaleRecord } from '../interfaces.js';
import { startTestEnv, type TestEnv, traceCode } from '../test-support.js';
import { DRUG, listDrug, STORE_MAIN, STORE_OTHER } from './seed.js';
import { countUploads, listUploads } from './uploads.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env.close();
});

// Complete records as the national tables (sync/spec) require them: the simulator refuses anything less.
const base = (bchno: string) => ({
  fixmedins_bchno: bchno,
  med_list_codg: DRUG.metformin,
  fixmedins_hilist_id: 'SKU-1',
  fixmedins_hilist_name: '二甲双胍片',
  rx_flag: '0',
  manu_lotnum: 'L1',
  manu_date: '2026-01-01',
  expy_end: '2028-01-01',
  drugtracinfo: [{ drug_trac_codg: traceCode(1) }],
});
const purchase = (bchno: string): PurchaseRecord => ({
  ...base(bchno),
  spler_name: '华北医药',
  purc_ordr_no: 'CG202611000001',
  purc_retn_cnt: '10',
  purc_retn_stoin_time: '2026-11-22 09:00:00',
  purc_retn_opter_name: '张药师',
  prdr_name: '某药业',
  aprvno: '国药准字H1',
  purc_invo_no: 'INV-1',
  prod_geay_flag: '0',
});
const sale = (bchno: string): SaleRecord => ({
  ...base(bchno),
  sel_retn_cnt: '1',
  sel_retn_time: '2026-11-22 10:00:00',
  sel_retn_opter_name: '张药师',
  trdn_flag: '0',
  setl_id: 'S1',
  prsc_dr_name: '无',
  phar_name: '张药师',
  phar_prac_cert_no: 'ZY1',
  hi_feesetl_type: '1',
  mdtrt_sn: 'M1',
  psn_cert_type: '01',
  rtal_docno: 'R1',
  mdtrt_setl_type: '1',
});

describe('35xx uploads', () => {
  it('accepts every interface 3501–3506', async () => {
    const c = env.client();
    await c.upload('3501', { invinfo: { ...base('INV-1'), invdate: '2026-11-22', inv_cnt: '100' } });
    await c.upload('3502', { invinfo: { ...base('CHG-1'), inv_chg_type: '101', inv_chg_time: '2026-11-22 09:00:00', cnt: '-2', pric: '1.00' } });
    await c.upload('3503', { purcinfo: purchase('PUR-1') });
    await c.upload('3504', { purcinfo: purchase('PRT-1') });
    await c.upload('3505', { selinfo: sale('SAL-1') });
    const { output } = await c.upload('3506', { selinfo: sale('SRT-1') });
    expect(output).toEqual({});
    expect(['3501', '3502', '3503', '3504', '3505', '3506'].map((infno) => countUploads(env.sim.db, { infno }))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(listUploads(env.sim.db, { infno: '3503' })[0]!.payload['purc_ordr_no']).toBe('CG202611000001');
  });

  it('deduplicates by fixmedins_bchno per infno: a repeated upload is one record', async () => {
    const c = env.client();
    await c.upload('3505', { selinfo: sale('SAL-9') });
    await c.upload('3505', { selinfo: { ...sale('SAL-9'), memo: 'retry' } });
    await c.upload('3505', { selinfo: sale('SAL-9') });
    expect(countUploads(env.sim.db, { infno: '3505', bchno: 'SAL-9' })).toBe(1);
    expect(listUploads(env.sim.db, { bchno: 'SAL-9' })[0]!.uploadCount).toBe(3);
    // The same batch id under another infno, or another store, is another record.
    await c.upload('3506', { selinfo: sale('SAL-9') });
    await env.client({ store: STORE_OTHER }).upload('3505', { selinfo: sale('SAL-9') });
    expect(countUploads(env.sim.db, { bchno: 'SAL-9' })).toBe(3);
    expect(countUploads(env.sim.db, { bchno: 'SAL-9', fixmedinsCode: STORE_MAIN })).toBe(2);
  });

  it('3507 deletes by batch id and data type; deleting nothing is not an error', async () => {
    const c = env.client();
    await c.upload('3505', { selinfo: sale('SAL-7') });
    await c.upload('3503', { purcinfo: purchase('SAL-7') });
    await env.client({ store: STORE_OTHER }).upload('3505', { selinfo: sale('SAL-7') });
    const { output } = await c.upload('3507', { data: { fixmedins_bchno: 'SAL-7', inv_data_type: '4' } });
    expect(output).toEqual({ deleted: 1 });
    expect(countUploads(env.sim.db, { infno: '3505', fixmedinsCode: STORE_MAIN })).toBe(0);
    expect(countUploads(env.sim.db, { infno: '3505', fixmedinsCode: STORE_MAIN, includeDeleted: true })).toBe(1);
    expect(countUploads(env.sim.db, { infno: '3503' })).toBe(1);
    expect(countUploads(env.sim.db, { infno: '3505', fixmedinsCode: STORE_OTHER })).toBe(1);
    expect((await c.upload('3507', { data: { fixmedins_bchno: 'SAL-7', inv_data_type: '4' } })).output).toEqual({ deleted: 0 });
    // Uploading it again brings it back as one record.
    await c.upload('3505', { selinfo: sale('SAL-7') });
    expect(countUploads(env.sim.db, { infno: '3505', fixmedinsCode: STORE_MAIN })).toBe(1);
  });

  it('refuses a record without fixmedins_bchno', async () => {
    const bad = { selinfo: { ...sale(''), fixmedins_bchno: '' } };
    const err = await env
      .client()
      .upload('3505', bad)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect((err as PlatformRejectedError).errMsg).toContain('fixmedins_bchno');
  });

  it('refuses a drug code its catalogue does not list, stores nothing, and accepts it once the catalogue lists it', async () => {
    const c = env.client();
    const unlisted = { ...purchase('PUR-NEW'), med_list_codg: 'XA10BKH343A001010100001', fixmedins_hilist_name: '恒格列净片' };
    const err = await c.upload('3503', { purcinfo: unlisted }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect((err as PlatformRejectedError).errMsg).toBe(
      '医保目录编码XA10BKH343A001010100001（恒格列净片）不在医保药品目录内，不予接收。请核对该商品的医保编码；编码无误的新增品种，待医保目录更新后重新上传',
    );
    expect(countUploads(env.sim.db, { bchno: 'PUR-NEW', includeDeleted: true })).toBe(0);
    listDrug(env.sim.db, { code: 'XA10BKH343A001010100001', name: '恒格列净片', maxDaily: 1 });
    await c.upload('3503', { purcinfo: unlisted });
    expect(listUploads(env.sim.db, { bchno: 'PUR-NEW' }).map((u) => u.payload['med_list_codg'])).toEqual(['XA10BKH343A001010100001']);
  });
});
