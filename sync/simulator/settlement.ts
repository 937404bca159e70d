// 2101 pre-settlement, 2102 settlement, 2103 reversal, 2601 reversal by original msgid.
// 2101 runs every check 2102 does (so a cashier learns of a refusal early) but changes nothing.

import { daysBetween } from '../../common/dates.js';
import { fenToYuan } from '../../common/money.js';
import { formatShanghaiCompact, formatShanghaiDateTime, shanghaiDate, shanghaiDayStart } from '../../common/time.js';
import { nextCounter, type SimDb } from './db.js';
import type { StoreRow } from './envelope-check.js';
import { type DrugRow, getDrug, getPerson, type Handler, type PersonRow, personDiseases } from './handler.js';
import { list, money, obj, oneOf, optStr, pieces, refuse, str } from './input.js';
import { computeSettlement, coveredDays, FUND_PAY_TYPE, MED_TYPE_CHRONIC, type PolicyResult, SUPPORTED_MED_TYPES } from './settlement-policy.js';

interface Line {
  feedetlSn: string;
  drug: DrugRow;
  cnt: number;
  amountFen: number;
  coveredDays: number;
  codes: { code: string; trdn: '0' | '1' }[];
}

interface Evaluated {
  person: PersonRow;
  medType: string;
  totalFen: number;
  lines: Line[];
  result: PolicyResult;
}

function parseLines(db: SimDb, details: unknown[], medType: string): Line[] {
  const seen = new Set<string>();
  return details.map((d, i) => {
    const det = obj(d, `drugdetail[${i}]`);
    const feedetlSn = str(det['feedetl_sn'], `drugdetail[${i}].feedetl_sn`);
    if (seen.has(feedetlSn)) refuse(`费用明细流水号重复：${feedetlSn}`);
    seen.add(feedetlSn);
    const code = str(det['med_list_codg'], `drugdetail[${i}].med_list_codg`);
    const drug = getDrug(db, code) ?? refuse(`药品${code}不在医保药品目录内，不能医保结算`);
    const cnt = pieces(det['cnt'], `drugdetail[${i}].cnt`);
    const amountFen = money(det['det_item_fee_sumamt'], `drugdetail[${i}].det_item_fee_sumamt`);
    const trac = det['drug_trac_info'] === undefined ? [] : list(det['drug_trac_info'], `drugdetail[${i}].drug_trac_info`);
    const codes = trac.map((t, j) => {
      const o = obj(t, `drugdetail[${i}].drug_trac_info[${j}]`);
      const trdn = o['trdn_flag'] === undefined ? '0' : oneOf(o['trdn_flag'], ['0', '1'] as const, `drugdetail[${i}].drug_trac_info[${j}].trdn_flag`);
      return { code: str(o['drug_trac_codg'], `drugdetail[${i}].drug_trac_info[${j}].drug_trac_codg`), trdn };
    });
    return { feedetlSn, drug, cnt, amountFen, coveredDays: coveredDays(cnt, drug.max_daily_pieces, medType), codes };
  });
}

/** 不网采不结算: the store must hold a procurement order listing the drug. */
function checkProcurement(db: SimDb, store: StoreRow, lines: Line[]): void {
  const q = db.prepare<[string, string], { n: number }>(
    'SELECT 1 AS n FROM procurement_lines l JOIN procurement_orders o ON o.order_no = l.order_no WHERE o.fixmedins_code = ? AND l.med_list_codg = ? LIMIT 1',
  );
  for (const l of lines) {
    if (!q.get(store.fixmedins_code, l.drug.med_list_codg)) {
      refuse(`药品【${l.drug.name}】（${l.drug.med_list_codg}）在本机构无网采或备案采购记录，不予医保结算`);
    }
  }
}

