/**
 * Call requests that arrive as messages (README "Call requests from SQS", "Call requests from
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
 * - outcome unknown (sent, no answer, spec §4.2): stored with the key and logged as an error, never
 *   delivered again, since a second attempt could place a second call.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, TRANSPORT_CODES } from '../alibaba/rpcClient.ts';
import { AlibabaError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError, type FieldIssue } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { assertWellFormedText } from '../validation.ts';
import type { RejectedRequestStore, RequestSource } from '../store/rejectedRequests.ts';
import { idempotencyKeys, parsePlacementRequest, placeCallOnce, type PlacementDependencies } from './placement.ts';

/** The EventBridge detail-type of a call request (the rule matches it; anything else is refused). */
export const PLACE_CALL_DETAIL_TYPE = 'Place Call';

/**
 * Messages of one SQS batch placed at the same time. Alibaba's QPS limits are per account, across
 * every running invocation (spec §3.3 IvrCall 100 QPS, the lowest of the call-placing actions;
 * §3.1 SingleCallByTts and §3.6 SmartCall 1,000; §3.2 SingleCallByVoice 1,200). An answer takes
 * some 50-200 ms, so 2 in flight is at most ~40 requests/s per invocation, and with the SQS
 * trigger's maximumConcurrency at its minimum of 2 the queue alone stays under 100 QPS, leaving room
 * for the HTTP route. Sequential would halve a batch's throughput for no safety gained. Per-number
 * flow control (spec §3: 1/min, 5/h, 20/24 h) does not depend on this: a throttled message simply
 * comes back after the visibility timeout.
 */
export const QUEUE_CONCURRENCY = 2;

/**
 * A message is not started with less time than this left: an attempt cut short by the deadline after
 * the request was sent would make its outcome unknown. One full attempt (rpcClient.ts) plus the
 * writes that record the call. Not started, it is simply delivered again.
 */
export const MIN_TIME_TO_PLACE_MS = DEFAULT_ATTEMPT_TIMEOUT_MS + 1_000;

/** One request as its trigger delivered it. */
export interface CallRequestMessage {
  source: RequestSource;
  /** SQS messageId or EventBridge event id: the idempotency key unless the body names one. */
  messageId: string;
  /** ISO-8601 UTC: when the queue or the bus received it (kept by redeliveries). */
  receivedAt: string;
  /** The request as received, kept with a rejection. */
  rawBody: string;
  /** The POST /calls body plus optional `idempotencyKey`; throws ValidationError when unreadable. */
  read(): unknown;
}

export type RequestVerdict =
  | { verdict: 'placed'; callId: string; replayed: boolean }
  | { verdict: 'unknown'; code: string; replayed: boolean }
  | { verdict: 'rejected'; code: string; reason: string }
  | { verdict: 'retry'; code: string; reason: string; error: unknown };

