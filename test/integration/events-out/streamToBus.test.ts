/**
 * Events out end to end on this machine: the real stores write DynamoDB Local, its real stream is
 * read by scripts/local/streams.ts (as Lambda's event source mapping would), functions/processCallChanges
 * applies each new receipt's status to its call item (the projection) and publishes through the
 * official EventBridge client, and the local bus receives the events.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { receiptMessageFrom, type ReceiptMessage } from '#shared/receipts/receiptMessage';
import { DynamoCallStore } from '#shared/store/dynamoCallStore';
import { unmarshallItem } from '#shared/store/items';
import { dynamoClient } from '#shared/store/dynamoClient';
import { DynamoReceiptStore } from '#shared/store/receiptStore';
import { startLocalEventBus, type BusEvent, type LocalEventBus } from '../../../scripts/local/eventBus.ts';
import { latestStreamArn, StreamPump } from '../../../scripts/local/streams.ts';

// test/setup/env.ts points these at the run's DynamoDB Local and its calls table (stream on).
const TABLE = process.env.CALLS_TABLE!;
const client = dynamoClient(process.env.DYNAMODB_ENDPOINT);
const receipts = new DynamoReceiptStore(client, TABLE, 30);
const calls = new DynamoCallStore(client, TABLE, 30);
const BUS_NAME = 'aliyun-voice-stream-test';
/** Other test files write the same table at the same time: this file's calls all start with this. */
const RUN = `7${Date.now()}${Math.floor(Math.random() * 1e4)}`;

let bus: LocalEventBus;
let pump: StreamPump;
let streams: DynamoDBStreamsClient;
let handler: (event: DynamoDBStreamEvent, context?: Partial<Context>) => Promise<DynamoDBBatchResponse>;
/** Every delivery the pump made to the handler, with the handler's answer. */
const deliveries: { records: DynamoDBRecord[]; response: DynamoDBBatchResponse }[] = [];

beforeAll(async () => {
  bus = await startLocalEventBus({ print: () => undefined });
  // The handler reads its configuration once, at import (cold start).
  process.env.EVENTBRIDGE_ENDPOINT = bus.url;
  process.env.EVENT_BUS_NAME = BUS_NAME;
  ({ handler } = await import('../../../functions/processCallChanges.ts'));
  streams = new DynamoDBStreamsClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  pump = await StreamPump.open({
    streams,
    streamArn: await latestStreamArn(client, TABLE),
    startingPosition: 'LATEST',
    batchSize: 100,
    // Lambda event filtering, as deployed; here it also keeps other test files' calls out.
    filter: (record) => record.dynamodb?.Keys?.pk?.S?.startsWith(`CALL#${RUN}`) ?? false,
    maxRetryAttempts: -1,
    retryDelayMs: () => 50,
    deliver: async (event) => {
      const response = await handler(event);
      deliveries.push({ records: event.Records, response });
      return response;
    },
    log: () => undefined,
  });
});
afterAll(async () => {
  await pump?.stop();
  streams?.destroy();
  await bus?.close();
});
beforeEach(() => {
  bus.clear();
  deliveries.length = 0;
});
afterEach(() => vi.restoreAllMocks());

/** The call item as stored (the projection's work), read by key. */
async function callItemOf(callId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `CALL#${callId}` }, sk: { S: 'CALL' } }, ConsistentRead: true }));
  return Item ? unmarshallItem(Item) : undefined;
}

let counter = 0;
/** A CallId of Alibaba's shape, in this file's namespace. */
const newCallId = (): string => `${RUN}${counter++}^${Math.floor(Math.random() * 1e12)}`;

let enqueued = Date.parse('2026-11-24T15:41:00Z');
function message(messageType: string, body: Record<string, unknown> | Record<string, unknown>[], messageId = `MSG-${randomUUID()}`): ReceiptMessage {
  return receiptMessageFrom(messageType, { messageId, enqueueTime: enqueued++, body: Buffer.from(JSON.stringify(body)).toString('base64') });
}
const callReport = (callId: string, statusCode: string, statusTime: string) => ({ call_id: callId, status_code: statusCode, status_time: statusTime, out_id: 'order-7' });
const voiceReport = (callId: string, statusCode = '200000') => ({
  call_id: callId,
  out_id: 'order-7',
  status_code: statusCode,
  caller: '057100000000',
  callee: '13800138000',
  start_time: '2026-11-24 23:41:09',
  end_time: '2026-11-24 23:41:31',
  duration: '22',
});

