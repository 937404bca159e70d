// Asia/Shanghai wall-clock time (platform fields, the pharmacist's day). Pure. China has no DST, so Shanghai time is
// exactly UTC+8: we add 8 h and read the UTC fields, never the machine's TZ.

const OFFSET_MS = 8 * 3600 * 1000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function shanghaiParts(at: Date): Parts {
  const t = new Date(at.getTime() + OFFSET_MS);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  };
}

/** `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (inf_time, setl_time, ...). */
export function formatShanghaiDateTime(at: Date): string {
  const p = shanghaiParts(at);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** `yyyyMMddHHmmss` in Asia/Shanghai (the msgid timestamp). */
export function formatShanghaiCompact(at: Date): string {
  const p = shanghaiParts(at);
  return `${pad(p.y, 4)}${pad(p.mo)}${pad(p.d)}${pad(p.h)}${pad(p.mi)}${pad(p.s)}`;
}

/** `yyyy-MM-dd` of the Asia/Shanghai calendar day containing `at`. */
export function shanghaiDate(at: Date): string {
  const p = shanghaiParts(at);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}`;
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | null {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - OFFSET_MS;
  const back = new Date(ms);
  // Reject overflowing fields (2026-02-30 rolls over in Date.UTC).
  const p = shanghaiParts(back);
  if (p.y !== y || p.mo !== mo || p.d !== d || p.h !== h || p.mi !== mi || p.s !== s) return null;
  return back;
}

/** Parses `yyyyMMddHHmmss` (Shanghai); null when malformed or not a real date. */
export function parseShanghaiCompact(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  return fromParts(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Parses `yyyy-MM-dd HH:mm:ss` (Shanghai); null when malformed or not a real date. */
export function parseShanghaiDateTime(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  return fromParts(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Start (00:00:00 Shanghai) of the day `yyyy-MM-dd`; null when malformed. */
export function shanghaiDayStart(date: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  return fromParts(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0);
}

/** A millisecond timestamp as an ISO 8601 UTC string (how the ledger and the APIs write instants). */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString();
}
