// PlatformClient: one NHSA envelope call over HTTP POST, typed errors, lazy daily sign-in (9001),
// and typed wrappers per interface. It never retries on its own except the single re-sign-in
// described in call(); retries with backoff belong to the caller (outbox, settlement flow).
import { networkInterfaces } from 'node:os';
import { shanghaiDate } from '../common/time.js';
import { buildRequestEnvelope, type EnvelopeContext, parseResponseEnvelope, type ResponseEnvelope } from './envelope.js';
import {
  PlatformHttpError,
  PlatformMalformedResponseError,
  PlatformNetworkError,
  PlatformOutputSpecError,
  PlatformRejectedError,
  PlatformSignInRejectedError,
  PlatformTimeoutError,
} from './errors.js';
import {
  type EVoucherDecodeOutput,
  type Infno,
  type InterfaceMap,
  isSignInRejection,
  NO_AUTO_REPEAT,
  type PersonInfoInput,
  type PersonInfoOutput,
  type ReverseByMsgidInput,
  type ReverseByMsgidOutput,
  type ReverseSettlementInput,
  type ReverseSettlementOutput,
  type SettlementInput,
  type SettlementOutput,
  type SignInOutput,
  type SuspiciousItemsOutput,
  type UploadInfno,
  type UploadInputMap,
  type UploadOutputMap,
} from './interfaces.js';
import type { MsgidAllocator } from './msgid.js';
import { checkOutput, unknownInfcode, uploadVerdict } from './outputs.js';
import { encodeRequest, openResponse, prepareSigning, rawMemberText, type SigningOptions } from './signing.js';
import { applyProfile, type Profile, profileByName } from './spec/index.js';

/** Who is sending (the envelope's fixed fields, EnvelopeContext) plus where and how. */
export interface PlatformClientOptions extends EnvelopeContext {
  /** The callService URL, POSTed to verbatim. */
  url: string;
  signing: SigningOptions;
  timeoutMs: number;
  msgids: MsgidAllocator;
  clock?: () => Date;
  /** Reported in 9001; default: the first non-internal IPv4 interface. */
  mac?: string;
  ip?: string;
  /** Province variant of the national message shapes (config platform.profile); default national. */
  profile?: Profile;
  /** Structured log hook (no PII is passed). */
  log?: (entry: { event: string; infno: string; msgid?: string; [k: string]: unknown }) => void;
}

export interface CallOptions {
  /** Use this msgid (e.g. the one persisted with a "settling" sale) instead of allocating one. */
  msgid?: string;
}

export interface CallResult<O> {
  output: O;
  msgid: string;
  /** The response envelope, with `output` decrypted when it was encrypted. */
  response: ResponseEnvelope;
}

function defaultNetIdentity(): { mac: string; ip: string } {
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (!nic.internal && nic.family === 'IPv4') return { mac: nic.mac, ip: nic.address };
    }
  }
  return { mac: '00:00:00:00:00:00', ip: '127.0.0.1' };
}

export class PlatformClient {
  private readonly clock: () => Date;
  private readonly ctx: EnvelopeContext;
  private readonly signing: SigningOptions;
  private readonly profile: Profile;
  private session: { day: string; signNo: string } | undefined;
  private signingIn: Promise<string> | undefined;

  constructor(private readonly opts: PlatformClientOptions) {
    if (!/^https?:\/\//.test(opts.url)) throw new Error(`platform.url must be an http(s) URL, got ${JSON.stringify(opts.url)}`);
    if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0)
      throw new Error(`platform.timeoutMs must be a positive whole number of ms, got ${opts.timeoutMs}`);
    // Keys are checked here, at start-up, with the config key named; never in the request path.
    this.signing = prepareSigning(opts.signing);
    this.clock = opts.clock ?? (() => new Date());
    this.profile = opts.profile ?? profileByName('national');
    this.ctx = {
      fixmedinsCode: opts.fixmedinsCode,
      fixmedinsName: opts.fixmedinsName,
      mdtrtareaAdmvs: opts.mdtrtareaAdmvs,
      insuplcAdmdvs: opts.insuplcAdmdvs,
      recerSysCode: opts.recerSysCode,
      devNo: opts.devNo,
      operator: opts.operator,
      ...(opts.devSafeInfo !== undefined ? { devSafeInfo: opts.devSafeInfo } : {}),
    };
  }

