// The embedded platform simulator of a provisioned box: it knows the box's own store code, so a box
// provisioned with its real 定点医药机构编码 signs in and settles against the simulator.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { silentLog, tempDir } from '../test/helpers.js';
import { Ledger } from './ledger/index.js';
import { ledgerPath } from './paths.js';
import { type Platform, startPlatform } from './platform.js';

let tmp: { dir: string; cleanup: () => void };
let ledger: Ledger;
let platform: Platform;

beforeAll(async () => {
  tmp = tempDir();
  const config = parseConfig(
    `store: { code: H13010200001, name: 测试大药房, admdvs: "130102" }
platform: { simulator: true, simulatorPort: 0 }
dataDir: ${JSON.stringify(tmp.dir)}
`,
    'test',
  );
  ledger = Ledger.open(ledgerPath(config));
  platform = await startPlatform(config, ledger, silentLog(), () => new Date());
});
afterAll(async () => {
  await platform?.close();
  ledger?.close();
  tmp?.cleanup();
});

it("signs in with a store code the simulator had not seeded (the box's own)", async () => {
  await expect(platform.client.signIn()).resolves.toMatch(/\S/);
  const known = platform.simulator!.db.prepare('SELECT name, admdvs FROM stores WHERE fixmedins_code = ?').get('H13010200001');
  expect(known).toEqual({ name: '测试大药房', admdvs: '130102' });
});
