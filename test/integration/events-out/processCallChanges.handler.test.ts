/**
 * functions/processCallChanges.ts driven by real captured DynamoDB stream events (test/fixtures/dynamodb/,
 * from aws-powertools/powertools-lambda-typescript), cloned into the calls table's item shapes,
 * publishing through the official EventBridge client to the local bus.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { marshallItem, unmarshallItem } from '#shared/store/items';
import { dynamoClient } from '#shared/store/dynamoClient';
import { startLocalEventBus, type LocalEventBus } from '../../../scripts/local/eventBus.ts';
import baseEvent from '../../fixtures/dynamodb/base.json';
import tumblingWindowEvent from '../../fixtures/dynamodb/tumbling-window.json';

const BUS_NAME = 'aliyun-voice-handler-test';
let bus: LocalEventBus;
let handler: (event: DynamoDBStreamEvent, context?: Partial<Context>) => Promise<DynamoDBBatchResponse>;

beforeAll(async () => {
  bus = await startLocalEventBus({ print: () => undefined });
  // The handler reads its configuration once, at import (cold start).
  process.env.EVENTBRIDGE_ENDPOINT = bus.url;
  process.env.EVENT_BUS_NAME = BUS_NAME;
  ({ handler } = await import('../../../functions/processCallChanges.ts'));
});
afterAll(() => bus.close());
beforeEach(() => bus.clear());
afterEach(() => vi.restoreAllMocks());

/** The client the handler's projection writes with (dynamoClient keeps one per endpoint). */
const client = dynamoClient(process.env.DYNAMODB_ENDPOINT);
async function callItemOf(callId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await client.send(new GetItemCommand({ TableName: process.env.CALLS_TABLE, Key: { pk: { S: `CALL#${callId}` }, sk: { S: 'CALL' } }, ConsistentRead: true }));
  return Item ? unmarshallItem(Item) : undefined;
}

const clone = <T>(value: T): T => structuredClone(value);
const [capturedInsert, capturedModify] = baseEvent.Records as DynamoDBRecord[];
const capturedRemove = (tumblingWindowEvent.Records as DynamoDBRecord[])[2]!;

/**
 * The handler applies each new receipt's status to its call item in the run's calls table (the
 * projection), so every CallId here is this file's own: other test files share the table.
 */
const RUN = `8${Date.now()}${Math.floor(Math.random() * 1e4)}`;
const CALL_ID = `${RUN}116012354148^102813781234`;
/** Another call of this file's: `n^m` → `<run>n^m`. */
const id = (callId: string): string => `${RUN}${callId}`;
let sequence = 1000;

/** A captured record with the calls table's keys and images in place of the sample's. */
function record(
  captured: DynamoDBRecord,
  keys: { pk: string; sk: string },
  images: { newImage?: Record<string, unknown>; oldImage?: Record<string, unknown> },
): DynamoDBRecord {
  const copy = clone(captured);
  const stream = copy.dynamodb!;
  stream.Keys = marshallItem(keys) as NonNullable<typeof stream.Keys>;
  delete stream.NewImage;
  delete stream.OldImage;
  if (images.newImage) stream.NewImage = marshallItem({ ...keys, ...images.newImage }) as NonNullable<typeof stream.NewImage>;
  if (images.oldImage) stream.OldImage = marshallItem({ ...keys, ...images.oldImage }) as NonNullable<typeof stream.OldImage>;
  stream.StreamViewType = 'NEW_AND_OLD_IMAGES';
  stream.SequenceNumber = String(sequence++);
  return copy;
}

const receiptItem = (callId: string, extra: Record<string, unknown> = {}) => ({
  messageType: 'VoiceReport',
  callId,
  naturalKey: callId,
  outId: 'order-001',
  statusCode: '200000',
  status: 'completed',
  duration: 22,
  raw: { call_id: callId, status_code: '200000', callee: '13800138000', caller: '057100000000', duration: '22' },
  messageId: 'MSG-1',
  receivedAt: '2026-11-24T15:41:30.000Z',
  storedAt: '2026-11-24T15:41:31.000Z',
  expiresAt: 1_798_000_000,
  ...extra,
});
const callItem = (status: string, extra: Record<string, unknown> = {}) => ({
  callId: CALL_ID,
  type: 'tts',
  outId: 'order-001',
  requestId: 'REQ-1',
  status,
  statusRank: 0,
  createdAt: '2026-11-24T15:41:00.390Z',
  updatedAt: '2026-11-24T15:41:31.000Z',
  expiresAt: 1_798_000_000,
  ...extra,
});

