// Demo data the simulator starts with (idempotent: INSERT OR IGNORE). The drug codes are the ones
// the demo catalogue uses; keep them exactly.

import { makeIdNumber } from '../../common/idnumber.js';
import type { SimDb } from './db.js';

export const STORE_MAIN = 'P13010200001';
export const STORE_OTHER = 'P13010200002';

export const DRUG = {
  metformin: 'XA10BAE054A001010101443',
  amlodipine: 'XC08CAA037A001010102059',
  amoxicillin: 'XJ01CAA040E001010100432',
  ibuprofen: 'XN02BAB048E001010101835',
  lianhua: 'ZA01BAL0235010103540',
  angelica: 'T000700434',
} as const;

export const DISEASE = { hypertension: 'M03900', diabetes: 'M01600' } as const;

export const SEED_STORES = [
  { code: STORE_MAIN, name: '演示药店（长安店）', admdvs: '130102' },
  { code: STORE_OTHER, name: '演示药店（裕华店）', admdvs: '130108' },
] as const;

export const SEED_DRUGS = [
  { code: DRUG.metformin, name: '二甲双胍片', maxDaily: 4 },
  { code: DRUG.amlodipine, name: '苯磺酸氨氯地平片', maxDaily: 1 },
  { code: DRUG.amoxicillin, name: '阿莫西林胶囊', maxDaily: 8 },
  { code: DRUG.ibuprofen, name: '布洛芬缓释胶囊', maxDaily: 2 },
  { code: DRUG.lianhua, name: '连花清瘟胶囊', maxDaily: 12 },
  { code: DRUG.angelica, name: '当归（饮片）', maxDaily: 1 },
] as const;

/**
 * Adds a drug to the platform's catalogue (医保药品目录), as a catalogue update does: from then on 35xx
 * uploads and settlements naming its code are accepted. Idempotent.
 */
export function listDrug(db: SimDb, d: { code: string; name: string; maxDaily: number }): void {
  db.prepare('INSERT OR IGNORE INTO drugs (med_list_codg, name, max_daily_pieces) VALUES (?, ?, ?)').run(d.code, d.name, d.maxDaily);
}

export const SEED_DISEASES = [
  { code: DISEASE.hypertension, name: '高血压', drugs: [DRUG.amlodipine] },
  { code: DISEASE.diabetes, name: '糖尿病', drugs: [DRUG.metformin] },
] as const;

export const SEED_PROCUREMENT = [
  { orderNo: 'CG202611000001', store: STORE_MAIN, date: '2026-11-02', drugs: [DRUG.metformin, DRUG.amlodipine, DRUG.amoxicillin] },
  { orderNo: 'CG202611000002', store: STORE_MAIN, date: '2026-11-09', drugs: [DRUG.ibuprofen, DRUG.lianhua] },
  { orderNo: 'CG202611000101', store: STORE_OTHER, date: '2026-11-03', drugs: [DRUG.metformin, DRUG.amlodipine, DRUG.amoxicillin, DRUG.lianhua] },
] as const;

export interface SeedPerson {
  key: string;
  psnNo: string;
  name: string;
  gend: '1' | '2';
  brdy: string;
  certno: string;
  token: string;
  cardNo: string;
  /** 310 employee, 390 resident. */
  insutype: '310' | '390';
  psnType: string;
  empName: string;
  balanceFen: number;
  diseases: string[];
}

function person(
  key: string,
  n: number,
  name: string,
  gend: '1' | '2',
  brdy: string,
  seq: string,
  token: string,
  insutype: '310' | '390',
  balanceFen: number,
  diseases: string[],
  empName = '',
): SeedPerson {
  return {
    key,
    psnNo: `130102${String(n).padStart(10, '0')}`,
    name,
    gend,
    brdy,
    certno: makeIdNumber('130102', brdy.replaceAll('-', ''), seq),
    token,
    cardNo: `C1301${String(n).padStart(5, '0')}`,
    insutype,
    psnType: insutype === '310' ? '11' : '14', // 11 在职职工, 14 城乡居民
    empName: insutype === '310' ? empName : '',
    balanceFen,
    diseases,
  };
}

