// The page's state: who is signed in, the sale on screen (as GET /api/sales/:id answered), the catalogue
// (for product categories), the refusals in the red panel and those still pinned to a line.

const params = new URLSearchParams(location.search);

export const state = {
  counter: params.get('counter') || 'counter-1',
  user: null,
  saleId: null,
  /** Sales of this counter left open and not on screen (GET /api/counters/:counter): resumed or voided first. */
  leftOpen: [],
  /** The store's name and 定点编号 (fixmedins_code), for the receipt. */
  store: null,
  /** The counter's name from GET /api/counters/:counter (config counters; default N号收银台). */
  counterName: null,
  sale: null,
  /** productId → Product from GET /api/catalog (loaded at sign-in). */
  products: new Map(),
  /** The rules' product categories and next steps, from GET /api/rules/categories (loaded at sign-in). */
  rules: { consentRequired: new Set(), selfPayOnly: new Set(), nextSteps: {} },
  /** What the red panel shows: [{ code, message, itemId?, scanned? }]. */
  refusals: [],
  /** Refusals that name a line, kept on that line until resolved: [{ itemId, code, message, productId, codeAtRefusal, rxAtRefusal }]. */
  lineRefusals: [],
  /** Index of the highlighted line (↑/↓), -1 for none. */
  selected: -1,
  busy: false,
};

export const saleOpen = () => Boolean(state.sale && state.sale.status === 'open');

export const items = () => (state.sale ? state.sale.items : []);

export const itemById = (id) => items().find((i) => i.id === id);

/**
 * Lines that need 告知同意 before an insurance settlement: out-of-catalogue medical goods (the server's
 * CONSENT_REQUIRED rule), or any line that rule named, not yet consented to.
 */
export function consentPending() {
  const sale = state.sale;
  if (!sale || sale.status !== 'open') return [];
  const consented = new Set(sale.consents || []);
  const named = new Set(state.lineRefusals.filter((r) => r.code === 'CONSENT_REQUIRED').map((r) => r.itemId));
  return sale.items.filter((i) => {
    if (consented.has(i.productId)) return false;
    if (named.has(i.id)) return true;
    const p = state.products.get(i.productId);
    return i.insured === false && p !== undefined && state.rules.consentRequired.has(p.category);
  });
}

/** Lines whose category the fund never pays (NOT_INSURANCE_PAYABLE): sold self-pay only. */
export function selfPayOnly() {
  const sale = state.sale;
  if (!sale || sale.status !== 'open') return [];
  return sale.items.filter((i) => {
    const p = state.products.get(i.productId);
    return p !== undefined && state.rules.selfPayOnly.has(p.category);
  });
}

/** Prescription-drug lines while the sale has no prescription recorded. */
export function rxPending() {
  const sale = state.sale;
  if (!sale || sale.status !== 'open' || sale.prescription) return [];
  return sale.items.filter((i) => i.rx);
}

/** A line refusal is resolved when what it complained about has changed. */
function resolved(r, sale) {
  const item = sale.items.find((i) => i.id === r.itemId);
  if (!item) return true;
  if (r.code === 'CONSENT_REQUIRED') return (sale.consents || []).includes(item.productId);
  if (r.code.startsWith('PRESCRIPTION_')) return JSON.stringify(sale.prescription || null) !== r.rxAtRefusal;
  if (r.code.startsWith('TRACE_CODE_') || r.code === 'SPLIT_PACK_EXHAUSTED') return item.code !== r.codeAtRefusal;
  return false;
}

/** The refusals still pinned to lines of the open sale. */
export function activeLineRefusals() {
  const sale = state.sale;
  if (!sale || sale.status !== 'open') return [];
  return state.lineRefusals.filter((r) => !resolved(r, sale));
}

/** Pins refusals that name a line; `replace` (a settlement attempt) drops what earlier attempts pinned. */
export function pinLineRefusals(list, replace) {
  if (replace) state.lineRefusals = [];
  const sale = state.sale;
  for (const r of list) {
    if (r.itemId === undefined || r.itemId === null) continue;
    const item = itemById(r.itemId);
    state.lineRefusals.push({
      itemId: r.itemId,
      code: r.code,
      message: r.message,
      productId: item ? item.productId : undefined,
      codeAtRefusal: item ? item.code : null,
      rxAtRefusal: JSON.stringify((sale && sale.prescription) || null),
    });
  }
}