const receiptInsert = (callId = CALL_ID) =>
  record(capturedInsert!, { pk: `CALL#${callId}`, sk: `RECEIPT#VoiceReport#${callId}` }, { newImage: receiptItem(callId) });
/** A VoiceCallReport receipt INSERTed: `status` at `storedAt`. */
const progressInsert = (callId: string, statusCode: string, status: string, storedAt: string) =>
  record(capturedInsert!, { pk: `CALL#${callId}`, sk: `RECEIPT#VoiceCallReport#${callId}#${statusCode}` }, {
    newImage: receiptItem(callId, { messageType: 'VoiceCallReport', naturalKey: `${callId}#${statusCode}`, statusCode, status, duration: undefined, raw: { call_id: callId, status_code: statusCode }, storedAt, receivedAt: storedAt }),
  });
const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
const statusModify = (from: string, to: string) =>
  record(capturedModify!, { pk: `CALL#${CALL_ID}`, sk: 'CALL' }, { oldImage: callItem(from), newImage: callItem(to) });

describe('processCallChanges handler', () => {
  it('publishes nothing and reports nothing for records that are not ours (the fixture as captured)', async () => {
    const response = await handler(clone(baseEvent) as DynamoDBStreamEvent);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.requests()).toEqual([]);
  });

  it('a new receipt and a status change become one event each, with the documented detail', async () => {
    const receipt = receiptInsert();
    const status = statusModify('in-progress', 'completed');

    const response = await handler({ Records: [receipt, status] });

    expect(response).toEqual({ batchItemFailures: [] });
    const events = bus.events();
    expect(events.map((event) => [event.source, event['detail-type']])).toEqual([
      ['aliyun-voice', 'Voice Call Receipt'],
      ['aliyun-voice', 'Voice Call Status Changed'],
    ]);
    const { expiresAt: _ttl, ...stored } = receiptItem(CALL_ID);
    expect(events[0]!.detail).toEqual({ ...stored, dedupeKey: `receipt:${CALL_ID}:VoiceReport#${CALL_ID}` });
    expect(events[1]!.detail).toEqual({
      dedupeKey: `status:${CALL_ID}:completed`,
      callId: CALL_ID,
      type: 'tts',
      outId: 'order-001',
      previousStatus: 'in-progress',
      status: 'completed',
      updatedAt: '2026-11-24T15:41:31.000Z',
    });
    // The event's time is when the change was stored: the receipt's storedAt, the call's updatedAt.
    expect(events.map((event) => event.time)).toEqual(['2026-11-24T15:41:31Z', '2026-11-24T15:41:31Z']);
    expect(bus.requests()).toMatchObject([{ entries: 2, eventBusNames: [BUS_NAME] }]);
  });

  it('ignores receipt redeliveries (MODIFY), unchanged statuses, TTL removals, invalid bodies and rejected requests', async () => {
    const redelivery = record(capturedModify!, { pk: `CALL#${CALL_ID}`, sk: `RECEIPT#VoiceReport#${CALL_ID}` }, {
      oldImage: receiptItem(CALL_ID),
      newImage: receiptItem(CALL_ID, { storedAt: '2026-11-24T15:45:00.000Z' }),
    });
    const sameStatus = record(capturedModify!, { pk: `CALL#${CALL_ID}`, sk: 'CALL' }, {
      oldImage: callItem('ringing', { type: undefined }),
      newImage: callItem('ringing'),
    });
    const ttlRemoval = record(capturedRemove, { pk: `CALL#${CALL_ID}`, sk: 'CALL' }, { oldImage: callItem('completed') });
    ttlRemoval.userIdentity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
    const invalid = record(capturedInsert!, { pk: 'INVALID#VoiceReport', sk: '2026-11-24T15:41:30.000Z#MSG-9' }, { newImage: { rawBody: 'xx', reason: 'not Base64' } });
    const rejected = record(capturedInsert!, { pk: 'REJECTED#sqs', sk: '2026-11-24T15:41:30.000Z#m-1' }, { newImage: { reason: 'bad', code: 'VALIDATION_FAILED' } });

    const response = await handler({ Records: [redelivery, sameStatus, ttlRemoval, invalid, rejected] });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(bus.requests()).toEqual([]);
  });

  it('without a stored time in the item, the event time is the record\'s ApproximateCreationDateTime', async () => {
    const receipt = receiptInsert();
    delete (receipt.dynamodb!.NewImage as Record<string, unknown>).storedAt;

    await handler({ Records: [receipt] });

    // The captured record's ApproximateCreationDateTime: 1693997155.
    expect(bus.events()[0]!.time).toBe('2023-09-06T10:45:55Z');
  });

  it('a new call item is a status change from null; a call placed elsewhere has type null', async () => {
    const placed = record(capturedInsert!, { pk: `CALL#${CALL_ID}`, sk: 'CALL' }, { newImage: callItem('placed') });
    const elsewhere = record(capturedInsert!, { pk: `CALL#${id('999^888')}`, sk: 'CALL' }, {
      newImage: { callId: id('999^888'), status: 'ringing', statusRank: 1, createdAt: '2026-11-24T15:41:00.000Z', updatedAt: '2026-11-24T15:41:02.000Z' },
    });

    await handler({ Records: [placed, elsewhere] });

    expect(bus.events().map((event) => event.detail)).toEqual([
      expect.objectContaining({ callId: CALL_ID, type: 'tts', previousStatus: null, status: 'placed' }),
      { dedupeKey: `status:${id('999^888')}:ringing`, callId: id('999^888'), type: null, outId: null, previousStatus: null, status: 'ringing', updatedAt: '2026-11-24T15:41:02.000Z' },
    ]);
  });

  it('sends at most 10 entries per PutEvents request', async () => {
    const records = Array.from({ length: 25 }, (_, n) => receiptInsert(id(`${n}^1`)));

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    expect(bus.requests().map((request) => request.entries).sort((a, b) => b - a)).toEqual([10, 10, 5]);
    expect(new Set(bus.events().map((event) => event.detail.callId))).toEqual(new Set(records.map((_, n) => id(`${n}^1`))));
  });

  it('keeps each PutEvents request within 256 KB of entries', async () => {
    const records = Array.from({ length: 5 }, (_, n) =>
      record(capturedInsert!, { pk: `CALL#${id(`${n}^5`)}`, sk: `RECEIPT#VoiceReport#${id(`${n}^5`)}` }, { newImage: receiptItem(id(`${n}^5`), { raw: { call_id: id(`${n}^5`), padding: 'x'.repeat(100_000) } }) }),
    );

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    expect(bus.requests().map((request) => request.entries).sort()).toEqual([1, 2, 2]);
    expect(bus.requests().every((request) => request.bytes <= 256 * 1024)).toBe(true);
    expect(bus.events()).toHaveLength(5);
  });

  it('a receipt too large for EventBridge goes out without its raw body, flagged', async () => {
    const huge = record(capturedInsert!, { pk: `CALL#${CALL_ID}`, sk: `RECEIPT#VoiceReport#${CALL_ID}` }, {
      newImage: receiptItem(CALL_ID, { raw: { call_id: CALL_ID, padding: 'x'.repeat(270_000) } }),
    });

    const response = await handler({ Records: [huge] });

    expect(response.batchItemFailures).toEqual([]);
    expect(bus.events()[0]!.detail).toMatchObject({ callId: CALL_ID, rawOmitted: true });
    expect(bus.events()[0]!.detail).not.toHaveProperty('raw');
  });

  it('retries only the entries PutEvents failed (retryable codes) within the invocation', async () => {
    bus.inject({ kind: 'entries', count: 1, errorCode: 'ThrottlingException' });
    const records = [receiptInsert(id('1^1')), receiptInsert(id('2^2')), receiptInsert(id('3^3'))];

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([]);
    expect(bus.requests().map((request) => request.entries)).toEqual([3, 1]);
    expect(bus.events().map((event) => event.detail.callId).sort()).toEqual([id('1^1'), id('2^2'), id('3^3')]);
  });

  it('reports the records whose events could not be published, lowest sequence number first', async () => {
    // AccessDeniedException is not retryable: those entries fail for good in this invocation.
    const failing = new Set([id('2^2'), CALL_ID]);
    bus.inject({ kind: 'entries', count: 2, errorCode: 'AccessDeniedException', match: (entry) => failing.has(String(entry.detail.callId)) });
    const records = [receiptInsert(id('1^1')), receiptInsert(id('2^2')), statusModify('placed', 'ringing'), receiptInsert(id('4^4'))];

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }, { itemIdentifier: records[2]!.dynamodb!.SequenceNumber }]);
    expect(bus.requests().map((request) => request.entries)).toEqual([4]);
    expect(bus.events().map((event) => event.detail.callId).sort()).toEqual([id('1^1'), id('4^4')]);
  });

  it('a bus failing every request: every event record is reported, and nothing else', async () => {
    bus.inject({ kind: 'requests', count: 100, status: 500, code: 'InternalException' });
    const ignored = record(capturedInsert!, { pk: 'INVALID#VoiceReport', sk: 'x#y' }, { newImage: { rawBody: 'x' } });
    const records = [receiptInsert(id('1^1')), ignored, receiptInsert(id('2^2'))];

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }, { itemIdentifier: records[2]!.dynamodb!.SequenceNumber }]);
    expect(bus.requests().length).toBeGreaterThan(1);
    expect(bus.events()).toEqual([]);
  });

  it('with no time left, sends nothing and reports every event record', async () => {
    const records = [receiptInsert(id('1^1')), receiptInsert(id('2^2'))];

    const response = await handler({ Records: records }, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1_000 });

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(records.map((entry) => entry.dynamodb!.SequenceNumber));
    expect(bus.requests()).toEqual([]);
  });

  it('applies each new receipt\'s status to its call item before publishing, forward only, in stream order', async () => {
    const callId = id('51^1');
    const records = [
      progressInsert(callId, '200101', 'ringing', '2026-11-24T15:41:02.000Z'),
      receiptInsert(callId),
      // Stored after the final record: stored and published, but the call item stays completed.
      progressInsert(callId, '200103', 'in-progress', '2026-11-24T15:41:40.000Z'),
    ];

    const response = await handler({ Records: records });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await callItemOf(callId)).toMatchObject({
      callId,
      status: 'completed',
      statusRank: 3,
      // The receipt's storedAt, so GET /calls/{callId} shows the same time before and after.
      updatedAt: '2026-11-24T15:41:31.000Z',
      // A call placed elsewhere: first heard of when its first receipt came in.
      createdAt: '2026-11-24T15:41:02.000Z',
      outId: 'order-001',
      expiresAt: 1_798_000_000,
    });
    // The status changes themselves are published from the call item's MODIFY (streamToBus.test.ts).
    expect(bus.events().map((event) => [event['detail-type'], event.detail.status])).toEqual([
      ['Voice Call Receipt', 'ringing'],
      ['Voice Call Receipt', 'completed'],
      ['Voice Call Receipt', 'in-progress'],
    ]);
  });

  it('a status that cannot be applied fails its record and the later ones of its call; their events wait, the rest go out', async () => {
    const [a, b, c] = [id('61^1'), id('62^1'), id('63^1')];
    const send = client.send.bind(client);
    const updates: string[] = [];
    vi.spyOn(client, 'send').mockImplementation(((command: unknown, options?: unknown) => {
      if (command instanceof UpdateItemCommand) {
        updates.push(String(command.input.Key?.pk?.S));
        if (command.input.Key?.pk?.S === `CALL#${b}`) return Promise.reject(throttled());
      }
      return (send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
    }) as typeof client.send);
    const records = [receiptInsert(a), progressInsert(b, '200101', 'ringing', '2026-11-24T15:41:02.000Z'), receiptInsert(c), receiptInsert(b)];

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }, { itemIdentifier: records[3]!.dynamodb!.SequenceNumber }]);
    // B's second status is not tried before its first is applied.
    expect(updates.filter((pk) => pk === `CALL#${b}`)).toHaveLength(1);
    expect(bus.events().map((event) => event.detail.callId).sort()).toEqual([a, c]);
    expect(await callItemOf(a)).toMatchObject({ status: 'completed' });
    expect(await callItemOf(b)).toBeUndefined();

    // Lambda delivers the batch again from the first failed record, once DynamoDB takes the writes.
    vi.restoreAllMocks();
    bus.clear();
    const again = await handler({ Records: records.slice(1) });

    expect(again).toEqual({ batchItemFailures: [] });
    expect(await callItemOf(b)).toMatchObject({ status: 'completed', statusRank: 3 });
    expect(bus.events().filter((event) => event.detail.callId === b).map((event) => event.detail.status)).toEqual(['ringing', 'completed']);
  });

  it('reports a record of ours whose image cannot be read, and publishes the others', async () => {
    const broken = receiptInsert(id('1^1'));
    (broken.dynamodb!.NewImage as Record<string, unknown>).raw = {};
    const records = [receiptInsert(id('0^0')), broken, receiptInsert(id('2^2'))];

    const response = await handler({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb!.SequenceNumber }]);
    expect(bus.events().map((event) => event.detail.callId).sort()).toEqual([id('0^0'), id('2^2')]);
  });
});
