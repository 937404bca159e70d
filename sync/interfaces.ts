// The one mapping layer between the box and the platform's message shapes (DESIGN 5). Field names
// are the national ones; a province's variant is a change here. Money at the wire is yuan: we send
// two-decimal strings ("12.30"); a response may carry strings or numbers (WireYuan).

export type Yuan = string;
export type WireYuan = string | number;
/** Quantities in the minimum unit; we send integer pieces as strings. */
export type WireQty = string | number;

export type UploadInfno = '3501' | '3502' | '3503' | '3504' | '3505' | '3506' | '3507';
export type QueryInfno = '3512' | '3513';
export type Infno = '9001' | '1101' | '1161' | '2101' | '2102' | '2103' | '2601' | UploadInfno | QueryInfno | '3601';

export const UPLOAD_INFNOS: readonly UploadInfno[] = ['3501', '3502', '3503', '3504', '3505', '3506', '3507'];
export const ALL_INFNOS: readonly Infno[] = ['9001', '1101', '1161', '2101', '2102', '2103', '2601', ...UPLOAD_INFNOS, '3512', '3513', '3601'];

/**
 * Calls the client never repeats by itself after a sign-in refusal: a settlement or a reversal must
 * be re-decided by the caller (a settlement must never be charged twice).
 */
export const NO_AUTO_REPEAT: ReadonlySet<string> = new Set(['2102', '2601']);

/** infcode the simulator (and several provinces) use for "sign_no invalid, sign in again". */
export const INFCODE_SIGN_IN_INVALID = -2;

/** Whether a refusal means "your sign_no is no good": infcode -2, or a message saying so. */
export function isSignInRejection(infcode: number, errMsg: string): boolean {
  return infcode === INFCODE_SIGN_IN_INVALID || errMsg.includes('签到编号');
}

// ---- 9001 sign-in -------------------------------------------------------------------------
export interface SignInInput {
  signIn: { opter_no: string; mac: string; ip: string };
}
export interface SignInOutput {
  signinoutb: { sign_time: string; sign_no: string };
}

// ---- 1101 person info ---------------------------------------------------------------------
/** 01 医保电子凭证 token, 02 居民身份证号, 03 社会保障卡. */
export type MdtrtCertType = '01' | '02' | '03';

export interface PersonInfoInput {
  data: {
    mdtrt_cert_type: MdtrtCertType;
    mdtrt_cert_no: string;
    card_sn?: string;
    begntime?: string;
    psn_cert_type?: string;
    certno?: string;
    psn_name?: string;
  };
}

export interface PersonBaseInfo {
  psn_no: string;
  psn_cert_type: string;
  certno: string;
  psn_name: string;
  /** 1 male, 2 female. */
  gend: string;
  naty: string;
  /** yyyy-MM-dd */
  brdy: string;
  age: number;
}

export interface PersonInsuInfo {
  balc: WireYuan;
  /** 310 职工基本医疗保险, 390 城乡居民基本医疗保险. */
  insutype: string;
  psn_type: string;
  psn_insu_stas: string;
  insuplc_admdvs: string;
  emp_name: string;
}

/**
 * Extension (not in the national 1101; nationally it is 5301 人员慢特病备案查询): the person's
 * registered chronic/special diseases with each disease's drug list (一病一清单).
 */
export interface ChronicEntitlement {
  opsp_dise_code: string;
  opsp_dise_name: string;
  med_list_codgs: string[];
}

export interface PersonInfoOutput {
  baseinfo: PersonBaseInfo;
  insuinfo: PersonInsuInfo[];
  idetinfo: unknown[];
  opsp_dise_list?: ChronicEntitlement[];
}

// ---- 1161 e-voucher decode (extension) ---------------------------------------------------------
/**
 * Not a national interface number: nationally the 医保电子凭证 QR code is decoded through the
 * e-voucher SDK (ecQuery), which returns the ecToken used as mdtrt_cert_no with cert type 01. The box
 * asks the platform with infno "1161"; a province's SDK call maps here.
 */
export interface EVoucherDecodeInput {
  data: { ec_qrcode: string };
}
export interface EVoucherDecodeOutput {
  ec_token: string;
  psn_name?: string;
}

// ---- 2101 / 2102 pharmacy (pre-)settlement --------------------------------------------------
export interface DrugTracInfo {
  drug_trac_codg: string;
  /** "1" split-pack (拆零): the same box code may appear in several sales. */
  trdn_flag: '0' | '1';
}

export interface DrugDetail {
  feedetl_sn: string;
  rxno?: string;
  rx_circ_flag?: string;
  /** National catalogue code (医保目录编码). */
  med_list_codg: string;
  /** The store's own item code. */
  medins_list_codg: string;
  det_item_fee_sumamt: Yuan;
  cnt: WireQty;
  pric: Yuan;
  fee_ocur_time?: string;
  bilg_dr_codg?: string;
  bilg_dr_name?: string;
  drug_trac_info?: DrugTracInfo[];
}

