// Shaping what a scanner sent into ScanEvent text: the configured prefix/suffix stripped and a leading
// AIM symbology identifier (`]` + code letter + modifier, e.g. `]d2`, `]E0`, `]C1`) split off when the
// scanner was set to send one. Bytes are characters 0-255 (latin1), so GS (0x1D) and any other byte survive.

export interface Affixes {
  prefix?: string | undefined;
  suffix?: string | undefined;
}

export interface Shaped {
  text: string;
  symbology?: string;
  /** Set when a configured prefix or suffix was expected but absent (the text is kept as read). */
  warning?: string;
}

/** AIM ISO/IEC 15424: `]`, a letter (symbology), a modifier character (digit or letter). */
const AIM = /^\][A-Za-z][0-9A-Za-z]/;

export function shapeScan(raw: string, affixes: Affixes, symbology?: string): Shaped {
  let text = raw;
  const missing: string[] = [];
  const { prefix, suffix } = affixes;
  if (prefix) {
    if (text.startsWith(prefix)) text = text.slice(prefix.length);
    else missing.push(`prefix ${JSON.stringify(prefix)}`);
  }
  if (suffix) {
    if (text.endsWith(suffix)) text = text.slice(0, text.length - suffix.length);
    else missing.push(`suffix ${JSON.stringify(suffix)}`);
  }
  let aim = symbology;
  if (aim === undefined && AIM.test(text)) {
    aim = text.slice(0, 3);
    text = text.slice(3);
  }
  const out: Shaped = { text };
  if (aim !== undefined) out.symbology = aim;
  if (missing.length > 0) out.warning = `scan ${printable(raw)} lacks the configured ${missing.join(' and ')}; kept as read`;
  return out;
}

/** For log lines: control and non-ASCII bytes as \xNN, at most 80 characters. */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c < 0x7f ? ch : `\\x${c.toString(16).padStart(2, '0')}`;
    if (out.length > 80) return `${out.slice(0, 80)}…`;
  }
  return out;
}
