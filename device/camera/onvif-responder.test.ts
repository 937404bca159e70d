// The ONVIF responder on its own: the WS-Security digest check (directly and over HTTP), SOAP faults,
// and node-onvif's own client (init and its digest snapshot) against it.

import { randomBytes } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import onvif from 'node-onvif';
import soap from 'node-onvif/lib/modules/soap.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ONVIF_NS,
  type OnvifResponder,
  PASSWORD_DIGEST_TYPE,
  passwordDigest,
  SAMPLE_JPEG,
  startOnvifResponder,
  type UsernameToken,
  usernameTokenOf,
  verifyUsernameToken,
} from './onvif-responder.js';

const ACCOUNT = { username: 'admin', password: 'Kx9#pw2024' };
const RTSP = 'rtsp://127.0.0.1:8554/live/main';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false });
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true });

const open: OnvifResponder[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function responder(extra: Partial<Parameters<typeof startOnvifResponder>[0]> = {}): Promise<OnvifResponder> {
  const r = await startOnvifResponder({ rtspUrl: RTSP, ...ACCOUNT, ...extra });
  open.push(r);
  return r;
}

function token(password: string, over: Partial<UsernameToken> = {}): UsernameToken {
  const nonce = randomBytes(16);
  const created = new Date().toISOString();
  return {
    username: ACCOUNT.username,
    password: passwordDigest(nonce, created, password),
    passwordType: PASSWORD_DIGEST_TYPE,
    nonce: nonce.toString('base64'),
    created,
    ...over,
  };
}

/** A SOAP 1.2 request as a client would send it, built with fast-xml-parser. */
function request(operation: string, t?: UsernameToken, params: Record<string, unknown> = {}): string {
  const security = t && {
    'wsse:Security': {
      '@_env:mustUnderstand': '1',
      'wsse:UsernameToken': {
        'wsse:Username': t.username,
        'wsse:Password': { ...(t.passwordType ? { '@_Type': t.passwordType } : {}), '#text': t.password },
        ...(t.nonce ? { 'wsse:Nonce': t.nonce } : {}),
        ...(t.created ? { 'wsu:Created': t.created } : {}),
      },
    },
  };
  return builder.build({
    'env:Envelope': {
      '@_xmlns:env': ONVIF_NS.env,
      '@_xmlns:tds': ONVIF_NS.tds,
      '@_xmlns:wsse': ONVIF_NS.wsse,
      '@_xmlns:wsu': ONVIF_NS.wsu,
      'env:Header': security ?? '',
      'env:Body': { [`tds:${operation}`]: params },
    },
  }) as string;
}

async function post(url: string, xml: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: xml });
  expect(res.headers.get('content-type')).toBe('application/soap+xml; charset=utf-8');
  const parsed = parser.parse(await res.text()) as { Envelope: { Body: Record<string, unknown> } };
  return { status: res.status, body: parsed.Envelope.Body };
}

function faultOf(body: Record<string, unknown>): { code: string; subcode: string; reason: string } {
  const f = body.Fault as { Code: { Value: string; Subcode?: { Value: string } }; Reason: { Text: { '#text': string } } };
  return { code: f.Code.Value, subcode: f.Code.Subcode?.Value ?? '', reason: f.Reason.Text['#text'] };
}