export interface DrugInfo {
  psn_no: string;
  mdtrt_cert_type: MdtrtCertType;
  mdtrt_cert_no: string;
  begntime: string;
  medfee_sumamt: Yuan;
  insutype: string;
  /** "1": pay from the personal account first. */
  acct_used_flag: '0' | '1';
  /** 41 定点药店购药, 14 门慢特病. */
  med_type: string;
  /** Chronic disease used for med_type 14 (otherwise any of the person's). */
  dise_codg?: string;
  dise_name?: string;
}

export interface SettlementInput {
  druginfo: DrugInfo;
  drugdetail: DrugDetail[];
}

export interface SetlInfo {
  setl_id: string;
  mdtrt_id: string;
  psn_no: string;
  medfee_sumamt: WireYuan;
  fund_pay_sumamt: WireYuan;
  acct_pay: WireYuan;
  psn_cash_pay: WireYuan;
  /** Personal-account balance after this settlement. */
  balc: WireYuan;
  setl_time: string;
}

export interface SetlDetail {
  fund_pay_type: string;
  fund_payamt: WireYuan;
}

export interface SettlementOutput {
  setlinfo: SetlInfo;
  setldetail: SetlDetail[];
}

// ---- 2103 reversal, 2601 reversal by msgid --------------------------------------------------
export interface ReverseSettlementInput {
  data: { setl_id: string; mdtrt_id: string; psn_no: string };
}
/**
 * Success of a reversal is infcode 0 (sync/spec/calls.ts): the box reads nothing from the output, which may be
 * empty. Our simulator adds its own setlinfo / reversed flag; a real platform need not.
 */
export interface ReverseSettlementOutput {
  setlinfo?: SetlInfo;
}

export interface ReverseByMsgidInput {
  data: { psn_no: string; omsgid: string; oinfno: string };
}
export interface ReverseByMsgidOutput {
  /** Simulator extension: false when there was nothing to reverse. Not national: never read by the box. */
  reversed?: boolean;
  reason?: string;
  setl_id?: string;
}

// ---- 35xx 进销存 uploads ----------------------------------------------------------------------
/** Fields common to the 35xx records; provinces add more, hence the index signature. */
export interface UploadRecordBase {
  /** Our batch id: the platform deduplicates on it (per infno). Must be stable across retries. */
  fixmedins_bchno: string;
  med_list_codg: string;
  fixmedins_hilist_id: string;
  fixmedins_hilist_name: string;
  rx_flag?: string;
  manu_lotnum?: string;
  manu_date?: string;
  expy_end?: string;
  drugtracinfo?: { drug_trac_codg: string }[];
  memo?: string;
  [field: string]: unknown;
}

export interface InventoryRecord extends UploadRecordBase {
  invdate: string;
  inv_cnt: WireQty;
}
export interface StockChangeRecord extends UploadRecordBase {
  inv_chg_type: string;
  inv_chg_time: string;
  /** 数量 (pieces); national name cnt. */
  cnt: WireQty;
  pric: Yuan;
  inv_chg_opter_name?: string;
  trdn_flag?: '0' | '1';
}
export interface PurchaseRecord extends UploadRecordBase {
  spler_name: string;
  /** 网采订单号 (procurement-platform order number). */
  purc_ordr_no?: string;
  purc_invo_no?: string;
  dynt_no?: string;
  /** 生产厂家名称 (national list); the profile prodentp-name sends it as prodentp_name. */
  prdr_name?: string;
  aprvno?: string;
  /** 商品赠送标志 0/1. */
  prod_geay_flag?: '0' | '1';
  purc_retn_cnt: WireQty;
  purc_retn_stoin_time: string;
  purc_retn_opter_name: string;
  finl_trns_pric?: Yuan;
}
export interface SaleRecord extends UploadRecordBase {
  sel_retn_cnt: WireQty;
  sel_retn_time: string;
  sel_retn_opter_name: string;
  trdn_flag: '0' | '1';
  rtal_docno?: string;
  stoout_no?: string;
  setl_id?: string;
  psn_no?: string;
  phar_name?: string;
  phar_prac_cert_no?: string;
  prsc_dr_name?: string;
  mdtrt_sn?: string;
  psn_cert_type?: string;
  hi_feesetl_type?: string;
  /** 1 医保结算, 2 自费结算. */
  mdtrt_setl_type?: '1' | '2';
  rxno?: string;
  rx_circ_flag?: string;
  finl_trns_pric?: Yuan;
}

