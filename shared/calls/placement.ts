/**
 * Placing a call at most once per idempotency key (docs/http-api.md#idempotency-key; the
 * SQS and EventBridge triggers key on their message and event ids). Built on Powertools
 * Idempotency with its DynamoDB persistence layer (IDEMPOTENCY_TABLE):
 *
 * - the first request with a key writes an INPROGRESS record, places the call and saves its
 *   outcome; a retry with the same key and the same validated request gets that outcome back
 *   (the same 202 body, or the same "outcome unknown" answer) and places nothing;
 * - the same key with another request: IdempotencyConflictError (422); while the first is still
 *   running: IdempotencyInProgressError (409);
 * - a failure that proves Alibaba placed nothing (rejected, throttled, account, transient) deletes
 *   the record, so a retry can place the call (an invalid request never gets this far);
 * - a call whose outcome is unknown (docs/alibaba/errors.md#gateway-codes last paragraph: sent, but no answer) is saved like a
 *   success: retrying it could place a second call, so every retry is answered the same way.
 *
 * Keys of every path share one namespace (the record id is `placeCall#<hash of the key>`, whatever
 * the function), and a client's key is its caller's (callers.ts): the same key from the same
 * caller, over HTTP or SQS, places one call; from two callers, two.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { AlibabaError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError, type FieldIssue } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { parseOrThrow } from '../validation.ts';
import type { Caller } from './callers.ts';
import { placeAndRecordCall, type CallRequestTag, type CallsDependencies, type PlacedCall } from './service.ts';
import { idempotencyKeySchema, placeCallRequestSchema, type PlaceCallRequest } from './schemas.ts';

/**
 * Powertools prefixes every record id with the Lambda function's name unless given a prefix: one
 * fixed prefix makes the HTTP, SQS and EventBridge functions share their keys.
 */
export const IDEMPOTENCY_KEY_NAMESPACE = 'placeCall';

/**
 * An INPROGRESS record may be taken over once its invocation is certainly over. The Alibaba client
 * sends nothing after the deadline (rpcClient.ts), and the handlers keep 500-1,000 ms after it to
 * record the outcome and answer before Lambda stops them: past deadline + this, a record still in
 * progress belongs to an invocation that was stopped (timed out, crashed) without recording its
 * outcome, and must not lock its key until the record's full expiry.
 */
export const IN_PROGRESS_GRACE_MS = 1_000;

/**
 * Idempotency keys, by origin. The prefixes keep a client's key from ever matching a message or
 * event id: only the same client key of the same caller, over any path, means the same call.
 */
export const idempotencyKeys = {
  /** The Idempotency-Key header, or the `idempotencyKey` field of a message or event, of `caller`. */
  client: (key: string, caller: Caller): string => `key:${caller}#${key}`,
  /** An SQS message without `idempotencyKey`: its redeliveries keep the messageId. */
  sqsMessage: (messageId: string): string => `sqs:${messageId}`,
  /** An EventBridge event without `idempotencyKey`: its retries keep the event id. */
  event: (eventId: string): string => `eventbridge:${eventId}`,
  /** One attempt of a call request: however often its schedule fires, it is placed once. */
  callRequestAttempt: (requestId: string, attempt: number): string => `request:${requestId}:${attempt}`,
} as const;

/** What Alibaba's silence left us with (docs/alibaba/errors.md#gateway-codes): the call may or may not exist. */
export interface UnknownOutcome {
  /** `RequestOutcomeUnknown`, or `MissingCallId` for an OK without a CallId. */
  code: string;
  message: string;
  action?: string;
  /** Alibaba's RequestId, when an answer (without a CallId) came. */
  requestId?: string;
  httpStatus?: number;
  timedOut?: boolean;
}

/** What the idempotency record keeps (Powertools' `data`): enough to answer every retry the same way. */
export type CallOutcome = { outcome: 'placed'; call: PlacedCall } | { outcome: 'unknown'; failure: UnknownOutcome };

/** An outcome, and whether it was replayed from an earlier request with the same key. */
export type PlacementResult = CallOutcome & { replayed: boolean };

/**
 * The line every placing path logs for a placed call (`call placed`, or `call placement replayed`), one
 * shape for the saved queries (docs/operations.md#one-calls-story); `durationMs` counts from `startedAt`.
 */
