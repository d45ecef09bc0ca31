/**
 * The Alibaba RPC client (dyvmsapi, dybaseapi): signs, sends, reads the envelope, classifies
 * failures and retries what is safe to retry. Request format: docs/alibaba/rpc.md; signatures: docs/alibaba/signatures.md;
 * error classes and retry rules: docs/alibaba/errors.md and ./classify.ts.
 */
import type { AlibabaError, AlibabaErrorKind } from '../errors.ts';
import { logger as rootLogger, type Logger } from '../logger.ts';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import { retryWithBackoff, hasAttemptsLeft, type BackoffPolicy } from '../retry.ts';
import { canonicalQuery, signRpcV1, signRpcV3, type AlibabaCredentials } from '../signing/index.ts';
import { deadlineError, judge, type RpcResult } from './answers.ts';
import { dispatchOnce, type AttemptOutcome } from './dispatch.ts';
import { poolFor } from './pool.ts';

export type { RpcResult } from './answers.ts';

/** Per-attempt budget for headers and body unless configured. */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
/** Attempts per call() unless configured; only transient failures use the extra ones (docs/alibaba/errors.md). */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Backoff before attempt n+1 is uniform in [0, min(cap, base * 2^(n-1))] ("full jitter"). */
export const DEFAULT_BACKOFF_BASE_MS = 100;
/** Keeps the worst-case backoff short enough to fit a Lambda's API Gateway budget. */
export const DEFAULT_BACKOFF_CAP_MS = 1_000;
/** An attempt with less time than this left before the deadline is not started: it could not finish. */
export const MIN_ATTEMPT_MS = 100;
/** Old SDKs send it and it is harmless for VMS (docs/alibaba/rpc.md#common-parameters). */
export const DEFAULT_REGION_ID = 'cn-hangzhou';
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** How to reach and sign for one Alibaba RPC product (one endpoint, one API version). */
export interface RpcClientOptions {
  /** Origin, path `/`: `https://dyvmsapi.aliyuncs.com`, or `http://127.0.0.1:8090` for the sandbox. */
  endpoint: string;
  /** API version, `2017-05-25` for dyvmsapi and dybaseapi (docs/alibaba/rpc.md#endpoints). */
  version: string;
  /** `v1` = HMAC-SHA1 form signature (docs/alibaba/signatures.md#rpc-signature-v1); `v3` = ACS3-HMAC-SHA256 headers (docs/alibaba/signatures.md#rpc-signature-v3). */
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
  /** `RegionId` parameter. V1 sends `cn-hangzhou` unless told otherwise (docs/alibaba/rpc.md#common-parameters); V3 sends it only if set. */
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
   * The action places a call and is not idempotent (docs/alibaba/errors.md#gateway-codes): once the request may have reached
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
  /** The longest one attempt may take (callers budget a placement with it). */
  readonly attemptTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
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
    this.backoff = {
      baseMs: nonNegative(options.backoffBaseMs, DEFAULT_BACKOFF_BASE_MS),
      capMs: nonNegative(options.backoffCapMs, DEFAULT_BACKOFF_CAP_MS),
    };
    this.logger = options.logger ?? rootLogger;
    this.metrics = options.metrics ?? defaultMetrics;
  }

  /**
   * Sends `action` with `params` (flattened wire names, string values, docs/alibaba/rpc.md#common-parameters) and resolves with
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
    // A remote credentials read waits no longer than the call may (shared/secrets/cache.ts).
    const credentials = await this.options.credentials({ deadline: options.deadline });
    const safety = { placesCall: options.placesCall === true, changesState: options.placesCall === true || options.changesCallState === true };

    return retryWithBackoff(
      async (attempt) => {
        const startedAt = Date.now();
        const outcome = await this.send(action, params, credentials, Math.min(this.attemptTimeoutMs, deadline - Date.now()));
        const verdict = judge(action, outcome, safety, this.origin);
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
          return { ok: true, value: verdict.result };
        }
        this.observeFailure(verdict.error, attempt, durationMs, verdict.retryable && hasAttemptsLeft(attempt, this.maxAttempts));
        return verdict;
      },
      {
        maxAttempts: this.maxAttempts,
        backoff: this.backoff,
        deadline,
        minAttemptMs: MIN_ATTEMPT_MS,
        deadlineError: (attempts, last) => {
          const error = deadlineError(action, attempts, last);
          // Counted only when no attempt was made: otherwise the last attempt's failure already was.
          if (!last) this.observeFailure(error, attempts + 1, 0, false);
          return error;
        },
      },
    );
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

  /** One signed attempt. Fresh nonce and timestamp every time (docs/alibaba/errors.md#gateway-codes "retry hygiene", docs/alibaba/known-issues.md). */
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
      // docs/alibaba/rpc.md#get-or-post: POST with a form body keeps long TTS JSON out of URLs and logs.
      const withRegion = { RegionId: regionId ?? DEFAULT_REGION_ID, ...params };
      body = signRpcV1({ method: 'POST', action, version, params: withRegion, credentials });
      headers = { 'content-type': FORM_CONTENT_TYPE, accept: 'application/json' };
    } else {
      // docs/alibaba/signatures.md#rpc-signature-v3: parameters as a form body, so content-type is signed and the body hashed.
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

function report(onAttempt: RpcCallOptions['onAttempt'], info: AttemptInfo): void {
  if (!onAttempt) return;
  try {
    onAttempt(info);
  } catch {
    // An observer must not change the outcome of a call.
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}
