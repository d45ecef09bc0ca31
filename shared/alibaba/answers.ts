/**
 * What one attempt's outcome means (docs/alibaba/rpc.md#http-status-codes,
 * docs/alibaba/errors.md#retry-classes): a result, or an AlibabaError classified by classify.ts and
 * whether the same request may be sent again. A request that may have changed a call's state and
 * got no readable answer becomes `ambiguous` (RequestOutcomeUnknown) and is never sent again.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AlibabaError, TRANSPORT_CODES, type AlibabaErrorKind } from '../errors.ts';
import { classifyAlibabaFailure, isResendSafeCode, retryAfterSecondsFor } from './classify.ts';
import { AttemptTimeoutError, errorCode, type AttemptOutcome } from './dispatch.ts';

/** A successful answer: HTTP 2xx with `Code === "OK"`. */
export interface RpcResult {
  requestId: string;
  /** The whole JSON envelope, `Code`/`Message`/`RequestId` included. */
  body: Record<string, unknown>;
}

/** How the request being judged may be repeated. */
export interface RequestSafety {
  /** It places a call: once Alibaba answered with an error, only codes proving nothing ran allow sending it again. */
  placesCall: boolean;
  /** It places or changes a call (CancelCall): once it may have arrived without an answer, it is never sent again. */
  changesState: boolean;
}

/** An attempt's verdict: a result, or an error plus whether sending the request again is allowed. */
export type AttemptVerdict = { ok: true; result: RpcResult } | { ok: false; error: AlibabaError; retryable: boolean };

/**
 * A state-changing request that may have taken effect: never sent again (docs/alibaba/errors.md#gateway-codes), reported as
 * `ambiguous` so the caller checks before retrying.
 */
function outcomeUnknown(reason: string, details: ConstructorParameters<typeof AlibabaError>[3]): AttemptVerdict {
  return {
    ok: false,
    retryable: false,
    error: new AlibabaError('ambiguous', TRANSPORT_CODES.outcomeUnknown, `${reason}; whether it took effect (a call placed or cancelled) is unknown`, details),
  };
}

/** Turns one attempt's outcome into a result or a classified error (docs/alibaba/rpc.md#http-status-codes, docs/alibaba/errors.md). */
export function judge(action: string, outcome: AttemptOutcome, safety: RequestSafety, origin: string): AttemptVerdict {
  const { placesCall } = safety;
  // A lost answer hides the effect of any state-changing request; an explicit error answer only
  // makes a call-placing one unsafe to repeat (see the transient rule below).
  if (outcome.type === 'transport') return judgeTransport(action, outcome, safety.changesState, origin);

  const { status } = outcome;
  const envelope = outcome.truncated ? undefined : parseEnvelope(outcome.body);
  const headerRequestId = firstHeader(outcome.headers['x-acs-request-id']);
  const requestId = stringField(envelope, 'RequestId') ?? headerRequestId;
  const rawCode = envelope?.Code;
  const code = typeof rawCode === 'string' || typeof rawCode === 'number' ? String(rawCode) : undefined;
  const is2xx = status >= 200 && status < 300;

  if (is2xx && envelope && code === 'OK') {
    return { ok: true, result: { requestId: requestId ?? '', body: envelope } };
  }

  const details = { action, requestId, httpStatus: status };
  if (code === undefined) {
    // No Alibaba envelope (HTML from a proxy, XML, truncated). For a call-placing request a 2xx or
    // 5xx answer leaves its fate unknown: the call may have been accepted (2xx) or the upstream may
    // have timed out while processing it (502/504).
    if (placesCall && (is2xx || status >= 500)) {
      return outcomeUnknown(`${action}: Alibaba answered HTTP ${status} without a readable envelope`, details);
    }
    // The remaining transient case is 408: the server gave up reading the request, so it did not
    // act on it and even a call-placing request may be sent again.
    const kind = classifyAlibabaFailure(undefined, status);
    return {
      ok: false,
      retryable: kind === 'transient',
      error: new AlibabaError(kind, `HTTP_${status}`, `${action}: Alibaba answered HTTP ${status} without a JSON envelope`, {
        ...details,
        ...throttleHint(kind, undefined, status, outcome.headers, undefined),
      }),
    };
  }

  const kind = classifyAlibabaFailure(code, status);
  // Alibaba's own words, but never the request it may quote (SignatureDoesNotMatch): that goes into
  // logs, stored refusals and errors, and holds the call's numbers and template values.
  const alibabaMessage = stringField(envelope, 'Message');
  const message = alibabaMessage === undefined ? `${action} failed with ${code} (HTTP ${status})` : withoutEchoedStringToSign(alibabaMessage);
  return {
    ok: false,
    // A call-placing request that Alibaba answered has reached it: only codes proving the action
    // never ran allow sending it again (classify.ts RESEND_SAFE_CODES).
    retryable: kind === 'transient' && (!placesCall || isResendSafeCode(code)),
    error: new AlibabaError(kind, code, message, { ...details, ...throttleHint(kind, code, status, outcome.headers, message) }),
  };
}

