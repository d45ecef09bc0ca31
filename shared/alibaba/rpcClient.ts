/**
 * The Alibaba RPC client (dyvmsapi, dybaseapi): signs, sends, reads the envelope, classifies
 * failures and retries what is safe to retry. Request format: spec §1; signatures: spec §2;
 * error classes and retry rules: spec §4 and ./classify.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { AlibabaError, type AlibabaErrorKind } from '../errors.ts';
import { logger as rootLogger, type Logger } from '../logger.ts';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import { canonicalQuery, signRpcV1, signRpcV3, type AlibabaCredentials } from '../signing/index.ts';
import { classifyAlibabaFailure, isResendSafeCode, retryAfterSecondsFor } from './classify.ts';
import { poolFor } from './pool.ts';

/** Per-attempt budget for headers and body unless configured. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
/** Attempts per call() unless configured; only transient failures use the extra ones (spec §4). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Backoff before attempt n+1 is uniform in [0, min(cap, base * 2^(n-1))] ("full jitter"). */
export const DEFAULT_BACKOFF_BASE_MS = 100;
/** Keeps the worst-case backoff short enough to fit a Lambda's API Gateway budget. */
export const DEFAULT_BACKOFF_CAP_MS = 1_000;
/** An attempt with less time than this left before the deadline is not started: it could not finish. */
export const MIN_ATTEMPT_MS = 100;
/** Old SDKs send it and it is harmless for VMS (spec §1.2). */
export const DEFAULT_REGION_ID = 'cn-hangzhou';
/** RPC envelopes are small; a larger body is not one of Alibaba's and is treated as unreadable. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** Transport codes this client puts in `AlibabaError.code` (besides Node/undici error codes). */
export const TRANSPORT_CODES = {
  /** A call-placing request may have reached Alibaba but no readable answer came back. */
  outcomeUnknown: 'RequestOutcomeUnknown',
  /** The attempt's own timer (attemptTimeoutMs or the deadline) fired. */
  attemptTimeout: 'RequestTimeout',
  /** The deadline left no time to start a (further) attempt. */
  deadlineExceeded: 'DeadlineExceeded',
} as const;

/** How to reach and sign for one Alibaba RPC product (one endpoint, one API version). */
export interface RpcClientOptions {
  /** Origin, path `/`: `https://dyvmsapi.aliyuncs.com`, or `http://127.0.0.1:8090` for the sandbox. */
  endpoint: string;
  /** API version, `2017-05-25` for dyvmsapi and dybaseapi (spec §1.1). */
  version: string;
  /** `v1` = HMAC-SHA1 form signature (spec §2.1); `v3` = ACS3-HMAC-SHA256 headers (spec §2.2). */
  signatureVersion: 'v1' | 'v3';
  /** Called once per call() with the call's deadline; cache in the provider, not here. */
  credentials: (options: { deadline?: number }) => Promise<AlibabaCredentials>;
  /** Budget of one attempt (connect, headers and body). Default 5000 ms. */
  attemptTimeoutMs?: number;
  /** Attempts per call(), the first included. Default 3. */
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts, with full jitter. Default 100 ms. */
  backoffBaseMs?: number;
  /** Upper bound of one backoff. Default 1000 ms. */
  backoffCapMs?: number;
  /** `RegionId` parameter. V1 sends `cn-hangzhou` unless told otherwise (spec §1.2); V3 sends it only if set. */
  regionId?: string;
  /**
   * Where attempts are logged (action and Alibaba's RequestId; never parameters, keys or
   * signatures). Default: the process-wide logger, which adds the invocation's correlation ids.
   */
  logger?: Logger;
  /** Where failed attempts are counted (`AlibabaErrors` by Action and Code). Default: the process-wide EMF recorder. */
  metrics?: MetricsRecorder;
}

/** Per-call behaviour: idempotency, time budget, observation. */
export interface RpcCallOptions {
  /**
   * The action places a call and is not idempotent (spec §4.2): once the request may have reached
   * Alibaba it is never sent again. A transport failure after writing becomes `ambiguous`.
   */
  placesCall?: boolean;
  /**
   * The action changes a call's state (CancelCall): a re-sent request would answer differently
   * (`Status: false`, already cancelled) and hide what the first did, so it is treated like
   * `placesCall`: never sent again once it may have reached Alibaba.
   */
  changesCallState?: boolean;
  /** Absolute epoch ms (for example Lambda's remaining time minus a margin); no attempt or backoff goes past it. */
  deadline?: number;
  /** Observer for metrics and logs; called after every attempt. Exceptions thrown by it are ignored. */
  onAttempt?: (info: AttemptInfo) => void;
}

