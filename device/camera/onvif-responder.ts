// An ONVIF camera's SOAP side for tests and demo: SOAP 1.2 over HTTP on 127.0.0.1, answering what
// node-onvif 0.1.7 asks during init() and what it parses from the answers, with WS-Security
// UsernameToken (PasswordDigest) on every call but GetSystemDateAndTime, as cameras do:
//
//   device service (/onvif/device_service): GetSystemDateAndTime (no auth), GetCapabilities,
//     GetDeviceInformation, GetServices
//   media service (/onvif/media_service): GetProfiles, GetStreamUri, GetSnapshotUri
//   snapshot (/onvif/snapshot.jpg?profile=…): a JPEG behind HTTP digest (or basic) auth
//
// A bad or missing token answers HTTP 400 with a SOAP Fault env:Sender / ter:NotAuthorized, reason
// "Sender not Authorized" (node-onvif turns it into "400 Bad Request - Sender not Authorized").
// This file is the HTTP server and the operations; WS-Security and SOAP envelopes/faults are in
// onvif-soap.ts, the answer bodies (shaped for node-onvif's xml2js parsing) in onvif-responses.ts.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLValidator } from 'fast-xml-parser';
import { digestResponse, parseAuthHeader } from './http-auth.js';
import { capabilities, mediaUri, profileXml, services, systemDateAndTime } from './onvif-responses.js';
import {
  child,
  envelope,
  faultXml,
  invalidArg,
  notAuthorized,
  parseXml,
  SoapFault,
  textOf,
  usernameTokenOf,
  verifyUsernameToken,
  type XmlNode,
} from './onvif-soap.js';

// The SOAP/WS-Security half lives in onvif-soap.ts; re-exported so existing imports keep working.
export {
  ONVIF_NS,
  PASSWORD_DIGEST_TYPE,
  passwordDigest,
  type TokenCheck,
  type UsernameToken,
  usernameTokenOf,
  verifyUsernameToken,
} from './onvif-soap.js';

export interface ResponderDeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface ResponderProfile {
  token: string;
  name: string;
  /** Default H264. */
  encoding?: string;
  width: number;
  height: number;
  /** Default 25. */
  framerate?: number;
  /** kbit/s; default 4096. */
  bitrate?: number;
  /** Default: the responder's rtspUrl. */
  rtspUrl?: string;
}

export interface OnvifResponderOptions {
  /** What GetStreamUri answers (RTSP and UDP). */
  rtspUrl: string;
  /** The snapshot JPEG; default a 32×24 test picture. */
  snapshot?: () => Promise<Uint8Array> | Uint8Array;
  username: string;
  password: string;
  /** Camera clock − real clock (what GetSystemDateAndTime answers). */
  clockOffsetMs?: number;
  device?: Partial<ResponderDeviceInfo>;
  /** Default: mainStream 1920×1080 and subStream 640×360, both on rtspUrl. */
  profiles?: ResponderProfile[];
  /** How the snapshot URL is protected; default digest (as most cameras). */
  snapshotAuth?: 'digest' | 'basic' | 'none';
  /** Reject tokens whose Created is further than this from the camera clock (real cameras allow a few
   *  minutes); default: not checked. */
  maxTokenSkewMs?: number;
  /** Default 127.0.0.1; XAddrs and URIs use the request's Host header. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
}

export interface OnvifRequestRecord {
  service: 'device' | 'media' | 'snapshot';
  operation: string;
  status: number;
  /** Why a request was refused (for tests). */
  reason?: string;
}

export interface OnvifResponder {
  /** The device service, e.g. http://127.0.0.1:41234/onvif/device_service. */
  xaddr: string;
  mediaXaddr: string;
  snapshotUrl: string;
  /** Every request answered, in order. */
  requests: OnvifRequestRecord[];
  close(): Promise<void>;
}

