import {
  AlibabaError,
  FlowControlError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  NotFoundError,
  SecretReadError,
  StoreUnavailableError,
  UnauthorizedError,
  ValidationError,
  type FieldIssue,
} from '../errors.ts';

/** RFC 9457 problem details, with our stable `code` (README.md, "Errors"). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: FieldIssue[];
  /** With FLOW_CONTROL: when the number can be called again (ISO 8601, UTC, a whole second). */
  retryAt?: string;
  /** With FLOW_CONTROL: the window that refused, `<count>/<seconds>` (`1/60`). */
  limit?: string;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** Whether the failure is ours (logged as an error) rather than the caller's or Alibaba's verdict. */
  unexpected: boolean;
}

/** Problem types are URNs named after the stable code; the README's "Errors" section explains each. */
const TYPE_BASE = 'urn:aliyun-voice:problem';

/**
 * The one place errors become HTTP (README.md mapping): invalid request → 400 (413, 415), unknown →
 * 404, idempotency → 409/422, Alibaba content rejection → 422, flow control → 429 + Retry-After,
 * account/credential problems → 502, Alibaba unavailable → 502, or 504 when it timed out; a missing
 * or wrong credential of the caller → 401, the calls table or our own credentials unavailable → 503.
 * 5xx bodies carry no internal detail.
 */
export function toProblem(error: unknown, requestId?: string): ProblemResponse {
  const withId = (problem: Omit<Problem, 'type' | 'requestId'>, headers: Record<string, string> = {}, unexpected = false) => ({
    problem: { type: `${TYPE_BASE}:${problem.code}`, ...problem, ...(requestId ? { requestId } : {}) },
    headers,
    unexpected,
  });

  if (error instanceof ValidationError) {
    const title = error.status === 413 ? 'Payload too large' : error.status === 415 ? 'Unsupported media type' : 'Invalid request';
    return withId({ title, status: error.status, detail: error.message, code: 'VALIDATION_FAILED', errors: error.issues });
  }
  if (error instanceof NotFoundError) {
    return withId({ title: 'Not found', status: 404, detail: error.message, code: 'NOT_FOUND' });
  }
  if (error instanceof IdempotencyConflictError) {
    return withId({ title: 'Idempotency key reused', status: 422, detail: error.message, code: 'IDEMPOTENCY_CONFLICT' });
  }
  if (error instanceof IdempotencyInProgressError) {
    return withId({ title: 'Request in progress', status: 409, detail: error.message, code: 'IDEMPOTENCY_CONFLICT' }, { 'retry-after': '1' });
  }
  if (error instanceof FlowControlError) {
    // docs/flow-control.md: nothing reached Alibaba; Retry-After and retryAt say exactly when to try again.
    return withId(
      { title: 'Flow control', status: 429, detail: error.message, code: 'FLOW_CONTROL', retryAt: new Date(error.retryAt).toISOString(), limit: error.limit },
      { 'retry-after': String(Math.max(1, error.retryAfterSeconds)) },
    );
  }
  if (error instanceof AlibabaError) return alibabaProblem(error, withId);
  if (error instanceof UnauthorizedError) {
    return withId({ title: 'Unauthorized', status: 401, detail: error.message, code: 'UNAUTHORIZED' }, error.challenge ? { 'www-authenticate': error.challenge } : {});
  }
  if (error instanceof StoreUnavailableError) {
    return withId({ title: 'Service unavailable', status: 503, detail: 'The data could not be stored; send it again later.', code: 'STORE_UNAVAILABLE' }, {}, true);
  }
  if (error instanceof SecretReadError) {
    // Our own key store (SSM / Secrets Manager) failed and no cached value was usable: nothing was sent.
    return withId({ title: 'Service unavailable', status: 503, detail: 'The service could not read its credentials; try again later.', code: 'CREDENTIALS_UNAVAILABLE' }, {}, true);
  }
  return withId({ title: 'Internal error', status: 500, detail: 'The request could not be completed.', code: 'INTERNAL_ERROR' }, {}, true);
}

function alibabaProblem(
  error: AlibabaError,
  withId: (problem: Omit<Problem, 'type' | 'requestId'>, headers?: Record<string, string>, unexpected?: boolean) => ProblemResponse,
): ProblemResponse {
  const alibaba = error.requestId ? ` (Alibaba RequestId ${error.requestId})` : '';
  switch (error.kind) {
    case 'rejected':
      // The caller's content was refused: Alibaba's own message helps them fix it.
      return withId({ title: 'Rejected by Alibaba', status: 422, detail: `${error.message}${alibaba}`, code: error.code });
    case 'throttled':
      return withId(
        { title: 'Flow control', status: 429, detail: `${error.message}${alibaba}`, code: error.code },
        { 'retry-after': String(Math.max(1, Math.ceil(error.details.retryAfterSeconds ?? 1))) },
      );
    case 'account':
      // Our credentials or subscription: nothing the caller can fix, and Alibaba's text may reveal setup.
      return withId({ title: 'Upstream configuration error', status: 502, detail: 'Alibaba refused this service\'s account or credentials.', code: error.code }, {}, true);
    case 'ambiguous':
      return withId(
        {
          title: 'Outcome unknown',
          status: 504,
          detail: 'Alibaba did not answer in time after the request was sent; the call may have been placed. Check receipts before retrying.',
          code: error.code,
        },
        {},
        true,
      );
    case 'transient':
      return error.details.timedOut
        ? withId({ title: 'Upstream timeout', status: 504, detail: 'Alibaba did not answer in time.', code: stableCode(error.code, 'ALIBABA_TIMEOUT') }, {}, true)
        : withId({ title: 'Upstream unavailable', status: 502, detail: 'Alibaba is unavailable; try again later.', code: stableCode(error.code, 'ALIBABA_UNREACHABLE') }, {}, true);
  }
}

/**
 * Alibaba's codes are stable and public; a transport library's error codes (UND_ERR_SOCKET,
 * ECONNRESET) are neither, so they are replaced by our own.
 */
function stableCode(code: string, fallback: string): string {
  return /^(?:UND_ERR_|E[A-Z]+$)/.test(code) ? fallback : code;
}
