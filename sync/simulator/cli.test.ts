import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../agent/ledger/db.js';
import { LedgerMsgidReservations } from '../../agent/ledger/msgids.js';
import { PlatformClient } from '../client.js';
import { MsgidAllocator } from '../msgid.js';
import { tempDir } from '../test-support.js';
import { parseSimulatorArgs, runSimulatorCli } from './cli.js';
import { seedPerson } from './seed.js';

describe('simulate-platform CLI', () => {
  it('parses flags', () => {
    expect(parseSimulatorArgs(['--db', 'x.sqlite'])).toEqual({ port: 8091, dbPath: 'x.sqlite', faults: {} });
    expect(
      parseSimulatorArgs(['--port', '0', '--db', 'x', '--latency', '20', '--fail5xx', '0.1', '--timeouts', '0.05', '--malformed', '0.02', '--lost', '0.3']),
    ).toEqual({
      port: 0,
      dbPath: 'x',
      faults: { latencyMs: 20, rate5xx: 0.1, rateTimeout: 0.05, rateMalformed: 0.02, rateLostAfterCommit: 0.3 },
    });
  });

  it('takes the stores a provisioned box needs (--store CODE:NAME:ADMDVS, repeatable)', () => {
    expect(parseSimulatorArgs(['--db', 'x', '--store', 'H13010200001:测试大药房:130102', '--store', 'H13010200002:分店:130108']).stores).toEqual([
      { code: 'H13010200001', name: '测试大药房', admdvs: '130102' },
      { code: 'H13010200002', name: '分店', admdvs: '130108' },
    ]);
    expect(() => parseSimulatorArgs(['--db', 'x', '--store', 'H130102'])).toThrow(/--store must be CODE:NAME:ADMDVS/);
  });

  it('names the bad flag', () => {
    expect(() => parseSimulatorArgs([])).toThrow(/--db FILE is required/);
    expect(() => parseSimulatorArgs(['--db'])).toThrow(/--db needs a value/);
    expect(() => parseSimulatorArgs(['--db', 'x', '--port', '70000'])).toThrow(/--port/);
    expect(() => parseSimulatorArgs(['--db', 'x', '--lost', 'often'])).toThrow(/--lost must be a number/);
    expect(() => parseSimulatorArgs(['--db', 'x', '--verbose', '1'])).toThrow(/unknown option --verbose/);
  });

  it('starts, prints the callService URL and serves requests', async () => {
    const tmp = tempDir();
    const lines: string[] = [];
    const sim = await runSimulatorCli(['--port', '0', '--db', join(tmp.dir, 'p.sqlite')], { out: (l) => lines.push(l), handleSignals: false });
    const db = openLedger(join(tmp.dir, 'box.sqlite'));
    try {
      expect(lines).toEqual([sim.url]);
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fsi\/api\/rsfComIfsService\/callService$/);
      const c = new PlatformClient({
        url: lines[0]!,
        fixmedinsCode: 'P13010200001',
        fixmedinsName: '演示药店（长安店）',
        mdtrtareaAdmvs: '130102',
        insuplcAdmdvs: '130102',
        recerSysCode: 'CNTAGT',
        devNo: 'BOX',
        operator: { code: 'OP1', name: '张' },
        signing: { mode: 'none' },
        timeoutMs: 3000,
        msgids: new MsgidAllocator(new LedgerMsgidReservations(db), 'P13010200001'),
      });
      const cardNo = seedPerson('resident').cardNo;
      const { output } = await c.personInfo({ data: { mdtrt_cert_type: '03', mdtrt_cert_no: cardNo, card_sn: cardNo } });
      expect(output.baseinfo.psn_name).toBe('陈静');
    } finally {
      await sim.close();
      db.close();
      tmp.remove();
    }
  });
});
