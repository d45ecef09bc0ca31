/**
 * Call requests that arrive as messages (docs/triggers.md#calls-from-sqs, "Call requests from
 * EventBridge"): a POST /calls body plus an optional `idempotencyKey`, from the SQS queue
 * (functions/placeCallsFromQueue.ts) or an EventBridge rule (functions/placeCallFromEvent.ts).
 * Each is placed at most once per key (placement.ts: the `idempotencyKey`, else the message or
 * event id, so a redelivery places nothing).
 *
 * What a message can lead to:
 * - placed (or replayed): done;
 * - refused for good (malformed, invalid, Alibaba `rejected`, key reused for another request):
 *   kept as a REJECTED item with the reason and the raw body, and not delivered again;
 * - refused for flow control (the guard, or Alibaba's isv.BUSINESS_LIMIT_CONTROL): waits for its
 *   window — the trigger sends it back to the queue, delayed until the window opens
 *   (docs/flow-control.md#queued-requests-wait), so flow control alone never costs a delivery;
 * - failed for now (Alibaba throttling, `transient`, `account`, a duplicate still in flight, our
 *   own storage failing): handed back to the trigger, which delivers it again (SQS: after the
 *   visibility timeout, to the DLQ after the queue's maxReceiveCount; EventBridge: Lambda's
 *   asynchronous retries, then the on-failure destination);
 * - outcome unknown (sent, no answer, docs/alibaba/errors.md#gateway-codes): stored with the key and logged as an error, never
 *   delivered again, since a second attempt could place a second call.
 */
import { FLOW_CONTROL_CODE } from '../alibaba/classify.ts';
import { AlibabaError, FlowControlError, IdempotencyConflictError, IdempotencyInProgressError, TRANSPORT_CODES, ValidationError, type FieldIssue } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { assertWellFormedText, parseOrThrow } from '../validation.ts';
import type { Caller } from '../calls/callers.ts';
import { idempotencyKeySchema } from '../calls/schemas.ts';
import { idempotencyKeys, logPlacedCall, parsePlacementRequest, placeCallOnce, type PlacementDependencies } from '../calls/placement.ts';
import type { PlaceCallRequest } from '../calls/schemas.ts';
import { parseCallRequest, SCHEDULING_FIELDS } from './schemas.ts';
import { createCallRequest, type CallRequestPlacementDependencies } from './service.ts';

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
  /**
   * SQS messageId or EventBridge event id: the idempotency key unless the body names one. For a
   * message that waited for its flow-control window, the id (and source and time) of the message it
   * stands for.
   */
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
  /** The message carried scheduling fields: it became (or, redelivered, already was) a call request. */
  | { verdict: 'requested'; requestId: string; replayed: boolean }
  | { verdict: 'unknown'; code: string; replayed: boolean }
  | { verdict: 'rejected'; code: string; reason: string }
  | { verdict: 'retry'; code: string; reason: string; error: unknown }
  /** Flow control: place it when its window opens, at `retryAt` (epoch ms), under the same `key`. */
  | { verdict: 'wait'; code: string; reason: string; retryAt: number; key: string; request: PlaceCallRequest; error: unknown };

/**
 * A request sent back to wait for its flow-control window (docs/flow-control.md#queued-requests-wait):
 * delivered again, as a new message, once `retryAt` has come, and placed under the same key.
 */
export interface WaitingPlacement {
  /** The message body to deliver again: a POST /calls body plus optional `idempotencyKey`. */
  body: string;
  /** The idempotency key it is placed under (the original message's). */
  key: string;
  /** Where the request first came from, its id and when it was received: a rejection names these. */
  source: RequestSource;
  messageId: string;
  receivedAt: string;
  /** Who sent it first: its idempotencyKey stays that caller's when it is delivered again. */
  caller: Caller;
  /** Epoch ms: when its window opens. */
  retryAt: number;
}

/** The first message a waiting one stands for (WaitingPlacement without its body, key and time). */
export type WaitingOrigin = Pick<WaitingPlacement, 'source' | 'messageId' | 'receivedAt' | 'caller'>;

/** Port of the queue that keeps waiting requests until their window opens (shared/triggers/waitingQueue.ts). */
export interface WaitingQueue {
  sendBack(waiting: WaitingPlacement, options: { deadline: number }): Promise<void>;
  /**
   * The origin a delivered message's waiting attribute names, if this bundle sent it back (its seal
   * holds); undefined for any other message, whatever a producer wrote in that attribute.
   */
  originOf(attributeValue: string | undefined): Promise<WaitingOrigin | undefined>;
}

export interface PlacementMessageDependencies extends PlacementDependencies {
  rejections: RejectedRequestStore;
  /** Where requests refused for flow control wait; without one, they are delivered again like a failure. */
  waitingQueue?: WaitingQueue;
  /** Where a message with scheduling fields becomes a call request; without it such a message is refused. */
  callRequests?: CallRequestPlacementDependencies;
  /** Absolute epoch ms by which Alibaba must have answered. */
  deadline: number;
}