/** A 32×24 ffmpeg testsrc frame (851 bytes). */
export const SAMPLE_JPEG: Uint8Array = new Uint8Array(
  Buffer.from(
    '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhobGxsdHR0iIiIdHR0bGx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xACUAAEBAQEBAAAAAAAAAAAAAAAHBgUAAQEBAAIDAQEAAAAAAAAAAAAABwUGAAQCCAMQAAEBBQYDBwUBAQAAAAAAAAECABIDBRGCQyExwQQzMlEjsyJhFRM1soRzgXRBBhEAAQEFBAgEBAcBAAAAAAAAAQIABAMSEYExBSFCQ4NBUcHCIjQzYRUTsTJys3RxYmM1FiP/wAARCAAYACADARIAAhIAAxIA/9oADAMBAAIRAxEAPwCGkGyO4MRawRDBSK0NFqFSUg5YAgqpiAR1ay/5v44/1Re6gt2l2EdQmPam8bzXd+mWbSbrpWc214+NLwmBETCTWNHoELNCmGE1mVQ3q7hKKU3m6ho+O6jadDRUyx9u1o3kxu7WjKLokJBSkAABIAAoABWgA4N266VnNmjG0pQl2SkBKUhYAAoABJQADIAN3juo2nQzzMbu1o3TG7taN4rddKzm2OulZzYpx3UbTobMd1G06GyZBMguIdtFPaKS9DUSPGEZpxNSuiqigNUgk5Mfyf5nYfcdwpmKFHVGSEqzKNLeQePrlfvbSddKzmyG/YTAw6OqLA7EvOZhAdqFIvk4JVN9NyaZZUAtGO6jadDasl3kvhQTBC3Q89QiJzrAFXiOiR/tBRiqXXlnVoeNGxKEoCEqUKP8PzVde0w9aNvJqu/Ya5v6VqgQjFEEE9pi1FeCahSiZcgATwa0YFr9n1sn7n0x5Pu5Yu8byry/rNo2Y3drRre4e/zH4l2VfDcmUHXSs5sSYp73Mj413dJ4f0r9Nl7I2O6jadDJM09SfQ7y1NOFlhXPHo1hMbu1owc5/wCZlNb8q+MYcddKzmxEub/l7l+6W70m8my9vvjuo2nQx1sdhvFKh7nbw+0hglKnkCj4KT4VmhqK5jzDKsl4A/HC+kt6BeIbmhEzsKT3eZnT7201eTA+wfIM0KfXB5WqC8xAuK7mVYE9EFV4mhiUnKhAJoRQ0LEUD+xxX80v8WK3/9k=',
    'base64',
  ),
);

// ---------------------------------------------------------------------------------------------
// The server