function judgeTransport(
  action: string,
  outcome: Extract<AttemptOutcome, { type: 'transport' }>,
  /** The request must not be sent again once it may have arrived. */
  changesState: boolean,
  origin: string,
): AttemptVerdict {
  const cause = outcome.error;
  const code = outcome.error instanceof AttemptTimeoutError ? TRANSPORT_CODES.attemptTimeout : errorCode(cause);
  const timedOut = outcome.timedOut;
  if (!outcome.sent) {
    // Nothing was written: safe to retry, even for a call-placing action.
    return {
      ok: false,
      retryable: true,
      error: new AlibabaError('transient', code, `${action}: the request could not be sent to ${origin} (${code})`, {
        action,
        timedOut,
        cause,
      }),
    };
  }
  if (changesState) {
    // docs/alibaba/errors.md#gateway-codes: a blind retry after a timeout or a dropped connection can place a second call.
    return outcomeUnknown(`${action}: the request may have reached Alibaba but no answer was received (${code})`, { action, timedOut, cause });
  }
  return {
    ok: false,
    retryable: true,
    error: new AlibabaError('transient', code, `${action}: no answer from ${origin} (${code})`, { action, timedOut, cause }),
  };
}

/** The error thrown when the deadline leaves no room for another attempt. */
export function deadlineError(action: string, attempts: number, last: AlibabaError | undefined): AlibabaError {
  if (!last) {
    return new AlibabaError(
      'transient',
      TRANSPORT_CODES.deadlineExceeded,
      `${action}: no time left before the deadline to send the request`,
      { action, timedOut: true },
    );
  }
  return new AlibabaError(
    'transient',
    last.code,
    `${last.message} (gave up at the deadline after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
    { ...last.details, timedOut: true, cause: last },
  );
}

function throttleHint(
  kind: AlibabaErrorKind,
  code: string | undefined,
  status: number,
  headers: IncomingHttpHeaders,
  message: string | undefined,
): { retryAfterSeconds?: number } {
  if (kind !== 'throttled') return {};
  const seconds = retryAfterSecondsFor(code, status, firstHeader(headers['retry-after']), message);
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}

/** The JSON object in a body, or undefined when it is not one (docs/alibaba/rpc.md#http-status-codes: parse on any status). */
function parseEnvelope(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Where Alibaba's message starts quoting the string it signed ("server string to sign is:"). */
const ECHOED_STRING_TO_SIGN = /string ?to ?sign/i;

/**
 * Alibaba's message without the string to sign it quotes in a SignatureDoesNotMatch answer: that
 * string holds every parameter of the request, phone numbers and template values (verification
 * codes) among them. Alibaba's explanation before it is kept.
 *
 * @example withoutEchoedStringToSign('Specified signature is not matched. server string to sign is:POST&%2F&...')
 *   // 'Specified signature is not matched. server string to sign [not shown: it quotes the request]'
 */
export function withoutEchoedStringToSign(text: string): string {
  const match = ECHOED_STRING_TO_SIGN.exec(text);
  return match ? `${text.slice(0, match.index + match[0].length)} [not shown: it quotes the request]` : text;
}

function stringField(object: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = object?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

