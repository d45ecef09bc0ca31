/**
 * Call requests that arrive as messages (docs/triggers.md#call-requests-from-sqs, "Call requests from
 * EventBridge"): a POST /calls body plus an optional `idempotencyKey`, from the SQS queue
 * (functions/placeCallsFromQueue.ts) or an EventBridge rule (functions/placeCallFromEvent.ts).
 * Each is placed at most once per key (placement.ts: the `idempotencyKey`, else the message or
 * event id, so a redelivery places nothing).
 *
 * What a message can lead to:
 * - placed (or replayed): done;
 * - refused for good (malformed, invalid, Alibaba `rejected`, key reused for another request):
 *   kept as a REJECTED item with the reason and the raw body, and not delivered again;
 * - failed for now (Alibaba `throttled`, `transient`, `account`, a duplicate still in flight, our
 *   own storage failing): handed back to the trigger, which delivers it again (SQS: after the
 *   visibility timeout, to the DLQ after the queue's maxReceiveCount; EventBridge: Lambda's
 *   asynchronous retries, then the on-failure destination);
 * - outcome unknown (sent, no answer, docs/alibaba/errors.md#gateway-codes): stored with the key and logged as an error, never
 *   delivered again, since a second attempt could place a second call.
 */
import { AlibabaError, IdempotencyConflictError, IdempotencyInProgressError, TRANSPORT_CODES, ValidationError, type FieldIssue } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Caller } from './callers.ts';
import { assertWellFormedText } from '../validation.ts';
import { idempotencyKeys, parsePlacementRequest, placeCallOnce, type PlacementDependencies } from './placement.ts';

/**
 * A message is not started with less time left than one full Alibaba attempt (the voice client's
 * `attemptTimeoutMs`) plus this, for the writes that record the call: an attempt cut short by the
 * deadline after the request was sent would make its outcome unknown. Not started, it is simply
 * delivered again.
 */
export const RECORDING_MARGIN_MS = 1_000;

/** Where a refused request came from; names its partition. */
export type RequestSource = 'sqs' | 'eventbridge';

export interface RejectedRequest {
  source: RequestSource;
  /** SQS messageId or EventBridge event id. */
  messageId: string;
  /** ISO-8601 UTC: when the queue or the bus received the request. */
  receivedAt: string;
  /** Why it was refused, for a person reading the item. */
  reason: string;
  /** `VALIDATION_FAILED`, `IDEMPOTENCY_CONFLICT`, or Alibaba's code (`isv.MOBILE_NUMBER_ILLEGAL`, ...). */
  code: string;
  /** The offending fields, for validation failures. */
  errors?: FieldIssue[];
  /** The request exactly as received (cut to MAX_REJECTED_BODY_CHARS). */
  body: string;
}

/** Port for recording refused requests (the DynamoDB adapter: shared/store/rejectedRequests.ts). */
export interface RejectedRequestStore {
  record(rejection: RejectedRequest): Promise<void>;
}

/** One request as its trigger delivered it. */
export interface PlacementMessage {
  source: RequestSource;
  /** SQS messageId or EventBridge event id: the idempotency key unless the body names one. */
  messageId: string;
  /** ISO-8601 UTC: when the queue or the bus received it (kept by redeliveries). */
  receivedAt: string;
  /** Who sent it, as far as the queue or the bus tells: the owner of its `idempotencyKey`. */
  caller: Caller;
  /** The request as received, kept with a rejection. */
  rawBody: string;
  /** The POST /calls body plus optional `idempotencyKey`; throws ValidationError when unreadable. */
  read(): unknown;
}

export type MessageVerdict =
  | { verdict: 'placed'; callId: string; replayed: boolean }
  | { verdict: 'unknown'; code: string; replayed: boolean }
  | { verdict: 'rejected'; code: string; reason: string }
  | { verdict: 'retry'; code: string; reason: string; error: unknown };

export interface PlacementMessageDependencies extends PlacementDependencies {
  rejections: RejectedRequestStore;
  /** Absolute epoch ms by which Alibaba must have answered. */
  deadline: number;
}

/** How a failed request is treated (see the module comment). */
export type FailureClass =
  | { kind: 'permanent'; code: string; reason: string; errors?: FieldIssue[] }
  | { kind: 'transient'; code: string; reason: string; expected: boolean }
  | { kind: 'unknown'; code: string; reason: string };

/**
 * Classifies what `placeCallOnce` (or reading the message) threw. Only failures that prove the
 * request can never succeed as sent are permanent; only an unknown outcome must never be retried;
 * everything else (including our own faults: nothing is lost, a poison message ends in the DLQ) is
 * transient. `expected` is false for faults of this service, logged as errors.
 *
 * @example classifyRequestFailure(new AlibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', '...')) // { kind: 'transient', ... }
 */
export function classifyRequestFailure(error: unknown): FailureClass {
  if (error instanceof ValidationError) {
    return { kind: 'permanent', code: 'VALIDATION_FAILED', reason: `Invalid request: ${error.message}`, errors: error.issues };
  }
  if (error instanceof IdempotencyConflictError) {
    return { kind: 'permanent', code: 'IDEMPOTENCY_CONFLICT', reason: error.message };
  }
  if (error instanceof IdempotencyInProgressError) {
    return { kind: 'transient', code: 'IDEMPOTENCY_IN_PROGRESS', reason: error.message, expected: true };
  }
  if (error instanceof AlibabaError) {
    const alibaba = error.requestId ? ` (Alibaba RequestId ${error.requestId})` : '';
    switch (error.kind) {
      case 'rejected':
        return { kind: 'permanent', code: error.code, reason: `Alibaba rejected the request: ${error.message}${alibaba}` };
      case 'ambiguous':
        return { kind: 'unknown', code: error.code, reason: `Alibaba did not answer after the request was sent; the call may have been placed${alibaba}` };
      case 'throttled':
        return { kind: 'transient', code: error.code, reason: `Alibaba flow control: ${error.message}${alibaba}`, expected: true };
      case 'account':
        // Needs an operator, but nothing about the request itself is wrong: delivered again, then DLQ.
        return { kind: 'transient', code: error.code, reason: `Alibaba refused this service's account or credentials${alibaba}`, expected: false };
      case 'transient':
        return { kind: 'transient', code: error.code, reason: `Alibaba unavailable: ${error.message}`, expected: true };
    }
  }
  return { kind: 'transient', code: 'INTERNAL_ERROR', reason: 'A fault of this service', expected: false };
}