/** What onAttempt receives. Never contains parameters, keys or signatures. */
export interface AttemptInfo {
  action: string;
  /** 1-based. */
  attempt: number;
  durationMs: number;
  outcome: 'ok' | AlibabaErrorKind;
  code?: string;
  requestId?: string;
}

/** A successful answer: HTTP 2xx with `Code === "OK"` (spec §1.5). */
export interface RpcResult {
  requestId: string;
  /** The whole JSON envelope, `Code`/`Message`/`RequestId` included. */
  body: Record<string, unknown>;
}

/** What one attempt produced at the HTTP level. */
type AttemptOutcome =
  | { type: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer; truncated: boolean }
  /** `sent`: undici had started writing the request when it failed, so it may have reached Alibaba. */
  | { type: 'transport'; error: Error; sent: boolean; timedOut: boolean };

/** An attempt's verdict: a result, or an error plus whether sending the request again is allowed. */
type AttemptVerdict = { ok: true; result: RpcResult } | { ok: false; error: AlibabaError; retryable: boolean };

/**
 * Calls Alibaba RPC actions over a shared keep-alive pool.
 *
 * @example
 * const client = new AlibabaRpcClient({ endpoint: config.voiceEndpoint, version: '2017-05-25',
 *   signatureVersion: 'v1', credentials });
 * const { body } = await client.call('SingleCallByTts', params, { placesCall: true, deadline });
 */
export class AlibabaRpcClient {
  /** The endpoint's origin; also the key of the shared Pool (see poolFor). */
  readonly origin: string;
  private readonly host: string;
  private readonly attemptTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly logger: Logger;
  private readonly metrics: MetricsRecorder;

