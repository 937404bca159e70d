// The SOAP side of the ONVIF responder, without HTTP: WS-Security UsernameToken (PasswordDigest)
// checking, SOAP 1.2 envelopes and faults built and parsed with fast-xml-parser, in the shapes
// node-onvif (xml2js, prefixes stripped) expects.

import { createHash, timingSafeEqual } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const ONVIF_NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

export const PASSWORD_DIGEST_TYPE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

// ---------------------------------------------------------------------------------------------
// WS-Security UsernameToken

export interface UsernameToken {
  username: string;
  /** The Password element's text: for PasswordDigest, Base64(SHA-1(nonce + created + password)). */
  password: string;
  /** The Password element's Type attribute (absent means PasswordText). */
  passwordType?: string;
  /** Base64. */
  nonce?: string;
  /** ISO 8601 UTC. */
  created?: string;
}

/** Base64(SHA-1(nonce bytes + created + password)), the WS-Security PasswordDigest. */
export function passwordDigest(nonce: Uint8Array, created: string, password: string): string {
  return createHash('sha1').update(nonce).update(created, 'utf8').update(password, 'utf8').digest('base64');
}

export type TokenCheck = { ok: true } | { ok: false; reason: string };

/** Checks a UsernameToken against the camera's one account. PasswordText is refused. */
export function verifyUsernameToken(
  token: UsernameToken | undefined,
  account: { username: string; password: string },
  opts: { cameraNowMs?: number; maxSkewMs?: number } = {},
): TokenCheck {
  if (token === undefined) return { ok: false, reason: 'no WS-Security UsernameToken' };
  if (token.passwordType === undefined || !token.passwordType.endsWith('#PasswordDigest')) {
    return { ok: false, reason: 'password not sent as PasswordDigest' };
  }
  if (!token.nonce || !token.created) return { ok: false, reason: 'Nonce or Created missing' };
  if (token.username !== account.username) return { ok: false, reason: 'unknown user' };
  const expected = Buffer.from(passwordDigest(Buffer.from(token.nonce, 'base64'), token.created, account.password), 'base64');
  const got = Buffer.from(token.password, 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: 'wrong password digest' };
  if (opts.maxSkewMs !== undefined) {
    const created = Date.parse(token.created);
    const nowMs = opts.cameraNowMs ?? Date.now();
    if (!Number.isFinite(created)) return { ok: false, reason: 'Created is not a date' };
    if (Math.abs(created - nowMs) > opts.maxSkewMs) {
      return { ok: false, reason: `Created is ${Math.round((created - nowMs) / 1000)} s from the camera clock` };
    }
  }
  return { ok: true };
}

/** The UsernameToken of a parsed SOAP Header (fast-xml-parser, prefixes removed, attributes '@_'). */
export function usernameTokenOf(header: unknown): UsernameToken | undefined {
  const t = child(child(header, 'Security'), 'UsernameToken');
  if (t === undefined) return undefined;
  const pw = child(t, 'Password');
  const passwordType = attr(pw, 'Type');
  const nonce = textOf(child(t, 'Nonce'));
  const created = textOf(child(t, 'Created'));
  return {
    username: textOf(child(t, 'Username')),
    password: textOf(pw),
    ...(passwordType === undefined ? {} : { passwordType }),
    ...(nonce ? { nonce } : {}),
    ...(created ? { created } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// XML

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  // Otherwise fixed="true" is written as a bare `fixed`, which xml2js (node-onvif) rejects.
  suppressBooleanAttributes: false,
});

export type XmlNode = Record<string, unknown>;

export function envelope(body: XmlNode): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'env:Envelope': {
      '@_xmlns:env': ONVIF_NS.env,
      '@_xmlns:tds': ONVIF_NS.tds,
      '@_xmlns:trt': ONVIF_NS.trt,
      '@_xmlns:tt': ONVIF_NS.tt,
      '@_xmlns:ter': ONVIF_NS.ter,
      'env:Body': body,
    },
  }) as string;
}

export class SoapFault extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: 'env:Sender' | 'env:Receiver',
    readonly subcodes: string[],
    readonly reason: string,
    /** Logged, not sent (a camera does not say why a token failed). */
    readonly detail?: string,
  ) {
    super(reason);
  }
}

export function faultXml(f: SoapFault): string {
  let subcode: XmlNode | undefined;
  for (const s of [...f.subcodes].reverse()) subcode = { 'env:Value': s, ...(subcode ? { 'env:Subcode': subcode } : {}) };
  return envelope({
    'env:Fault': {
      'env:Code': { 'env:Value': f.code, ...(subcode ? { 'env:Subcode': subcode } : {}) },
      'env:Reason': { 'env:Text': { '@_xml:lang': 'en', '#text': f.reason } },
    },
  });
}

export const notAuthorized = (detail: string): SoapFault => new SoapFault(400, 'env:Sender', ['ter:NotAuthorized'], 'Sender not Authorized', detail);
export const invalidArg = (sub: string, reason: string): SoapFault => new SoapFault(400, 'env:Sender', ['ter:InvalidArgVal', sub], reason);

/** A SOAP request parsed (prefixes removed, attributes '@_', values as text). */
export function parseXml(xml: string): unknown {
  return parser.parse(xml) as unknown;
}

// ---------------------------------------------------------------------------------------------
// Parsed XML

export function child(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null) return undefined;
  return (node as Record<string, unknown>)[name];
}

export function attr(node: unknown, name: string): string | undefined {
  const v = child(node, `@_${name}`);
  return typeof v === 'string' ? v : undefined;
}

export function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  const t = child(node, '#text');
  return typeof t === 'string' || typeof t === 'number' ? String(t) : '';
}
