// The bodies of the responder's SOAP answers, shaped as node-onvif 0.1.7 parses them: the response
// element directly in the Body, the profile token as an attribute, Bounds as attributes,
// Resolution/RateControl as elements, and Capabilities/Media/XAddr pointing at the media service.

import type { ResponderProfile } from './onvif-responder.js';
import { child, ONVIF_NS, SoapFault, textOf, type XmlNode } from './onvif-soap.js';

export function systemDateAndTime(now: Date): XmlNode {
  const dt = (d: Date): XmlNode => ({
    'tt:Time': { 'tt:Hour': String(d.getUTCHours()), 'tt:Minute': String(d.getUTCMinutes()), 'tt:Second': String(d.getUTCSeconds()) },
    'tt:Date': { 'tt:Year': String(d.getUTCFullYear()), 'tt:Month': String(d.getUTCMonth() + 1), 'tt:Day': String(d.getUTCDate()) },
  });
  return {
    'tds:GetSystemDateAndTimeResponse': {
      'tds:SystemDateAndTime': {
        'tt:DateTimeType': 'Manual',
        'tt:DaylightSavings': 'false',
        // China Standard Time, POSIX notation.
        'tt:TimeZone': { 'tt:TZ': 'CST-8' },
        'tt:UTCDateTime': dt(now),
        'tt:LocalDateTime': dt(new Date(now.getTime() + 8 * 3600_000)),
      },
    },
  };
}

export function capabilities(base: string, body: XmlNode): XmlNode {
  const raw = child(body, 'Category');
  const asked = (Array.isArray(raw) ? raw : [raw]).map(textOf).filter((s) => s !== '');
  const categories = asked.length === 0 ? ['All'] : asked;
  const want = (c: string): boolean => categories.includes('All') || categories.includes(c);
  if (!want('Device') && !want('Media')) {
    throw new SoapFault(400, 'env:Receiver', ['ter:ActionNotSupported', 'ter:NoSuchService'], `no ${categories.join(', ')} service`);
  }
  return {
    'tds:GetCapabilitiesResponse': {
      'tds:Capabilities': {
        ...(want('Device')
          ? {
              'tt:Device': {
                'tt:XAddr': `${base}/onvif/device_service`,
                'tt:System': {
                  'tt:DiscoveryResolve': 'false',
                  'tt:DiscoveryBye': 'false',
                  'tt:RemoteDiscovery': 'false',
                  'tt:SystemBackup': 'false',
                  'tt:SystemLogging': 'false',
                  'tt:FirmwareUpgrade': 'false',
                  'tt:SupportedVersions': { 'tt:Major': '2', 'tt:Minor': '40' },
                },
                'tt:Security': {
                  'tt:TLS1.1': 'false',
                  'tt:TLS1.2': 'false',
                  'tt:OnboardKeyGeneration': 'false',
                  'tt:AccessPolicyConfig': 'false',
                  'tt:X.509Token': 'false',
                  'tt:SAMLToken': 'false',
                  'tt:KerberosToken': 'false',
                  'tt:RELToken': 'false',
                },
              },
            }
          : {}),
        ...(want('Media')
          ? {
              'tt:Media': {
                'tt:XAddr': `${base}/onvif/media_service`,
                'tt:StreamingCapabilities': { 'tt:RTPMulticast': 'false', 'tt:RTP_TCP': 'true', 'tt:RTP_RTSP_TCP': 'true' },
              },
            }
          : {}),
      },
    },
  };
}

export function services(base: string): XmlNode {
  const service = (namespace: string, path: string): XmlNode => ({
    'tds:Namespace': namespace,
    'tds:XAddr': `${base}${path}`,
    'tds:Version': { 'tt:Major': '2', 'tt:Minor': '40' },
  });
  return {
    'tds:GetServicesResponse': {
      'tds:Service': [service(ONVIF_NS.tds, '/onvif/device_service'), service(ONVIF_NS.trt, '/onvif/media_service')],
    },
  };
}

export function profileXml(p: ResponderProfile, index: number, all: ResponderProfile[]): XmlNode {
  const encoding = p.encoding ?? 'H264';
  const framerate = p.framerate ?? 25;
  const maxWidth = Math.max(...all.map((x) => x.width));
  const maxHeight = Math.max(...all.map((x) => x.height));
  return {
    '@_token': p.token,
    '@_fixed': 'true',
    'tt:Name': p.name,
    'tt:VideoSourceConfiguration': {
      '@_token': 'VideoSourceConfig_1',
      'tt:Name': 'VideoSourceConfig',
      'tt:UseCount': String(all.length),
      'tt:SourceToken': 'VideoSource_1',
      'tt:Bounds': { '@_x': '0', '@_y': '0', '@_width': String(maxWidth), '@_height': String(maxHeight) },
    },
    'tt:VideoEncoderConfiguration': {
      '@_token': `VideoEncoder_${index + 1}`,
      'tt:Name': `VideoEncoder_${index + 1}`,
      'tt:UseCount': '1',
      'tt:Encoding': encoding,
      'tt:Resolution': { 'tt:Width': String(p.width), 'tt:Height': String(p.height) },
      'tt:Quality': '4',
      'tt:RateControl': {
        'tt:FrameRateLimit': String(framerate),
        'tt:EncodingInterval': '1',
        'tt:BitrateLimit': String(p.bitrate ?? 4096),
      },
      ...(encoding === 'H264' ? { 'tt:H264': { 'tt:GovLength': String(framerate * 2), 'tt:H264Profile': 'Main' } } : {}),
      'tt:Multicast': {
        'tt:Address': { 'tt:Type': 'IPv4', 'tt:IPv4Address': '0.0.0.0' },
        'tt:Port': '0',
        'tt:TTL': '0',
        'tt:AutoStart': 'false',
      },
      'tt:SessionTimeout': 'PT60S',
    },
  };
}

export function mediaUri(uri: string): XmlNode {
  return { 'tt:Uri': uri, 'tt:InvalidAfterConnect': 'false', 'tt:InvalidAfterReboot': 'false', 'tt:Timeout': 'PT0S' };
}
