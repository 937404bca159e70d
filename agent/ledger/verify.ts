import { productFromRow } from './catalog.js';
import type { Db } from './db.js';
import type { LedgerEventPayloads, LedgerEventType, LotLine } from './event-types.js';
import { canonicalJson, computeEventHash, GENESIS_HASH, type StoredEvent } from './events.js';

export interface VerifyProblem {
  /** The first event involved, when one is. */
  seq?: number;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  codes: number;
  problems: VerifyProblem[];
}

interface LotExpectation {
  seq: number;
  productId: string;
  received: number;
  /** Net of every later movement (sales, returns, adjustments) replayed from events. */
  delta: number;
}

/** What replaying the events says the projections must contain. */
export interface ReplayState {
  lots: Map<string, LotExpectation>;
  products: Map<string, { seq: number; product: Record<string, unknown> }>;
  codes: number;
  /** Pieces sold per code, net of reversals. */
  sold: Map<string, { pieces: number; seq: number }>;
  problems: VerifyProblem[];
  codeOrigin: (key: string) => { receivedSeq: number; bchno: string } | undefined;
}

type Replayer<T extends LedgerEventType> = (payload: LedgerEventPayloads[T], seq: number, state: ReplayState) => void;

/** One replayer per event type (the LedgerEvent union, event-types.ts): a new type without one fails to compile. */
export const replayers: { [T in LedgerEventType]: Replayer<T> } = {
  'catalog.imported': (payload, seq, s) => {
    for (const p of payload.products) s.products.set(p.id as string, { seq, product: p });
  },
  'receipt.recorded': (payload, seq, s) => replayLots(payload.lines, seq, s),
  'stock.opening_recorded': (payload, seq, s) => replayLots(payload.lines, seq, s),
  'sale.settled': (payload, seq, s) => {
    for (const it of payload.items) {
      moveLot(s, seq, it.lotBchno, -it.pieces);
      if (it.code === null) continue;
      if (it.claimed) {
        s.codes++;
        const origin = s.codeOrigin(it.code);
        if (!origin || origin.receivedSeq !== seq || origin.bchno !== it.lotBchno) {
          s.problems.push({ seq, message: `event ${seq}: code ${it.code} taken from uncoded batch ${it.lotBchno} does not match trace_codes` });
        }
      }
      const prev = s.sold.get(it.code);
      s.sold.set(it.code, { pieces: (prev?.pieces ?? 0) + it.pieces, seq });
    }
  },
  'stock.adjusted': (payload, seq, s) => moveLot(s, seq, payload.lotBchno, payload.delta),
  'transfer.shipped': (payload, seq, s) => {
    for (const l of payload.lines) moveLot(s, seq, l.lotBchno, -l.codes.reduce((n, c) => n + c.pieces, 0));
  },
  'transfer.received': (payload, seq, s) =>
    replayLots(
      payload.lines.map((l, i) => ({
        ...l,
        lineNo: i + 1,
        piecesPerPack: l.product.piecesPerPack,
        pieces: l.codes.reduce((n, c) => n + c.pieces, 0),
        codes: l.codes.map((c) => c.code),
      })),
      seq,
      s,
    ),
  'sale.reversed': (payload, seq, s) => {
    for (const it of payload.items) {
      moveLot(s, seq, it.lotBchno, it.pieces);
      if (it.code === null) continue;
      const prev = s.sold.get(it.code);
      if (!prev || prev.pieces < it.pieces)
        s.problems.push({ seq, message: `event ${seq}: reverses ${it.pieces} pieces of code ${it.code} that were not sold` });
      s.sold.set(it.code, { pieces: (prev?.pieces ?? 0) - it.pieces, seq });
    }
  },
};

function moveLot(s: ReplayState, seq: number, bchno: string, pieces: number): void {
  const lot = s.lots.get(bchno);
  if (!lot) s.problems.push({ seq, message: `event ${seq}: moves stock of batch ${bchno}, which no event received` });
  else lot.delta += pieces;
}

function replayLots(lines: readonly LotLine[], seq: number, s: ReplayState): void {
  for (const line of lines) {
    if (s.lots.has(line.bchno)) s.problems.push({ seq, message: `event ${seq}: batch ${line.bchno} recorded twice` });
    s.lots.set(line.bchno, { seq, productId: line.productId, received: line.pieces, delta: 0 });
    for (const code of line.codes ?? []) {
      s.codes++;
      const origin = s.codeOrigin(code);
      if (!origin) s.problems.push({ seq, message: `event ${seq}: code ${code} was received but is missing from trace_codes` });
      else if (origin.receivedSeq !== seq || origin.bchno !== line.bchno) {
        s.problems.push({
          seq,
          message: `event ${seq}: code ${code} belongs to batch ${line.bchno}, but trace_codes says batch ${origin.bchno} (event ${origin.receivedSeq})`,
        });
      }
    }
  }
}

/**
 * Re-walks the hash chain, then replays the events and compares them with the tables the program
 * reads (products, lots, trace_codes). Reports the first broken event first.
 */