  /** A fresh msgid, for callers that persist it before calling (settlement crash safety). */
  nextMsgid(): string {
    return this.opts.msgids.next();
  }

  /** The current sign_no, if signed in today. */
  get signNo(): string | undefined {
    return this.session?.day === shanghaiDate(this.clock()) ? this.session.signNo : undefined;
  }

  /** Signs in now (9001), replacing any session. Concurrent callers share one sign-in. */
  signIn(): Promise<string> {
    this.signingIn ??= (async () => {
      try {
        const day = shanghaiDate(this.clock());
        const net = defaultNetIdentity();
        const input = { signIn: { opter_no: this.opts.operator.code, mac: this.opts.mac ?? net.mac, ip: this.opts.ip ?? net.ip } };
        const res = (await this.send('9001', input, '', undefined)) as CallResult<SignInOutput>;
        const signNo = res.output.signinoutb.sign_no;
        this.session = { day, signNo };
        this.opts.log?.({ event: 'platform_signed_in', infno: '9001', msgid: res.msgid, day });
        return signNo;
      } finally {
        this.signingIn = undefined;
      }
    })();
    return this.signingIn;
  }

  private async ensureSignedIn(): Promise<string> {
    return this.signNo ?? (this.signingIn ? await this.signingIn : await this.signIn());
  }

  /**
   * One platform call. Signs in first if there is no sign_no for today (Asia/Shanghai). When the
   * platform refuses the sign_no it signs in again once and repeats the call with a new msgid (or
   * the caller's) — except 2102/2601, which throw PlatformSignInRejectedError for the caller to decide.
   * A failure of that sign-in is thrown with infno "9001": the call itself was never sent.
   */
  call<K extends Infno>(infno: K, input: InterfaceMap[K]['input'], opts?: CallOptions): Promise<CallResult<InterfaceMap[K]['output']>>;
  call(infno: string, input: unknown, opts?: CallOptions): Promise<CallResult<unknown>>;
  async call(infno: string, input: unknown, opts: CallOptions = {}): Promise<CallResult<unknown>> {
    if (infno === '9001') return this.send(infno, input, '', opts.msgid);
    const signNo = await this.ensureSignedIn();
    try {
      return await this.send(infno, input, signNo, opts.msgid);
    } catch (err) {
      if (!(err instanceof PlatformRejectedError) || !isSignInRejection(err.infcode, err.errMsg)) throw err;
      if (this.session?.signNo === signNo) this.session = undefined;
      this.opts.log?.({ event: 'platform_sign_no_rejected', infno, msgid: err.msgid, repeat: !NO_AUTO_REPEAT.has(infno) });
      if (NO_AUTO_REPEAT.has(infno)) throw new PlatformSignInRejectedError(infno, err.msgid, err.infcode, err.errMsg);
      const fresh = await this.signIn();
      return await this.send(infno, input, fresh, opts.msgid);
    }
  }

