// The box's HTTP client side of a camera: digest (RFC 7616 / 2617) and basic authentication, which
// the ONVIF responder checks with the same functions, and the URL helpers that put credentials into a
// stream URL or mask them for display. Also the two message helpers the camera client shares.

import { createHash, randomBytes } from 'node:crypto';

export interface Credentials {
  username: string;
  password: string;
}

// ---------------------------------------------------------------------------------------------
// HTTP authentication (digest per RFC 7616 / 2617, basic); the responder uses these too.

export interface AuthChallenge {
  /** Lower case: 'digest', 'basic'. */
  scheme: string;
  /** Parameter names in lower case, values unquoted. */
  params: Record<string, string>;
}

/** The challenges of a WWW-Authenticate header (several may be joined with commas), or the one
 *  credential of an Authorization: Digest header. */
export function parseAuthHeader(header: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  const re = /([\w!#$%&'*+.^`|~-]+)(\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g;
  for (const m of header.matchAll(re)) {
    const name = m[1] ?? '';
    if (m[2] === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
    } else if (current !== undefined) {
      current.params[name.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
    }
  }
  return out;
}

export interface DigestInput {
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** Absent: RFC 2069 (no qop). */
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** The `response` value of a digest Authorization (MD5, SHA-256, and their -sess variants). */
export function digestResponse(d: DigestInput): string {
  const algo = d.algorithm.toUpperCase();
  const hashName = algo.startsWith('SHA-256') ? 'sha256' : 'md5';
  const H = (s: string): string => createHash(hashName).update(s, 'utf8').digest('hex');
  let ha1 = H(`${d.username}:${d.realm}:${d.password}`);
  if (algo.endsWith('-SESS')) ha1 = H(`${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  const ha2 = H(`${d.method}:${d.uri}`);
  return d.qop ? H(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`) : H(`${ha1}:${d.nonce}:${ha2}`);
}

/** The Authorization header answering a WWW-Authenticate challenge (digest preferred, else basic). */
export function authorizationFor(wwwAuthenticate: string, method: string, uri: string, creds: Credentials): string | undefined {
  const challenges = parseAuthHeader(wwwAuthenticate);
  const digest = challenges.find((c) => c.scheme === 'digest');
  if (digest !== undefined) {
    const p = digest.params;
    const algorithm = p.algorithm ?? 'MD5';
    const qops = (p.qop ?? '').split(',').map((s) => s.trim());
    const qop = qops.includes('auth') ? 'auth' : undefined;
    const cnonce = randomBytes(8).toString('hex');
    const nc = '00000001';
    const realm = p.realm ?? '';
    const nonce = p.nonce ?? '';
    const response = digestResponse({
      algorithm,
      username: creds.username,
      realm,
      password: creds.password,
      method,
      uri,
      nonce,
      ...(qop ? { qop, nc, cnonce } : {}),
    });
    const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
    const parts = [
      `username=${q(creds.username)}`,
      `realm=${q(realm)}`,
      `nonce=${q(nonce)}`,
      `uri=${q(uri)}`,
      `algorithm=${algorithm}`,
      `response=${q(response)}`,
    ];
    if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${q(cnonce)}`);
    if (p.opaque !== undefined) parts.push(`opaque=${q(p.opaque)}`);
    return `Digest ${parts.join(', ')}`;
  }
  if (challenges.some((c) => c.scheme === 'basic')) {
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`, 'utf8').toString('base64')}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// URLs

/** The URL with user:password inserted (percent-encoded) unless it already carries a user. */
export function withCredentials(url: string, username: string, password: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.username !== '' || u.host === '') return url;
  u.username = username;
  u.password = password;
  return u.href;
}

/** The URL with its password replaced by "***" (for display); unchanged when it has none. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.href;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
  }
}

/** The URL's host name, or undefined when it is not a URL. */
export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

/** An error's message on one line. */
export function errorText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.replace(/\s+/g, ' ').trim();
}

/** Milliseconds as seconds for a message: "5", "2.5". */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}
