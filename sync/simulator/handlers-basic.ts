// 9001 sign-in and 1101 person info.

import { ageOn } from '../../common/idnumber.js';
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiCompact, formatShanghaiDateTime, shanghaiDate } from '../../common/time.js';
import { nextCounter, type SimDb } from './db.js';
import type { Handler, PersonRow } from './handler.js';
import { personDiseases } from './handler.js';
import { obj, oneOf, refuse, str } from './input.js';

export const signIn: Handler = ({ db, input, now, store }) => {
  const s = obj(obj(input, 'input')['signIn'], 'signIn');
  const opterNo = str(s['opter_no'], 'signIn.opter_no');
  const signNo = `${formatShanghaiCompact(now)}${String(nextCounter(db, 'sign_no')).padStart(6, '0')}`;
  db.prepare('INSERT INTO sign_ins (sign_no, fixmedins_code, opter_no, sign_date, signed_at) VALUES (?, ?, ?, ?, ?)').run(
    signNo,
    store.fixmedins_code,
    opterNo,
    shanghaiDate(now),
    now.toISOString(),
  );
  return { signinoutb: { sign_time: formatShanghaiDateTime(now), sign_no: signNo } };
};

/** A sign_no is good on the Shanghai day it was issued, for the store it was issued to. */
export function isSignNoValid(db: SimDb, signNo: string, fixmedinsCode: string, now: Date): boolean {
  const row = db
    .prepare<[string, string, string], { n: number }>('SELECT 1 AS n FROM sign_ins WHERE sign_no = ? AND fixmedins_code = ? AND sign_date = ? AND valid = 1')
    .get(signNo, fixmedinsCode, shanghaiDate(now));
  return row !== undefined;
}

const CERT_COLUMN = { '01': 'evoucher_token', '02': 'certno', '03': 'card_no' } as const;

export const personInfo: Handler = ({ db, input, now }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const type = oneOf(data['mdtrt_cert_type'], ['01', '02', '03'] as const, 'data.mdtrt_cert_type');
  let no = str(data['mdtrt_cert_no'], 'data.mdtrt_cert_no').trim();
  if (type === '02') no = no.toUpperCase(); // a lowercase x check character is the same ID
  const p = db.prepare<[string], PersonRow>(`SELECT * FROM persons WHERE ${CERT_COLUMN[type]} = ?`).get(no);
  if (!p) return refuse('未查询到参保人员信息，请核对凭证后重试');
  return {
    baseinfo: {
      psn_no: p.psn_no,
      psn_cert_type: '01', // 居民身份证
      certno: p.certno,
      psn_name: p.psn_name,
      gend: p.gend,
      naty: p.naty,
      brdy: p.brdy,
      age: ageOn(p.brdy, shanghaiDate(now)),
    },
    insuinfo: [
      {
        balc: fenToYuan(p.balc_fen),
        insutype: p.insutype,
        psn_type: p.psn_type,
        psn_insu_stas: '1', // 正常参保
        insuplc_admdvs: p.insuplc_admdvs,
        emp_name: p.emp_name,
      },
    ],
    idetinfo: [],
    opsp_dise_list: personDiseases(db, p.psn_no).map((d) => ({ opsp_dise_code: d.code, opsp_dise_name: d.name, med_list_codgs: d.drugs })),
  };
};

/** The QR payload the simulator's e-vouchers show: a fixed prefix and the person's token. */
export const EVOUCHER_QR_PREFIX = 'NHSAEC1';
export const eVoucherQr = (token: string): string => `${EVOUCHER_QR_PREFIX}${token}`;

/** 1161 (extension): decode an e-voucher QR code into the token 1101 takes with cert type 01. */
export const decodeEVoucher: Handler = ({ db, input }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const qr = str(data['ec_qrcode'], 'data.ec_qrcode').trim();
  const token = qr.startsWith(EVOUCHER_QR_PREFIX) ? qr.slice(EVOUCHER_QR_PREFIX.length) : '';
  const p = token ? db.prepare<[string], PersonRow>('SELECT * FROM persons WHERE evoucher_token = ?').get(token) : undefined;
  if (!p) return refuse('医保电子凭证二维码无效或已过期，请参保人刷新二维码后重新出示');
  return { ec_token: token, psn_name: p.psn_name };
};
