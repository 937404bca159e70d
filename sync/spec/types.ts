// The shape of one interface's field list, as the national specification (国家医疗保障信息平台 定点医药机构
// 接口规范) writes it: name, Chinese name, type and length, mandatory flag, format. Tables are data, one per
// interface family; validate.ts checks a message against them (the box's tests and the simulator alike).

/** str: 字符型 (max length); date: 日期型 yyyy-MM-dd; datetime: 日期时间型 yyyy-MM-dd HH:mm:ss; num: 数值型 (digits, decimals). */
export type FieldType = 'str' | 'date' | 'datetime' | 'num';

export interface FieldSpec {
  name: string;
  /** 中文名 as the specification lists it: what a refusal names. */
  cn: string;
  type: FieldType;
  /** str: maximum length in characters. */
  len?: number;
  /** num: total digits and decimal places, e.g. [16, 6] for 16,6. */
  num?: readonly [number, number];
  /** Y (必填), C (conditional: see `when`), or O (optional). */
  req: 'Y' | 'C' | 'O';
  /** For C: mandatory when this returns true for the record. */
  when?: (rec: Record<string, unknown>) => boolean;
  /** Allowed codes, when the specification fixes them (e.g. 0/1 flags). */
  codes?: readonly string[];
  /** A nested list of records (e.g. drugtracinfo). */
  list?: readonly FieldSpec[];
  /** List must have at least one entry when present and mandatory. */
  minItems?: number;
}

/**
 * One node of an input or output: `{ selinfo: {...} }`, `{ data: {...} }`; list nodes are arrays of records.
 * `node: ''` is the message itself (an output whose fields are not wrapped in a node, e.g. 1161 `ec_token`).
 */
export interface NodeSpec {
  node: string;
  /** The node holds a list of records rather than one record. */
  list?: boolean;
  /** The node may be absent (then nothing in it is checked); when present its fields are checked. */
  optional?: boolean;
  fields: readonly FieldSpec[];
}

export interface InterfaceSpec {
  infno: string;
  /** 交易名称. */
  cn: string;
  /** Where the field list comes from (repository + path), for the reader of the table. */
  sources: readonly string[];
  input: readonly NodeSpec[];
  /**
   * What the box reads from the answer (national output names and formats); empty when the output carries nothing
   * the box needs (success is infcode 0). `Y` here is what the box cannot go on without; what it only shows is `O`,
   * still checked for format when present. sync/outputs.ts validates every answer against it.
   */
  output: readonly NodeSpec[];
}

export interface SpecProblem {
  /** e.g. "selinfo.phar_prac_cert_no" */
  path: string;
  cn: string;
  /** 缺失 / 超长 / 格式错误 / 代码值无效 … */
  problem: string;
}
