// The demo-mode config (`npm start` with no config): embedded platform simulator, simulated devices,
// counter page and manager page on http://127.0.0.1:8080.
import { join, resolve } from 'node:path';
import type { Config } from './schema.js';
import { buildConfig } from './validate.js';

/** The demo config as it would be written in a file, before defaults. */
export function demoRawConfig(dataDir: string): Record<string, unknown> {
  return {
    store: { code: 'P13010200001', name: '演示药店（长安店）', admdvs: '130102', pharmacists: [{ name: '赵敏（演示药师）', certNo: 'ZY13010200001' }] },
    platform: { simulator: true },
    http: { host: '127.0.0.1', port: 8080 },
    dataDir,
    // The simulated scanner's pty: `printf '<code>\r' > <dataDir>/scanner-1` scans as a real serial scanner would.
    scanners: [{ id: 'scanner-1', type: 'simulated', counter: 'counter-1', path: join(resolve(dataDir), 'scanner-1') }],
    idReaders: [{ id: 'id-reader-1', type: 'simulated', counter: 'counter-1' }],
    cameras: [],
    face: { mode: 'none' },
  };
}

/** The demo-mode config, validated like a file; a relative dataDir is resolved against process.cwd(). */
export function demoConfig(dataDir: string): Config {
  return buildConfig(demoRawConfig(dataDir), 'demo', process.cwd());
}
