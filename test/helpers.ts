import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../agent/log.js';
import { type Config, parseConfig } from '../config/index.js';

/** A fresh directory under the OS temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'counter-agent-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const TOKENS = { manager: 'manager-secret-token', cashier: 'cashier-secret-token', technician: 'tech-secret-token' } as const;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A real config, parsed from YAML like a technician's file, listening on an ephemeral port. */
export function testConfig(dataDir: string, extraYaml = ''): Config {
  return parseConfig(
    `store: { code: P13010200001, name: 测试药店, admdvs: "130102", pharmacists: [{ name: 李药师, certNo: "ZY13010200001" }] }
platform: { simulator: true }
http:
  host: 127.0.0.1
  port: 0
  apiTokens:
    - { name: mgr, role: manager, sha256: ${sha(TOKENS.manager)} }
    - { name: cash, role: cashier, sha256: ${sha(TOKENS.cashier)} }
    - { name: tech, role: technician, sha256: ${sha(TOKENS.technician)} }
dataDir: ${JSON.stringify(dataDir)}
${extraYaml}`,
    'test',
  );
}

export const silentLog = () => createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