/** How a failed request is treated (see the module comment). */
export type FailureClass =
  | { kind: 'permanent'; code: string; reason: string; errors?: FieldIssue[] }
  | { kind: 'transient'; code: string; reason: string; expected: boolean }
  | { kind: 'unknown'; code: string; reason: string }
  | { kind: 'wait'; code: string; reason: string; retryAt: number };

/**
 * Classifies what `placeCallOnce` (or reading the message) threw. Only failures that prove the
 * request can never succeed as sent are permanent; only an unknown outcome must never be retried;
 * everything else (including our own faults: nothing is lost, a poison message ends in the DLQ) is
 * transient, except flow control, which waits for its window. `expected` is false for faults of
 * this service, logged as errors.
 *
 * @example classifyRequestFailure(new AlibabaError('throttled', 'Throttling.User', '...')) // { kind: 'transient', ... }
 */
export function classifyRequestFailure(error: unknown, now: number = Date.now()): FailureClass {
  if (error instanceof FlowControlError) {
    return { kind: 'wait', code: 'FLOW_CONTROL', reason: error.message, retryAt: error.retryAt };
  }
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
        // Alibaba's per-number flow control names its window (classify.ts): the number is held
        // that long (service.ts), so the message waits for it like a refusal of the guard.
        if (error.code === FLOW_CONTROL_CODE) {
          const retryAt = Math.ceil((now + (error.details.retryAfterSeconds ?? 60) * 1000) / 1000) * 1000;
          return { kind: 'wait', code: error.code, reason: `Alibaba flow control: ${error.message}${alibaba}`, retryAt };
        }
        return { kind: 'transient', code: error.code, reason: `Alibaba throttled the request: ${error.message}${alibaba}`, expected: true };
      case 'account':
        // Needs an operator, but nothing about the request itself is wrong: delivered again, then DLQ.
        return { kind: 'transient', code: error.code, reason: `Alibaba refused this service's account or credentials${alibaba}`, expected: false };
      case 'transient':
        return { kind: 'transient', code: error.code, reason: `Alibaba unavailable: ${error.message}`, expected: true };
    }
  }
  return { kind: 'transient', code: 'INTERNAL_ERROR', reason: 'A fault of this service', expected: false };
}

/** A message after reading and validation: a call to place now, a call request to create, or refused before anything was sent. */
export type ReadMessage =
  | { ok: true; kind: 'call'; message: PlacementMessage; request: PlaceCallRequest; key: string; idempotencyKey: string | undefined }
  | { ok: true; kind: 'request'; message: PlacementMessage; body: Record<string, unknown>; key: string; idempotencyKey: string | undefined }
  | { ok: false; message: PlacementMessage; error: unknown };

/**
 * Reads and validates one message; CPU only, no I/O. A trigger reads every message of its batch
 * before it places any, so that no parsing or validation ever runs while another message's request
 * is at Alibaba: a hostile message cannot delay the invocation while a call it did not send waits
 * for its answer (docs/triggers.md#one-message-cannot-cost-another-its-guarantee).
 */
export function readPlacementMessage(message: PlacementMessage): ReadMessage {
  try {
    const content = message.read();
    assertWellFormedText(content);
    if (carriesSchedulingFields(content)) return readCallRequestContent(message, content);
    const { request, idempotencyKey } = parseCallRequestContent(content);
    const key = idempotencyKey !== undefined ? idempotencyKeys.client(idempotencyKey, message.caller) : implicitKey(message);
    return { ok: true, kind: 'call', message, request, key, idempotencyKey };
  } catch (error) {
    return { ok: false, message, error };
  }
}

/**
 * Reads, validates and places one request, and keeps what is refused for good. Never throws: the
 * verdict says whether the trigger must deliver the message again (`retry`) or let it wait for its
 * flow-control window (`wait`).
 */
export async function handlePlacementMessage(message: PlacementMessage, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  return placeReadMessage(readPlacementMessage(message), deps);
}