/** A trace code is settled once (until reversed), at any store; split-pack codes may repeat. */
function checkTraceCodes(db: SimDb, store: StoreRow, lines: Line[]): void {
  const inThisSale = new Map<string, '0' | '1'>();
  const live = db.prepare<[string, string], { fixmedins_code: string }>(
    "SELECT fixmedins_code FROM settled_codes WHERE drug_trac_codg = ? AND released = 0 AND (trdn_flag <> '1' OR ? <> '1') LIMIT 1",
  );
  for (const l of lines) {
    for (const c of l.codes) {
      const prev = inThisSale.get(c.code);
      if (prev !== undefined && (prev !== '1' || c.trdn !== '1')) refuse(`追溯码${c.code}在本次结算中重复出现`);
      inThisSale.set(c.code, c.trdn);
      const hit = live.get(c.code, c.trdn);
      if (hit) {
        const where = hit.fixmedins_code === store.fixmedins_code ? '本机构' : '其他定点机构';
        refuse(`追溯码${c.code}（${l.drug.name}）已在${where}结算，不能重复结算`);
      }
    }
  }
}

/** Cross-store repeat purchase: the same drug bought elsewhere whose covered days have not run out. */
function checkRepeatPurchase(db: SimDb, store: StoreRow, psnNo: string, today: string, lines: Line[]): void {
  const prior = db.prepare<[string, string, string], { setl_date: string; covered_days: number }>(
    `SELECT s.setl_date, i.covered_days FROM settlement_items i JOIN settlements s ON s.setl_id = i.setl_id
     WHERE s.psn_no = ? AND i.med_list_codg = ? AND s.fixmedins_code <> ? AND s.reversed_at IS NULL`,
  );
  for (const l of lines) {
    for (const p of prior.all(psnNo, l.drug.med_list_codg, store.fixmedins_code)) {
      // A sale on day D covering N days covers D .. D+N-1 (Shanghai calendar days).
      if (daysBetween(p.setl_date, today) < p.covered_days) {
        const until = shanghaiDate(new Date(shanghaiDayStart(p.setl_date)!.getTime() + (p.covered_days - 1) * 86_400_000));
        refuse(`重复购药：该参保人已于${p.setl_date}在其他定点药店医保购买【${l.drug.name}】，用药周期至${until}，期满前不能再次医保购买`);
      }
    }
  }
}

function evaluate({ db, input, now, store }: Parameters<Handler>[0]): Evaluated {
  const root = obj(input, 'input');
  const info = obj(root['druginfo'], 'druginfo');
  const psnNo = str(info['psn_no'], 'druginfo.psn_no');
  const person = getPerson(db, psnNo) ?? refuse('未查询到参保人员信息，请核对人员编号');
  const insutype = str(info['insutype'], 'druginfo.insutype');
  if (insutype !== person.insutype) refuse(`险种类型与参保信息不符：该人员参保险种为${person.insutype}`);
  const medType = str(info['med_type'], 'druginfo.med_type');
  if (!SUPPORTED_MED_TYPES.includes(medType)) refuse(`不支持的医疗类别：${medType}（药店结算支持41定点药店购药、14门慢特病）`);
  const acctUsed = oneOf(info['acct_used_flag'], ['0', '1'] as const, 'druginfo.acct_used_flag') === '1';
  const declaredFen = money(info['medfee_sumamt'], 'druginfo.medfee_sumamt');
  const details = list(root['drugdetail'], 'drugdetail');
  if (details.length === 0) refuse('费用明细不能为空');
  const lines = parseLines(db, details, medType);
  const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
  if (totalFen !== declaredFen) refuse(`费用总额${fenToYuan(declaredFen)}元与明细合计${fenToYuan(totalFen)}元不符`);

  let listed = new Set<string>();
  if (medType === MED_TYPE_CHRONIC) {
    const diseases = personDiseases(db, psnNo);
    if (diseases.length === 0) refuse('该参保人无门慢特病备案，不能按门慢特病结算');
    const dise = optStr(info['dise_codg']);
    const used = dise === undefined ? diseases : diseases.filter((d) => d.code === dise);
    if (used.length === 0) refuse(`该参保人未备案病种${dise ?? ''}，不能按该病种结算`);
    listed = new Set(used.flatMap((d) => d.drugs));
  }
  const listedFen = lines.filter((l) => listed.has(l.drug.med_list_codg)).reduce((s, l) => s + l.amountFen, 0);

  checkProcurement(db, store, lines);
  checkTraceCodes(db, store, lines);
  checkRepeatPurchase(db, store, psnNo, shanghaiDate(now), lines);

  const result = computeSettlement({ medType, insutype, acctUsed, balanceFen: person.balc_fen, totalFen, listedFen });
  return { person, medType, totalFen, lines, result };
}

