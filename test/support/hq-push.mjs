// A separate process that pushes a ledger's events to HQ, so a test can SIGKILL it mid-stream and restart it.
// Uses the built dist/ (npm test builds first). Prints the acked seq after every step.
// usage: node hq-push.mjs LEDGER_FILE HQ_URL STORE CREDENTIAL BATCH
import { Ledger } from '../../dist/agent/ledger/index.js';
import { createLogger } from '../../dist/agent/log.js';
import { HqReplicator } from '../../dist/sync/hq/replicator.js';

const [ledgerFile, url, storeCode, credential, batch] = process.argv.slice(2);
const ledger = Ledger.open(ledgerFile);
const rep = new HqReplicator({ db: ledger.db, url, storeCode, credential, batchSize: Number(batch), log: createLogger('silent') });
for (;;) {
  const r = await rep.step();
  process.stdout.write(`${rep.status().ackedSeq}\n`);
  if (r === 'idle') break;
  if (r === 'error') await new Promise((res) => setTimeout(res, 200));
}
ledger.close();