describe('verifyUsernameToken', () => {
  it('accepts Base64(SHA-1(nonce + created + password))', () => {
    expect(verifyUsernameToken(token(ACCOUNT.password), ACCOUNT)).toEqual({ ok: true });
  });

  it('a known digest (computed independently)', () => {
    // nonce 16 bytes 0x00..0x0f, created 2024-01-01T00:00:00.000Z, password "Kx9#pw2024":
    // sha1(bytes ‖ utf8(created) ‖ utf8(password)), checked with `openssl dgst -sha1 -binary | base64`.
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(passwordDigest(nonce, '2024-01-01T00:00:00.000Z', 'Kx9#pw2024')).toBe(KNOWN_DIGEST);
  });

  it('refuses a bad digest, a wrong password, another user, PasswordText, a missing nonce, no token', () => {
    const good = token(ACCOUNT.password);
    const flipped = Buffer.from(good.password, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(verifyUsernameToken({ ...good, password: flipped.toString('base64') }, ACCOUNT)).toEqual({ ok: false, reason: 'wrong password digest' });
    expect(verifyUsernameToken({ ...good, password: 'short' }, ACCOUNT)).toEqual({ ok: false, reason: 'wrong password digest' });
    expect(verifyUsernameToken(token('wrong'), ACCOUNT)).toEqual({ ok: false, reason: 'wrong password digest' });
    // The digest covers the nonce and Created: changing either breaks it.
    expect(verifyUsernameToken({ ...good, nonce: randomBytes(16).toString('base64') }, ACCOUNT).ok).toBe(false);
    expect(verifyUsernameToken({ ...good, created: '2020-01-01T00:00:00Z' }, ACCOUNT).ok).toBe(false);
    expect(verifyUsernameToken(token(ACCOUNT.password, { username: 'root' }), ACCOUNT)).toEqual({ ok: false, reason: 'unknown user' });
    const { passwordType: _omit, ...noType } = good;
    expect(verifyUsernameToken({ ...noType, password: ACCOUNT.password }, ACCOUNT)).toEqual({ ok: false, reason: 'password not sent as PasswordDigest' });
    const { nonce: _n, ...noNonce } = good;
    expect(verifyUsernameToken(noNonce, ACCOUNT)).toEqual({ ok: false, reason: 'Nonce or Created missing' });
    expect(verifyUsernameToken(undefined, ACCOUNT)).toEqual({ ok: false, reason: 'no WS-Security UsernameToken' });
  });

  it('refuses a token created too far from the camera clock when asked to', () => {
    const t = token(ACCOUNT.password);
    const created = Date.parse(t.created ?? '');
    expect(verifyUsernameToken(t, ACCOUNT, { cameraNowMs: created + 60_000, maxSkewMs: 30_000 })).toEqual({
      ok: false,
      reason: 'Created is -60 s from the camera clock',
    });
    expect(verifyUsernameToken(t, ACCOUNT, { cameraNowMs: created + 10_000, maxSkewMs: 30_000 })).toEqual({ ok: true });
  });

  it('reads and accepts the token node-onvif builds', async () => {
    const xml = soap.createRequestSoap({ body: '<tds:GetDeviceInformation/>', xmlns: [`xmlns:tds="${ONVIF_NS.tds}"`], user: 'admin', pass: ACCOUNT.password });
    const env = (parser.parse(xml) as { Envelope: { Header: unknown } }).Envelope;
    const t = usernameTokenOf(env.Header);
    expect(t?.username).toBe('admin');
    expect(t?.passwordType).toBe(PASSWORD_DIGEST_TYPE);
    expect(verifyUsernameToken(t, ACCOUNT)).toEqual({ ok: true });
    expect(verifyUsernameToken(t, { ...ACCOUNT, password: 'other' })).toEqual({ ok: false, reason: 'wrong password digest' });
  });
});

describe('the responder over HTTP', () => {
  it('answers GetSystemDateAndTime without credentials, with the camera clock', async () => {
    const r = await responder({ clockOffsetMs: 3_600_000 });
    const { status, body } = await post(r.xaddr, request('GetSystemDateAndTime'));
    expect(status).toBe(200);
    const sdt = (body.GetSystemDateAndTimeResponse as { SystemDateAndTime: Record<string, Record<string, Record<string, string>>> }).SystemDateAndTime;
    const utc = sdt.UTCDateTime ?? {};
    const t = Date.UTC(
      +(utc.Date?.Year ?? 0),
      +(utc.Date?.Month ?? 0) - 1,
      +(utc.Date?.Day ?? 0),
      +(utc.Time?.Hour ?? 0),
      +(utc.Time?.Minute ?? 0),
      +(utc.Time?.Second ?? 0),
    );
    expect(Math.abs(t - (Date.now() + 3_600_000))).toBeLessThan(2000);
    expect(sdt.TimeZone).toEqual({ TZ: 'CST-8' });
  });

  it('a good digest gets the answer; a bad, missing or PasswordText one gets ter:NotAuthorized with HTTP 400', async () => {
    const r = await responder({ device: { manufacturer: 'Dahua', model: 'IPC-HFW2431S' } });
    const ok = await post(r.xaddr, request('GetDeviceInformation', token(ACCOUNT.password)));
    expect(ok.status).toBe(200);
    expect(ok.body.GetDeviceInformationResponse).toMatchObject({ Manufacturer: 'Dahua', Model: 'IPC-HFW2431S' });

    const good = token(ACCOUNT.password);
    const tampered = { ...good, password: passwordDigest(randomBytes(16), good.created ?? '', ACCOUNT.password) };
    const plain: UsernameToken = { username: 'admin', password: ACCOUNT.password, passwordType: `${PASSWORD_DIGEST_TYPE.split('#')[0]}#PasswordText` };
    for (const t of [token('wrong'), tampered, plain, undefined]) {
      const res = await post(r.xaddr, request('GetDeviceInformation', t));
      expect(res.status).toBe(400);
      expect(faultOf(res.body)).toEqual({ code: 'env:Sender', subcode: 'ter:NotAuthorized', reason: 'Sender not Authorized' });
    }
    expect(r.requests.map((q) => q.reason ?? q.status)).toEqual([
      200,
      'wrong password digest',
      'wrong password digest',
      'password not sent as PasswordDigest',
      'no WS-Security UsernameToken',
    ]);
  });

  it('needs the token on the media service too', async () => {
    const r = await responder();
    const res = await post(r.mediaXaddr, request('GetProfiles'));
    expect(res.status).toBe(400);
    expect(faultOf(res.body).subcode).toBe('ter:NotAuthorized');
    const ok = await post(r.mediaXaddr, request('GetProfiles', token(ACCOUNT.password)));
    expect(ok.status).toBe(200);
  });

  it('faults for what it does not do; 404/405 for what is not SOAP', async () => {
    const r = await responder();
    const unknown = await post(r.xaddr, request('SystemReboot', token(ACCOUNT.password)));
    expect(unknown.status).toBe(400);
    expect(faultOf(unknown.body)).toMatchObject({ code: 'env:Receiver', subcode: 'ter:ActionNotSupported' });

    const bad = await post(r.xaddr, '<env:Envelope><env:Body><unclosed></env:Body>');
    expect(bad.status).toBe(400);
    expect(faultOf(bad.body).subcode).toBe('ter:WellFormed');

    const noProfile = await post(r.mediaXaddr, request('GetSnapshotUri', token(ACCOUNT.password), { 'trt:ProfileToken': 'nope' }));
    expect(noProfile.status).toBe(400);
    expect(faultOf(noProfile.body)).toMatchObject({ subcode: 'ter:InvalidArgVal', reason: 'no profile "nope"' });

    expect((await fetch(r.xaddr)).status).toBe(405);
    expect((await fetch(r.xaddr.replace('device_service', 'nothing'))).status).toBe(404);
  });
});

describe('node-onvif against the responder', () => {
  it('init() sees the device, both profiles and their URIs; its own digest client fetches the snapshot', async () => {
    const r = await responder();
    const device = new onvif.OnvifDevice({ xaddr: r.xaddr, user: ACCOUNT.username, pass: ACCOUNT.password });
    const info = await device.init();
    expect(info).toMatchObject({ Manufacturer: 'counter-agent', Model: 'ONVIF responder', SerialNumber: 'SIM-000001' });
    const profiles = device.getProfileList();
    expect(profiles.map((p) => [p.token, p.video.encoder?.resolution, p.stream.rtsp, p.stream.udp, p.stream.http])).toEqual([
      ['profile_main', { width: 1920, height: 1080 }, RTSP, RTSP, ''],
      ['profile_sub', { width: 640, height: 360 }, RTSP, RTSP, ''],
    ]);
    expect(profiles[0]?.video.source?.bounds).toEqual({ width: 1920, height: 1080, x: 0, y: 0 });
    expect(profiles[0]?.snapshot).toBe(r.snapshotUrl);

    const snap = await device.fetchSnapshot();
    expect(Buffer.compare(snap.body, Buffer.from(SAMPLE_JPEG))).toBe(0);
    expect(r.requests.filter((q) => q.service === 'snapshot').map((q) => q.status)).toEqual([401, 200]);
  });
});

// Base64(SHA-1(00 01 … 0f ‖ "2024-01-01T00:00:00.000Z" ‖ "Kx9#pw2024")).
const KNOWN_DIGEST = 'SkIcF9/p/nivnIg9HZ5sfDDHk5Y=';