  constructor(private readonly options: RpcClientOptions) {
    const url = new URL(options.endpoint);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search) {
      throw new TypeError(`RpcClientOptions.endpoint must be an http(s) origin, got "${options.endpoint}"`);
    }
    this.origin = url.origin;
    this.host = url.host;
    this.attemptTimeoutMs = positive(options.attemptTimeoutMs, DEFAULT_ATTEMPT_TIMEOUT_MS);
    this.maxAttempts = Math.max(1, Math.floor(positive(options.maxAttempts, DEFAULT_MAX_ATTEMPTS)));
    this.backoffBaseMs = nonNegative(options.backoffBaseMs, DEFAULT_BACKOFF_BASE_MS);
    this.backoffCapMs = nonNegative(options.backoffCapMs, DEFAULT_BACKOFF_CAP_MS);
    this.logger = options.logger ?? rootLogger;
    this.metrics = options.metrics ?? defaultMetrics;
  }

  /**
   * Sends `action` with `params` (flattened wire names, string values, spec §1.2) and resolves with
   * the envelope when Alibaba answers HTTP 2xx with `Code === "OK"`.
   *
   * Throws AlibabaError:
   * - `rejected` / `account` / `throttled` straight away (never retried; throttled carries
   *   `retryAfterSeconds`);
   * - `transient` after the attempts or the deadline ran out (`timedOut` when it was time), or at
   *   once for `placesCall` when Alibaba answered a transient error (InternalError, isp.SYSTEM_ERROR,
   *   ...): the request reached it, so it is not re-sent; only SignatureNonceUsed is (classify.ts);
   * - `ambiguous` (`RequestOutcomeUnknown`) for `placesCall` when the request may have reached
   *   Alibaba without a readable answer: not re-sent, since a retry could place a second call.
   */
  async call(
    action: string,
    params: Readonly<Record<string, string>>,
    options: RpcCallOptions = {},
  ): Promise<RpcResult> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    // A remote credentials read waits no longer than the call may (shared/secrets.ts).
    const credentials = await this.options.credentials({ deadline: options.deadline });
    let last: AlibabaError | undefined;

    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining < MIN_ATTEMPT_MS) {
        const error = deadlineError(action, attempt - 1, last);
        // Counted only when no attempt was made: otherwise the last attempt's failure already was.
        if (!last) this.observeFailure(error, attempt, 0, false);
        throw error;
      }

      const startedAt = Date.now();
      const outcome = await this.send(action, params, credentials, Math.min(this.attemptTimeoutMs, remaining));
      const verdict = judge(action, outcome, options, this.origin);
      const durationMs = Date.now() - startedAt;
      report(options.onAttempt, {
        action,
        attempt,
        durationMs,
        outcome: verdict.ok ? 'ok' : verdict.error.kind,
        code: verdict.ok ? undefined : verdict.error.code,
        requestId: verdict.ok ? verdict.result.requestId : verdict.error.requestId,
      });
      if (verdict.ok) {
        this.logger.debug('Alibaba request succeeded', { action, attempt, durationMs, alibabaRequestId: verdict.result.requestId });
        return verdict.result;
      }
      const willRetry = verdict.retryable && attempt < this.maxAttempts;
      this.observeFailure(verdict.error, attempt, durationMs, willRetry);
      if (!willRetry) throw verdict.error;

      last = verdict.error;
      const backoff = Math.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** (attempt - 1));
      // The backoff plus the shortest useful attempt must fit before the deadline.
      if (Date.now() + backoff + MIN_ATTEMPT_MS > deadline) throw deadlineError(action, attempt, last);
      await sleep(backoff);
    }
  }

  /**
   * One failed attempt: `AlibabaErrors` +1 for its Action and Code, and an entry with Alibaba's
   * RequestId (what Alibaba support asks for). A failure about to be retried is a warning, since
   * nothing else would show it; the final one is info, as the caller logs the error it receives
   * at the level it deserves. The message may echo a phone number; the logger masks it.
   */
  private observeFailure(error: AlibabaError, attempt: number, durationMs: number, willRetry: boolean): void {
    const action = error.details.action ?? 'unknown';
    this.metrics.record('AlibabaErrors', 1, { Action: action, Code: error.code });
    this.logger[willRetry ? 'warn' : 'info']('Alibaba request failed', {
      action,
      attempt,
      // Another attempt follows if the deadline leaves room for it.
      retrying: willRetry,
      durationMs,
      kind: error.kind,
      code: error.code,
      httpStatus: error.details.httpStatus,
      alibabaRequestId: error.requestId,
      timedOut: error.details.timedOut,
      detail: error.message,
    });
  }

  /** One signed attempt. Fresh nonce and timestamp every time (spec §4.2 "retry hygiene", §7). */
  private send(
    action: string,
    params: Readonly<Record<string, string>>,
    credentials: AlibabaCredentials,
    timeoutMs: number,
  ): Promise<AttemptOutcome> {
    const { version, signatureVersion, regionId } = this.options;
    let body: string;
    let headers: Record<string, string>;
    if (signatureVersion === 'v1') {
      // spec §1.3: POST with a form body keeps long TTS JSON out of URLs and logs.
      const withRegion = { RegionId: regionId ?? DEFAULT_REGION_ID, ...params };
      body = signRpcV1({ method: 'POST', action, version, params: withRegion, credentials });
      headers = { 'content-type': FORM_CONTENT_TYPE, accept: 'application/json' };
    } else {
      // spec §2.2: parameters as a form body, so content-type is signed and the body hashed.
      body = canonicalQuery(regionId === undefined ? params : { RegionId: regionId, ...params });
      headers = {
        ...signRpcV3({
          method: 'POST',
          host: this.host,
          action,
          version,
          body,
          contentType: FORM_CONTENT_TYPE,
          credentials,
        }),
        accept: 'application/json',
      };
    }
    return dispatchOnce(poolFor(this.origin), { path: '/', method: 'POST', headers, body }, timeoutMs);
  }
}

/**
 * Dispatches one request and never rejects. `sent` is decided by undici's onRequestStart, which runs
 * right before the request is written to a connected socket: a failure before it (DNS, refused,
 * connect timeout, TLS) certainly sent nothing. A request our timer abandoned before that point is
 * aborted inside onRequestStart, which makes undici skip writing it, so it can never be sent late.
 */