/** inv_data_type of 3507: 1 inventory, 2 stock change, 3 purchase (and its returns), 4 sale (and returns). */
export type InvDataType = '1' | '2' | '3' | '4';

export interface UploadInputMap {
  '3501': { invinfo: InventoryRecord };
  '3502': { invinfo: StockChangeRecord };
  '3503': { purcinfo: PurchaseRecord };
  '3504': { purcinfo: PurchaseRecord };
  '3505': { selinfo: SaleRecord };
  '3506': { selinfo: SaleRecord };
  '3507': { data: { fixmedins_bchno: string; inv_data_type: InvDataType } };
}

/**
 * 3501–3506 may answer `result { retRslt, msgRslt }` (accepted only when retRslt is 1; sources in
 * sync/spec/uploads.ts) or nothing; 3507 (simulator) says how many records it deleted.
 */
export interface UploadResult {
  result?: { retRslt: string | number; msgRslt?: string };
}
export interface UploadOutputMap {
  '3501': UploadResult;
  '3502': UploadResult;
  '3503': UploadResult;
  '3504': UploadResult;
  '3505': UploadResult;
  '3506': UploadResult;
  '3507': { deleted?: number };
}

// ---- 3601 suspicious items (extension) ------------------------------------------------------
/**
 * Not a national interface: provinces push 疑点 (suspicious items from the nightly audit) in
 * different ways (portal, file, message). This box pulls them with infno "3601" so one
 * request/response shape serves every province; the mapping to a province's real channel goes here.
 */
export interface SuspiciousItemsInput {
  data: { fixmedins_code: string; audit_date: string };
}
export interface SuspiciousItem {
  item_id: string;
  rule: string;
  rule_name: string;
  detail: string;
  psn_no?: string;
  setl_id?: string;
  amount?: WireYuan;
}
export interface SuspiciousItemsOutput {
  items: SuspiciousItem[];
}

// ---- 3512 / 3513 read-back queries (sync/spec/queries.ts) ------------------------------------
export interface TraceQueryData {
  fixmedins_code: string;
  medins_list_codg?: string;
  fixmedins_bchno?: string;
  /** yyyy-MM-dd */
  begndate?: string;
  enddate?: string;
  med_list_codg?: string;
  drug_trac_codg?: string;
}
export interface InboundTraceQueryInput {
  data: TraceQueryData;
}
export interface SaleTraceQueryInput {
  data: TraceQueryData & { mdtrt_id?: string; psn_no?: string; psn_cert_type: string; certno?: string; psn_name?: string; sel_retn_opter_name?: string };
}
/** One record the platform answers: one trace code of one uploaded record (sync/spec/queries.ts: camelCase). */
export interface HeldTraceRecord {
  fixmedinsBchno: string;
  medListCodg: string;
  medinsListCodg?: string;
  medinsListName?: string;
  drugTracCodg?: string;
  valiFlag?: '0' | '1';
}
/** `output` is the list of records (a single record or nothing is read too: sync/spec/validate.ts outputRows). */
export type InboundTraceQueryOutput = HeldTraceRecord[];
export type SaleTraceQueryOutput = (HeldTraceRecord & { mdtrtId?: string; psnNo?: string; trdnFlag?: '0' | '1' })[];

// ---- the map used by PlatformClient.call ----------------------------------------------------
export interface InterfaceMap {
  '9001': { input: SignInInput; output: SignInOutput };
  '1101': { input: PersonInfoInput; output: PersonInfoOutput };
  '1161': { input: EVoucherDecodeInput; output: EVoucherDecodeOutput };
  '2101': { input: SettlementInput; output: SettlementOutput };
  '2102': { input: SettlementInput; output: SettlementOutput };
  '2103': { input: ReverseSettlementInput; output: ReverseSettlementOutput };
  '2601': { input: ReverseByMsgidInput; output: ReverseByMsgidOutput };
  '3501': { input: UploadInputMap['3501']; output: UploadOutputMap['3501'] };
  '3502': { input: UploadInputMap['3502']; output: UploadOutputMap['3502'] };
  '3503': { input: UploadInputMap['3503']; output: UploadOutputMap['3503'] };
  '3504': { input: UploadInputMap['3504']; output: UploadOutputMap['3504'] };
  '3505': { input: UploadInputMap['3505']; output: UploadOutputMap['3505'] };
  '3506': { input: UploadInputMap['3506']; output: UploadOutputMap['3506'] };
  '3507': { input: UploadInputMap['3507']; output: UploadOutputMap['3507'] };
  '3512': { input: InboundTraceQueryInput; output: InboundTraceQueryOutput };
  '3513': { input: SaleTraceQueryInput; output: SaleTraceQueryOutput };
  '3601': { input: SuspiciousItemsInput; output: SuspiciousItemsOutput };
}
