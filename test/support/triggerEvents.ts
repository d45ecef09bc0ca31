/**
 * SQS and EventBridge events built on real captured ones (Powertools' parser test events):
 * test/fixtures/sqs/base.json (aws-powertools/powertools-lambda-typescript,
 * packages/parser/tests/events/sqs/base.json) and test/fixtures/eventbridge/base.json (the same
 * project's captured EventBridge event, aws-powertools/powertools-lambda-python
 * tests/events/eventBridgeEvent.json). Each builder clones the fixture and replaces only what a test
 * is about: bodies, ids, times, detail-type and source.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import capturedEvent from '../fixtures/eventbridge/base.json';
import capturedBatch from '../fixtures/sqs/base.json';

export interface QueuedMessage {
  /** A string is sent as is (malformed bodies); anything else as its JSON text. */
  body: unknown;
  /** Default: a fresh UUID, as SQS assigns. */
  messageId?: string;
  /** Epoch ms the queue received the message (SentTimestamp); default now. */
  sentAt?: number;
}

/** An SQS event (batch) with one record per message, in order. */
export function sqsEvent(messages: readonly QueuedMessage[]): SQSEvent {
  const template = capturedBatch.Records[1]!;
  return {
    Records: messages.map((message): SQSRecord => {
      const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
      const record = structuredClone(template) as unknown as SQSRecord;
      const sentAt = message.sentAt ?? Date.now();
      return {
        ...record,
        messageId: message.messageId ?? randomUUID(),
        receiptHandle: `${template.receiptHandle}${randomUUID()}`,
        body,
        md5OfBody: createHash('md5').update(body).digest('hex'),
        attributes: { ...record.attributes, SentTimestamp: String(sentAt), ApproximateFirstReceiveTimestamp: String(sentAt + 2) },
      };
    }),
  };
}

export interface EventInput {
  detail: unknown;
  /** Default: a fresh UUID, as EventBridge assigns. */
  id?: string;
  detailType?: string;
  source?: string;
  time?: string;
}

/** An EventBridge event as a rule delivers it to its target. */
export function eventBridgeEvent(input: EventInput): EventBridgeEvent<string, unknown> {
  const event = structuredClone(capturedEvent) as unknown as EventBridgeEvent<string, unknown>;
  return {
    ...event,
    id: input.id ?? randomUUID(),
    'detail-type': input.detailType ?? 'Place Call',
    source: input.source ?? 'aliyun-voice.requests',
    time: input.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [],
    detail: input.detail,
  };
}

/** The same messages delivered again, as SQS does after the visibility timeout: same ids and SentTimestamp, new handles, one more receive. */
export function redelivered(event: SQSEvent): SQSEvent {
  return {
    Records: event.Records.map((record) => ({
      ...structuredClone(record),
      receiptHandle: `${capturedBatch.Records[1]!.receiptHandle}${randomUUID()}`,
      attributes: { ...record.attributes, ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1) },
    })),
  };
}