function dispatchOnce(
  dispatcher: Dispatcher,
  options: Pick<Dispatcher.DispatchOptions, 'path' | 'method' | 'headers' | 'body'>,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;

    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };

    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      finish({ type: 'transport', error, sent: controller !== undefined, timedOut: true });
      controller?.abort(error);
    }, timeoutMs);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        if (settled) {
          started.abort(new AttemptTimeoutError(timeoutMs));
          return;
        }
        controller = started;
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        if (truncated || size + chunk.length > MAX_RESPONSE_BYTES) {
          truncated = true;
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        finish({ type: 'response', status, headers, body: Buffer.concat(chunks), truncated });
      },
      onResponseError(_controller, error) {
        finish({ type: 'transport', error, sent: controller !== undefined, timedOut: isTimeoutError(error) });
      },
    };

    try {
      dispatcher.dispatch(
        { ...options, headersTimeout: timeoutMs + 1_000, bodyTimeout: timeoutMs + 1_000 },
        handler,
      );
    } catch (error) {
      finish({ type: 'transport', error: asError(error), sent: false, timedOut: false });
    }
  });
}

/**
 * A state-changing request that may have taken effect: never sent again (spec §4.2), reported as
 * `ambiguous` so the caller checks before retrying.
 */
function outcomeUnknown(reason: string, details: ConstructorParameters<typeof AlibabaError>[3]): AttemptVerdict {
  return {
    ok: false,
    retryable: false,
    error: new AlibabaError('ambiguous', TRANSPORT_CODES.outcomeUnknown, `${reason}; whether it took effect (a call placed or cancelled) is unknown`, details),
  };
}

/** Turns one attempt's outcome into a result or a classified error (spec §1.5, §4). */
function judge(action: string, outcome: AttemptOutcome, options: RpcCallOptions, origin: string): AttemptVerdict {
  const placesCall = options.placesCall === true;
  // A lost answer hides the effect of any state-changing request; an explicit error answer only
  // makes a call-placing one unsafe to repeat (see the transient rule below).
  if (outcome.type === 'transport') return judgeTransport(action, outcome, placesCall || options.changesCallState === true, origin);

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
        ...throttleHint(kind, undefined, status, outcome.headers),
      }),
    };
  }

  const kind = classifyAlibabaFailure(code, status);
  const message = stringField(envelope, 'Message') ?? `${action} failed with ${code} (HTTP ${status})`;
  return {
    ok: false,
    // A call-placing request that Alibaba answered has reached it: only codes proving the action
    // never ran allow sending it again (classify.ts RESEND_SAFE_CODES).
    retryable: kind === 'transient' && (!placesCall || isResendSafeCode(code)),
    error: new AlibabaError(kind, code, message, { ...details, ...throttleHint(kind, code, status, outcome.headers) }),
  };
}

function judgeTransport(
  action: string,
  outcome: Extract<AttemptOutcome, { type: 'transport' }>,
  /** The request must not be sent again once it may have arrived. */
  placesCall: boolean,
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
  if (placesCall) {
    // spec §4.2: a blind retry after a timeout or a dropped connection can place a second call.
    return outcomeUnknown(`${action}: the request may have reached Alibaba but no answer was received (${code})`, { action, timedOut, cause });
  }
  return {
    ok: false,
    retryable: true,
    error: new AlibabaError('transient', code, `${action}: no answer from ${origin} (${code})`, { action, timedOut, cause }),
  };
}

/** The error thrown when the deadline leaves no room for another attempt. */
function deadlineError(action: string, attempts: number, last: AlibabaError | undefined): AlibabaError {
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
): { retryAfterSeconds?: number } {
  if (kind !== 'throttled') return {};
  const seconds = retryAfterSecondsFor(code, status, firstHeader(headers['retry-after']));
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}

/** The JSON object in a body, or undefined when it is not one (spec §1.5: parse on any status). */
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

function stringField(object: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = object?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function isTimeoutError(error: Error): boolean {
  return error instanceof AttemptTimeoutError || TIMEOUT_CODES.has(errorCode(error));
}

/** Node's / undici's error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'TransportError';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Our own per-attempt timer fired (attemptTimeoutMs, or the time left before the deadline). */
class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  readonly code = TRANSPORT_CODES.attemptTimeout;
  constructor(timeoutMs: number) {
    super(`no complete answer within ${Math.round(timeoutMs)} ms`);
  }
}

function report(onAttempt: RpcCallOptions['onAttempt'], info: AttemptInfo): void {
  if (!onAttempt) return;
  try {
    onAttempt(info);
  } catch {
    // An observer must not change the outcome of a call.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}
