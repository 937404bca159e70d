// Answers read by the output tables (sync/spec, the same validator as the inputs): what each interface's answer
// must carry for the box, named field by field when it does not; the national success signals.
import { describe, expect, it } from 'vitest';
import { checkOutput, unknownInfcode, uploadVerdict } from './outputs.js';

const SETLINFO = {
  setl_id: 'S1',
  mdtrt_id: 'M1',
  psn_no: 'P1',
  medfee_sumamt: '31.20',
  fund_pay_sumamt: 20,
  acct_pay: '5.2',
  psn_cash_pay: '6.00',
  balc: '100.00',
  setl_time: '2026-11-22 10:00:02',
};

describe('outputs read by the spec tables', () => {
  it('accepts the national answers the box reads', () => {
    expect(checkOutput('9001', { signinoutb: { sign_no: 'S', sign_time: '2026-11-22 10:00:00' } })).toBeNull();
    expect(
      checkOutput('1101', { baseinfo: { psn_no: 'P1', certno: '130102', psn_name: '李秀英', brdy: '1950-01-01', age: '76.0' }, insuinfo: [{ balc: 1 }] }),
    ).toBeNull();
    expect(checkOutput('1161', { ec_token: 'T' })).toBeNull();
    expect(checkOutput('2101', { setlinfo: { ...SETLINFO, setl_id: '' } })).toBeNull();
    expect(checkOutput('2102', { setlinfo: SETLINFO, setldetail: [] })).toBeNull();
    expect(checkOutput('3601', { items: [{ item_id: 'A1', rule: 'R1', psn_no: null, amount: '10.00' }] })).toBeNull();
  });

  it('reversals (2103, 2601) succeed on infcode 0 with whatever output, empty included', () => {
    for (const infno of ['2103', '2601']) for (const output of [undefined, null, '', {}, { reversed: true }]) expect(checkOutput(infno, output)).toBeNull();
  });

  it('names every missing or malformed field with its Chinese name', () => {
    const { setl_id: _, ...noSetlId } = SETLINFO;
    expect(checkOutput('2102', { setlinfo: noSetlId })).toBe('2102 setlinfo.setl_id 缺失（结算ID）');
    expect(checkOutput('2102', { setlinfo: { ...SETLINFO, balc: '1.005', acct_pay: 'abc' } })).toBe(
      '2102 setlinfo.acct_pay 应为数值（个人账户支出）；2102 setlinfo.balc 小数位过多（最多2位）（余额）',
    );
    expect(checkOutput('2102', {})).toBe('2102 setlinfo 缺失（setlinfo）');
    expect(checkOutput('2102', undefined)).toBe('2102 setlinfo 缺失（setlinfo）');
    expect(checkOutput('9001', { signinoutb: {} })).toBe('9001 signinoutb.sign_no 缺失（签到编号）');
    expect(checkOutput('1101', { baseinfo: { psn_no: 'P1', brdy: '1950/01/01' }, insuinfo: [{}] })).toBe(
      '1101 baseinfo.brdy 格式错误（应为yyyy-MM-dd）（出生日期）；1101 insuinfo[0].balc 缺失（余额）',
    );
    expect(checkOutput('1161', {})).toBe('1161 output.ec_token 缺失（电子凭证令牌）');
    expect(checkOutput('3601', { items: [{ item_id: 'A1' }] })).toBe('3601 items[0].rule 缺失（规则编码）');
    expect(checkOutput('1101', [1, 2])).toBe('1101 baseinfo 应为对象（baseinfo）；1101 insuinfo 应为对象（insuinfo）');
  });

  it('35xx: no result is accepted; a result needs retRslt, and only "1" accepts the record', () => {
    for (const output of [undefined, null, '', {}, { result: null }]) {
      expect(checkOutput('3505', output)).toBeNull();
      expect(uploadVerdict(output)).toEqual({ accepted: true });
    }
    expect(checkOutput('3505', { result: { retRslt: 1 } })).toBeNull();
    expect(uploadVerdict({ result: { retRslt: 1 } })).toEqual({ accepted: true });
    expect(checkOutput('3505', { result: { msgRslt: '?' } })).toBe('3505 result.retRslt 缺失（结果标志）');
    expect(checkOutput('3501', { result: 'ok' })).toBe('3501 result 应为对象（result）');
    expect(uploadVerdict({ result: { retRslt: '0', msgRslt: '追溯码已被其他机构上传' } })).toEqual({ accepted: false, message: '追溯码已被其他机构上传' });
    expect(uploadVerdict({ result: { retRslt: 0 } })).toEqual({ accepted: false, message: 'retRslt=0' });
  });

  it('an infcode other than 0, -1 and -2 is unreadable, not a refusal', () => {
    expect(unknownInfcode(-1)).toBeNull();
    expect(unknownInfcode(-2)).toBeNull();
    expect(unknownInfcode(1)).toMatch(/unknown infcode 1/);
    expect(unknownInfcode(999)).toMatch(/unknown infcode 999/);
  });
});
