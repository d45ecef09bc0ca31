/**
 * How an Alibaba RPC failure is treated, from its `Code` and HTTP status (docs/alibaba/errors.md#voice-business-codes, docs/alibaba/errors.md#gateway-codes, docs/alibaba/rpc.md#http-status-codes).
 *
 * The tables below are data on purpose: the sandbox and the tests read the same lists, and a new
 * code Alibaba starts sending is a one-line change. A pattern ending in `*` is a name prefix; any
 * other pattern is an exact code. Exact codes win over prefixes, and a longer prefix wins over a
 * shorter one (so `InvalidAccessKeyId*` beats `Invalid*`, `isv.ACCOUNT_*` beats `isv.*`).
 */
import type { AlibabaErrorKind } from '../errors.ts';

/** The kinds a response code can have; `ambiguous` is decided by the transport, never by a code. */
export type CodeKind = Exclude<AlibabaErrorKind, 'ambiguous'>;

/**
 * Our account, subscription, RAM permission, credentials or request signing is wrong (docs/alibaba/errors.md#voice-business-codes "P"
 * rows about the account, docs/alibaba/errors.md#gateway-codes signature/credential/version rows). Permanent until an operator
 * fixes the configuration; never retried.
 */
export const ACCOUNT_CODES: readonly string[] = [
  // docs/alibaba/errors.md#voice-business-codes: account and product state.
  'isv.ACCOUNT_*', // ACCOUNT_NOT_EXISTS, ACCOUNT_ABNORMAL
  'isv.PRODUCT_*', // PRODUCT_UN_SUBSCRIPT, PRODUCT_UNSUBSCRIBE
  'isv.OUT_OF_SERVICE',
  'isv.AMOUNT_NOT_ENOUGH',
  'isv.AMOUNT_NOT_ENOUG', // sic: the API metadata spells it this way (docs/alibaba/errors.md#voice-business-codes)
  'isp.RAM_PERMISSION_DENY',
  'isp.RES_OWNER_ID_UNKNOWN',
  'isp.USER_*', // USER_ASSERT_NOT_EXIST, USER_NOT_EXIST
  // docs/alibaba/errors.md#gateway-codes: gateway codes caused by our keys, signer, clock or configuration.
  'Forbidden*', // Forbidden, Forbidden.RAM
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidAccessKeyId*', // .NotFound, .Inactive
  'InvalidSecurityToken*', // STS token invalid/expired [name unverified in docs/alibaba/errors.md#gateway-codes]
  'InvalidTimeStamp.*', // .Format is a signer bug, .Expired is clock skew: both need an operator
  'InvalidVersion',
  'InvalidAction*',
  // docs/alibaba/errors.md#gateway-codes lists InvalidApi.NotFound beside InvalidAction ("unknown action"): our bug, not the
  // caller's content, so it must not surface as a 422 through the `Invalid*` rule.
  'InvalidApi.*',
  'UnsupportedHTTPMethod',
  // The request parameters our signer always sends (docs/alibaba/signatures.md): when Alibaba says
  // one is missing, the signer or a proxy on the way lost it; the caller's content cannot cause it,
  // so these are exact exceptions to the `Missing*` content rule (docs/alibaba/errors.md#gateway-codes).
  'MissingAccessKeyId',
  'MissingAction',
  'MissingFormat',
  'MissingSignature',
  'MissingSignatureMethod',
  'MissingSignatureNonce',
  'MissingSignatureVersion',
  'MissingTimestamp',
  'MissingVersion',
];

/**
 * Flow control (docs/alibaba/errors.md#voice-business-codes "W" rows, docs/alibaba/errors.md#gateway-codes `Throttling*`), with the default number of seconds to
 * wait before trying again (becomes `retryAfterSeconds` and, further out, `Retry-After`).
 */
export const THROTTLED_CODES: Readonly<Record<string, number>> = {
  // docs/alibaba/actions.md#per-number-flow-control: per called number 1/min, 5/h, 20/24 h. The
  // message names the window (flowControlWindowOf); without one, the minute window is the shortest
  // that can clear, so that is the honest earliest retry.
  'isv.BUSINESS_LIMIT_CONTROL': 60,
  // docs/alibaba/errors.md#voice-business-codes: calling-period restrictions are time-of-day windows; retrying within minutes is
  // pointless, an hour is a hint, not a promise.
  'isv.VOICE_CALL_PERIOD_ERROR': 3600,
  'isv.VOICE_ROBOT_NOT_PERIOD': 3600,
  // docs/alibaba/errors.md#gateway-codes: gateway QPS control (Throttling, Throttling.User, Throttling.Api) clears quickly.
  'Throttling*': 1,
};

