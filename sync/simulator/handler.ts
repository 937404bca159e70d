// What every interface handler gets, and lookups several handlers share.
import type { RequestEnvelope } from '../envelope.js';
import type { SimDb } from './db.js';
import type { StoreRow } from './envelope-check.js';

export interface HandlerArgs {
  db: SimDb;
  env: RequestEnvelope;
  /** Decrypted input. */
  input: unknown;
  now: Date;
  store: StoreRow;
}

/** Returns `output`; throws SimRefusal to refuse. Runs inside one SQLite transaction. */
export type Handler = (a: HandlerArgs) => unknown;

export interface PersonRow {
  psn_no: string;
  psn_name: string;
  gend: string;
  naty: string;
  certno: string;
  brdy: string;
  insutype: string;
  psn_type: string;
  emp_name: string;
  insuplc_admdvs: string;
  balc_fen: number;
}

export function getPerson(db: SimDb, psnNo: string): PersonRow | undefined {
  return db.prepare<[string], PersonRow>('SELECT * FROM persons WHERE psn_no = ?').get(psnNo);
}

export interface DrugRow {
  med_list_codg: string;
  name: string;
  max_daily_pieces: number;
}

export function getDrug(db: SimDb, code: string): DrugRow | undefined {
  return db.prepare<[string], DrugRow>('SELECT * FROM drugs WHERE med_list_codg = ?').get(code);
}

/** The person's chronic diseases with each one's drug list. */
export function personDiseases(db: SimDb, psnNo: string): { code: string; name: string; drugs: string[] }[] {
  const rows = db
    .prepare<[string], { code: string; name: string }>(
      'SELECT d.code, d.name FROM person_diseases p JOIN chronic_diseases d ON d.code = p.code WHERE p.psn_no = ? ORDER BY d.code',
    )
    .all(psnNo);
  const drugs = db.prepare<[string], { med_list_codg: string }>('SELECT med_list_codg FROM chronic_disease_drugs WHERE code = ? ORDER BY med_list_codg');
  return rows.map((r) => ({ ...r, drugs: drugs.all(r.code).map((d) => d.med_list_codg) }));
}