export interface CallRequestDependencies extends PlacementDependencies {
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
export async function handleCallRequest(message: CallRequestMessage, deps: CallRequestDependencies): Promise<RequestVerdict> {
  const logger = deps.logger.child({ source: message.source, messageId: message.messageId });
  try {
    // Validation first: a malformed request never touches the idempotency table.
    const content = message.read();
    assertWellFormedText(content);
    const { request, idempotencyKey } = parseCallRequestContent(content);
    const key = idempotencyKey === undefined ? implicitKey(message) : idempotencyKeys.client(idempotencyKey);
    const context = { type: request.type, outId: request.outId, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
    if (deps.deadline - Date.now() < MIN_TIME_TO_PLACE_MS) {
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

/**
 * An SQS batch (ReportBatchItemFailures): every message is handled on its own, QUEUE_CONCURRENCY at a
 * time, and only those to deliver again are reported, so one bad message never fails the batch.
 */
export async function placeQueuedCalls(records: readonly SQSRecord[], deps: CallRequestDependencies): Promise<SQSBatchResponse> {
  const verdicts: RequestVerdict[] = new Array(records.length);
  await runLimited(records, QUEUE_CONCURRENCY, async (record, index) => {
    verdicts[index] = await handleCallRequest(sqsMessage(record), deps);
  });
  const batchItemFailures = records.filter((_record, index) => verdicts[index]!.verdict === 'retry').map((record) => ({ itemIdentifier: record.messageId }));
  const summary = countVerdicts(verdicts);
  deps.logger.info('queued call requests handled', { messages: records.length, ...summary });
  return { batchItemFailures };
}

/**
 * One EventBridge event. Returns normally when it is done with (placed, replayed, rejected, outcome
 * unknown); throws when it should be delivered again, so Lambda's asynchronous retries and then the
 * on-failure destination apply.
 */
export async function placeEventCall(event: EventBridgeEvent<string, unknown>, deps: CallRequestDependencies): Promise<RequestVerdict> {
  const hasId = typeof event.id === 'string' && event.id !== '';
  const verdict = await handleCallRequest(
    {
      source: 'eventbridge',
      // An event always has an id; without one (a hand-made invoke) it is refused, under a fresh id.
      messageId: hasId ? event.id : `no-id-${randomUUID()}`,
      receivedAt: isoTime(event.time),
      rawBody: JSON.stringify(event),
      read: () => {
        const issues: FieldIssue[] = [];
        if (!hasId) issues.push({ path: 'id', message: 'is required' });
        if (event['detail-type'] !== PLACE_CALL_DETAIL_TYPE) issues.push({ path: 'detail-type', message: `must be "${PLACE_CALL_DETAIL_TYPE}"` });
        if (issues.length > 0) throw new ValidationError(issues);
        return event.detail;
      },
    },
    deps,
  );
  if (verdict.verdict === 'retry') throw verdict.error;
  return verdict;
}

/** What reading or placing threw, settled: kept as REJECTED, or handed back for another delivery. */
async function settleFailure(error: unknown, message: CallRequestMessage, rejections: RejectedRequestStore, logger: Logger): Promise<RequestVerdict> {
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

/** The request and its key; `idempotencyKey` is taken out of the body before the body is validated. */
function parseCallRequestContent(content: unknown): ReturnType<typeof parsePlacementRequest> {
  if (typeof content === 'object' && content !== null && !Array.isArray(content) && 'idempotencyKey' in content) {
    const { idempotencyKey, ...body } = content as Record<string, unknown>;
    return parsePlacementRequest(body, { value: idempotencyKey, path: 'idempotencyKey' });
  }
  return parsePlacementRequest(content);
}

function implicitKey(message: CallRequestMessage): string {
  return message.source === 'sqs' ? idempotencyKeys.sqsMessage(message.messageId) : idempotencyKeys.event(message.messageId);
}

function sqsMessage(record: SQSRecord): CallRequestMessage {
  const body = record.body ?? '';
  // SQS always sets a messageId; without one (a hand-made invoke) the message is refused, under a
  // fresh id, rather than share the key `sqs:undefined` with every other such message.
  const hasId = typeof record.messageId === 'string' && record.messageId !== '';
  // SentTimestamp (epoch ms) is when SQS accepted the message: the same on every redelivery.
  const sent = Number(record.attributes?.SentTimestamp);
  return {
    source: 'sqs',
    messageId: hasId ? record.messageId : `no-id-${randomUUID()}`,
    receivedAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : new Date().toISOString(),
    rawBody: body,
    read: () => {
      if (!hasId) throw new ValidationError([{ path: 'messageId', message: 'is required' }]);
      try {
        return JSON.parse(body) as unknown;
      } catch {
        throw new ValidationError([{ path: 'body', message: 'is not valid JSON' }]);
      }
    },
  };
}

function isoTime(value: unknown): string {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? Date.now() : parsed).toISOString();
}

interface VerdictCounts {
  placed: number;
  replayed: number;
  rejected: number;
  retried: number;
  unknown: number;
}

function countVerdicts(verdicts: readonly RequestVerdict[]): VerdictCounts {
  const counts: VerdictCounts = { placed: 0, replayed: 0, rejected: 0, retried: 0, unknown: 0 };
  for (const verdict of verdicts) {
    if (verdict.verdict === 'placed') counts[verdict.replayed ? 'replayed' : 'placed'] += 1;
    else if (verdict.verdict === 'rejected') counts.rejected += 1;
    else if (verdict.verdict === 'retry') counts.retried += 1;
    else counts.unknown += 1;
  }
  return counts;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function runLimited<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