/** The code of Alibaba's per-number flow control (docs/alibaba/actions.md#per-number-flow-control). */
export const FLOW_CONTROL_CODE = 'isv.BUSINESS_LIMIT_CONTROL';

/** The window words of Alibaba's flow-control messages, e.g. `触发号码分钟级流控Permits:1`. */
const FLOW_CONTROL_WINDOW_WORDS: ReadonlyArray<[word: string, seconds: number]> = [
  ['分钟级', 60],
  ['小时级', 3_600],
  ['天级', 86_400],
];

/**
 * The window an `isv.BUSINESS_LIMIT_CONTROL` message names (minute, hour or day) and, when it says,
 * how many calls that window permits; undefined when the message names none
 * (docs/alibaba/actions.md#per-number-flow-control).
 *
 * @example flowControlWindowOf('触发号码小时级流控Permits:5') // { seconds: 3600, permits: 5 }
 */
export function flowControlWindowOf(message: string): { seconds: number; permits?: number } | undefined {
  const found = FLOW_CONTROL_WINDOW_WORDS.find(([word]) => message.includes(word));
  if (!found) return undefined;
  const permits = /Permits:\s*(\d{1,6})/.exec(message)?.[1];
  return permits === undefined ? { seconds: found[1] } : { seconds: found[1], permits: Number(permits) };
}

/** Seconds to wait after a throttled answer that carries no code we know (for example a bare 429). */
export const DEFAULT_THROTTLE_RETRY_AFTER_SECONDS = 1;

/**
 * Alibaba or the network failed; the same request may succeed later (docs/alibaba/errors.md#voice-business-codes "R" rows, docs/alibaba/errors.md#gateway-codes
 * InternalError / ServiceUnavailable / SignatureNonceUsed). Unknown codes with HTTP >= 500 are
 * transient too (see classifyAlibabaFailure).
 */
export const TRANSIENT_CODES: readonly string[] = [
  'InternalError', // docs/alibaba/errors.md#voice-business-codes/docs/alibaba/errors.md#gateway-codes, HTTP 500
  'isp.SYSTEM_ERROR', // docs/alibaba/errors.md#voice-business-codes, HTTP 500
  'isp.GATEWAY_ERROR', // docs/alibaba/errors.md#voice-business-codes, HTTP 500
  'isp.UNKNOWN', // docs/alibaba/errors.md#voice-business-codes "R (limited)": the attempt cap is the limit
  // Any other isp.* code: `isp` codes are the platform's side (docs/alibaba/errors.md#voice-business-codes), never the
  // request's content, whatever HTTP status comes with them; the account ones are listed above.
  'isp.*',
  'ServiceUnavailable', // docs/alibaba/errors.md#gateway-codes, HTTP 503
  'SignatureNonceUsed', // docs/alibaba/errors.md#gateway-codes: retry with a new nonce (every attempt is re-signed)
];

/**
 * Alibaba refused the content of this request (docs/alibaba/errors.md#voice-business-codes "P" rows about parameters, numbers,
 * templates; docs/alibaba/errors.md#gateway-codes Missing/Invalid parameter codes). Permanent: fix the input.
 */
export const REJECTED_CODES: readonly string[] = [
  'isv.*', // every other business code is about this request's content (docs/alibaba/errors.md#voice-business-codes)
  'isv.VOICE_CALL_FAIL', // docs/alibaba/errors.md#voice-business-codes says "R (limited) then P"; we do not re-place calls, so P
  'Missing*', // MissingParameter, Missing<Param> (docs/alibaba/errors.md#gateway-codes)
  'Invalid*', // InvalidParameter(.Format), Invalid<Param>, InvalidParameters, InvalidParameter.date
  'BillidNotExist', // docs/alibaba/errors.md#voice-business-codes alias of isv.BILLID_NOT_EXIST
  'ComplaintReject', // docs/alibaba/errors.md#voice-business-codes alias of isv.COMPLAINT_REJECT
  '100008.0', // docs/alibaba/errors.md#voice-business-codes: query data not available
  '100008', // the same code if it arrives as a JSON number (100008.0 parses to 100008)
];

/**
 * Codes that prove the gateway turned the request away before the action ran, so even a
 * call-placing request may be sent again (docs/alibaba/errors.md#gateway-codes: the nonce check precedes the action; "R with
 * new nonce"). Other transient answers to a call-placing request are not re-sent: Alibaba saw the
 * request, and whether the call started is unknown to us (docs/alibaba/errors.md#gateway-codes last paragraph).
 */
export const RESEND_SAFE_CODES: readonly string[] = ['SignatureNonceUsed'];