export function logPlacedCall(logger: Logger, result: PlacementResult & { outcome: 'placed' }, startedAt: number, fields: Record<string, unknown> = {}): void {
  const { call } = result;
  logger.info(result.replayed ? 'call placement replayed' : 'call placed', {
    ...fields,
    callId: call.callId,
    type: call.type,
    outId: call.outId,
    alibabaRequestId: call.requestId,
    replayed: result.replayed,
    durationMs: Date.now() - startedAt,
  });
}

export interface PlacementDependencies extends CallsDependencies {
  /** Powertools persistence layer on IDEMPOTENCY_TABLE (see createIdempotencyStore). */
  idempotencyStore: BasePersistenceLayer;
  /** How long an outcome is kept and replayed for its key (IDEMPOTENCY_TTL_SECONDS). */
  idempotencyTtlSeconds: number;
}

/**
 * The function argument Powertools hashes: the key picks the record, the request is compared. A type
 * alias, not an interface, so that it is assignable to Powertools' JSON types.
 */
export type PlacementPayload = {
  key: string;
  request: PlaceCallRequest;
};

/** JMESPath into PlacementPayload: the record id from `key`, the conflict check on `request`. */
const EVENT_KEY_PATH = 'key';
const PAYLOAD_VALIDATION_PATH = 'request';

/**
 * The Powertools settings of every placement: the record id from the key, the conflict check on the
 * validated request (so whitespace and field order never matter), records kept `ttlSeconds`.
 */
export function placementIdempotencyConfig(ttlSeconds: number): IdempotencyConfig {
  return new IdempotencyConfig({
    eventKeyJmesPath: EVENT_KEY_PATH,
    payloadValidationJmesPath: PAYLOAD_VALIDATION_PATH,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: ttlSeconds,
  });
}

/** The payload whose record a placement with this key and request reads and writes. */
export function placementPayload(key: string, request: PlaceCallRequest): PlacementPayload {
  return { key, request };
}

/**
 * Validates a call request and its optional idempotency key together, so one 400 lists every
 * offending field (`header.idempotency-key` or `idempotencyKey`, and the body's fields).
 */
export function parsePlacementRequest(
  body: unknown,
  idempotencyKey?: { value: unknown; path: string },
): { request: PlaceCallRequest; idempotencyKey: string | undefined } {
  const issues: FieldIssue[] = [];
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const key = idempotencyKey && idempotencyKey.value !== undefined
    ? collect(() => parseOrThrow(idempotencyKeySchema, idempotencyKey.value, idempotencyKey.path))
    : undefined;
  const request = collect(() => parseOrThrow(placeCallRequestSchema, body));
  if (request === undefined || issues.length > 0) throw new ValidationError(issues);
  return { request, idempotencyKey: key };
}

/**
 * Places `request` once per `key` (see the module comment); without a key, simply places it. A call
 * whose outcome is unknown is an outcome, not an error: the caller answers or logs it.
 *
 * Throws what proves nothing was placed: ValidationError, AlibabaError (rejected, throttled,
 * account, transient), IdempotencyConflictError, IdempotencyInProgressError; and, unmapped, a
 * failure of the idempotency table before anything was sent.
 *
 * @example
 * const result = await placeCallOnce(request, idempotencyKeys.client('order-17', callers.aws(userId)), deps, { deadline });
 * if (result.outcome === 'placed') result.call.callId;
 */
