// What a scanned code says about its product, read in the page so a box of the wrong product is refused the
// moment it is scanned. The agent's classifier (agent/tracecode) stays the authority: it checks everything
// again when the receipt is committed; this only reads the two product keys DESIGN section 7 names.

const GS = '\u001d';
const FIXED = { '01': 14, 11: 6, 13: 6, 15: 6, 17: 6 };
const VARIABLE = new Set(['10', '21']);

/** Raw or parenthesised GS1 element string → { gtin, serial?, lot? } (undefined when it is not one). */
function parseGs1(text) {
  const out = {};
  if (text.startsWith('(')) {
    for (const m of text.matchAll(/\((\d{2,4})\)([^(]*)/g)) out[m[1]] = m[2].trim();
  } else {
    let rest = text;
    while (rest.length >= 2) {
      const ai = rest.slice(0, 2);
      if (FIXED[ai]) {
        out[ai] = rest.slice(2, 2 + FIXED[ai]);
        rest = rest.slice(2 + FIXED[ai]);
        if (rest.startsWith(GS)) rest = rest.slice(1);
      } else if (VARIABLE.has(ai)) {
        const end = rest.indexOf(GS);
        out[ai] = end < 0 ? rest.slice(2) : rest.slice(2, end);
        rest = end < 0 ? '' : rest.slice(end + 1);
      } else break;
    }
  }
  if (!/^\d{14}$/.test(out['01'] || '')) return undefined;
  return { gtin: out['01'], serial: out['21'], lot: out['10'] };
}

/**
 * { kind, key, drugId?, gtin? } for one scan: 'nmpa20' (码上放心, 7-digit drug id), 'gs1' (GTIN),
 * 'ean13' (a product barcode, never a box) or 'other' (left to the agent: manufacturer formats, typos).
 */
export function identify(raw) {
  let text = String(raw).trim();
  if (/^\][A-Za-z][0-9]/.test(text)) text = text.slice(3);
  while (text.startsWith(GS)) text = text.slice(1);
  if (/^8\d{19}$/.test(text)) return { kind: 'nmpa20', key: text, drugId: text.slice(0, 7) };
  if (/^\d{13}$/.test(text)) return { kind: 'ean13', key: text };
  if (text.startsWith('(01)') || (text.startsWith('01') && text.length >= 16)) {
    const g = parseGs1(text);
    if (g) return { kind: 'gs1', key: g.serial ? `01${g.gtin}21${g.serial}` : `01${g.gtin}`, gtin: g.gtin, serial: g.serial, lot: g.lot };
  }
  return { kind: 'other', key: text };
}

/** The product's GTIN-14: its own, or its EAN barcode padded (as agent/tracecode normalizeGtin does). */
export function productGtin(product) {
  if (product.gtin) return product.gtin;
  return product.barcode && /^\d{8,14}$/.test(product.barcode) ? product.barcode.padStart(14, '0') : undefined;
}

/** true / false when the scan names a product; undefined when the page cannot tell. */
export function belongsTo(id, product) {
  if (id.kind === 'nmpa20') return product.tracePrefix ? id.drugId === product.tracePrefix : undefined;
  if (id.kind === 'gs1') {
    const gtin = productGtin(product);
    return gtin ? id.gtin === gtin : undefined;
  }
  return undefined;
}

/** The catalogue product a scan names, if any. */
export function productOf(id, catalog) {
  return catalog.find((p) => belongsTo(id, p) === true);
}
