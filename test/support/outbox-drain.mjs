// A separate process that drains a ledger's outbox to a platform URL, so a test can SIGKILL it
// mid-stream and restart it. Uses the built dist/ (npm test builds first).
// usage: node outbox-drain.mjs LEDGER_FILE PLATFORM_URL
import { Ledger } from '../../dist/agent/ledger/index.js';
import { PlatformClient } from '../../dist/sync/client.js';
import { MsgidAllocator } from '../../dist/sync/msgid.js';
import { OutboxWorker } from '../../dist/sync/outbox/worker.js';

const [ledgerFile, url] = process.argv.slice(2);
const ledger = Ledger.open(ledgerFile);
const client = new PlatformClient({
  url,
  fixmedinsCode: 'P13010200001',
  fixmedinsName: '测试药店',
  mdtrtareaAdmvs: '130102',
  insuplcAdmdvs: '130102',
  recerSysCode: 'COUNTERAGENT',
  devNo: '',
  operator: { code: '0001', name: '收银员' },
  signing: { mode: 'none' },
  timeoutMs: 300,
  msgids: new MsgidAllocator(ledger.msgids, 'P13010200001'),
});
const worker = new OutboxWorker({
  queue: ledger.outbox,
  upload: (r) => client.upload(r.infno, r.input),
  mapContext: { defaultOperatorName: '收银员' },
  backoff: { initialMs: 20, maxMs: 200 },
  idleMs: 50,
});
worker.start();
const unsent = ledger.db.prepare("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").pluck();
const timer = setInterval(() => {
  if (unsent.get() === 0) {
    clearInterval(timer);
    void worker.stop().then(() => {
      ledger.close();
      process.exit(0);
    });
  }
}, 50);
