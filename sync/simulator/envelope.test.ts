// The simulator's envelope checks and msgid replay, driven with raw HTTP (no client niceties).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRequestEnvelope, type RequestEnvelope } from '../envelope.js';
import { saleInput, startTestEnv, type TestEnv } from '../test-support.js';
import { DRUG, STORE_MAIN, STORE_OTHER, seedPerson } from './seed.js';

let env: TestEnv;
let signNo: string;
let seq = 0;
beforeEach(async () => {
  env = await startTestEnv();
  const c = env.client();
  signNo = await c.signIn();
});
afterEach(async () => {
  await env.close();
});

function envelope(infno: string, input: unknown, over: Partial<RequestEnvelope> = {}): RequestEnvelope {
  const msgid = `${STORE_MAIN}20261122100000${String(++seq).padStart(4, '0')}`;
  const base = buildRequestEnvelope(
    {
      fixmedinsCode: STORE_MAIN,
      fixmedinsName: '演示药店（长安店）',
      mdtrtareaAdmvs: '130102',
      insuplcAdmdvs: '130102',
      recerSysCode: 'T',
      devNo: 'D',
      operator: { code: 'O1', name: '王' },
    },
    { infno, msgid, signNo, input, now: env.clock.now() },
  );
  return { ...base, ...over };
}

async function post(body: unknown): Promise<{ status: number; text: string; json: { infcode: number; err_msg: string; output: unknown } }> {
  const res = await fetch(env.sim.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as { infcode: number; err_msg: string; output: unknown } };
}

const lookupInput = { data: { mdtrt_cert_type: '01', mdtrt_cert_no: seedPerson('hypertension').token } };

describe('envelope validation (infcode -1, Chinese err_msg)', () => {
  it('accepts a well-formed request', async () => {
    const r = await post(envelope('1101', lookupInput));
    expect(r.json.infcode).toBe(0);
    expect(r.json).toMatchObject({ refmsg_time: '2026-11-22 10:00:00', respond_time: '2026-11-22 10:00:00' });
  });

  const bad: [string, () => unknown, string][] = [
    ['non-JSON body', () => 'not json', '不是合法的JSON'],
    ['a JSON array', () => [1], '应为JSON对象'],
    [
      'a missing header field',
      () => {
        const e = envelope('1101', lookupInput) as Partial<RequestEnvelope>;
        delete e.opter;
        return e;
      },
      '缺少必填字段：opter',
    ],
    ['an empty infno', () => envelope('1101', lookupInput, { infno: '' }), '必填字段为空：infno'],
    [
      'a missing input',
      () => {
        const e = envelope('1101', lookupInput) as Partial<RequestEnvelope>;
        delete e.input;
        return e;
      },
      'input',
    ],
    ['a 29-character msgid', () => envelope('1101', lookupInput, { msgid: `${STORE_MAIN}2026112210000000` + '1' }), '应为30位'],
    ['a msgid of another store', () => envelope('1101', lookupInput, { msgid: `${STORE_OTHER}202611221000000001` }), '前12位'],
    ['a msgid with an impossible time', () => envelope('1101', lookupInput, { msgid: `${STORE_MAIN}202613221000000001` }), '时间部分'],
    ['an unknown infno', () => envelope('9999', lookupInput), '不支持的交易编号：9999'],
    [
      'an unknown fixmedins_code',
      () => envelope('1101', lookupInput, { fixmedins_code: 'P99999999999', msgid: 'P99999999999202611221000000001' }),
      '定点医药机构编码不存在',
    ],
    ['a malformed inf_time', () => envelope('1101', lookupInput, { inf_time: '2026/11/22 10:00' }), 'inf_time'],
    ['an unknown enc_type', () => ({ ...envelope('1101', lookupInput), enc_type: 'AES' }), '不支持的加密类型'],
  ];
  for (const [name, body, msg] of bad) {
    it(`refuses ${name}`, async () => {
      const r = await post(body());
      expect(r.status).toBe(200);
      expect(r.json.infcode).toBe(-1);
      expect(r.json.err_msg).toContain(msg);
    });
  }

  it('refuses an unknown sign_no with -2', async () => {
    const r = await post(envelope('1101', lookupInput, { sign_no: 'nope' }));
    expect(r.json.infcode).toBe(-2);
    expect(r.json.err_msg).toContain('签到编号无效');
  });

  it('answers 404 elsewhere and 405 to GET', async () => {
    expect((await fetch(env.sim.url.replace('callService', 'other'), { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(env.sim.url)).status).toBe(405);
  });
});

describe('msgid replay', () => {
  it('a repeated 2102 msgid returns the original response and charges once', async () => {
    const p = seedPerson('hypertension');
    const e = envelope('2102', saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]));
    const first = await post(e);
    expect(first.json.infcode).toBe(0);
    env.clock.advance(5000);
    const again = await post(e);
    expect(again.text).toBe(first.text);
    expect((env.sim.db.prepare('SELECT COUNT(*) AS n FROM settlements').get() as { n: number }).n).toBe(1);
  });

  it('a refused 2102 replays the refusal', async () => {
    const e = envelope('2102', saleInput(seedPerson('employee'), [{ code: 'X0000', cnt: 1, amountFen: 100 }]));
    const first = await post(e);
    expect(first.json.infcode).toBe(-1);
    expect((await post(e)).text).toBe(first.text);
  });

  it('a msgid reused for a different interface is refused', async () => {
    const invinfo = {
      fixmedins_bchno: 'B1',
      med_list_codg: DRUG.metformin,
      fixmedins_hilist_id: 'SKU-1',
      fixmedins_hilist_name: '二甲双胍片',
      rx_flag: '0',
      invdate: '2026-11-22',
      inv_cnt: '10',
      manu_date: '2026-01-01',
      expy_end: '2028-01-01',
    };
    const e = envelope('3501', { invinfo });
    expect((await post(e)).json.infcode).toBe(0);
    const r = await post({
      ...e,
      infno: '3502',
      input: { invinfo: { ...invinfo, inv_chg_type: '101', pric: '1.00', cnt: '1', inv_chg_time: '2026-11-22 09:00:00' } },
    });
    expect(r.json.infcode).toBe(-1);
    expect(r.json.err_msg).toContain('报文ID重复');
  });

  it('queries (1101) simply run again', async () => {
    const e = envelope('1101', lookupInput);
    expect((await post(e)).json.infcode).toBe(0);
    expect((await post(e)).json.infcode).toBe(0);
  });
});
