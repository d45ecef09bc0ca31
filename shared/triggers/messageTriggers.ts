/**
 * The call-request triggers' event shapes (docs/triggers.md#call-requests-from-sqs, "Call requests from
 * EventBridge"): an SQS batch or an EventBridge event becomes PlacementMessages for the
 * Lambda-free shared/calls/callRequests.ts, and its verdicts become what the trigger expects back
 * (partial batch failures for SQS; a throw to be retried for EventBridge). Like shared/http for
 * API Gateway, this is the only place that knows these event shapes.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { handlePlacementMessage, type PlacementMessageDependencies, type PlacementMessage, type MessageVerdict } from '../calls/placementMessages.ts';
import { callers } from '../calls/callers.ts';
import { MAX_REQUEST_BODY_BYTES } from '../calls/schemas.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { runLimited } from '../concurrency.ts';
import { assertJsonValueWithin, parseJsonText } from '../validation.ts';

/** The EventBridge detail-type of a call request (the rule matches it; anything else is refused). */
export const PLACE_CALL_DETAIL_TYPE = 'Place Call';

/**
 * Messages of one SQS batch placed at the same time. Alibaba's QPS limits are per account, across
 * every running invocation (docs/alibaba/actions.md#ivrcall IvrCall 100 QPS, the lowest of the call-placing actions;
 * docs/alibaba/actions.md#singlecallbytts SingleCallByTts and docs/alibaba/actions.md#smartcall SmartCall 1,000; docs/alibaba/actions.md#singlecallbyvoice SingleCallByVoice 1,200). An answer takes
 * some 50-200 ms, so 2 in flight is at most ~40 requests/s per invocation, and with the SQS
 * trigger's maximumConcurrency at its minimum of 2 the queue alone stays under 100 QPS, leaving room
 * for the HTTP route. Sequential would halve a batch's throughput for no safety gained. Per-number
 * flow control (docs/alibaba/actions.md: 1/min, 5/h, 20/24 h) does not depend on this: a throttled message simply
 * comes back after the visibility timeout.
 */
export const QUEUE_CONCURRENCY = 2;

/**
 * An SQS batch (ReportBatchItemFailures): every message is handled on its own, QUEUE_CONCURRENCY at a
 * time, and only those to deliver again are reported, so one bad message never fails the batch.
 */
export async function placeQueuedCalls(records: readonly SQSRecord[], deps: PlacementMessageDependencies): Promise<SQSBatchResponse> {
  const verdicts: MessageVerdict[] = new Array(records.length);
  await runLimited(records, QUEUE_CONCURRENCY, async (record, index) => {
    verdicts[index] = await handlePlacementMessage(sqsMessage(record), deps);
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
export async function placeEventCall(event: EventBridgeEvent<string, unknown>, deps: PlacementMessageDependencies): Promise<MessageVerdict> {
  const verdict = await handlePlacementMessage(eventMessage(event), deps);
  if (verdict.verdict === 'retry') throw verdict.error;
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
export function sqsMessage(record: SQSRecord): PlacementMessage {
  const body = record.body ?? '';
  // SQS always sets a messageId; without one (a hand-made invoke) the message is refused, under a
  // fresh id, rather than share the key `sqs:undefined` with every other such message.
  const hasId = typeof record.messageId === 'string' && record.messageId !== '';
  // SentTimestamp (epoch ms) is when SQS accepted the message: the same on every redelivery.
  const sent = Number(record.attributes?.SentTimestamp);
  // SenderId is the sending identity's unique id, as IAM authorisation gives it over HTTP.
  const sender = record.attributes?.SenderId;
  return {
    source: 'sqs',
    messageId: hasId ? record.messageId : `no-id-${randomUUID()}`,
    receivedAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : new Date().toISOString(),
    caller: typeof sender === 'string' && sender !== '' ? callers.aws(sender) : callers.unknown,
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

interface VerdictCounts {
  placed: number;
  replayed: number;
  rejected: number;
  retried: number;
  unknown: number;
}

function countVerdicts(verdicts: readonly MessageVerdict[]): VerdictCounts {
  const counts: VerdictCounts = { placed: 0, replayed: 0, rejected: 0, retried: 0, unknown: 0 };
  for (const verdict of verdicts) {
    if (verdict.verdict === 'placed') counts[verdict.replayed ? 'replayed' : 'placed'] += 1;
    else if (verdict.verdict === 'rejected') counts.rejected += 1;
    else if (verdict.verdict === 'retry') counts.retried += 1;
    else counts.unknown += 1;
  }
  return counts;
}
