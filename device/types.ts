// What every hardware adapter emits and reports. device/ knows nothing of sales or the ledger: the
// agent subscribes to these events and routes them (DESIGN 3).

export interface ScanEvent {
  deviceId: string;
  /** What the scanner read, prefix/suffix stripped; GS (0x1D) kept. */
  text: string;
  /** AIM symbology identifier when the scanner sent one (HID-POS always does), e.g. "]d2". */
  symbology?: string;
  at: Date;
}

/** 二代证 (resident ID card) as read through the SAM module. */
export interface IdCard {
  name: string;
  /** 1 male, 2 female (GB/T 2261.1 codes as on the card). */
  sex: string;
  /** Nation code (民族), 2 digits. */
  nation: string;
  /** YYYY-MM-DD */
  birthDate: string;
  address: string;
  idNumber: string;
  issuer: string;
  /** YYYY-MM-DD */
  validFrom: string;
  /** YYYY-MM-DD, or "长期" */
  validTo: string;
  /** The 1024-byte WLT photo, kept as read (not decoded). */
  photo: Uint8Array;
}

/** Why a card read correctly must still not be accepted for identity (expired, bad check digit...). */
export interface IdCardProblem {
  /** bad_id_number | bad_birth_date | birth_mismatch | bad_validity | expired | not_yet_valid */
  code: string;
  /** English, for logs and the technician. */
  message: string;
  /** Chinese, for the cashier, e.g. "身份证已过期（有效期至2014-03-15），请使用有效证件". */
  cashierMessage: string;
}

export interface IdCardEvent {
  deviceId: string;
  card: IdCard;
  at: Date;
  /** Checks of the card against the box's calendar day; empty or absent = none. The agent must refuse
   *  a card with problems for identity (it is still emitted so the cashier sees why). */
  problems?: IdCardProblem[];
}

export type DeviceState = 'connected' | 'missing' | 'error' | 'stopped';

export interface DeviceStatus {
  id: string;
  kind: 'scanner' | 'id_reader' | 'camera';
  type: string;
  /** Device path or USB ids, for the technician. */
  path?: string;
  counter: string;
  state: DeviceState;
  /** What went wrong, in English, naming the path. */
  error?: string;
  /** ISO time of the last state change. */
  since: string;
}

export interface DeviceEvents {
  scan: (e: ScanEvent) => void;
  idcard: (e: IdCardEvent) => void;
  status: (s: DeviceStatus) => void;
  /** A recoverable problem worth a log line (discarded partial scan, bad frame). */
  warning: (w: { deviceId: string; message: string }) => void;
}

/** One adapter per configured device; start() never throws for a missing device (it retries with backoff). */
export interface DeviceAdapter {
  readonly id: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DeviceStatus;
  on<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this;
  off<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this;
}
