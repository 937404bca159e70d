import { existsSync } from 'node:fs';
import type { LoadedConfig } from '../../config/index.js';
import { type AnchorResult, checkAnchor, replicationCredential } from '../../sync/hq/anchor.js';
import { anchorPaths, checkAnchors } from '../ledger/anchor.js';
import { Ledger } from '../ledger/index.js';
import { checkPrintedHead, type PrintedHeadCheck, parsePrintedHead } from '../ledger/printed-head.js';
import { verifyLedger } from '../ledger/verify.js';
import { ledgerPath } from '../paths.js';
import type { CliIo } from './main.js';

/**
 * The chain and the stock invariants, the heads the box signed outside the database (a deleted tail or a rehashed
 * chain is named by the first missing or changed event), with --anchor the copy HQ keeps of this store's chain, and with
 * --head SEQ:HASH a head printed on a daily report.
 */
export async function verifyLedgerCommand(loaded: LoadedConfig, io: CliIo, json: boolean, anchor = false, head?: string): Promise<number> {
  const printed = head === undefined ? undefined : parsePrintedHead(head);
  if (typeof printed === 'string') {
    io.err(`counter-agent verify-ledger --head: ${printed}`);
    return 2;
  }
  const path = ledgerPath(loaded.config);
  if (!existsSync(path)) {
    io.err(`counter-agent verify-ledger: no ledger at ${path} (dataDir from ${loaded.source})`);
    return 2;
  }
  const hq = loaded.config.hq;
  if (anchor && !hq) {
    io.err(`counter-agent verify-ledger --anchor: no hq section in ${loaded.source}; set hq.url and hq.credential`);
    return 2;
  }
  const ledger = Ledger.open(path, { readonly: true });
  try {
    const chain = verifyLedger(ledger.db);
    const anchors = checkAnchors(ledger.db, anchorPaths(loaded.config.dataDir));
    const problems = [...anchors.problems, ...chain.problems];
    const result = { ...chain, ok: problems.length === 0, problems, signedHeads: anchors.checked ? { heads: anchors.heads, late: anchors.late } : null };
    const headCheck: PrintedHeadCheck | undefined = printed ? checkPrintedHead(ledger.db, printed) : undefined;
    let anchored: AnchorResult | undefined;
    if (anchor && hq) {
      const credential = replicationCredential(ledger.db, hq.credential);
      if (!credential) {
        io.err('counter-agent verify-ledger --anchor: this box has no HQ credential yet (set hq.credential, or start the box once with hq.enrolmentCode)');
        return 2;
      }
      try {
        anchored = await checkAnchor(ledger.db, hq.url, credential);
      } catch (err) {
        io.err(`counter-agent verify-ledger --anchor: cannot ask HQ ${hq.url}: ${(err as Error).message}`);
        return 2;
      }
    }
    if (json) io.out(JSON.stringify({ ledger: path, ...result, ...(anchored ? { anchor: anchored } : {}), ...(headCheck ? { printedHead: headCheck } : {}) }));
    else {
      if (result.ok) {
        const signed = anchors.checked
          ? `, every event under a head signed by the box (${anchors.heads} heads, ${anchors.late} signed late after a stop)`
          : ' (no signed heads yet: only the chain itself was checked)';
        io.out(`ledger ${path}: OK — ${result.events} events, ${result.codes} trace codes, hash chain and stock invariants hold${signed}`);
      } else {
        const first = result.problems[0];
        io.out(`ledger ${path}: BROKEN — ${result.problems.length} problem(s); first: ${first?.message}`);
        for (const p of result.problems.slice(1, 20)) io.out(`  also: ${p.message}`);
      }
      if (anchored) io.out(`anchor ${hq?.url}: ${anchored.ok ? 'OK' : 'MISMATCH'} — ${anchored.message}`);
      if (headCheck) io.out(`printed head ${head}: ${headCheck.ok ? 'OK' : 'MISMATCH'} — ${headCheck.message}`);
    }
    return result.ok && (anchored?.ok ?? true) && (headCheck?.ok ?? true) ? 0 : 1;
  } finally {
    ledger.close();
  }
}
