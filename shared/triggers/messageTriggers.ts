/**
 * The call-request triggers' event shapes (docs/triggers.md#calls-from-sqs, "Call requests from
 * EventBridge"): an SQS batch or an EventBridge event becomes PlacementMessages, read and placed by
 * the Lambda-free shared/callRequests/ (messageReading.ts, messagePlacing.ts), and their verdicts
 * become what the trigger expects back (partial batch failures for SQS; a throw to be retried for
 * EventBridge). Like shared/http for API Gateway, this is the only place that knows these event shapes.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { MessageVerdict, PlacementMessage, PlacementMessageDependencies } from '../callRequests/messages.ts';
import { handlePlacementMessage, placeReadMessage } from '../callRequests/messagePlacing.ts';
import { readPlacementMessage } from '../callRequests/messageReading.ts';
import { callers } from '../calls/callers.ts';
import { MAX_REQUEST_BODY_BYTES } from '../calls/schemas.ts';
import { WAITING_ATTRIBUTE, type WaitingOrigin, type WaitingQueue } from './waitingQueue.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { runLimited } from '../concurrency.ts';
import { assertJsonValueWithin, parseJsonText } from '../validation.ts';

/** The EventBridge detail-type of a call request (the rule matches it; anything else is refused). */
export const PLACE_CALL_DETAIL_TYPE = 'Place Call';

/** What the triggers need: what placing a message needs, and the queue where a message waits for its flow-control window. */
export interface MessageTriggerDependencies extends PlacementMessageDependencies {
  /** Where requests refused for flow control wait; without one, they are delivered again like a failure. */
  waitingQueue?: WaitingQueue;
}

/**
 * Messages of one SQS batch placed at the same time. Alibaba's QPS limits are per account, across
 * every running invocation (docs/alibaba/actions.md#ivrcall IvrCall 100 QPS, the lowest of the call-placing actions;
 * docs/alibaba/actions.md#singlecallbytts SingleCallByTts and docs/alibaba/actions.md#smartcall SmartCall 1,000; docs/alibaba/actions.md#singlecallbyvoice SingleCallByVoice 1,200). An answer takes
 * some 50-200 ms, so 2 in flight is at most ~40 requests/s per invocation, and with the SQS
 * trigger's maximumConcurrency at its minimum of 2 the queue alone stays under 100 QPS, leaving room
 * for the HTTP route. Sequential would halve a batch's throughput for no safety gained. Per-number
 * flow control (docs/flow-control.md) does not depend on this: a refused message waits for its
 * window in the queue.
 */
export const QUEUE_CONCURRENCY = 2;

/**
 * An SQS batch (ReportBatchItemFailures): every message is handled on its own, QUEUE_CONCURRENCY at a
 * time, and only those to deliver again are reported, so one bad message never fails the batch.
 * Every message is read and validated before any is placed (readPlacementMessage): no CPU-bound step
 * of one message can then run while another's request is at Alibaba. A message refused for flow
 * control is sent back to wait for its window and counts as handled.
 */
export async function placeQueuedCalls(records: readonly SQSRecord[], deps: MessageTriggerDependencies): Promise<SQSBatchResponse> {
  // A message this bundle sent back to wait stands for the one it came in, if its seal holds.
  const origins = await Promise.all(records.map((record) => deps.waitingQueue?.originOf(record.messageAttributes?.[WAITING_ATTRIBUTE]?.stringValue)));
  const reads = records.map((record, index) => readPlacementMessage(sqsMessage(record, origins[index])));
  const outcomes: Outcome[] = new Array(records.length);
  await runLimited(reads, QUEUE_CONCURRENCY, async (read, index) => {
    outcomes[index] = await settleWaiting(await placeReadMessage(read, deps), read.message, () => records[index]!.body ?? '', deps);
  });
  const batchItemFailures = records.filter((_record, index) => outcomes[index] === 'retry').map((record) => ({ itemIdentifier: record.messageId }));
  deps.logger.info('queued call requests handled', { messages: records.length, ...countOutcomes(outcomes) });
  return { batchItemFailures };
}

/** What became of a message: its verdict, with a wait resolved into `waiting` (sent back) or `retry`. */
type Outcome = Exclude<MessageVerdict['verdict'], 'placed' | 'wait'> | 'placed' | 'replayed' | 'waiting';

/**
 * A `wait` verdict is sent back to the queue to be delivered when its window opens; if that fails
 * (or no queue is configured), the message is delivered again like any failure.
 */
async function settleWaiting(verdict: MessageVerdict, message: PlacementMessage, body: () => string, deps: MessageTriggerDependencies): Promise<Outcome> {
  if (verdict.verdict === 'placed' || verdict.verdict === 'requested') return verdict.replayed ? 'replayed' : verdict.verdict;
  if (verdict.verdict !== 'wait') return verdict.verdict;
  const logger = deps.logger.child({ source: message.source, messageId: message.messageId });
  if (!deps.waitingQueue) {
    logger.warn('call request refused for flow control and no waiting queue is configured; it will be delivered again', { code: verdict.code });
    return 'retry';
  }
  try {
    await deps.waitingQueue.sendBack(
      { body: body(), key: verdict.key, source: message.source, messageId: message.messageId, receivedAt: message.receivedAt, caller: message.caller, retryAt: verdict.retryAt },
      { deadline: deps.deadline },
    );
    logger.info('call request sent back to wait for its flow-control window', { code: verdict.code, retryAt: new Date(verdict.retryAt).toISOString() });
    return 'waiting';
  } catch (error) {
    logger.error('call request could not be sent back to wait; it will be delivered again', { code: verdict.code, error });
    return 'retry';
  }
}