export async function placeCallOnce(
  request: PlaceCallRequest,
  key: string | undefined,
  deps: PlacementDependencies,
  options: { deadline: number; callRequest?: CallRequestTag },
): Promise<PlacementResult> {
  if (key === undefined) return { ...(await attemptPlacement(request, deps, options)), replayed: false };

  // A new config per placement: the in-progress expiry below belongs to this invocation alone,
  // even when several placements run at once in one process.
  const config = placementIdempotencyConfig(deps.idempotencyTtlSeconds);
  // Powertools reads the in-progress expiry from the Lambda context's remaining time.
  config.registerLambdaContext(remainingTimeUntil(options.deadline + IN_PROGRESS_GRACE_MS));

  let fresh: CallOutcome | undefined;
  let failure: { error: unknown } | undefined;
  const placeIdempotently = makeIdempotent(
    async (payload: PlacementPayload): Promise<CallOutcome> => {
      try {
        fresh = await attemptPlacement(payload.request, deps, options);
        return fresh;
      } catch (error) {
        failure = { error };
        throw error;
      }
    },
    { persistenceStore: deps.idempotencyStore, config, keyPrefix: IDEMPOTENCY_KEY_NAMESPACE },
  );

  try {
    const outcome = await placeIdempotently(placementPayload(key, request));
    // The function ran only when no completed record existed: otherwise this is the stored outcome.
    if (fresh) return { ...fresh, replayed: false };
    return { ...storedOutcome(outcome), replayed: true };
  } catch (error) {
    const name = powertoolsErrorName(error);
    if (name === 'IdempotencyValidationError') throw new IdempotencyConflictError();
    // Powertools retries a record that changed under it twice, then gives up: a retry will settle.
    if (name === 'IdempotencyAlreadyInProgressError' || name === 'IdempotencyInconsistentStateError') {
      throw new IdempotencyInProgressError();
    }
    if (name === 'IdempotencyPersistenceLayerError' && fresh) {
      // The call was placed (or may have been) but its record not completed: answer the truth.
      // The INPROGRESS record still blocks retries until its in-progress expiry.
      deps.logger.error('call placement not recorded in the idempotency table: a retry after the in-progress expiry could place it again', {
        idempotencyKey: key,
        outcome: fresh.outcome,
        callId: fresh.outcome === 'placed' ? fresh.call.callId : undefined,
        error,
      });
      return { ...fresh, replayed: false };
    }
    if (name === 'IdempotencyPersistenceLayerError' && failure) {
      // Nothing was placed, but the INPROGRESS record could not be deleted: it lapses at its
      // in-progress expiry. The caller still deserves the real reason.
      deps.logger.warn('idempotency record of a failed placement not deleted; its key is free again after the in-progress expiry', {
        idempotencyKey: key,
        error,
      });
      throw failure.error;
    }
    throw error;
  }
}

/** The error that answers an unknown outcome (504 RequestOutcomeUnknown), the first time and on every replay. */
export function unknownOutcomeError(failure: UnknownOutcome): AlibabaError {
  const { code, message, ...details } = failure;
  return new AlibabaError('ambiguous', code, message, details);
}

/** Places the call; an unknown outcome is returned, not thrown, so that Powertools saves it. */
async function attemptPlacement(request: PlaceCallRequest, deps: CallsDependencies, options: { deadline: number; callRequest?: CallRequestTag }): Promise<CallOutcome> {
  try {
    return { outcome: 'placed', call: await placeAndRecordCall(request, deps, options) };
  } catch (error) {
    if (error instanceof AlibabaError && error.kind === 'ambiguous') return { outcome: 'unknown', failure: describeUnknown(error) };
    throw error;
  }
}

/** The stored form holds no `undefined` (Powertools' marshalling refuses it) and no `cause`. */
function describeUnknown(error: AlibabaError): UnknownOutcome {
  const { action, requestId, httpStatus, timedOut } = error.details;
  return {
    code: error.code,
    message: error.message,
    ...(action !== undefined ? { action } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(timedOut !== undefined ? { timedOut } : {}),
  };
}

/**
 * A record written by this module, rebuilt field by field: DynamoDB keeps no order of a map's keys,
 * and a replay must answer the very same JSON text. Anything else in the table is a defect.
 */
function storedOutcome(data: unknown): CallOutcome {
  const record = data as Partial<{ outcome: string; call: Partial<PlacedCall>; failure: Partial<UnknownOutcome> }> | null;
  const call = record?.call;
  if (record?.outcome === 'placed' && call && typeof call.callId === 'string' && typeof call.type === 'string') {
    return {
      outcome: 'placed',
      call: { callId: call.callId, type: call.type, outId: String(call.outId), requestId: String(call.requestId), status: 'placed', createdAt: String(call.createdAt) },
    };
  }
  const failure = record?.failure;
  if (record?.outcome === 'unknown' && failure && typeof failure.code === 'string') {
    return { outcome: 'unknown', failure: { ...failure, code: failure.code, message: String(failure.message) } };
  }
  throw new Error('the idempotency record holds no placement outcome');
}

/**
 * Powertools' errors are told apart by name, as Powertools itself does: its persistence layer and
 * its handler may be loaded from different builds (ESM and CommonJS) of the package.
 */
function powertoolsErrorName(error: unknown): string | undefined {
  return error instanceof Error && error.name.startsWith('Idempotency') ? error.name : undefined;
}

/** The one thing Powertools reads from a Lambda context: the time left, here until `until` (epoch ms). */
type RemainingTime = Parameters<IdempotencyConfig['registerLambdaContext']>[0];

function remainingTimeUntil(until: number): RemainingTime {
  // At least 1 ms: Powertools treats 0 as "no context" and would then never expire the record early.
  return { getRemainingTimeInMillis: () => Math.max(1, until - Date.now()) } as RemainingTime;
}