export async function startOnvifResponder(opts: OnvifResponderOptions): Promise<OnvifResponder> {
  const device: ResponderDeviceInfo = {
    manufacturer: 'counter-agent',
    model: 'ONVIF responder',
    firmwareVersion: '1.0.0',
    serialNumber: 'SIM-000001',
    hardwareId: 'sim-onvif-1',
    ...opts.device,
  };
  const profiles: ResponderProfile[] = opts.profiles ?? [
    { token: 'profile_main', name: 'mainStream', width: 1920, height: 1080, framerate: 25, bitrate: 4096 },
    { token: 'profile_sub', name: 'subStream', width: 640, height: 360, framerate: 15, bitrate: 512 },
  ];
  const snapshotAuth = opts.snapshotAuth ?? 'digest';
  const clockOffsetMs = opts.clockOffsetMs ?? 0;
  const cameraNow = (): Date => new Date(Date.now() + clockOffsetMs);
  const realm = `ONVIF-${device.serialNumber}`;
  const nonces = new Set<string>();
  const requests: OnvifRequestRecord[] = [];
  const host = opts.host ?? '127.0.0.1';

  const baseOf = (req: IncomingMessage): string => {
    const h = req.headers.host;
    return /^[\w.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(h ?? '') ? `http://${h}` : base;
  };

  const deviceOps: Record<string, (req: IncomingMessage, body: XmlNode) => XmlNode> = {
    GetSystemDateAndTime: () => systemDateAndTime(cameraNow()),
    GetDeviceInformation: () => ({
      'tds:GetDeviceInformationResponse': {
        'tds:Manufacturer': device.manufacturer,
        'tds:Model': device.model,
        'tds:FirmwareVersion': device.firmwareVersion,
        'tds:SerialNumber': device.serialNumber,
        'tds:HardwareId': device.hardwareId,
      },
    }),
    GetCapabilities: (req, body) => capabilities(baseOf(req), body),
    GetServices: (req) => services(baseOf(req)),
  };

  const findProfile = (body: XmlNode): ResponderProfile => {
    const token = textOf(child(body, 'ProfileToken'));
    const p = profiles.find((x) => x.token === token);
    if (p === undefined) throw invalidArg('ter:NoProfile', `no profile "${token}"`);
    return p;
  };

  const mediaOps: Record<string, (req: IncomingMessage, body: XmlNode) => XmlNode> = {
    GetProfiles: () => ({ 'trt:GetProfilesResponse': { 'trt:Profiles': profiles.map((p, i) => profileXml(p, i, profiles)) } }),
    GetProfile: (_req, body) => {
      const p = findProfile(body);
      return { 'trt:GetProfileResponse': { 'trt:Profile': profileXml(p, profiles.indexOf(p), profiles) } };
    },
    GetStreamUri: (_req, body) => {
      const p = findProfile(body);
      const setup = child(body, 'StreamSetup');
      const stream = textOf(child(setup, 'Stream'));
      const protocol = textOf(child(child(setup, 'Transport'), 'Protocol'));
      if (stream !== 'RTP-Unicast' || (protocol !== 'RTSP' && protocol !== 'UDP')) {
        throw invalidArg('ter:InvalidStreamSetup', `stream setup ${stream}/${protocol} not supported (RTP-Unicast over RTSP or UDP only)`);
      }
      return { 'trt:GetStreamUriResponse': { 'trt:MediaUri': mediaUri(p.rtspUrl ?? opts.rtspUrl) } };
    },
    GetSnapshotUri: (req, body) => {
      const p = findProfile(body);
      return { 'trt:GetSnapshotUriResponse': { 'trt:MediaUri': mediaUri(`${baseOf(req)}/onvif/snapshot.jpg?profile=${encodeURIComponent(p.token)}`) } };
    },
  };

  const soap = async (req: IncomingMessage, res: ServerResponse, service: 'device' | 'media'): Promise<void> => {
    const ops = service === 'device' ? deviceOps : mediaOps;
    let operation = '';
    const answer = (status: number, xml: string, reason?: string): void => {
      requests.push({ service, operation, status, ...(reason === undefined ? {} : { reason }) });
      res.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' });
      res.end(xml);
    };
    try {
      const xml = await readBody(req);
      if (XMLValidator.validate(xml) !== true) throw new SoapFault(400, 'env:Sender', ['ter:WellFormed'], 'request is not well-formed XML');
      const env = child(parseXml(xml), 'Envelope');
      const body = child(env, 'Body');
      operation = Object.keys(body ?? {}).find((k) => !k.startsWith('@_') && k !== '#text') ?? '';
      if (!operation) throw new SoapFault(400, 'env:Sender', ['ter:InvalidArgs'], 'no operation in the SOAP Body');
      // PRE_AUTH: answered without credentials (and any token is ignored), as real cameras do.
      if (operation !== 'GetSystemDateAndTime') {
        const check = verifyUsernameToken(usernameTokenOf(child(env, 'Header')), opts, {
          cameraNowMs: cameraNow().getTime(),
          ...(opts.maxTokenSkewMs === undefined ? {} : { maxSkewMs: opts.maxTokenSkewMs }),
        });
        if (!check.ok) throw notAuthorized(check.reason);
      }
      const op = ops[operation];
      if (op === undefined) {
        throw new SoapFault(400, 'env:Receiver', ['ter:ActionNotSupported'], `${operation} is not supported by the ${service} service`);
      }
      const params = child(body, operation);
      answer(200, envelope(op(req, typeof params === 'object' && params !== null ? (params as XmlNode) : {})));
    } catch (e) {
      if (e instanceof SoapFault) answer(e.httpStatus, faultXml(e), e.detail ?? e.reason);
      else if (e instanceof BodyTooLarge) answer(413, faultXml(new SoapFault(413, 'env:Sender', ['ter:InvalidArgs'], 'request too large')), 'too large');
      else answer(500, faultXml(new SoapFault(500, 'env:Receiver', ['ter:Action'], e instanceof Error ? e.message : String(e))));
    }
  };

  const snapshotHandler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record = (status: number, reason?: string): void => {
      requests.push({ service: 'snapshot', operation: 'GET', status, ...(reason === undefined ? {} : { reason }) });
    };
    const refusal = checkHttpAuth(req);
    if (refusal !== undefined) {
      const challenge = snapshotAuth === 'basic' ? `Basic realm="${realm}"` : `Digest realm="${realm}", qop="auth", nonce="${issueNonce()}", algorithm=MD5`;
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'text/plain' });
      res.end('401 Unauthorized');
      record(401, refusal);
      return;
    }
    try {
      const jpeg = opts.snapshot ? await opts.snapshot() : SAMPLE_JPEG;
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.byteLength });
      res.end(jpeg);
      record(200);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`snapshot failed: ${e instanceof Error ? e.message : String(e)}`);
      record(500, 'snapshot source failed');
    }
  };

  const issueNonce = (): string => {
    const n = randomBytes(16).toString('hex');
    nonces.add(n);
    if (nonces.size > 256) nonces.delete(nonces.values().next().value as string);
    return n;
  };

  /** undefined when the request may have the snapshot; else why not. */
  const checkHttpAuth = (req: IncomingMessage): string | undefined => {
    if (snapshotAuth === 'none') return undefined;
    const header = req.headers.authorization ?? '';
    if (snapshotAuth === 'basic') {
      const m = /^Basic\s+(\S+)$/i.exec(header);
      if (!m) return 'no basic credentials';
      return Buffer.from(m[1] ?? '', 'base64').toString('utf8') === `${opts.username}:${opts.password}` ? undefined : 'wrong basic credentials';
    }
    const c = parseAuthHeader(header).find((x) => x.scheme === 'digest');
    if (c === undefined) return 'no digest credentials';
    const p = c.params;
    if (p.username !== opts.username) return 'unknown user';
    if (p.realm !== realm || p.nonce === undefined || !nonces.has(p.nonce)) return 'stale or foreign nonce';
    if (p.uri !== req.url) return 'uri mismatch';
    const expected = digestResponse({
      algorithm: p.algorithm ?? 'MD5',
      username: opts.username,
      realm,
      password: opts.password,
      method: req.method ?? 'GET',
      uri: p.uri ?? '',
      nonce: p.nonce,
      ...(p.qop ? { qop: p.qop, nc: p.nc ?? '', cnonce: p.cnonce ?? '' } : {}),
    });
    return p.response === expected ? undefined : 'wrong digest response';
  };

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const route =
      pathname === '/onvif/device_service'
        ? 'device'
        : pathname === '/onvif/media_service'
          ? 'media'
          : pathname === '/onvif/snapshot.jpg'
            ? 'snapshot'
            : undefined;
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 Not Found');
      return;
    }
    const wanted = route === 'snapshot' ? 'GET' : 'POST';
    if (req.method !== wanted) {
      res.writeHead(405, { allow: wanted, 'content-type': 'text/plain' });
      res.end('405 Method Not Allowed');
      return;
    }
    const done = route === 'snapshot' ? snapshotHandler(req, res) : soap(req, res, route);
    done.catch(() => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    xaddr: `${base}/onvif/device_service`,
    mediaXaddr: `${base}/onvif/media_service`,
    snapshotUrl: `${base}/onvif/snapshot.jpg?profile=${encodeURIComponent(profiles[0]?.token ?? '')}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(b);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