function setlinfo(e: { setlId: string; mdtrtId: string; psnNo: string; total: number; fund: number; acct: number; cash: number; balc: number; at: Date }) {
  return {
    setl_id: e.setlId,
    mdtrt_id: e.mdtrtId,
    psn_no: e.psnNo,
    medfee_sumamt: fenToYuan(e.total),
    fund_pay_sumamt: fenToYuan(e.fund),
    acct_pay: fenToYuan(e.acct),
    psn_cash_pay: fenToYuan(e.cash),
    balc: fenToYuan(e.balc),
    setl_time: formatShanghaiDateTime(e.at),
  };
}

function settlementOutput(ev: Evaluated, setlId: string, mdtrtId: string, now: Date) {
  const r = ev.result;
  return {
    setlinfo: setlinfo({
      setlId,
      mdtrtId,
      psnNo: ev.person.psn_no,
      total: ev.totalFen,
      fund: r.fundFen,
      acct: r.accountFen,
      cash: r.cashFen,
      balc: r.balanceAfterFen,
      at: now,
    }),
    setldetail: r.fundFen > 0 ? [{ fund_pay_type: FUND_PAY_TYPE[ev.person.insutype] ?? '310100', fund_payamt: fenToYuan(r.fundFen) }] : [],
  };
}

function newId(db: SimDb, store: StoreRow, now: Date, name: string): string {
  return `${store.admdvs}${formatShanghaiCompact(now).slice(0, 8)}${String(nextCounter(db, name)).padStart(8, '0')}`;
}

export const preSettle: Handler = (a) => settlementOutput(evaluate(a), '', '', a.now);

export const settle: Handler = (a) => {
  const { db, env, now, store } = a;
  if (db.prepare('SELECT 1 FROM reversed_msgids WHERE msgid = ?').get(env.msgid)) refuse('该交易已被冲正，不能再结算：请重新发起结算');
  const ev = evaluate(a);
  const setlId = newId(db, store, now, 'setl_id');
  const mdtrtId = `MD${newId(db, store, now, 'mdtrt_id')}`;
  const r = ev.result;
  db.prepare(`INSERT INTO settlements (setl_id, mdtrt_id, msgid, fixmedins_code, psn_no, med_type, insutype, medfee_sumamt_fen,
      fund_pay_fen, acct_pay_fen, cash_pay_fen, balc_after_fen, setl_at, setl_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`).run(
    setlId,
    mdtrtId,
    env.msgid,
    store.fixmedins_code,
    ev.person.psn_no,
    ev.medType,
    ev.person.insutype,
    ev.totalFen,
    r.fundFen,
    r.accountFen,
    r.cashFen,
    r.balanceAfterFen,
    now.toISOString(),
    shanghaiDate(now),
  );
  const item = db.prepare('INSERT INTO settlement_items (setl_id, feedetl_sn, med_list_codg, cnt, amount_fen, covered_days) VALUES (?,?,?,?,?,?)');
  const code = db.prepare('INSERT OR IGNORE INTO settled_codes (drug_trac_codg, setl_id, fixmedins_code, trdn_flag) VALUES (?,?,?,?)');
  for (const l of ev.lines) {
    item.run(setlId, l.feedetlSn, l.drug.med_list_codg, l.cnt, l.amountFen, l.coveredDays);
    for (const c of l.codes) code.run(c.code, setlId, store.fixmedins_code, c.trdn);
  }
  db.prepare('UPDATE persons SET balc_fen = ? WHERE psn_no = ?').run(r.balanceAfterFen, ev.person.psn_no);
  return settlementOutput(ev, setlId, mdtrtId, now);
};