async function store(...messages: ReceiptMessage[]): Promise<void> {
  const result = await receipts.storeBatch(messages);
  expect(result.stored).toEqual(new Set(messages.map((entry) => entry.messageId)));
}

const eventsOf = (callId: string, detailType?: string): BusEvent[] =>
  bus.events().filter((event) => event.detail.callId === callId && (detailType === undefined || event['detail-type'] === detailType));
const statusesOf = (callId: string) => eventsOf(callId, 'Voice Call Status Changed').map((event) => [event.detail.previousStatus, event.detail.status]);

describe('events out: calls table stream → processCallChanges → EventBridge', () => {
  it('a placed call, its receipts and each status change are published, with the documented detail', async () => {
    const callId = newCallId();
    await calls.putPlacedCall({ callId, type: 'tts', outId: 'order-7', requestId: 'REQ-7', status: 'placed', createdAt: '2026-11-24T15:41:00.000Z', updatedAt: '2026-11-24T15:41:00.000Z' });
    await store(message('VoiceCallReport', callReport(callId, '200101', '2026-11-24 23:41:02')));
    await store(message('VoiceCallReport', callReport(callId, '200103', '2026-11-24 23:41:09')));
    const final = message('VoiceReport', voiceReport(callId));
    await store(final);

    await pump.drain();

    expect(statusesOf(callId)).toEqual([
      [null, 'placed'],
      ['placed', 'ringing'],
      ['ringing', 'in-progress'],
      ['in-progress', 'completed'],
    ]);
    expect(eventsOf(callId, 'Voice Call Status Changed').at(-1)!.detail).toEqual({
      dedupeKey: `status:${callId}:completed`,
      callId,
      type: 'tts',
      outId: 'order-7',
      previousStatus: 'in-progress',
      status: 'completed',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const receiptEvents = eventsOf(callId, 'Voice Call Receipt');
    expect(receiptEvents.map((event) => [event.detail.messageType, event.detail.statusCode, event.detail.status])).toEqual([
      ['VoiceCallReport', '200101', 'ringing'],
      ['VoiceCallReport', '200103', 'in-progress'],
      ['VoiceReport', '200000', 'completed'],
    ]);
    expect(receiptEvents[2]!.detail).toMatchObject({
      dedupeKey: `receipt:${callId}:VoiceReport#${callId}`,
      callId,
      messageType: 'VoiceReport',
      naturalKey: callId,
      outId: 'order-7',
      duration: 22,
      startTime: '2026-11-24T23:41:09+08:00',
      messageId: final.messageId,
      raw: voiceReport(callId),
    });
    for (const key of ['pk', 'sk', 'expiresAt']) expect(receiptEvents[2]!.detail).not.toHaveProperty(key);
    expect(bus.requests().every((request) => request.eventBusNames.length === 1 && request.eventBusNames[0] === BUS_NAME)).toBe(true);
  });

  it('a redelivered receipt (same key, written again) publishes no second receipt event', async () => {
    const callId = newCallId();
    const delivery = message('VoiceReport', voiceReport(callId));
    await store(delivery);
    await pump.drain();
    // MNS redelivers the message later: the store rewrites the same item with a new storedAt.
    const later = new DynamoReceiptStore(client, TABLE, 30, { now: () => Date.now() + 60_000 });
    expect((await later.storeBatch([delivery])).stored.has(delivery.messageId)).toBe(true);

    await pump.drain();

    const delivered = deliveries.flatMap((entry) => entry.records).filter((record) => record.dynamodb?.Keys?.sk?.S?.startsWith('RECEIPT#'));
    expect(delivered.map((record) => record.eventName)).toEqual(['INSERT', 'MODIFY']);
    expect(eventsOf(callId, 'Voice Call Receipt')).toHaveLength(1);
    expect(statusesOf(callId)).toEqual([[null, 'completed']]);
  });

  it('a late receipt that does not move the status publishes its receipt event and no status event', async () => {
    const callId = newCallId();
    await store(message('VoiceReport', voiceReport(callId, '200002')));
    await pump.drain();
    await store(message('VoiceCallReport', callReport(callId, '200101', '2026-11-24 23:41:02')));

    await pump.drain();

    expect(statusesOf(callId)).toEqual([[null, 'busy']]);
    expect(eventsOf(callId, 'Voice Call Receipt').map((event) => event.detail.messageType)).toEqual(['VoiceReport', 'VoiceCallReport']);
  });

  it('a batch of 30 calls is published in PutEvents requests of at most 10 entries', async () => {
    const callIds = Array.from({ length: 30 }, newCallId);
    await store(...callIds.map((callId) => message('VoiceReport', voiceReport(callId))));

    await pump.drain();

    for (const callId of callIds) {
      expect(eventsOf(callId).map((event) => event['detail-type']).sort()).toEqual(['Voice Call Receipt', 'Voice Call Status Changed']);
    }
    expect(bus.events()).toHaveLength(60);
    expect(bus.requests().length).toBeGreaterThanOrEqual(6);
    expect(bus.requests().every((request) => request.entries >= 1 && request.entries <= 10)).toBe(true);
  });

  it('entries PutEvents refuses are reported, and only from the first of them on is anything delivered again', async () => {
    const [a, b, c] = [newCallId(), newCallId(), newCallId()];
    // AccessDeniedException is not retried within the invocation: B's receipt event fails once.
    bus.inject({
      kind: 'entries',
      count: 1,
      errorCode: 'AccessDeniedException',
      match: (entry) => entry.detailType === 'Voice Call Receipt' && entry.detail.callId === b,
    });
    await store(message('VoiceReport', voiceReport(a)), message('VoiceReport', voiceReport(b)), message('VoiceReport', voiceReport(c)));

    await pump.drain();

    const firstFailure = deliveries.findIndex((entry) => entry.response.batchItemFailures.length > 0);
    const [first, second] = [deliveries[firstFailure]!, deliveries[firstFailure + 1]!];
    const failedRecord = first.records.find((record) => record.dynamodb?.Keys?.pk?.S === `CALL#${b}` && record.dynamodb.Keys.sk?.S?.startsWith('RECEIPT#'))!;
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: failedRecord.dynamodb!.SequenceNumber }]);
    // Delivered again from the failed record on, as Lambda does from the lowest reported sequence number.
    const failedIndex = first.records.indexOf(failedRecord);
    const sequenceNumbers = (records: DynamoDBRecord[]) => records.map((record) => record.dynamodb!.SequenceNumber);
    expect(sequenceNumbers(second.records)).toEqual(sequenceNumbers(first.records.slice(failedIndex)));
    expect(second.response.batchItemFailures).toEqual([]);
    // Every event is out, B's receipt exactly once; the records after the checkpoint, published by
    // the first delivery too, are the only ones out twice (consumers dedupe on dedupeKey).
    const ours = bus.events().filter((event) => [a, b, c].includes(String(event.detail.callId)));
    expect(new Set(ours.map((event) => event.detail.dedupeKey)).size).toBe(6);
    expect(eventsOf(b, 'Voice Call Receipt')).toHaveLength(1);
    expect(ours).toHaveLength(6 + first.records.length - failedIndex - 1);
  });

  it('whole PutEvents requests failing: every record is reported, and the redelivery publishes them', async () => {
    const callId = newCallId();
    // More failures than the publisher's attempts within one invocation (5).
    bus.inject({ kind: 'requests', count: 5, status: 500, code: 'InternalException' });
    await store(message('VoiceReport', voiceReport(callId)));

    await pump.drain();

    expect(deliveries[0]!.response.batchItemFailures).toHaveLength(deliveries[0]!.records.length);
    expect(deliveries.at(-1)!.response.batchItemFailures).toEqual([]);
    expect(eventsOf(callId).map((event) => event['detail-type']).sort()).toEqual(['Voice Call Receipt', 'Voice Call Status Changed']);
  });

  it('out-of-order receipts: the call item moves forward only, and each change is exactly one status event', async () => {
    const callId = newCallId();
    await calls.putPlacedCall({ callId, type: 'tts', outId: 'order-7', requestId: 'REQ-7', status: 'placed', createdAt: '2026-11-24T15:41:00.000Z', updatedAt: '2026-11-24T15:41:00.000Z' });
    await store(message('VoiceCallReport', callReport(callId, '200101', '2026-11-24 23:41:02')));
    // The final record overtakes the in-call state; a ringing state comes last of all.
    await store(message('VoiceReport', voiceReport(callId, '200002')));
    await store(message('VoiceCallReport', callReport(callId, '200103', '2026-11-24 23:41:09')), message('VoiceCallReport', callReport(callId, '200201', '2026-11-24 23:41:05')));
    const before = await calls.getCall(callId);

    await pump.drain();

    expect(statusesOf(callId)).toEqual([
      [null, 'placed'],
      ['placed', 'ringing'],
      ['ringing', 'busy'],
    ]);
    expect(new Set(eventsOf(callId, 'Voice Call Status Changed').map((event) => event.detail.dedupeKey)).size).toBe(3);
    expect(eventsOf(callId, 'Voice Call Receipt')).toHaveLength(4);
    expect(await callItemOf(callId)).toMatchObject({ status: 'busy', statusRank: 3, type: 'tts' });
    // GET showed the outcome as soon as it was stored, and shows the same once projected.
    expect(before).toMatchObject({ status: 'busy' });
    expect(await calls.getCall(callId)).toEqual(before);
  });

  it('a failed projection update is reported, delivered again and applied once: one status event', async () => {
    const [callId, neighbour] = [newCallId(), newCallId()];
    const send = client.send.bind(client);
    let refused = 0;
    // The handler's projection shares this client (dynamoClient keeps one per endpoint): its first
    // two updates of the call are throttled past the SDK's own retries.
    vi.spyOn(client, 'send').mockImplementation(((command: unknown, options?: unknown) => {
      if (command instanceof UpdateItemCommand && command.input.Key?.pk?.S === `CALL#${callId}` && refused++ < 2) {
        return Promise.reject(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' }));
      }
      return (send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
    }) as typeof client.send);
    await store(message('VoiceReport', voiceReport(callId, '200003')), message('VoiceReport', voiceReport(neighbour)));

    await pump.drain();

    const failedDeliveries = deliveries.filter((entry) => entry.response.batchItemFailures.length > 0);
    expect(failedDeliveries).toHaveLength(2);
    const failedRecord = failedDeliveries[0]!.records.find((record) => record.dynamodb?.Keys?.pk?.S === `CALL#${callId}`)!;
    expect(failedDeliveries[0]!.response.batchItemFailures).toEqual([{ itemIdentifier: failedRecord.dynamodb!.SequenceNumber }]);
    expect(refused).toBe(3);
    expect(await callItemOf(callId)).toMatchObject({ status: 'no-answer' });
    expect(statusesOf(callId)).toEqual([[null, 'no-answer']]);
    expect(eventsOf(callId, 'Voice Call Receipt')).toHaveLength(1);
    expect(statusesOf(neighbour)).toEqual([[null, 'completed']]);
  });

  it('storage never waits on EventBridge: with no bus at all receipts are stored, and published once it is back', async () => {
    const port = bus.port;
    await bus.close();
    const callId = newCallId();

    const started = Date.now();
    await store(message('VoiceReport', voiceReport(callId, '200003')));
    const storedIn = Date.now() - started;
    const stored = await calls.getCall(callId);
    expect(stored).toMatchObject({ callId, status: 'no-answer', receipts: [expect.objectContaining({ messageType: 'VoiceReport', statusCode: '200003' })] });
    expect(storedIn).toBeLessThan(5_000);

    const draining = pump.drain();
    // The publisher fails while the bus is down; the pump keeps delivering the batch again.
    await until(() => deliveries.some((entry) => entry.response.batchItemFailures.length > 0));
    bus = await startLocalEventBus({ port, print: () => undefined });
    await draining;

    expect(deliveries[0]!.response.batchItemFailures).toHaveLength(deliveries[0]!.records.length);
    expect(statusesOf(callId)).toEqual([[null, 'no-answer']]);
    expect(eventsOf(callId, 'Voice Call Receipt')).toHaveLength(1);
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