  private async send(infno: string, input: unknown, signNo: string, givenMsgid: string | undefined): Promise<CallResult<unknown>> {
    const msgid = givenMsgid ?? this.opts.msgids.next();
    // The one place a province profile changes the national shape the mappers built.
    const wire = applyProfile(this.profile, infno, input);
    const plain = buildRequestEnvelope(this.ctx, { infno, msgid, signNo, input: wire, now: this.clock() });
    const { body } = await encodeRequest(plain, this.signing);
    const signal = AbortSignal.timeout(this.opts.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
        body,
        signal,
        redirect: 'manual',
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw new PlatformTimeoutError(infno, msgid, this.opts.timeoutMs);
      throw new PlatformNetworkError(infno, msgid, err);
    }
    if (status < 200 || status > 299) throw new PlatformHttpError(infno, msgid, status);
    const parsed = parseResponseEnvelope(text);
    if (!parsed.ok) throw new PlatformMalformedResponseError(infno, msgid, parsed.reason);
    const response = parsed.envelope;
    if (response.infcode !== 0) {
      // A sign-in rejection is known by its words too (some provinces give it their own code): re-sign in below.
      const unknown = isSignInRejection(response.infcode, response.err_msg ?? '') ? null : unknownInfcode(response.infcode);
      if (unknown) {
        this.opts.log?.({ event: 'platform_unknown_infcode', infno, msgid, infcode: response.infcode, errMsg: response.err_msg ?? '' });
        throw new PlatformMalformedResponseError(infno, msgid, unknown);
      }
      throw new PlatformRejectedError(infno, msgid, response.infcode, response.err_msg ?? '');
    }
    const opened = await openResponse(response, this.signing, rawMemberText(text, 'output'));
    if (!opened.ok) throw new PlatformMalformedResponseError(infno, msgid, opened.reason);
    const problem = checkOutput(infno, opened.output);
    if (problem) {
      this.opts.log?.({ event: 'platform_output_malformed', infno, msgid, problem });
      throw new PlatformOutputSpecError(infno, msgid, problem);
    }
    // 35xx: infcode 0 is transport-level; retRslt ≠ 1 is the platform refusing the record (its msgRslt says why).
    const verdict = uploadVerdict(opened.output);
    if (/^350[1-6]$/.test(infno) && 'accepted' in verdict && !verdict.accepted) {
      this.opts.log?.({ event: 'platform_upload_refused', infno, msgid, message: verdict.message });
      throw new PlatformRejectedError(infno, msgid, response.infcode, verdict.message);
    }
    return { output: opened.output, msgid, response: { ...response, output: opened.output } };
  }

  // ---- typed wrappers (national field names; see interfaces.ts) ----

  /** 1101: look up an insured person by e-voucher token (01), ID number (02) or card (03). */
  personInfo(input: PersonInfoInput): Promise<CallResult<PersonInfoOutput>> {
    return this.call('1101', input);
  }

  /** 2101: pharmacy pre-settlement; nothing is charged. */
  /** 1161 (extension, see interfaces.ts): e-voucher QR code → token for 1101 with cert type 01. */
  decodeEVoucher(qrcode: string): Promise<CallResult<EVoucherDecodeOutput>> {
    return this.call('1161', { data: { ec_qrcode: qrcode } });
  }

  preSettle(input: SettlementInput): Promise<CallResult<SettlementOutput>> {
    return this.call('2101', input);
  }

  /**
   * 2102: settlement. Pass the msgid you persisted with the sale (opts.msgid). On a transient error
   * the charge may or may not have happened: reverse with reverseByMsgid (2601) on that msgid.
   */
  settle(input: SettlementInput, opts?: CallOptions): Promise<CallResult<SettlementOutput>> {
    return this.call('2102', input, opts);
  }

  /** 2103: reverse a known settlement by setl_id. */
  reverseSettlement(input: ReverseSettlementInput, opts?: CallOptions): Promise<CallResult<ReverseSettlementOutput>> {
    return this.call('2103', input, opts);
  }

  /** 2601: reverse whatever msgid `omsgid` did; `reversed: false` when it did nothing. */
  reverseByMsgid(input: ReverseByMsgidInput, opts?: CallOptions): Promise<CallResult<ReverseByMsgidOutput>> {
    return this.call('2601', input, opts);
  }

  /** 3501–3507 进销存 uploads; the platform deduplicates 3501–3506 on fixmedins_bchno. */
  upload<K extends UploadInfno>(infno: K, input: UploadInputMap[K], opts?: CallOptions): Promise<CallResult<UploadOutputMap[K]>> {
    return this.call(infno, input as InterfaceMap[K]['input'], opts) as Promise<CallResult<UploadOutputMap[K]>>;
  }

  /** 3601 (extension, see interfaces.ts): the platform's 疑点 for this store on `date` (yyyy-MM-dd). */
  async pullSuspiciousItems(date: string): Promise<CallResult<SuspiciousItemsOutput>> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`pullSuspiciousItems: date must be yyyy-MM-dd, got ${JSON.stringify(date)}`);
    return this.call('3601', { data: { fixmedins_code: this.opts.fixmedinsCode, audit_date: date } });
  }
}
