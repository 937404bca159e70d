import { describe, expect, it } from 'vitest';
import { computeEventHash } from '../agent/ledger/events.js';
import { startHq } from './app.js';
import { monthlyPartitions } from './db/partitions.js';
import { issueEnrolCode } from './enrolment.js';
import { adminGet, appendFiller, enrolStore, eventsOf, pushEvents, tempLedger, testHqPerFile } from './hq.test-helpers.js';
import { addUser, LOGIN_LIMITS } from './users.js';

const t = testHqPerFile();

type Ev = ReturnType<typeof eventsOf>[number];
const push = (credential: string, events: Ev[]) => pushEvents(t, credential, events);
const admin = (path: string) => adminGet(t, path);
async function storeRow(store: string) {
  const { body } = await admin('/hq/v1/stores');
  return (
    body.stores as { store: string; head: { seq: number }; flag: { code: string; seq: number } | null; lastContactAt: string | null; credentials: number }[]
  ).find((s) => s.store === store);
}

describe('HQ on PostgreSQL', () => {
  it('runs its statements without JIT compilation (short statements, where LLVM cost more than it saved)', async () => {
    const client = await t.hq.pool.connect();
    try {
      expect((await client.query<{ jit: string }>('SHOW jit')).rows[0]?.jit).toBe('off');
    } finally {
      client.release();
    }
  });

  it('keeps monthly partitions of events ahead of time', async () => {
    const { rows } = await t.hq.pool.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'event_batches'",
    );
    const names = rows.map((r) => r.name);
    for (const p of monthlyPartitions(new Date())) expect(names).toContain(p.name);
    expect(names).toContain('event_batches_default');
  });

  it('enrols a store by a one-time code; the code works once; a wrong code is refused', async () => {
    const { code } = await issueEnrolCode(t.hq.pool, 'H13010300001', '一号店');
    const enrol = (c: string) =>
      fetch(`${t.hq.url}/hq/v1/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ store: 'H13010300001', code: c }),
      });
    expect((await enrol('ABCD-EFGH-JK')).status).toBe(401);
    const ok = await enrol(code.toLowerCase());
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { credential: string }).credential).toMatch(/^H13010300001\./);
    const again = await enrol(code);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toContain('注册码无效');
  });

  it('ingests in order, takes a batch twice as a no-op, and refuses one beyond its head with the seq it expects', async () => {
    const credential = await enrolStore(t, 'H13010300002');
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 10);
      const events = eventsOf(box.ledger);
      const first = await push(credential, events.slice(0, 6));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ accepted: 6, duplicates: 0, head: { seq: 6, hash: events[5]?.hash } });
      const twice = await push(credential, events.slice(0, 6));
      expect(twice.body).toMatchObject({ accepted: 0, duplicates: 6, head: { seq: 6 } });
      const ahead = await push(credential, events.slice(7));
      expect(ahead.status).toBe(409);
      expect(ahead.body).toMatchObject({ error: 'OUT_OF_ORDER', expectedSeq: 7 });
      // Overlapping: the known part is a no-op, the rest is taken.
      const overlap = await push(credential, events.slice(4));
      expect(overlap.body).toMatchObject({ accepted: 4, duplicates: 2, head: { seq: 10, hash: events[9]?.hash } });
      const { rows } = await t.hq.pool.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, max(seq)::int AS m FROM events WHERE store_id = $1', [
        'H13010300002',
      ]);
      expect(rows[0]).toEqual({ n: 10, d: 10, m: 10 });
      const row = await storeRow('H13010300002');
      expect(row).toMatchObject({ head: { seq: 10 }, flag: null, credentials: 1 });
      expect(row?.lastContactAt).not.toBeNull();
    } finally {
      box.cleanup();
    }
  });

  it('refuses a body that is not JSON with 400 and takes nothing; a __proto__ key in it reaches no object (its parser skips the scan)', async () => {
    const store = 'H13010300009';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 2);
      const events = eventsOf(box.ledger);
      const post = (body: string) =>
        fetch(`${t.hq.url}/hq/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` }, body });
      const cut = await post(JSON.stringify({ events }).slice(0, -7));
      expect(cut.status).toBe(400);
      expect(((await cut.json()) as { error: string }).error).toBe('BAD_REQUEST');
      expect((await storeRow(store))?.head.seq).toBe(0);
      // JSON.parse makes "__proto__" an own key; the schema drops keys it does not name, and Object.prototype is untouched.
      const poisoned = `{"__proto__":{"polluted":"yes"},"events":${JSON.stringify(events)}}`;
      const r = await post(poisoned);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { accepted: number }).accepted).toBe(2);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const inEvent = await post(JSON.stringify({ events: [] }).replace('"events"', '"constructor":{"prototype":{"polluted":"yes"}},"events"'));
      expect(inEvent.status).toBe(200);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      box.cleanup();
    }
  });

  it('flags a rehashed chain (a changed event at a known seq) and then takes nothing more from the store', async () => {
    const store = 'H13010300003';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 8);
      const events = eventsOf(box.ledger);
      expect((await push(credential, events)).status).toBe(200);
      // Someone edits event 4 on the box and recomputes every hash from there (a valid-looking chain).
      const forged: Ev[] = [];
      let prev = events[2] as Ev;
      for (const e of events.slice(3)) {
        const edited = { ...e, payload: e.seq === 4 ? '{"products":[{"id":"FORGED"}]}' : e.payload, prev_hash: prev.hash };
        const hash = computeEventHash(edited);
        forged.push({ ...edited, hash });
        prev = { ...edited, hash };
      }
      const r = await push(credential, forged);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'CHANGED_EVENT', seq: 4 }, head: { seq: 8, hash: events[7]?.hash } });
      expect((await storeRow(store))?.flag).toMatchObject({ code: 'CHANGED_EVENT', seq: 4 });
      // The genuine next event is refused too until an admin clears the flag.
      appendFiller(box.ledger, 1);
      const next = await push(credential, eventsOf(box.ledger, 9));
      expect(next.body).toMatchObject({ error: 'STORE_FLAGGED' });
    } finally {
      box.cleanup();
    }
  });

  it('flags a fork (new events that do not link to the head) and an event whose content does not match its hash', async () => {
    const forkStore = 'H13010300004';
    const cred = await enrolStore(t, forkStore);
    const a = tempLedger();
    const b = tempLedger();
    try {
      appendFiller(a.ledger, 3);
      // Another ledger claiming to be the same store, written a minute later: with the same instant its first
      // events would hash exactly like a's (same payloads, same time) and link to a's head (a flake seen in CI).
      appendFiller(b.ledger, 5, new Date(Date.now() + 60_000));
      expect((await push(cred, eventsOf(a.ledger))).status).toBe(200);
      const r = await push(cred, eventsOf(b.ledger, 4));
      expect(r.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'FORK', seq: 4 }, accepted: 0 });

      const editStore = 'H13010300005';
      const cred2 = await enrolStore(t, editStore);
      const evs = eventsOf(b.ledger);
      const tampered = evs.map((e) => (e.seq === 3 ? { ...e, payload: '{"products":[]}' } : e));
      const r2 = await push(cred2, tampered);
      // The two events before the edit are kept: HQ's head is the last event known good.
      expect(r2.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'HASH_MISMATCH', seq: 3 }, accepted: 2, head: { seq: 2 } });
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('refuses a payload with a raw U+001F (never in canonical JSON; HQ splits payloads on it) before storing anything', async () => {
    const cred = await enrolStore(t, 'H13010300013', '中山店');
    const l = tempLedger();
    try {
      appendFiller(l.ledger, 2);
      const [first, second] = eventsOf(l.ledger) as [Ev, Ev];
      // The character itself, as a box's bug (or a forger) would send it: JSON.stringify escapes it on the wire.
      const raw = String.fromCharCode(0x1f);
      const res = await push(cred, [first, { ...second, payload: second.payload.replace(/}$/, `,"x":"${raw}"}`) }]);
      expect(JSON.stringify({ p: raw })).toBe('{"p":"\\u001f"}');
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toContain('控制字符');
      expect((await storeRow('H13010300013'))?.head.seq).toBe(0);
    } finally {
      l.cleanup();
    }
  });

  it('refuses a revoked credential at once', async () => {
    const store = 'H13010300006';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 2);
      expect((await push(credential, eventsOf(box.ledger))).status).toBe(200);
      const { revokeCredentials } = await import('./enrolment.js');
      expect(await revokeCredentials(t.hq.pool, store)).toBe(1);
      const r = await push(credential, eventsOf(box.ledger));
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: 'CREDENTIAL_INVALID' });
      expect(String(r.body.message)).toContain('吊销');
      expect((await storeRow(store))?.credentials).toBe(0);
    } finally {
      box.cleanup();
    }
  });

  it('behind a trusted reverse proxy, the sign-in lockout counts the forwarded client address, not the proxy', async () => {
    await addUser(t.hq.pool, { username: 'sun', displayName: '孙主管', role: 'admin', password: 'proxy-pass-123', stores: [] });
    const behind = await startHq({ databaseUrl: t.pg.url, host: '127.0.0.1', port: 0, adminTokenSha256: [], trustProxy: ['127.0.0.1'] });
    const login = (username: string, password: string, client: string) =>
      fetch(`${behind.url}/hq/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ username, password }),
      });
    try {
      // One browser guesses across many usernames until its address is locked.
      for (let i = 0; i < LOGIN_LIMITS.perIp; i++) expect((await login(`guess${i}`, 'wrong-password', '10.0.0.7')).status).toBe(401);
      expect((await login('sun', 'proxy-pass-123', '10.0.0.7')).status).toBe(429);
      // Everyone else, through the same proxy, still signs in.
      expect((await login('sun', 'proxy-pass-123', '10.0.0.8')).status).toBe(200);
      const { rows } = await t.hq.pool.query<{ ip: string; n: number }>(
        "SELECT ip, count(*)::int AS n FROM hq_login_attempts WHERE username LIKE 'guess%' GROUP BY ip",
      );
      expect(rows).toEqual([{ ip: '10.0.0.7', n: LOGIN_LIMITS.perIp }]);
    } finally {
      await t.hq.pool.query("DELETE FROM hq_login_attempts WHERE ip = '10.0.0.7'");
      await behind.close();
    }
  });

  it('lists stores only for a chain admin', async () => {
    expect((await fetch(`${t.hq.url}/hq/v1/stores`)).status).toBe(401);
    expect((await admin('/hq/v1/stores')).status).toBe(200);
  });
});
