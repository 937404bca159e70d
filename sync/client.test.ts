// The client against a scripted stub server: every kind of bad answer becomes the right typed error.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../agent/ledger/msgids.js';
import { PlatformClient } from './client.js';
import {
  PlatformError,
  PlatformHttpError,
  PlatformMalformedResponseError,
  PlatformNetworkError,
  PlatformRejectedError,
  PlatformTimeoutError,
} from './errors.js';
import { MsgidAllocator } from './msgid.js';
import { tempDir } from './test-support.js';

type Responder = (env: Record<string, unknown>, res: ServerResponse, req: IncomingMessage) => void;

let server: Server;
let url: string;
let respond: Responder;
let requests: Record<string, unknown>[];
const tmp = tempDir();
const db = openLedger(join(tmp.dir, 'box.sqlite'));

const ok = (output: unknown) => JSON.stringify({ infcode: 0, inf_refmsgid: 'R1', refmsg_time: '', respond_time: '', err_msg: null, output });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const env = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      requests.push(env);
      if (env['infno'] === '9001') return void res.end(ok({ signinoutb: { sign_time: '2026-11-22 10:00:00', sign_no: 'SIGN-1' } }));
      respond(env, res, req);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fsi/api/rsfComIfsService/callService`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  db.close();
  tmp.remove();
});
beforeEach(() => {
  requests = [];
});

function client(opts: { timeoutMs?: number; url?: string; log?: (e: Record<string, unknown>) => void } = {}): PlatformClient {
  return new PlatformClient({
    ...(opts.log ? { log: opts.log } : {}),
    url: opts.url ?? url,
    fixmedinsCode: 'P13010200001',
    fixmedinsName: '演示药店（长安店）',
    mdtrtareaAdmvs: '130102',
    insuplcAdmdvs: '130102',
    recerSysCode: 'CNTAGT',
    devNo: 'BOX-001',
    operator: { code: 'OP001', name: '张药师' },
    signing: { mode: 'none' },
    timeoutMs: opts.timeoutMs ?? 2000,
    msgids: new MsgidAllocator(new LedgerMsgidReservations(db), 'P13010200001'),
    mac: 'aa',
    ip: '10.0.0.1',
  });
}

const lookup = (c: PlatformClient) => c.personInfo({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: 'EC1' } });

async function failure(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

describe('PlatformClient request', () => {
  it('POSTs the full envelope to the URL verbatim, signed in first', async () => {
    respond = (_e, res) => res.end(ok({ baseinfo: { psn_no: 'X1' }, insuinfo: [{ balc: 12.3 }], idetinfo: [] }));
    const { output, msgid, response } = await lookup(client());
    expect(output.baseinfo.psn_no).toBe('X1');
    expect(response.infcode).toBe(0);
    expect(requests.map((r) => r['infno'])).toEqual(['9001', '1101']);
    const env = requests[1]!;
    expect(env['msgid']).toBe(msgid);
    expect(env['sign_no']).toBe('SIGN-1');
    expect(Object.keys(env).sort()).toEqual([
      'cainfo',
      'dev_no',
      'dev_safe_info',
      'fixmedins_code',
      'fixmedins_name',
      'inf_time',
      'infno',
      'infver',
      'input',
      'insuplc_admdvs',
      'mdtrtarea_admvs',
      'msgid',
      'opter',
      'opter_name',
      'opter_type',
      'recer_sys_code',
      'sign_no',
      'signtype',
    ]);
    expect(requests[0]!['input']).toEqual({ signIn: { opter_no: 'OP001', mac: 'aa', ip: '10.0.0.1' } });
  });

  it('accepts infcode as a numeric string', async () => {
    respond = (_e, res) => res.end(JSON.stringify({ infcode: '0', output: { baseinfo: { psn_no: 'X' }, insuinfo: [], idetinfo: [] } }));
    await expect(lookup(client())).resolves.toBeDefined();
  });
});

describe('PlatformClient typed errors', () => {
  const cases: { name: string; responder: Responder; type: new (...a: never[]) => PlatformError; transient: boolean }[] = [
    { name: 'non-JSON text', responder: (_e, res) => res.end('hello'), type: PlatformMalformedResponseError, transient: true },
    {
      name: 'an HTML page with 200',
      responder: (_e, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>维护中</body></html>'),
      type: PlatformMalformedResponseError,
      transient: true,
    },
    { name: 'an empty body', responder: (_e, res) => res.end(''), type: PlatformMalformedResponseError, transient: true },
    { name: 'JSON without infcode', responder: (_e, res) => res.end('{"code":0,"data":{}}'), type: PlatformMalformedResponseError, transient: true },
    { name: 'a JSON array', responder: (_e, res) => res.end('[1,2]'), type: PlatformMalformedResponseError, transient: true },
    {
      name: 'infcode 0 without the promised output',
      responder: (_e, res) => res.end(ok({ something: 1 })),
      type: PlatformMalformedResponseError,
      transient: true,
    },
    {
      name: 'a balance that is not two-decimal yuan',
      responder: (_e, res) => res.end(ok({ baseinfo: { psn_no: 'X' }, insuinfo: [{ balc: '1.005' }] })),
      type: PlatformMalformedResponseError,
      transient: true,
    },
    {
      name: 'infcode -1',
      responder: (_e, res) => res.end(JSON.stringify({ infcode: -1, err_msg: '参保人状态异常' })),
      type: PlatformRejectedError,
      transient: false,
    },
    { name: 'HTTP 500', responder: (_e, res) => res.writeHead(500).end('oops'), type: PlatformHttpError, transient: true },
    {
      name: 'HTTP 503 HTML',
      responder: (_e, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>503</h1>'),
      type: PlatformHttpError,
      transient: true,
    },
    { name: 'HTTP 404', responder: (_e, res) => res.writeHead(404).end(), type: PlatformHttpError, transient: false },
    {
      name: 'a redirect (not followed)',
      responder: (_e, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end(),
      type: PlatformHttpError,
      transient: false,
    },
    { name: 'a destroyed socket', responder: (_e, res) => res.socket?.destroy(), type: PlatformNetworkError, transient: true },
    {
      name: 'a body cut off mid-way',
      responder: (_e, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('{"infcode":0,');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      type: PlatformNetworkError,
      transient: true,
    },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.type.name}`, async () => {
      respond = c.responder;
      const err = await failure(lookup(client()));
      expect(err).toBeInstanceOf(c.type);
      expect(err.transient).toBe(c.transient);
      expect(err.infno).toBe('1101');
      expect(err.msgid).toMatch(/^P13010200001\d{18}$/);
      expect(err.userMessage).toMatch(/[\u4e00-\u9fff]/);
    });
  }

  it('an unknown infcode is an unreadable answer (uncertain, like a lost one), never a refusal; it is logged', async () => {
    const logged: Record<string, unknown>[] = [];
    respond = (_e, res) => res.end(JSON.stringify({ infcode: 7, err_msg: '未知' }));
    const err = (await failure(lookup(client({ log: (e) => logged.push(e) })))) as PlatformMalformedResponseError;
    expect(err).toBeInstanceOf(PlatformMalformedResponseError);
    expect(err.reason).toMatch(/unknown infcode 7/);
    expect(logged).toContainEqual(expect.objectContaining({ event: 'platform_unknown_infcode', infno: '1101', infcode: 7 }));
  });

  it('an answer missing a field the output table requires is refused naming the field, and logged', async () => {
    const logged: Record<string, unknown>[] = [];
    respond = (_e, res) => res.end(ok({ baseinfo: { psn_name: '李秀英' }, insuinfo: [] }));
    const err = (await failure(lookup(client({ log: (e) => logged.push(e) })))) as PlatformMalformedResponseError;
    expect(err).toBeInstanceOf(PlatformMalformedResponseError);
    expect(err.reason).toBe('1101 baseinfo.psn_no 缺失（人员编号）');
    expect(logged).toContainEqual(expect.objectContaining({ event: 'platform_output_malformed', problem: '1101 baseinfo.psn_no 缺失（人员编号）' }));
  });

  it('infcode -1 carries the platform’s Chinese message', async () => {
    respond = (_e, res) => res.end(JSON.stringify({ infcode: -1, err_msg: '参保人状态异常' }));
    const err = (await failure(lookup(client()))) as PlatformRejectedError;
    expect(err.infcode).toBe(-1);
    expect(err.errMsg).toBe('参保人状态异常');
    expect(err.userMessage).toContain('参保人状态异常');
  });

  it('no answer within timeoutMs → PlatformTimeoutError', async () => {
    respond = () => undefined; // never answers
    const started = Date.now();
    const err = await failure(lookup(client({ timeoutMs: 300 })));
    expect(err).toBeInstanceOf(PlatformTimeoutError);
    expect((err as PlatformTimeoutError).timeoutMs).toBe(300);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a headers-then-stall answer also times out', async () => {
    respond = (_e, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"infcode":');
    };
    expect(await failure(lookup(client({ timeoutMs: 300 })))).toBeInstanceOf(PlatformTimeoutError);
  });

  it('connection refused → PlatformNetworkError (at sign-in: the call itself was never sent)', async () => {
    const err = await failure(lookup(client({ url: 'http://127.0.0.1:1/fsi/api/rsfComIfsService/callService' })));
    expect(err).toBeInstanceOf(PlatformNetworkError);
    expect(err.infno).toBe('9001');
  });

  it('never crashes on arbitrary bodies', async () => {
    const c = client();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ infcode: 0, output: v })),
        ),
        async (body) => {
          respond = (_e, res) => res.end(body);
          const result = await lookup(c).then(
            () => 'ok',
            (e: unknown) => e,
          );
          expect(result === 'ok' || result instanceof PlatformError).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