// Residents (390) have no personal account in Hebei, hence balance 0.
export const SEED_PERSONS: readonly SeedPerson[] = [
  person(
    'hypertension',
    1,
    '张建国',
    '1',
    '1962-05-12',
    '031',
    'EC220CA55765E5A47BA153A099643394',
    '310',
    286_050,
    [DISEASE.hypertension],
    '石家庄市第三机械厂',
  ),
  person('diabetes', 2, '李秀英', '2', '1958-09-03', '042', 'EC02995004670A7B02C30A2CBFD5F865', '390', 0, [DISEASE.diabetes]),
  person('young', 3, '王浩然', '1', '2004-06-15', '013', 'EC5C30682DF5E8267A48B8A60A7A72EF', '310', 81_200, [], '石家庄云栖科技有限公司'),
  person('lowBalance', 4, '赵丽', '2', '1979-02-20', '026', 'ECAD2E5F6C5E128AD919EFDB95D9D78D', '310', 350, [], '长安区第二小学'),
  person(
    'both',
    5,
    '刘志强',
    '1',
    '1966-11-08',
    '057',
    'ECF2B0D5D9B535D43BDA9D8E7C553802',
    '310',
    521_000,
    [DISEASE.hypertension, DISEASE.diabetes],
    '河北华北制药集团',
  ),
  person('resident', 6, '陈静', '2', '1995-07-30', '068', 'EC31E613C7B0B2BB9058EECEFFBAB515', '390', 0, []),
  person('youngAdult', 7, '杨帆', '1', '2001-03-21', '079', 'EC2519374DAE37AADC62B0F3FDB0223D', '310', 156_000, [], '石家庄物流有限公司'),
  person('employee', 8, '周敏', '2', '1988-12-01', '084', 'EC59C158DA362A2E10C25E9593EE9514', '310', 93_040, [], '长安区人民医院'),
];

export function seedPerson(key: string): SeedPerson {
  const p = SEED_PERSONS.find((x) => x.key === key);
  if (!p) throw new Error(`no seeded person ${key}`);
  return p;
}

/** Stores the platform knows (定点医药机构), as the platform's registry has them. Idempotent. */
export function addStores(db: SimDb, stores: readonly { code: string; name: string; admdvs: string }[]): void {
  const insert = db.prepare('INSERT OR IGNORE INTO stores (fixmedins_code, name, admdvs) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const s of stores) insert.run(s.code, s.name, s.admdvs);
  })();
}

export function seedSimulator(db: SimDb): void {
  db.transaction(() => {
    const store = db.prepare('INSERT OR IGNORE INTO stores (fixmedins_code, name, admdvs) VALUES (?, ?, ?)');
    for (const s of SEED_STORES) store.run(s.code, s.name, s.admdvs);
    for (const d of SEED_DRUGS) listDrug(db, d);
    const dise = db.prepare('INSERT OR IGNORE INTO chronic_diseases (code, name) VALUES (?, ?)');
    const diseDrug = db.prepare('INSERT OR IGNORE INTO chronic_disease_drugs (code, med_list_codg) VALUES (?, ?)');
    for (const d of SEED_DISEASES) {
      dise.run(d.code, d.name);
      for (const c of d.drugs) diseDrug.run(d.code, c);
    }
    const order = db.prepare('INSERT OR IGNORE INTO procurement_orders (order_no, fixmedins_code, order_date) VALUES (?, ?, ?)');
    const line = db.prepare('INSERT OR IGNORE INTO procurement_lines (order_no, med_list_codg) VALUES (?, ?)');
    for (const o of SEED_PROCUREMENT) {
      order.run(o.orderNo, o.store, o.date);
      for (const c of o.drugs) line.run(o.orderNo, c);
    }
    const psn = db.prepare(`INSERT OR IGNORE INTO persons (psn_no, psn_name, gend, naty, certno, brdy, evoucher_token, card_no,
      insutype, psn_type, emp_name, insuplc_admdvs, balc_fen) VALUES (?, ?, ?, '01', ?, ?, ?, ?, ?, ?, ?, '130102', ?)`);
    const psnDise = db.prepare('INSERT OR IGNORE INTO person_diseases (psn_no, code) VALUES (?, ?)');
    for (const p of SEED_PERSONS) {
      psn.run(p.psnNo, p.name, p.gend, p.certno, p.brdy, p.token, p.cardNo, p.insutype, p.psnType, p.empName, p.balanceFen);
      for (const d of p.diseases) psnDise.run(p.psnNo, d);
    }
  })();
}