/**
 * Reads, validates and places one request, and keeps what is refused for good. Never throws: the
 * verdict says whether the trigger must deliver the message again (`retry`).
 */
export async function handlePlacementMessage(message: PlacementMessage, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  const logger = deps.logger.child({ source: message.source, messageId: message.messageId });
  try {
    // Validation first: a malformed request never touches the idempotency table.
    const { request, idempotencyKey, key } = readCallRequest(message);
    const context = { type: request.type, outId: request.outId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
    if (deps.deadline - Date.now() < deps.voice.attemptTimeoutMs + RECORDING_MARGIN_MS) {
      const reason = 'not started: too little time left in this invocation';
      logger.warn('call request not started: too little time left; it will be delivered again', context);
      const error = new AlibabaError('transient', TRANSPORT_CODES.deadlineExceeded, reason, { timedOut: true });
      return { verdict: 'retry', code: error.code, reason, error };
    }

    const result = await placeCallOnce(request, key, { ...deps, logger }, { deadline: deps.deadline });
    if (result.outcome === 'placed') {
      const { call } = result;
      logger.info(result.replayed ? 'call placement replayed' : 'call placed', {
        ...context,
        outId: call.outId,
        callId: call.callId,
        alibabaRequestId: call.requestId,
        replayed: result.replayed,
      });
      return { verdict: 'placed', callId: call.callId, replayed: result.replayed };
    }
    logger.error('call outcome unknown: not delivered again, since a retry could place a second call; check the receipts', {
      ...context,
      code: result.failure.code,
      alibabaRequestId: result.failure.requestId,
      replayed: result.replayed,
    });
    return { verdict: 'unknown', code: result.failure.code, replayed: result.replayed };
  } catch (error) {
    return settleFailure(error, message, deps.rejections, logger);
  }
}

/** What reading or placing threw, settled: kept as REJECTED, or handed back for another delivery. */
async function settleFailure(error: unknown, message: PlacementMessage, rejections: RejectedRequestStore, logger: Logger): Promise<MessageVerdict> {
  const failure = classifyRequestFailure(error);
  if (failure.kind === 'unknown') {
    // placeCallOnce returns unknown outcomes; one thrown anyway must still never be retried.
    logger.error('call outcome unknown: not delivered again; check the receipts', { code: failure.code, error });
    return { verdict: 'unknown', code: failure.code, replayed: false };
  }
  if (failure.kind === 'transient') {
    const fields = { code: failure.code, reason: failure.reason, error };
    if (failure.expected) logger.warn('call request not placed now; it will be delivered again', fields);
    else logger.error('call request failed; it will be delivered again', fields);
    return { verdict: 'retry', code: failure.code, reason: failure.reason, error };
  }
  try {
    await rejections.record({
      source: message.source,
      messageId: message.messageId,
      receivedAt: message.receivedAt,
      reason: failure.reason,
      code: failure.code,
      ...(failure.errors ? { errors: failure.errors } : {}),
      body: message.rawBody,
    });
  } catch (storeError) {
    // Not recorded, not dropped: the message comes back (and, failing again, ends in the DLQ).
    logger.error('call request rejected but the rejection could not be recorded; it will be delivered again', {
      code: failure.code,
      reason: failure.reason,
      error: storeError,
    });
    return { verdict: 'retry', code: failure.code, reason: failure.reason, error: storeError };
  }
  logger.warn('call request rejected', { code: failure.code, reason: failure.reason, errors: failure.errors });
  return { verdict: 'rejected', code: failure.code, reason: failure.reason };
}

/**
 * Reads and validates a message's request: its body (ValidationError when unreadable or invalid),
 * the `idempotencyKey` it names, and the key it is placed under (that one, else the message's id).
 * No I/O: nothing is placed or stored.
 */
export function readCallRequest(message: PlacementMessage): ReturnType<typeof parsePlacementRequest> & { key: string } {
  const content = message.read();
  assertWellFormedText(content);
  const { request, idempotencyKey } = parseCallRequestContent(content);
  return { request, idempotencyKey, key: idempotencyKey === undefined ? implicitKey(message) : idempotencyKeys.client(idempotencyKey, message.caller) };
}

/** The request and its key; `idempotencyKey` is taken out of the body before the body is validated. */
function parseCallRequestContent(content: unknown): ReturnType<typeof parsePlacementRequest> {
  if (typeof content === 'object' && content !== null && !Array.isArray(content) && 'idempotencyKey' in content) {
    const { idempotencyKey, ...body } = content as Record<string, unknown>;
    return parsePlacementRequest(body, { value: idempotencyKey, path: 'idempotencyKey' });
  }
  return parsePlacementRequest(content);
}

function implicitKey(message: PlacementMessage): string {
  return message.source === 'sqs' ? idempotencyKeys.sqsMessage(message.messageId) : idempotencyKeys.event(message.messageId);
}