export function verifyLedger(db: Db): VerifyResult {
  const problems: VerifyProblem[] = [];
  const codeStmt = db.prepare('SELECT c.received_seq AS receivedSeq, l.bchno FROM trace_codes c JOIN lots l ON l.id = c.lot_id WHERE c.code = ?');
  const state: ReplayState = {
    lots: new Map(),
    products: new Map(),
    codes: 0,
    sold: new Map(),
    problems,
    codeOrigin: (key) => codeStmt.get(key) as { receivedSeq: number; bchno: string } | undefined,
  };

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let events = 0;
  for (const e of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<StoredEvent>) {
    const chainProblem =
      e.seq !== expectedSeq
        ? `event ${expectedSeq} is missing (next stored event is ${e.seq}): events were deleted`
        : e.prev_hash !== prevHash
          ? `event ${e.seq} (${e.type}): previous-hash link is broken: the event before it was altered or removed`
          : computeEventHash(e) !== e.hash
            ? `event ${e.seq} (${e.type}, ${e.at}): content does not match its hash: the record was altered`
            : undefined;
    if (chainProblem) {
      // Nothing after a broken link can be trusted; report it alone.
      return { ok: false, events, codes: state.codes, problems: [{ seq: e.seq === expectedSeq ? e.seq : expectedSeq, message: chainProblem }] };
    }
    events++;
    expectedSeq++;
    prevHash = e.hash;
    const replay = Object.hasOwn(replayers, e.type) ? (replayers[e.type as LedgerEventType] as Replayer<LedgerEventType>) : undefined;
    if (!replay) problems.push({ seq: e.seq, message: `event ${e.seq}: unknown type "${e.type}" (written by a newer counter-agent?)` });
    // The stored type and payload were written together from the union by EventLog.append.
    else replay(JSON.parse(e.payload) as never, e.seq, state);
  }

  compareProjections(db, state);
  problems.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  return { ok: problems.length === 0, events, codes: state.codes, problems };
}

function compareProjections(db: Db, s: ReplayState): void {
  const lots = db.prepare('SELECT bchno, product_id, pieces_received, pieces_on_hand FROM lots').all() as {
    bchno: string;
    product_id: string;
    pieces_received: number;
    pieces_on_hand: number;
  }[];
  const seen = new Set<string>();
  for (const l of lots) {
    seen.add(l.bchno);
    const exp = s.lots.get(l.bchno);
    if (!exp) {
      s.problems.push({ message: `batch ${l.bchno} is in the lots table but no event recorded it` });
      continue;
    }
    if (exp.productId !== l.product_id || exp.received !== l.pieces_received) {
      s.problems.push({
        seq: exp.seq,
        message: `event ${exp.seq}: batch ${l.bchno} received ${exp.received} pieces of ${exp.productId}, lots table says ${l.pieces_received} of ${l.product_id}`,
      });
    }
    const expected = exp.received + exp.delta;
    if (l.pieces_on_hand !== expected) {
      s.problems.push({
        seq: exp.seq,
        message: `event ${exp.seq}: batch ${l.bchno} stock should be ${expected} pieces (received ${exp.received}, movements ${exp.delta}) but is ${l.pieces_on_hand}`,
      });
    }
  }
  for (const [bchno, exp] of s.lots) {
    if (!seen.has(bchno)) s.problems.push({ seq: exp.seq, message: `event ${exp.seq}: batch ${bchno} is missing from the lots table` });
  }

  const codeCount = db.prepare('SELECT COUNT(*) FROM trace_codes').pluck().get() as number;
  if (codeCount !== s.codes) s.problems.push({ message: `trace_codes holds ${codeCount} codes but the events received ${s.codes}` });
  const oversold = db.prepare('SELECT code, pieces, pieces_sold FROM trace_codes WHERE pieces_sold > pieces OR pieces_sold < 0 LIMIT 5').all() as {
    code: string;
    pieces: number;
    pieces_sold: number;
  }[];
  for (const o of oversold) s.problems.push({ message: `code ${o.code}: ${o.pieces_sold} pieces sold from a box of ${o.pieces}` });
  const soldRows = db.prepare('SELECT code, pieces_sold FROM trace_codes WHERE code = ?');
  for (const [code, exp] of s.sold) {
    const row = soldRows.get(code) as { pieces_sold: number } | undefined;
    if (!row || row.pieces_sold !== exp.pieces) {
      s.problems.push({
        seq: exp.seq,
        message: `event ${exp.seq}: code ${code} should have ${exp.pieces} pieces sold but trace_codes says ${row?.pieces_sold ?? 'nothing'}`,
      });
    }
  }
  for (const row of db.prepare('SELECT code, pieces_sold FROM trace_codes WHERE pieces_sold > 0').iterate() as IterableIterator<{
    code: string;
    pieces_sold: number;
  }>) {
    if (!s.sold.has(row.code)) s.problems.push({ message: `code ${row.code} has ${row.pieces_sold} pieces sold but no sale event sold it` });
  }

  for (const row of db.prepare('SELECT * FROM products').iterate() as IterableIterator<Parameters<typeof productFromRow>[0]>) {
    const exp = s.products.get(row.id);
    const actual = canonicalJson(Object.fromEntries(Object.entries(productFromRow(row)).filter(([, v]) => v !== undefined && v !== false)));
    const wanted = exp && canonicalJson(Object.fromEntries(Object.entries(exp.product).filter(([, v]) => v !== false)));
    if (actual !== wanted) {
      s.problems.push({
        ...(exp ? { seq: exp.seq } : {}),
        message: `product ${row.id} differs from the catalogue events${exp ? ` (last imported by event ${exp.seq})` : ''}`,
      });
    }
  }
}
