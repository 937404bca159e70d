// Issue 15: the ledger's head leaves the box on paper and in the journal. The daily report carries the head (seq,
// short hash, signed status); each batch the platform accepts is logged with it; `verify-ledger --head SEQ:HASH`
// takes a printed head back and says whether the ledger still holds that event with that hash.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.js';

import { codeOf, line, startTestAgent, type TestAgent } from '../web/sales.test-helpers.js';

interface Head {
  seq: number;
  hash: string;
  shortHash: string;
  at: string;
  signed: string;
}

let t: TestAgent;
const logLines: Record<string, unknown>[] = [];
let configFile: string;

beforeAll(async () => {
  const { createLogger } = await import('../log.js');
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _e, cb) {
        for (const l of String(chunk).split('\n')) if (l.trim()) logLines.push(JSON.parse(l));
        cb();
      },
    }),
  );
  t = await startTestAgent({ log });
  await t.receive({ lines: [line('AMOX', 'L1', [codeOf('AMOX', 1), codeOf('AMOX', 2)])] });
  configFile = `${t.dir}/config.yaml`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    configFile,
    `store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ${JSON.stringify(t.dir)}\n`,
  );
});
afterAll(async () => {
  await t?.close();
});

const lastEvent = () => t.agent.ledger.db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };

async function cli(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await runCli(['verify-ledger', '--config', configFile, ...args], { out: (l) => out.push(l), err: (l) => out.push(l) });
  return { code, out };
}

describe('the ledger head outside the box', () => {
  it('the daily report carries the head: sequence, a 16-digit short hash and the signed status', async () => {
    const ev = lastEvent();
    await expect
      .poll(async () => (await t.api<{ head: Head }>('GET', '/api/reports/daily')).body.head, { timeout: 10_000 })
      .toEqual({ seq: ev.seq, hash: ev.hash, shortHash: ev.hash.slice(0, 16), at: expect.any(String), signed: 'signed' });
  });

  it('each batch the platform accepts is logged with the ledger hash at its newest event and the head', async () => {
    await t.drained();
    const ev = lastEvent();
    const hashOf = t.agent.ledger.db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
    await expect.poll(() => logLines.filter((l) => l.msg === 'outbox batch accepted by the platform; ledger head recorded').length).toBeGreaterThan(0);
    const batches = logLines.filter((l) => l.msg === 'outbox batch accepted by the platform; ledger head recorded');
    for (const b of batches) {
      expect(b.eventHash).toBe(hashOf.get(b.lastEventSeq));
      expect(b.headHash).toBe(hashOf.get(b.headSeq));
      expect(b.sent).toBeGreaterThan(0);
    }
    expect(Math.max(...batches.map((b) => b.headSeq as number))).toBe(ev.seq);
  });

  it('verify-ledger --head: OK for the printed head, a mismatch for another hash, 2 for a malformed one', async () => {
    const { body } = await t.api<{ head: Head }>('GET', '/api/reports/daily');
    const printed = `${body.head.seq}:${body.head.shortHash}`;
    const ok = await cli('--head', printed);
    expect(ok.code).toBe(0);
    expect(ok.out.join('\n')).toMatch(new RegExp(`printed head ${printed}: OK`));
    const other = `${body.head.seq}:${'0'.repeat(16)}`;
    const wrong = await cli('--head', other);
    expect(wrong.code).toBe(1);
    expect(wrong.out.join('\n')).toMatch(/MISMATCH — event \d+ has hash .* the ledger was rewritten at or before event/);
    expect((await cli('--head', `${body.head.seq}:abc`)).code).toBe(2);
    expect((await cli('--head', 'yesterday')).code).toBe(2);
  });

  it('after the tail is cut with raw SQL, the printed head is reported missing', async () => {
    const { body } = await t.api<{ head: Head }>('GET', '/api/reports/daily');
    await t.agent.close();
    const db = new Database(join(t.dir, 'ledger.db'));
    db.pragma('foreign_keys = OFF');
    db.exec('DROP TRIGGER events_append_only_delete;');
    db.prepare('DELETE FROM events WHERE seq >= ?').run(body.head.seq);
    db.close();
    const cut = await cli('--head', `${body.head.seq}:${body.head.shortHash}`);
    expect(cut.code).toBe(1);
    expect(cut.out.join('\n')).toMatch(new RegExp(`printed head .*: MISMATCH — event ${body.head.seq} is missing: the ledger ends at ${body.head.seq - 1}`));
  });
});
