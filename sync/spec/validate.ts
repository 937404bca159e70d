// Checks a message against its interface table (types.ts): every mandatory field present and non-empty,
// every value within its type, length and format. Pure; used by the mapper tests and by the simulator,
// which refuses what a real platform would (infcode -1, the field named).
import type { FieldSpec, NodeSpec, SpecProblem } from './types.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const empty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function realDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function valueProblem(f: FieldSpec, v: unknown): string | null {
  switch (f.type) {
    case 'str':
      if (typeof v !== 'string' && typeof v !== 'number') return '应为字符型';
      if (f.len !== undefined && String(v).length > f.len) return `超长（最多${f.len}位）`;
      if (f.codes && !f.codes.includes(String(v))) return `代码值无效（应为${f.codes.join('/')}）`;
      return null;
    case 'date':
      return typeof v === 'string' && DATE.test(v) && realDate(v) ? null : '格式错误（应为yyyy-MM-dd）';
    case 'datetime':
      return typeof v === 'string' && DATETIME.test(v) && realDate(v) ? null : '格式错误（应为yyyy-MM-dd HH:mm:ss）';
    case 'num': {
      const s = typeof v === 'number' ? String(v) : v;
      if (typeof s !== 'string' || !/^-?\d+(\.\d+)?$/.test(s)) return '应为数值';
      if (!f.num) return null;
      const [whole, frac = ''] = s.replace('-', '').split('.') as [string, string?];
      const [digits, decimals] = f.num;
      if (frac.length > decimals) return `小数位过多（最多${decimals}位）`;
      if (whole.replace(/^0+(?=\d)/, '').length > digits - decimals) return `数值过大（${digits},${decimals}）`;
      return null;
    }
  }
}

function checkRecord(fields: readonly FieldSpec[], rec: Rec, at: string, out: SpecProblem[]): void {
  for (const f of fields) {
    const v = rec[f.name];
    const path = `${at}.${f.name}`;
    const mandatory = f.req === 'Y' || (f.req === 'C' && (f.when?.(rec) ?? false));
    if (f.list) {
      if (v === undefined || v === null) {
        if (mandatory) out.push({ path, cn: f.cn, problem: '缺失' });
        continue;
      }
      if (!Array.isArray(v)) {
        out.push({ path, cn: f.cn, problem: '应为列表' });
        continue;
      }
      if (mandatory && v.length < (f.minItems ?? 0)) out.push({ path, cn: f.cn, problem: '缺失' });
      v.forEach((item, i) => {
        if (!isRec(item)) out.push({ path: `${path}[${i}]`, cn: f.cn, problem: '应为对象' });
        else checkRecord(f.list!, item, `${path}[${i}]`, out);
      });
      continue;
    }
    if (empty(v)) {
      if (mandatory) out.push({ path, cn: f.cn, problem: '缺失' });
      continue;
    }
    const p = valueProblem(f, v);
    if (p) out.push({ path, cn: f.cn, problem: p });
  }
}

/**
 * The records of an output that is itself a list (`node: ''` with `list`, 3512/3513): a list as it is, one record as
 * a list of one, nothing (absent, null, "") as none; null when it is neither (sync/spec/queries.ts says why).
 */
export function outputRows(output: unknown): unknown[] | null {
  if (Array.isArray(output)) return output;
  if (output === undefined || output === null || output === '') return [];
  return isRec(output) ? [output] : null;
}

/** Every problem of `message` (an input or an output object) against the nodes of its table. */
export function validateNodes(nodes: readonly NodeSpec[], message: unknown): SpecProblem[] {
  const out: SpecProblem[] = [];
  if (nodes.length === 0) return out;
  const whole = nodes.find((n) => n.node === '' && n.list);
  if (whole) {
    const rows = outputRows(message);
    if (!rows) return [{ path: 'output', cn: 'output', problem: '应为列表' }];
    rows.forEach((item, i) =>
      isRec(item) ? checkRecord(whole.fields, item, `output[${i}]`, out) : out.push({ path: `output[${i}]`, cn: 'output', problem: '应为对象' }),
    );
    return out;
  }
  if (!isRec(message)) {
    // An absent or empty answer lacks only what it had to carry.
    const nothing = message === undefined || message === null || message === '';
    for (const n of nodes) if (!(nothing && n.optional)) out.push({ path: n.node || 'output', cn: n.node || 'output', problem: nothing ? '缺失' : '应为对象' });
    return out;
  }
  for (const n of nodes) {
    if (n.node === '') {
      checkRecord(n.fields, message, 'output', out);
      continue;
    }
    const v = message[n.node];
    if (n.optional && (v === undefined || v === null)) continue;
    if (n.list) {
      if (!Array.isArray(v)) {
        out.push({ path: n.node, cn: n.node, problem: v === undefined || v === null ? '缺失' : '应为列表' });
        continue;
      }
      v.forEach((item, i) =>
        isRec(item) ? checkRecord(n.fields, item, `${n.node}[${i}]`, out) : out.push({ path: `${n.node}[${i}]`, cn: n.node, problem: '应为对象' }),
      );
    } else if (!isRec(v)) {
      out.push({ path: n.node, cn: n.node, problem: v === undefined || v === null ? '缺失' : '应为对象' });
    } else {
      checkRecord(n.fields, v, n.node, out);
    }
  }
  return out;
}

/** "3505 selinfo.phar_prac_cert_no 缺失（药师执业资格证号）": how the simulator and the logs name a problem. */
export function describeProblem(infno: string, p: SpecProblem): string {
  return `${infno} ${p.path} ${p.problem}（${p.cn}）`;
}
