/**
 * The one error taxonomy of the bundle. Domain code throws these; exactly one place
 * (`shared/http/problem.ts`) turns them into HTTP responses, and the event triggers
 * decide retry-or-record from the same classes.
 */

/** One invalid input field: `path` is dotted (`menuKeyMap.0.key`, `body`, `header.content-type`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The caller sent something we refuse before any Alibaba request is made. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  /** HTTP status the request deserves: 400 by default, 413/415 for size and media type. */
  readonly status: 400 | 413 | 415;
  constructor(
    readonly issues: FieldIssue[],
    options: { status?: 400 | 413 | 415; detail?: string } = {},
  ) {
    super(options.detail ?? describeIssues(issues));
    this.status = options.status ?? 400;
  }
}

/** The thing asked for is not known to this bundle. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly resource: string) {
    super(`${resource} was not found`);
  }
}

/** An Idempotency-Key was reused with a different request body. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(detail = 'This Idempotency-Key was already used with a different request body') {
    super(detail);
  }
}

/** A request with the same Idempotency-Key is still being processed. */
export class IdempotencyInProgressError extends Error {
  override readonly name = 'IdempotencyInProgressError';
  constructor(detail = 'A request with this Idempotency-Key is still in progress') {
    super(detail);
  }
}

/**
 * How an Alibaba failure should be treated (docs/alibaba/errors.md):
 * - `rejected`: Alibaba refused the content of this request (isv.* parameter, number, template codes,
 *   gateway Missing/Invalid parameter). Permanent: fix the input.
 * - `throttled`: flow control or gateway throttling. Retry only after the window.
 * - `account`: our account, product subscription, RAM permission or signature/credential problem.
 *   Permanent until an operator fixes configuration.
 * - `transient`: Alibaba or the network failed; worth retrying with backoff.
 * - `ambiguous`: a call-placing request may or may not have reached Alibaba (timeout after sending).
 *   Never retried blindly: a retry could place a second call (docs/alibaba/errors.md#gateway-codes, last paragraph).
 */
export type AlibabaErrorKind = 'rejected' | 'throttled' | 'account' | 'transient' | 'ambiguous';

/**
 * The codes this bundle itself puts in `AlibabaError.code` when Alibaba gave no code of its own
 * (besides Node's and undici's transport error codes).
 */
export const TRANSPORT_CODES = {
  /** A call-placing request may have reached Alibaba but no readable answer came back. */
  outcomeUnknown: 'RequestOutcomeUnknown',
  /** The attempt's own timer (attemptTimeoutMs or the deadline) fired. */
  attemptTimeout: 'RequestTimeout',
  /** The deadline left no time to start a (further) attempt. */
  deadlineExceeded: 'DeadlineExceeded',
} as const;

export class AlibabaError extends Error {
  override readonly name = 'AlibabaError';
  constructor(
    readonly kind: AlibabaErrorKind,
    /** Alibaba's `Code` (for example `isv.MOBILE_NUMBER_ILLEGAL`), or a transport code such as `UND_ERR_SOCKET`. */
    readonly code: string,
    message: string,
    readonly details: {
      action?: string;
      requestId?: string;
      httpStatus?: number;
      /** The failure was a timeout (per attempt or overall deadline). */
      timedOut?: boolean;
      /** Seconds the caller should wait before trying again (throttling). */
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get requestId(): string | undefined {
    return this.details.requestId;
  }
}

/**
 * How an MNS failure is treated (docs/alibaba/mns.md#errors; tables in `shared/receipts/mnsErrors.ts`):
 * - `auth`: the receipt token was refused (expired, wrong queue, stale secret). Refresh the token
 *   once and try again; a second refusal is a configuration problem and fails loudly.
 * - `transient`: MNS or the network failed (5xx, QpsLimitExceeded, dropped connection, timeout).
 *   Retry with backoff within the deadline.
 * - `config`: the queue does not exist or our clock is off (QueueNotExist, TimeExpired). Loud.
 * - `request`: MNS refused the request's construction (MalformedXML, InvalidArgument, ...): a bug. Loud.
 */
export type MnsErrorKind = 'auth' | 'transient' | 'config' | 'request';

/** A failed MNS request (BatchReceiveMessage, BatchDeleteMessage), after its retries. */
export class MnsError extends Error {
  override readonly name = 'MnsError';
  constructor(
    readonly kind: MnsErrorKind,
    /** MNS's `<Code>` (for example `AccessDenied`), `HTTP<status>` without one, or a transport code (`UND_ERR_SOCKET`). */
    readonly code: string,
    message: string,
    readonly details: {
      operation?: 'BatchReceiveMessage' | 'BatchDeleteMessage';
      queue?: string;
      httpStatus?: number;
      /** `<RequestId>` of the error document, else the `x-mns-request-id` header. */
      requestId?: string;
      timedOut?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get httpStatus(): number | undefined {
    return this.details.httpStatus;
  }

  get requestId(): string | undefined {
    return this.details.requestId;
  }
}

/** A receipt poll ended with at least one queue not drained because of an error (see the cause). */
export class ReceiptPollError extends Error {
  override readonly name = 'ReceiptPollError';
  constructor(
    /** `MessageType` -> the error that stopped that queue. */
    readonly failures: ReadonlyArray<{ messageType: string; queue: string; error: unknown }>,
  ) {
    super(
      `receipt polling failed for ${failures.map((failure) => `${failure.messageType} (${describeCause(failure.error)})`).join(', ')}`,
      failures.length === 0 ? undefined : { cause: failures[0]!.error },
    );
  }
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return String(error);
}

/** Invalid deployment configuration: thrown at cold start, naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

function describeIssues(issues: FieldIssue[]): string {
  if (issues.length === 0) return 'The request is invalid';
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/**
 * The caller did not prove who it is: a missing or wrong credential (the receipt push route's
 * token). Never carries the credential. `challenge` is the WWW-Authenticate value a 401 must send
 * (RFC 9110 §11.6.1).
 */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  constructor(
    detail = 'A valid credential is required',
    readonly challenge?: string,
  ) {
    super(detail);
  }
}

/**
 * The calls table did not take the data in time (throttling, an outage, the request's deadline).
 * Nothing was lost: the sender is told to try again (Alibaba's receipt push redelivers on any
 * non-200, docs/alibaba/receipts.md#flow), and every write is idempotent.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * A failed read of a secret. The message names the source and AWS's error type, never the value.
 * `code` is AWS's `__type` (ParameterNotFound, AccessDeniedException, ...), `RequestTimeout`,
 * `DeadlineExceeded`, `NoTextValue`, or a network error code.
 */
export class SecretReadError extends Error {
  override readonly name = 'SecretReadError';
  constructor(
    readonly source: string,
    readonly code: string,
    message: string,
    readonly details: { httpStatus?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(`${source}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/**
 * A number was called as often as its flow-control windows allow (docs/flow-control.md): nothing
 * was sent to Alibaba. Never names the number.
 */
export class FlowControlError extends Error {
  override readonly name = 'FlowControlError';
  constructor(
    /** Epoch ms, a whole second: when the number can be called again. */
    readonly retryAt: number,
    /** The window that refused, as configured (`1/60`). */
    readonly limit: string,
    /** Whole seconds from now until the window frees, rounded up (at most the window: counted from the exact moment, not from retryAt). */
    readonly retryAfterSeconds: number,
  ) {
    super(`The number has been called as often as its ${limit} window allows (<count>/<seconds>); it can be called again at ${new Date(retryAt).toISOString()}.`);
  }
}
