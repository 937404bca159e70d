// Typed failures of a platform call. `transient` tells the caller whether trying again later may
// succeed (network, timeout, 5xx, garbled answer) or not (the platform said no, or a 4xx).
// `message` is English for logs; `userMessage` is the Chinese text a cashier can be shown.

export abstract class PlatformError extends Error {
  abstract readonly transient: boolean;
  abstract readonly userMessage: string;

  constructor(
    message: string,
    readonly infno: string,
    readonly msgid: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No answer within timeoutMs. For 2102 the charge may have happened: resolve with 2601. */
export class PlatformTimeoutError extends PlatformError {
  readonly transient = true;
  readonly userMessage = '医保平台响应超时，请稍后重试';
  constructor(
    infno: string,
    msgid: string,
    readonly timeoutMs: number,
  ) {
    super(`platform call ${infno} (${msgid}) timed out after ${timeoutMs} ms`, infno, msgid);
  }
}

/** Connection refused/reset, DNS failure, or the socket closed before a complete answer. */
export class PlatformNetworkError extends PlatformError {
  readonly transient = true;
  readonly userMessage = '无法连接医保平台，请检查网络后重试';
  constructor(infno: string, msgid: string, cause: unknown) {
    super(`platform call ${infno} (${msgid}) failed on the network: ${describeCause(cause)}`, infno, msgid, { cause });
  }
}

/** A non-2xx HTTP status. 5xx (and 408/429) are transient; other 4xx/3xx mean a wrong URL or request. */
export class PlatformHttpError extends PlatformError {
  readonly transient: boolean;
  readonly userMessage: string;
  constructor(
    infno: string,
    msgid: string,
    readonly status: number,
  ) {
    super(`platform call ${infno} (${msgid}) got HTTP ${status}`, infno, msgid);
    this.transient = status >= 500 || status === 408 || status === 429;
    this.userMessage = this.transient ? '医保平台暂时不可用，请稍后重试' : `医保平台拒绝了请求（HTTP ${status}），请联系技术人员检查平台地址配置`;
  }
}

/** The body is not JSON, not an envelope, or fails decryption/verification: maybe a proxy page. */
export class PlatformMalformedResponseError extends PlatformError {
  readonly transient = true;
  readonly userMessage = '医保平台返回了无法识别的应答，请稍后重试';
  constructor(
    infno: string,
    msgid: string,
    readonly reason: string,
  ) {
    super(`platform call ${infno} (${msgid}) returned a malformed response: ${reason}`, infno, msgid);
  }
}

/** The answer is readable but breaks the interface's output table (a mandatory field missing, a bad format): `reason` names the field. */
export class PlatformOutputSpecError extends PlatformMalformedResponseError {}

/** The platform answered infcode ≠ 0: a business refusal. Not transient; `errMsg` is its Chinese text. */
export class PlatformRejectedError extends PlatformError {
  readonly transient = false;
  readonly userMessage: string;
  constructor(
    infno: string,
    msgid: string,
    readonly infcode: number,
    readonly errMsg: string,
  ) {
    super(`platform call ${infno} (${msgid}) rejected: infcode ${infcode}`, infno, msgid);
    this.userMessage = errMsg !== '' ? `医保平台拒绝：${errMsg}` : `医保平台拒绝了该交易（错误码 ${infcode}）`;
  }
}

/**
 * The sign_no was refused on a call the client must not repeat by itself (2102, 2601). The platform
 * did not process it; the client has already dropped the stale sign_no, so the caller may retry.
 */
export class PlatformSignInRejectedError extends PlatformRejectedError {}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as Error & { cause?: unknown }).cause;
  const code = inner instanceof Error ? (inner as Error & { code?: string }).code : undefined;
  return inner instanceof Error ? `${cause.message}: ${code ?? ''} ${inner.message}`.trim() : cause.message;
}