/** One entry of the tables above, as matched for a code. */
export interface CodeRule {
  readonly pattern: string;
  readonly kind: CodeKind;
  /** Default wait for throttled codes. */
  readonly retryAfterSeconds?: number;
}

const exactRules = new Map<string, CodeRule>();
const prefixRules: CodeRule[] = [];

function addRules(patterns: readonly string[], kind: CodeKind, hints?: Readonly<Record<string, number>>): void {
  for (const pattern of patterns) {
    const hint = hints?.[pattern];
    const rule: CodeRule = hint === undefined ? { pattern, kind } : { pattern, kind, retryAfterSeconds: hint };
    if (pattern.endsWith('*')) prefixRules.push(rule);
    else exactRules.set(pattern, rule);
  }
}

addRules(ACCOUNT_CODES, 'account');
addRules(Object.keys(THROTTLED_CODES), 'throttled', THROTTLED_CODES);
addRules(TRANSIENT_CODES, 'transient');
addRules(REJECTED_CODES, 'rejected');
// Longest prefix first, so the first match is the most specific one. (The tables happen to list each
// longer prefix before the shorter one it refines; the sort keeps that true whatever order they take.)
// Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator: the tables are in that order already
prefixRules.sort((a, b) => b.pattern.length - a.pattern.length);

/** The table entry that decides `code`, or undefined when no table names it. */
export function matchCodeRule(code: string): CodeRule | undefined {
  const exact = exactRules.get(code);
  if (exact) return exact;
  return prefixRules.find((rule) => code.startsWith(rule.pattern.slice(0, -1)));
}

/**
 * Classifies a failed Alibaba RPC answer (anything but HTTP 2xx with `Code === "OK"`, docs/alibaba/rpc.md#http-status-codes).
 *
 * The code decides when a table names it, whatever the HTTP status (older dy* products answer
 * business errors with HTTP 200, docs/alibaba/rpc.md#http-status-codes). Otherwise the status decides: >= 500 transient,
 * 429 throttled, 408 transient (the server gave up reading the request), other 4xx rejected.
 * An unknown code with a 2xx status is a business error (rejected). Without any code (no JSON
 * body): 2xx means an unreadable success envelope (transient), 3xx a misconfigured endpoint
 * (Alibaba never redirects RPC calls: account, i.e. operator configuration).
 *
 * @example classifyAlibabaFailure('isv.MOBILE_NUMBER_ILLEGAL', 400) // 'rejected'
 * @example classifyAlibabaFailure(undefined, 502) // 'transient' (HTML from a proxy)
 */
export function classifyAlibabaFailure(code: string | undefined, httpStatus: number): CodeKind {
  // An empty code is no code.
  if (code) {
    const rule = matchCodeRule(code);
    if (rule) return rule.kind;
  }
  if (httpStatus >= 500) return 'transient';
  if (httpStatus === 429) return 'throttled';
  if (httpStatus === 408) return 'transient';
  if (code) return 'rejected';
  // A 3xx or 4xx without Alibaba's envelope comes from a proxy, a WAF or a wrong endpoint:
  // configuration for an operator to fix (README.md maps it to 502), not content the caller sent.
  if (httpStatus >= 300) return 'account';
  return 'transient';
}

/**
 * Seconds to wait before retrying a throttled failure: the table's hint for the code, else the
 * server's `Retry-After` (whole seconds) if it sent one, else DEFAULT_THROTTLE_RETRY_AFTER_SECONDS.
 * Undefined when the failure is not `throttled`.
 */
export function retryAfterSecondsFor(
  code: string | undefined,
  httpStatus: number,
  retryAfterHeader?: string,
  message?: string,
): number | undefined {
  if (classifyAlibabaFailure(code, httpStatus) !== 'throttled') return undefined;
  // Per-number flow control names its window: wait that window out, not just the shortest one.
  if (code === FLOW_CONTROL_CODE && message !== undefined) {
    const window = flowControlWindowOf(message);
    if (window) return window.seconds;
  }
  const header = retryAfterHeader?.trim();
  if (header !== undefined && /^\d+$/.test(header)) return Number(header);
  return (code ? matchCodeRule(code)?.retryAfterSeconds : undefined) ?? DEFAULT_THROTTLE_RETRY_AFTER_SECONDS;
}

const resendSafeCodes: ReadonlySet<string | undefined> = new Set(RESEND_SAFE_CODES);

/** True when an answer with this code proves the request was not acted on (see RESEND_SAFE_CODES). */
export function isResendSafeCode(code: string | undefined): boolean {
  return resendSafeCodes.has(code);
}
