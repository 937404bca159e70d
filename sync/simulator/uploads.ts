// 3501–3506 进销存 uploads, one record per (store, infno, fixmedins_bchno): a repeated upload of
// the same batch id replaces the payload and answers success again; a drug code not in the platform's
// catalogue is refused. 3507 deletes by batch id.
import type { InvDataType } from '../interfaces.js';
import type { SimDb } from './db.js';
import { getDrug, type Handler } from './handler.js';
import { obj, oneOf, optStr, refuse, str } from './input.js';

const RECORD_KEY: Readonly<Record<string, string>> = {
  '3501': 'invinfo',
  '3502': 'invinfo',
  '3503': 'purcinfo',
  '3504': 'purcinfo',
  '3505': 'selinfo',
  '3506': 'selinfo',
};

/** 3507 inv_data_type → the infnos it deletes from (returns belong with their forward record). */
const DELETE_SCOPE: Readonly<Record<InvDataType, readonly string[]>> = {
  '1': ['3501'],
  '2': ['3502'],
  '3': ['3503', '3504'],
  '4': ['3505', '3506'],
};

export const uploadRecord: Handler = ({ db, env, input, now, store }) => {
  const key = RECORD_KEY[env.infno]!;
  const rec = obj(obj(input, 'input')[key], key);
  const bchno = str(rec['fixmedins_bchno'], `${key}.fixmedins_bchno`);
  const code = str(rec['med_list_codg'], `${key}.med_list_codg`);
  // The platform files stock movements against its catalogue: a code it does not list is refused outright
  // (a mistyped code, or a newly listed drug before the catalogue update reaches the province).
  if (!getDrug(db, code)) {
    const name = optStr(rec['fixmedins_hilist_name']);
    refuse(`医保目录编码${code}${name ? `（${name}）` : ''}不在医保药品目录内，不予接收。请核对该商品的医保编码；编码无误的新增品种，待医保目录更新后重新上传`);
  }
  const at = now.toISOString();
  db.prepare(
    `INSERT INTO uploads (fixmedins_code, infno, fixmedins_bchno, payload, first_msgid, received_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (fixmedins_code, infno, fixmedins_bchno) DO UPDATE SET
       payload = excluded.payload, updated_at = excluded.updated_at, upload_count = upload_count + 1, deleted_at = NULL`,
  ).run(store.fixmedins_code, env.infno, bchno, JSON.stringify(rec), env.msgid, at, at);
  return {};
};

/** 3507: deleting nothing is not an error (a retried delete must not fail); `deleted` says what happened. */
export const deleteRecord: Handler = ({ db, input, now, store }) => {
  const data = obj(obj(input, 'input')['data'], 'data');
  const bchno = str(data['fixmedins_bchno'], 'data.fixmedins_bchno');
  const type = oneOf(data['inv_data_type'], ['1', '2', '3', '4'] as const, 'data.inv_data_type');
  const scope = DELETE_SCOPE[type];
  const res = db
    .prepare(
      `UPDATE uploads SET deleted_at = ? WHERE fixmedins_code = ? AND fixmedins_bchno = ? AND deleted_at IS NULL
       AND infno IN (${scope.map(() => '?').join(',')})`,
    )
    .run(now.toISOString(), store.fixmedins_code, bchno, ...scope);
  return { deleted: res.changes };
};

export interface UploadFilter {
  infno?: string;
  fixmedinsCode?: string;
  bchno?: string;
  /** Include records deleted by 3507 (default false). */
  includeDeleted?: boolean;
}

export interface UploadRow {
  fixmedinsCode: string;
  infno: string;
  bchno: string;
  payload: Record<string, unknown>;
  uploadCount: number;
  receivedAt: string;
  deletedAt: string | null;
}

function where(f: UploadFilter): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  const add = (sql: string, v: string | undefined): void => {
    if (v === undefined) return;
    parts.push(sql);
    args.push(v);
  };
  add('infno = ?', f.infno);
  add('fixmedins_code = ?', f.fixmedinsCode);
  add('fixmedins_bchno = ?', f.bchno);
  if (!f.includeDeleted) parts.push('deleted_at IS NULL');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/** Number of upload records matching the filter (tests, diagnostics). */
export function countUploads(db: SimDb, filter: UploadFilter = {}): number {
  const w = where(filter);
  return db.prepare<string[], { n: number }>(`SELECT COUNT(*) AS n FROM uploads ${w.sql}`).get(...w.args)!.n;
}

/** Upload records matching the filter, in order of first arrival. */
export function listUploads(db: SimDb, filter: UploadFilter = {}): UploadRow[] {
  const w = where(filter);
  const rows = db
    .prepare<
      string[],
      { fixmedins_code: string; infno: string; fixmedins_bchno: string; payload: string; upload_count: number; received_at: string; deleted_at: string | null }
    >(`SELECT * FROM uploads ${w.sql} ORDER BY rowid`)
    .all(...w.args);
  return rows.map((r) => ({
    fixmedinsCode: r.fixmedins_code,
    infno: r.infno,
    bchno: r.fixmedins_bchno,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    uploadCount: r.upload_count,
    receivedAt: r.received_at,
    deletedAt: r.deleted_at,
  }));
}