/**
 * One EventBridge event. Returns normally when it is done with (placed, replayed, rejected, outcome
 * unknown); throws when it should be delivered again, so Lambda's asynchronous retries and then the
 * on-failure destination apply.
 */
export async function placeEventCall(event: EventBridgeEvent<string, unknown>, deps: MessageTriggerDependencies): Promise<MessageVerdict> {
  const message = eventMessage(event);
  const verdict = await handlePlacementMessage(message, deps);
  // Waiting for its window, the event continues as a message of the call-requests queue.
  // The detail's text only when it waits: a detail too deep to write as JSON is refused before that.
  const outcome = await settleWaiting(verdict, message, () => JSON.stringify(event.detail), deps);
  if (outcome === 'retry') throw verdict.verdict === 'retry' || verdict.verdict === 'wait' ? verdict.error : new Error(`the event was not handled (${verdict.verdict})`);
  return verdict;
}

/** An EventBridge event as a placement message: its detail is the request. */
export function eventMessage(event: EventBridgeEvent<string, unknown>): PlacementMessage {
  const hasId = typeof event.id === 'string' && event.id !== '';
  return {
    source: 'eventbridge',
    // An event always has an id; without one (a hand-made invoke) it is refused, under a fresh id.
    messageId: hasId ? event.id : `no-id-${randomUUID()}`,
    receivedAt: isoTime(event.time),
    // EventBridge names the account that put the event, not the identity within it.
    caller: typeof event.account === 'string' && event.account !== '' ? callers.account(event.account) : callers.unknown,
    rawBody: eventText(event),
    read: () => {
      const issues: FieldIssue[] = [];
      if (!hasId) issues.push({ path: 'id', message: 'is required' });
      if (event['detail-type'] !== PLACE_CALL_DETAIL_TYPE) issues.push({ path: 'detail-type', message: `must be "${PLACE_CALL_DETAIL_TYPE}"` });
      if (issues.length > 0) throw new ValidationError(issues);
      // The same limits as a POST /calls body (EventBridge itself allows 256 KB).
      assertJsonValueWithin(event.detail, { maxBytes: MAX_REQUEST_BODY_BYTES, path: 'detail' });
      return event.detail;
    },
  };
}

/** An SQS record as a placement message: its body is the request's JSON text. */
export function sqsMessage(record: SQSRecord, origin?: WaitingOrigin): PlacementMessage {
  const body = record.body ?? '';
  // SQS always sets a messageId; without one (a hand-made invoke) the message is refused, under a
  // fresh id, rather than share the key `sqs:undefined` with every other such message.
  const hasId = typeof record.messageId === 'string' && record.messageId !== '';
  // SentTimestamp (epoch ms) is when SQS accepted the message: the same on every redelivery.
  const sent = Number(record.attributes?.SentTimestamp);
  // SenderId is the sending identity's unique id, as IAM authorisation gives it over HTTP. A
  // message sent back to wait for its window (`origin`, verified by its seal) stands for the message
  // it came in: its id, time and caller, not this function's role that sent it back.
  const sender = record.attributes?.SenderId;
  return {
    source: origin?.source ?? 'sqs',
    messageId: origin?.messageId ?? (hasId ? record.messageId : `no-id-${randomUUID()}`),
    receivedAt: origin?.receivedAt ?? (Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : new Date().toISOString()),
    caller: origin?.caller ?? (typeof sender === 'string' && sender !== '' ? callers.aws(sender) : callers.unknown),
    rawBody: body,
    read: () => {
      if (!hasId) throw new ValidationError([{ path: 'messageId', message: 'is required' }]);
      // The same limits as a POST /calls body (SQS itself allows 1 MiB).
      return parseJsonText(body, { maxBytes: MAX_REQUEST_BODY_BYTES, path: 'body' });
    },
  };
}

/**
 * The event as kept with a refusal. JSON.stringify recurses, and Lambda's own parser does not: a
 * detail nested thousands deep arrives intact but cannot be written back as text, so it is kept
 * without its detail rather than failing the invocation.
 */
function eventText(event: EventBridgeEvent<string, unknown>): string {
  try {
    return JSON.stringify(event);
  } catch {
    return JSON.stringify({ ...event, detail: '[not kept: nested too deep to write as JSON]' });
  }
}

function isoTime(value: unknown): string {
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? Date.now() : parsed).toISOString();
}

/** How many messages of a batch came to each outcome, for the batch's log line. */
function countOutcomes(outcomes: readonly Outcome[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { placed: 0, replayed: 0, requested: 0, rejected: 0, retry: 0, unknown: 0, waiting: 0 };
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}