interface SettlementRow {
  setl_id: string;
  mdtrt_id: string;
  fixmedins_code: string;
  psn_no: string;
  medfee_sumamt_fen: number;
  fund_pay_fen: number;
  acct_pay_fen: number;
  cash_pay_fen: number;
  reversed_at: string | null;
}

/** Undoes a settlement: account money back, trace codes free again. Returns the reversal's setlinfo. */
function reverse(db: SimDb, store: StoreRow, row: SettlementRow, msgid: string, now: Date) {
  const reversalId = newId(db, store, now, 'setl_id');
  db.prepare('UPDATE settlements SET reversed_at = ?, reversal_setl_id = ?, reversal_msgid = ? WHERE setl_id = ?').run(
    now.toISOString(),
    reversalId,
    msgid,
    row.setl_id,
  );
  db.prepare('UPDATE settled_codes SET released = 1 WHERE setl_id = ?').run(row.setl_id);
  db.prepare('UPDATE persons SET balc_fen = balc_fen + ? WHERE psn_no = ?').run(row.acct_pay_fen, row.psn_no);
  const balc = getPerson(db, row.psn_no)!.balc_fen;
  return setlinfo({
    setlId: reversalId,
    mdtrtId: row.mdtrt_id,
    psnNo: row.psn_no,
    total: -row.medfee_sumamt_fen,
    fund: -row.fund_pay_fen,
    acct: -row.acct_pay_fen,
    cash: -row.cash_pay_fen,
    balc,
    at: now,
  });
}

export const reverseSettlement: Handler = ({ db, env, input, now, store }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const setlId = str(data['setl_id'], 'data.setl_id');
  const psnNo = str(data['psn_no'], 'data.psn_no');
  const row = db.prepare<[string], SettlementRow>('SELECT * FROM settlements WHERE setl_id = ?').get(setlId);
  if (!row || row.fixmedins_code !== store.fixmedins_code) return refuse(`结算记录不存在：${setlId}`);
  if (row.psn_no !== psnNo) refuse('人员编号与原结算记录不符');
  const mdtrtId = optStr(data['mdtrt_id']);
  if (mdtrtId !== undefined && mdtrtId !== row.mdtrt_id) refuse('就诊ID与原结算记录不符');
  if (row.reversed_at !== null) refuse('该结算已撤销，不能重复撤销');
  return { setlinfo: reverse(db, store, row, env.msgid, now) };
};

export const NOTHING_TO_REVERSE = '原交易不存在，无需冲正';

export const reverseByMsgid: Handler = ({ db, env, input, now, store }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const psnNo = str(data['psn_no'], 'data.psn_no');
  const omsgid = str(data['omsgid'], 'data.omsgid');
  const oinfno = str(data['oinfno'], 'data.oinfno');
  if (oinfno !== '2102') refuse(`暂不支持冲正交易${oinfno}（仅支持2102结算）`);
  const row = db.prepare<[string], SettlementRow>('SELECT * FROM settlements WHERE msgid = ?').get(omsgid);
  if (!row) {
    db.prepare('INSERT OR IGNORE INTO reversed_msgids (msgid, fixmedins_code, reversed_at) VALUES (?, ?, ?)').run(
      omsgid,
      store.fixmedins_code,
      now.toISOString(),
    );
    return { reversed: false, reason: NOTHING_TO_REVERSE };
  }
  if (row.fixmedins_code !== store.fixmedins_code) refuse('不能冲正其他定点机构的交易');
  if (row.psn_no !== psnNo) refuse('人员编号与原交易不符');
  if (row.reversed_at !== null) return { reversed: false, reason: '原交易已撤销，无需冲正', setl_id: row.setl_id };
  reverse(db, store, row, env.msgid, now);
  return { reversed: true, setl_id: row.setl_id };
};
