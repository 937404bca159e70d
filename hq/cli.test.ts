import { describe, expect, it } from 'vitest';
import { runCli } from '../agent/cli/main.js';
import { testHqPerFile } from './hq.test-helpers.js';

const t = testHqPerFile();

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(args, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, out: lines.join('\n') };
}

describe('counter-agent hq', () => {
  it('issues an enrolment code the box can use, revokes and unflags by store, and names what is missing', async () => {
    const issued = await cli('hq', 'enrol-code', '--store', 'H33010300001', '--name', '三号店', '--database', t.pg.url);
    expect(issued.code).toBe(0);
    const code = /: ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}) /.exec(issued.out)?.[1];
    expect(code).toBeDefined();
    const res = await fetch(`${t.hq.url}/hq/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ store: 'H33010300001', code }),
    });
    expect(res.status).toBe(201);
    expect(await cli('hq', 'revoke', '--store', 'H33010300001', '--database', t.pg.url)).toEqual({
      code: 0,
      out: 'store H33010300001: 1 credential(s) revoked',
    });
    expect(await cli('hq', 'unflag', '--store', 'H33010300001', '--database', t.pg.url)).toEqual({ code: 0, out: 'store H33010300001 was not flagged' });
    const bad = await cli('hq', 'enrol-code', '--store', 'h1', '--database', t.pg.url);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('12-character fixmedins_code');
    const saved = process.env.HQ_DATABASE_URL;
    delete process.env.HQ_DATABASE_URL;
    const noDb = await cli('hq', 'migrate').finally(() => {
      if (saved !== undefined) process.env.HQ_DATABASE_URL = saved;
    });
    expect(noDb.code).toBe(2);
    expect(noDb.out).toContain('HQ_DATABASE_URL');
    const badProxy = await cli('hq', 'serve', '--trust-proxy', '10.0.0.1,proxy.local', '--database', t.pg.url);
    expect(badProxy).toEqual({
      code: 2,
      out: 'counter-agent hq serve: --trust-proxy takes IP addresses or CIDR ranges separated by commas (the reverse proxy\'s), got "proxy.local"',
    });
  });

  it("serve takes each flag from its HQ_* variable too (the unit's environment file), and names the variable of a bad value", async () => {
    const withEnv = async (env: Record<string, string>, ...flags: string[]) => {
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        return await cli('hq', 'serve', '--database', t.pg.url, ...flags);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    };
    expect(await withEnv({ HQ_PORT: 'eighty' })).toEqual({ code: 2, out: 'counter-agent hq serve: --port (or HQ_PORT) expects 0..65535, got "eighty"' });
    const tls = await withEnv({ HQ_PORT: '0', HQ_TLS_CERT: '/nonexistent/hq.crt', HQ_TLS_KEY: '/nonexistent/hq.key' });
    expect(tls.code).toBe(2);
    expect(tls.out).toMatch(/^counter-agent hq serve: cannot read --tls-cert\/--tls-key \(or HQ_TLS_CERT\/HQ_TLS_KEY\): ENOENT.*\/nonexistent\/hq\.crt/);
    // A flag wins over its variable.
    const flag = await withEnv({ HQ_PORT: '0' }, '--port', '70000');
    expect(flag).toEqual({ code: 2, out: 'counter-agent hq serve: --port (or HQ_PORT) expects 0..65535, got "70000"' });
  });
});
