// Cross-field checks the schema can't express cleanly. They run after Ajv on the same data (defaults
// filled in, possibly still invalid elsewhere), so every access is defensive, and they only add
// problems for values that are otherwise well-formed (Ajv already reported the rest).
import { describeValue } from './errors.js';

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
const rec = (v: unknown): Rec => (isRec(v) ? v : {});
const items = (v: unknown): Rec[] => (Array.isArray(v) ? v.map(rec) : []);

function checkUrl(value: unknown, key: string, protocols: string[], problems: string[]): void {
  if (typeof value !== 'string') return;
  const shown = protocols.map((p) => `${p}//`).join(' or ');
  let ok = false;
  try {
    const u = new URL(value);
    ok = protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (!ok) problems.push(`${key}: expected an ${shown} URL, got ${describeValue(value)}`);
}

function checkUniqueIds(list: Rec[], name: string, field: string, problems: string[]): void {
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const v = item[field];
    if (typeof v !== 'string') return;
    if (seen.has(v)) problems.push(`${name}[${i}].${field}: duplicate ${field} ${JSON.stringify(v)}`);
    seen.add(v);
  });
}

function checkPlatform(platform: Rec, problems: string[]): void {
  if (platform.url === undefined) {
    if (platform.simulator !== true) problems.push('platform.url: required unless platform.simulator is true');
  } else {
    checkUrl(platform.url, 'platform.url', ['http:', 'https:'], problems);
  }
  const signing = rec(platform.signing);
  const mode = signing.mode;
  if (mode === 'sm2' || mode === 'sm2+sm4') {
    const needed = mode === 'sm2' ? ['privateKeyHex', 'platformPublicKeyHex'] : ['privateKeyHex', 'platformPublicKeyHex', 'sm4KeyHex'];
    for (const k of needed) {
      if (signing[k] === undefined) problems.push(`platform.signing.${k}: required when platform.signing.mode is ${mode}`);
    }
  }
}

function checkScanners(scanners: Rec[], problems: string[]): void {
  scanners.forEach((s, i) => {
    if (s.type === 'serial' && s.path === undefined) problems.push(`scanners[${i}].path: required when type is serial`);
    if (s.type === 'hid') {
      for (const k of ['vendorId', 'productId']) {
        if (s[k] === undefined) problems.push(`scanners[${i}].${k}: required when type is hid`);
      }
    }
  });
  checkUniqueIds(scanners, 'scanners', 'id', problems);
}

function checkIdReaders(readers: Rec[], problems: string[]): void {
  readers.forEach((r, i) => {
    if (r.type === 'serial' && r.path === undefined) problems.push(`idReaders[${i}].path: required when type is serial`);
  });
  checkUniqueIds(readers, 'idReaders', 'id', problems);
}

function checkCameras(cameras: Rec[], problems: string[]): void {
  cameras.forEach((c, i) => {
    if (c.onvif === undefined && c.rtspUrl === undefined) {
      problems.push(`cameras[${i}]: expected onvif (with onvif.url) or rtspUrl, got neither`);
    }
    if (isRec(c.onvif)) checkUrl(c.onvif.url, `cameras[${i}].onvif.url`, ['http:', 'https:'], problems);
    checkUrl(c.rtspUrl, `cameras[${i}].rtspUrl`, ['rtsp:', 'rtsps:'], problems);
  });
  checkUniqueIds(cameras, 'cameras', 'id', problems);
}

function checkPatterns(patterns: Rec[], problems: string[]): void {
  patterns.forEach((p, i) => {
    if (typeof p.pattern !== 'string' || p.pattern === '') return;
    try {
      new RegExp(p.pattern);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push(`traceCodes.manufacturerPatterns[${i}].pattern: not a valid regular expression (${why})`);
    }
  });
}

/** Problems the schema can't see; empty when all is well. */
export function crossFieldProblems(data: unknown): string[] {
  const problems: string[] = [];
  const root = rec(data);
  checkPlatform(rec(root.platform), problems);
  if (isRec(root.hq)) {
    checkUrl(root.hq.url, 'hq.url', ['http:', 'https:'], problems);
    if (root.hq.credential === undefined && root.hq.enrolmentCode === undefined)
      problems.push('hq: give hq.credential, or hq.enrolmentCode to enrol this box once');
  }
  checkUniqueIds(items(rec(root.http).apiTokens), 'http.apiTokens', 'name', problems);
  checkScanners(items(root.scanners), problems);
  checkIdReaders(items(root.idReaders), problems);
  checkCameras(items(root.cameras), problems);
  checkPatterns(items(rec(root.traceCodes).manufacturerPatterns), problems);
  return problems;
}