/** Places a message that readPlacementMessage read (see handlePlacementMessage). */
export async function placeReadMessage(read: ReadMessage, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  const { message } = read;
  const logger = deps.logger.child({ source: message.source, messageId: message.messageId });
  // Validation first: a malformed request never touches the idempotency table.
  if (!read.ok) return settleFailure(read.error, message, undefined, deps.rejections, logger);
  if (read.kind === 'request') return createRequestFromMessage(read, deps, logger);
  const { request, key, idempotencyKey } = read;
  const context = { type: request.type, outId: request.outId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
  try {
    if (deps.deadline - Date.now() < deps.voice.attemptTimeoutMs + RECORDING_MARGIN_MS) {
      const reason = 'not started: too little time left in this invocation';
      logger.warn('call request not started: too little time left; it will be delivered again', context);
      const error = new AlibabaError('transient', TRANSPORT_CODES.deadlineExceeded, reason, { timedOut: true });
      return { verdict: 'retry', code: error.code, reason, error };
    }

    const startedAt = Date.now();
    const result = await placeCallOnce(request, key, { ...deps, logger }, { deadline: deps.deadline });
    if (result.outcome === 'placed') {
      logPlacedCall(logger, result, startedAt, { ...context, replayed: result.replayed });
      return { verdict: 'placed', callId: result.call.callId, replayed: result.replayed };
    }
    logger.error('call outcome unknown: not delivered again, since a retry could place a second call; check the receipts', {
      ...context,
      code: result.failure.code,
      alibabaRequestId: result.failure.requestId,
      replayed: result.replayed,
    });
    return { verdict: 'unknown', code: result.failure.code, replayed: result.replayed };
  } catch (error) {
    return settleFailure(error, message, { request, key }, deps.rejections, logger);
  }
}

/** What reading or placing threw, settled: kept as REJECTED, handed back for another delivery, or left to wait. */
async function settleFailure(
  error: unknown,
  message: PlacementMessage,
  placement: { request: PlaceCallRequest; key: string } | undefined,
  rejections: RejectedRequestStore,
  logger: Logger,
): Promise<MessageVerdict> {
  const failure = classifyRequestFailure(error);
  if (failure.kind === 'unknown') {
    // placeCallOnce returns unknown outcomes; one thrown anyway must still never be retried.
    logger.error('call outcome unknown: not delivered again; check the receipts', { code: failure.code, error });
    return { verdict: 'unknown', code: failure.code, replayed: false };
  }
  if (failure.kind === 'wait' && placement) {
    logger.info('call request waits for its flow-control window', { code: failure.code, retryAt: new Date(failure.retryAt).toISOString() });
    return { verdict: 'wait', code: failure.code, reason: failure.reason, retryAt: failure.retryAt, ...placement, error };
  }
  if (failure.kind === 'transient' || failure.kind === 'wait') {
    const fields = { code: failure.code, reason: failure.reason, error };
    if (failure.kind === 'wait' || failure.expected) logger.warn('call request not placed now; it will be delivered again', fields);
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
 * A message whose fields include any of SCHEDULING_FIELDS is a call request (docs/call-requests.md#other-ways-in):
 * its call fields become `call`, its scheduling fields stay beside it. Validated here, like a call;
 * field paths then name the message's own fields (`calledNumber`, not `call.calledNumber`).
 */
function readCallRequestContent(message: PlacementMessage, content: Record<string, unknown>): ReadMessage {
  const { idempotencyKey, ...fields } = content;
  const key = idempotencyKey !== undefined ? idempotencyKeys.client(parseOrThrow(idempotencyKeySchema, idempotencyKey, 'idempotencyKey'), message.caller) : implicitKey(message);
  const call: Record<string, unknown> = {};
  const body: Record<string, unknown> = { call };
  for (const [name, value] of Object.entries(fields)) {
    if ((SCHEDULING_FIELDS as readonly string[]).includes(name)) body[name] = value;
    else call[name] = value;
  }
  try {
    parseCallRequest(body, Date.now());
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: issue.path.replace(/^call\.?/, '') || 'body' })));
  }
  return { ok: true, kind: 'request', message, body, key, idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined };
}

/** Creates the call request a message carries (service.ts), under the message's key: a redelivery creates nothing twice. */
async function createRequestFromMessage(
  read: Extract<ReadMessage, { kind: 'request' }>,
  deps: PlacementMessageDependencies,
  logger: Logger,
): Promise<MessageVerdict> {
  if (!deps.callRequests) {
    return settleFailure(new ValidationError([{ path: SCHEDULING_FIELDS.find((field) => field in read.body) ?? 'body', message: 'call requests are not set up on this stage (CALL_REQUEST_* settings)' }]), read.message, undefined, deps.rejections, logger);
  }
  try {
    const { view, created } = await createCallRequest(read.body, { idempotencyKey: read.key, deadline: deps.deadline }, { ...deps.callRequests, logger });
    logger.info(created ? 'call request created from a message' : 'call request message replayed', { requestId: view.requestId, status: view.status });
    return { verdict: 'requested', requestId: view.requestId, replayed: !created };
  } catch (error) {
    return settleFailure(error, read.message, undefined, deps.rejections, logger);
  }
}

function carriesSchedulingFields(content: unknown): content is Record<string, unknown> {
  return typeof content === 'object' && content !== null && !Array.isArray(content) && SCHEDULING_FIELDS.some((field) => field in content);
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
