// Issue 15: the box's own tamper evidence. Each attack is plain SQL on a real ledger file (triggers dropped,
// foreign keys off, hashes recomputed where the attacker would), then the check against the signed heads must
// name the first missing, changed or foreign event — where the hash chain alone says nothing is wrong.

import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOX, HERB, IBU, receipt } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import { runCli } from '../cli/main.js';
import { ReceivingService } from '../receiving/service.js';
import { anchorPaths, checkAnchors } from './anchor.js';
import { computeEventHash, type StoredEvent } from './events.js';
import { Ledger } from './index.js';
import { verifyLedger } from './verify.js';

let tmp: { dir: string; cleanup: () => void };
let file: string;
const at = new Date('2026-11-22T02:00:00Z');
const flush = () => new Promise((r) => setImmediate(r));

/** Four events through the box's own code: three catalogue imports and a receipt, each signed after commit. */
async function buildLedger(): Promise<void> {
  const ledger = Ledger.open(file, { anchor: 'create' });
  ledger.catalog.importProducts([AMOX], { at });
  await flush();
  ledger.catalog.importProducts([IBU], { at });
  await flush();
  ledger.catalog.importProducts([HERB], { at });
  await flush();
  const r = new ReceivingService(ledger, {}, () => at).receive(receipt());
  expect(r.ok).toBe(true);
  ledger.close();
}

/** The attacker's connection: no triggers, no foreign keys. */
function attack(sql: (db: Database.Database) => void): void {
  const db = new Database(file);
  db.pragma('foreign_keys = OFF');
  db.exec('DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;');
  sql(db);
  db.close();
}

const check = () => {
  const db = new Database(file, { readonly: true });
  try {
    return { anchors: checkAnchors(db, anchorPaths(tmp.dir)), chain: verifyLedger(db) };
  } finally {
    db.close();
  }
};

/** Rewrites the hash chain from `from` on, as someone who knows the format would. */
function rehash(db: Database.Database, from: number): void {
  const rows = db.prepare('SELECT * FROM events WHERE seq >= ? ORDER BY seq').all(from) as StoredEvent[];
  let prev =
    (db
      .prepare('SELECT hash FROM events WHERE seq = ?')
      .pluck()
      .get(from - 1) as string | undefined) ?? '0'.repeat(64);
  for (const e of rows) {
    const hash = computeEventHash({ ...e, prev_hash: prev });
    db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, e.seq);
    prev = hash;
  }
}

beforeEach(async () => {
  tmp = tempDir('counter-agent-anchor-');
  file = join(tmp.dir, 'ledger.db');
  await buildLedger();
});
afterEach(() => tmp.cleanup());

describe('signed chain heads outside the database', () => {
  it('an untouched ledger verifies: every event under a signed head; the key file is 0600', () => {
    const { anchors, chain } = check();
    expect(chain.ok).toBe(true);
    expect(anchors).toMatchObject({ checked: true, heads: 4, late: 0, problems: [] });
    expect(statSync(anchorPaths(tmp.dir).key).mode & 0o777).toBe(0o600);
    expect(readFileSync(anchorPaths(tmp.dir).key, 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('deleting the last event is named as the missing event', () => {
    attack((db) => db.exec('DELETE FROM events WHERE seq = 4'));
    expect(check().anchors.problems[0]).toMatchObject({ seq: 4, message: expect.stringMatching(/^event 4 is missing: the box signed events up to 4/) });
  });

  it('a consistent tail cut (events and their projections removed) verifies as a chain, not against the heads', () => {
    attack((db) => {
      db.exec('DELETE FROM trace_codes; DELETE FROM lots; DELETE FROM receipts; DELETE FROM outbox; DELETE FROM events WHERE seq >= 3');
      db.exec("DELETE FROM products WHERE id = 'HERB'");
    });
    const { anchors, chain } = check();
    expect(chain.problems).toEqual([]); // the chain alone cannot see it
    expect(anchors.problems[0]).toMatchObject({ seq: 3, message: expect.stringMatching(/^event 3 is missing/) });
  });

  it('a forged append with a correct hash is named as not signed by the box', () => {
    attack((db) => {
      const last = db.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT 1').get() as StoredEvent;
      const forged = {
        seq: 5,
        at: '2026-11-22T03:00:00.000Z',
        type: 'catalog.imported',
        actor: null,
        reason: null,
        payload: JSON.stringify({ products: [] }),
        prev_hash: last.hash,
      };
      db.prepare('INSERT INTO events (seq, at, type, actor, reason, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
        forged.seq,
        forged.at,
        forged.type,
        forged.actor,
        forged.reason,
        forged.payload,
        forged.prev_hash,
        computeEventHash(forged),
      );
    });
    const { anchors, chain } = check();
    expect(chain.problems).toEqual([]);
    expect(anchors.problems[0]).toMatchObject({ seq: 5, message: expect.stringMatching(/^event 5 has no head signed by the box/) });
  });

  it('a changed event with the chain rehashed after it is named as the first changed event', () => {
    attack((db) => {
      const e2 = db.prepare('SELECT payload FROM events WHERE seq = 2').pluck().get() as string;
      db.prepare('UPDATE events SET payload = ? WHERE seq = 2').run(e2.replace('布洛芬', '布洛芬X'));
      rehash(db, 2);
    });
    const { anchors, chain } = check();
    expect(chain.problems.filter((p) => /hash|link|missing/.test(p.message))).toEqual([]); // the chain itself is consistent
    expect(anchors.problems[0]).toMatchObject({ seq: 2, message: expect.stringMatching(/^event 2 was changed/) });
  });

  it('an edited head line and a replaced database are refused', () => {
    const heads = anchorPaths(tmp.dir).heads;
    appendFileSync(heads, `${readFileSync(heads, 'utf8').trim().split('\n').at(-1)!.replace('"seq":4', '"seq":9')}\n`);
    expect(check().anchors.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/line 5: not a valid signed head/));
  });

  it('events committed but not signed before a crash are signed late at the next start, and verify', async () => {
    const unsigned = Ledger.open(file); // as after a kill between COMMIT and signing: no anchor
    unsigned.catalog.importProducts([{ ...AMOX, name: '阿莫西林胶囊（新包装）' }], { at });
    unsigned.close();
    expect(check().anchors.problems[0]?.message).toMatch(/^event 5 has no head signed by the box/);
    appendFileSync(anchorPaths(tmp.dir).heads, '{"v":1,"ledger":"torn'); // and an append cut short
    Ledger.open(file, { anchor: 'create' }).close();
    expect(check().anchors).toMatchObject({ heads: 5, late: 1, problems: [] });
  });

  it('verify-ledger names the first missing event and exits 1', async () => {
    attack((db) => db.exec('DELETE FROM events WHERE seq = 4'));
    const cfg = join(tmp.dir, 'config.yaml');
    appendFileSync(
      cfg,
      `store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ${JSON.stringify(tmp.dir)}\n`,
    );
    const out: string[] = [];
    const code = await runCli(['verify-ledger', '--config', cfg], { out: (l) => out.push(l), err: (l) => out.push(l) });
    expect(code).toBe(1);
    expect(out[0]).toMatch(/BROKEN — .*first: event 4 is missing/);
  });
});
