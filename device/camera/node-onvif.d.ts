// Minimal typings for node-onvif 0.1.7 (CommonJS, ships none). Only what device/camera uses.
// The module exports one Onvif instance; OnvifDevice is a constructor on it.
declare module 'node-onvif' {
  namespace onvif {
    interface OnvifDeviceParams {
      /** URL of the device management service, e.g. http://192.168.1.64/onvif/device_service. */
      xaddr?: string;
      /** Host only (http://<address>/onvif/device_service is assumed); ignored when xaddr is given. */
      address?: string;
      user?: string;
      pass?: string;
    }

    /** What a call returns: `data` is the parsed s:Body (namespace prefixes stripped by xml2js,
     *  attributes under `$`, repeated elements as arrays, single ones as objects). */
    interface SoapResult {
      soap: string;
      formatted: string;
      converted: Record<string, unknown>;
      data: Record<string, unknown>;
    }

    /** GetDeviceInformationResponse as parsed (all strings). */
    interface DeviceInformation {
      Manufacturer?: string;
      Model?: string;
      FirmwareVersion?: string;
      SerialNumber?: string;
      HardwareId?: string;
      [key: string]: unknown;
    }

    interface Profile {
      token: string;
      name: string;
      /** '' when the camera gave none. */
      snapshot: string;
      /** '' for a protocol the camera refused. */
      stream: { udp: string; http: string; rtsp: string };
      video: {
        source: { token: string; name: string; bounds: { width: number; height: number; x: number; y: number } } | null;
        /** Numbers are parseInt() results: NaN when the element was missing. */
        encoder: {
          token: string;
          name: string;
          resolution: { width: number; height: number };
          quality: number;
          framerate: number;
          bitrate: number;
          encoding: string;
        } | null;
      };
      audio: { source: unknown; encoder: unknown };
      ptz: unknown;
    }

    interface ServiceDevice {
      getSystemDateAndTime(): Promise<SoapResult>;
      getDeviceInformation(): Promise<SoapResult>;
      getCapabilities(): Promise<SoapResult>;
      getServices(params: { IncludeCapability: boolean }): Promise<SoapResult>;
      getTimeDiff(): number;
    }

    interface ServiceMedia {
      getProfiles(): Promise<SoapResult>;
      getStreamUri(params: { ProfileToken: string; Protocol: 'UDP' | 'HTTP' | 'RTSP' }): Promise<SoapResult>;
      getSnapshotUri(params: { ProfileToken: string }): Promise<SoapResult>;
    }

    interface OnvifDevice {
      xaddr: string;
      address: string;
      /** Camera clock − box clock in ms, as node-onvif measured it during init(). */
      time_diff: number;
      services: { device: ServiceDevice; media: ServiceMedia | null; events: unknown; imaging: unknown; ptz: unknown };
      /** GetSystemDateAndTime, GetCapabilities, GetDeviceInformation, GetProfiles, GetStreamUri ×3 per
       *  profile, GetSnapshotUri per profile. Resolves with getInformation(). */
      init(): Promise<DeviceInformation | null>;
      getInformation(): DeviceInformation | null;
      getProfileList(): Profile[];
      getCurrentProfile(): Profile | null;
      changeProfile(indexOrToken: number | string): Profile | null;
      fetchSnapshot(): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>;
      setAuth(user: string, pass: string): void;
    }

    interface OnvifDeviceConstructor {
      /** Throws when user/pass hold non-ASCII characters or '<' '>'. */
      new (params: OnvifDeviceParams): OnvifDevice;
    }
  }

  const onvif: {
    OnvifDevice: onvif.OnvifDeviceConstructor;
  };
  export = onvif;
}

// node-onvif's SOAP helper (a singleton), used by tests to send exactly what node-onvif sends.
declare module 'node-onvif/lib/modules/soap.js' {
  const soap: {
    /** Milliseconds; node-onvif aborts every SOAP request after this (3000). */
    HTTP_TIMEOUT: number;
    /** An s:Envelope with a WS-Security UsernameToken (PasswordDigest) when `user` is set; Created is
     *  Date.now() + diff. The body is inserted as is. */
    createRequestSoap(params: { body: string; xmlns?: string[]; diff?: number; user?: string; pass?: string }): string;
    parse(xml: string): Promise<Record<string, unknown>>;
  };
  export = soap;
}
