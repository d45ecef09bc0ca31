import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { receiptMessageFrom, type ReceiptMessage } from '#shared/receipts/receiptMessage';
import { DynamoCallStore } from '#shared/store/dynamoCallStore';
import { unmarshallItem } from '#shared/store/items';
import { dynamoClient } from '#shared/store/dynamoClient';
import { DynamoReceiptStore } from '#shared/store/receiptStore';
import { DynamoStatusProjection } from '#shared/store/statusProjection';
import { handler as getCallHandler } from '../../../functions/getCall.ts';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';

// test/setup/env.ts points these at the run's DynamoDB Local and its calls table (TTL on).
const TABLE = process.env.CALLS_TABLE!;
const client = dynamoClient(process.env.DYNAMODB_ENDPOINT);
const TTL_DAYS = 30;
const store = new DynamoReceiptStore(client, TABLE, TTL_DAYS);
const calls = new DynamoCallStore(client, TABLE, TTL_DAYS);

/** A CallId of Alibaba's shape, unique per test so tests never see each other's items. */
function newCallId(): string {
  return `${Date.now()}${Math.floor(Math.random() * 1e6)}^${Math.floor(Math.random() * 1e12)}`;
}

let sequence = 0;
/** An MNS message carrying `receipts` Base64-encoded (docs/alibaba/receipts.md#body-encoding), decoded and normalised as the poller does. */
function message(messageType: string, receipts: Record<string, unknown> | Record<string, unknown>[], messageId = `MSG-${randomUUID()}`): ReceiptMessage {
  const body = Buffer.from(JSON.stringify(receipts)).toString('base64');
  return receiptMessageFrom(messageType, { messageId, enqueueTime: Date.parse('2024-01-15T08:31:00Z') + sequence++, body });
}

async function itemsOf(pk: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items.map(unmarshallItem);
}

const receiptItems = async (callId: string) => (await itemsOf(`CALL#${callId}`)).filter((item) => String(item.sk).startsWith('RECEIPT#'));
const callItem = async (callId: string) => (await itemsOf(`CALL#${callId}`)).find((item) => item.sk === 'CALL');

/** GET /calls/{callId} through the getCall handler: the status a caller sees. */
async function getCall(callId: string): Promise<Record<string, any>> {
  const response = await getCallHandler(
    httpEvent({ method: 'GET', route: '/calls/{callId}', path: `/calls/${encodeURIComponent(callId)}`, pathParameters: { callId: encodeURIComponent(callId) } }),
    lambdaContext(),
  );
  expect(response.statusCode, String(response.body)).toBe(200);
  return JSON.parse(response.body as string) as Record<string, any>;
}
const statusOf = async (callId: string) => (await getCall(callId)).status as string | null;

/** What processCallChanges does for each new receipt item it reads from the stream (shared/events/projectStatuses.ts). */
const projection = new DynamoStatusProjection(client, TABLE);
async function project(callId: string): Promise<void> {
  const stored = (await receiptItems(callId)).sort((a, b) => String(a.storedAt).localeCompare(String(b.storedAt)));
  for (const item of stored) {
    if (typeof item.status !== 'string') continue;
    await projection.apply({
      callId,
      status: item.status as never,
      outId: item.outId as string | undefined,
      receivedAt: item.receivedAt as string,
      storedAt: item.storedAt as string,
      expiresAt: item.expiresAt as number,
    });
  }
}

const voiceReport = (callId: string, extra: Record<string, unknown> = {}) => ({
  call_id: callId,
  out_id: 'order-001',
  status_code: '200000',
  smart_status_code: 'ANSWERED',
  caller: '057100000000',
  callee: '13800138000',
  start_time: '2024-01-15 16:30:09',
  end_time: '2024-01-15 16:30:31',
  duration: '22',
  ...extra,
});
const callReport = (callId: string, statusCode: string, statusTime: string, extra: Record<string, unknown> = {}) => ({
  call_id: callId,
  status_code: statusCode,
  status_time: statusTime,
  ...extra,
});

describe('DynamoReceiptStore: no duplicates', () => {
  it('the same message stored twice (MNS redelivery) is one item', async () => {
    const callId = newCallId();
    const delivery = message('VoiceReport', voiceReport(callId));
    expect((await store.storeBatch([delivery])).stored).toEqual(new Set([delivery.messageId]));
    expect((await store.storeBatch([delivery])).stored).toEqual(new Set([delivery.messageId]));
    expect(await receiptItems(callId)).toHaveLength(1);
  });

  it('the same receipt in two messages (same natural key) is one item, in one batch or across batches', async () => {
    const callId = newCallId();
    const first = message('VoiceReport', voiceReport(callId));
    const second = message('VoiceReport', voiceReport(callId));
    const third = message('VoiceReport', voiceReport(callId));
    // In one batch: one BatchWriteItem may not hold the same key twice, so the store must merge them.
    expect((await store.storeBatch([first, second])).stored).toEqual(new Set([first.messageId, second.messageId]));
    expect((await store.storeBatch([third])).stored).toEqual(new Set([third.messageId]));
    const items = await receiptItems(callId);
    expect(items).toHaveLength(1);
    expect(items[0]!.sk).toBe(`RECEIPT#VoiceReport#${callId}`);
  });

  it('VoiceCallReports: one item per state and per key press, each once', async () => {
    const callId = newCallId();
    const ringing = callReport(callId, '200101', '2024-01-15 16:30:04');
    const pressed1 = callReport(callId, '300000', '2024-01-15 16:30:12', { dtmf: '1' });
    const pressed2 = callReport(callId, '300000', '2024-01-15 16:30:12', { dtmf: '2' });
    await store.storeBatch([message('VoiceCallReport', [ringing, pressed1]), message('VoiceCallReport', pressed2)]);
    await store.storeBatch([message('VoiceCallReport', [pressed1, ringing])]);
    expect((await receiptItems(callId)).map((item) => item.sk).sort()).toEqual([
      `RECEIPT#VoiceCallReport#${callId}#200101#2024-01-15T16:30:04+08:00`,
      `RECEIPT#VoiceCallReport#${callId}#300000#2024-01-15T16:30:12+08:00#1`,
      `RECEIPT#VoiceCallReport#${callId}#300000#2024-01-15T16:30:12+08:00#2`,
    ]);
  });
});

describe('DynamoReceiptStore: items', () => {
  it('keeps normalised fields, the raw object and the provenance; TTL in epoch seconds from RECEIPT_TTL_DAYS', async () => {
    const callId = newCallId();
    const raw = voiceReport(callId);
    const delivery = message('VoiceReport', raw);
    await store.storeBatch([delivery]);
    const [item] = await receiptItems(callId);
    expect(item).toMatchObject({
      callId,
      messageType: 'VoiceReport',
      messageId: delivery.messageId,
      naturalKey: callId,
      outId: 'order-001',
      statusCode: '200000',
      smartStatusCode: 'ANSWERED',
      status: 'completed',
      duration: 22,
      startTime: '2024-01-15T16:30:09+08:00',
      receivedAt: new Date(delivery.enqueueTime).toISOString(),
      raw,
    });
    const expected = Math.floor(Date.now() / 1000) + TTL_DAYS * 86_400;
    expect(item!.expiresAt).toBeGreaterThan(expected - 60);
    expect(item!.expiresAt).toBeLessThanOrEqual(expected + 1);
    expect(Number.isInteger(item!.expiresAt)).toBe(true);
  });

  it('uses the configured retention', async () => {
    const callId = newCallId();
    await new DynamoReceiptStore(client, TABLE, 7).storeBatch([message('VoiceReport', voiceReport(callId))]);
    const [item] = await receiptItems(callId);
    expect(Math.abs((item!.expiresAt as number) - (Math.floor(Date.now() / 1000) + 7 * 86_400))).toBeLessThan(60);
  });

  it('stores an undecodable body raw as an invalid receipt (then the message counts as stored)', async () => {
    const messageId = `MSG-${randomUUID()}`;
    const poison = receiptMessageFrom('VoiceReport', { messageId, enqueueTime: Date.parse('2024-01-15T08:31:00Z'), body: '%%% poison %%%' });
    expect((await store.storeBatch([poison])).stored).toEqual(new Set([messageId]));
    const item = (await itemsOf('INVALID#VoiceReport')).find((candidate) => candidate.messageId === messageId);
    expect(item).toMatchObject({ sk: `2024-01-15T08:31:00.000Z#${messageId}`, rawBody: '%%% poison %%%', reason: expect.any(String), messageType: 'VoiceReport' });
    expect(Math.abs((item!.expiresAt as number) - (Math.floor(Date.now() / 1000) + TTL_DAYS * 86_400))).toBeLessThan(60);
    // Stored again (redelivery): still one item.
    await store.storeBatch([poison]);
    expect((await itemsOf('INVALID#VoiceReport')).filter((candidate) => candidate.messageId === messageId)).toHaveLength(1);
  });

  it('stores a receipt DynamoDB could not hold (a number out of its range) raw as invalid instead of failing forever', async () => {
    const callId = newCallId();
    const delivery = message('VoiceReport', voiceReport(callId, { extend: 1e200 }));
    expect((await store.storeBatch([delivery])).stored).toEqual(new Set([delivery.messageId]));
    expect(await receiptItems(callId)).toHaveLength(0);
    const item = (await itemsOf('INVALID#VoiceReport')).find((candidate) => candidate.messageId === delivery.messageId);
    expect(item).toMatchObject({ reason: expect.stringContaining('out of range') });
    expect(JSON.parse(item!.rawBody as string)).toEqual([expect.objectContaining({ call_id: callId })]);
  });

  it('never throws on a receipt nested deeper than anything can write: the message is kept as invalid (docs/security.md#input-limits)', async () => {
    // decode.ts refuses such bodies; the store must hold whatever it is given all the same.
    const callId = newCallId();
    const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`) as unknown;
    const delivery = message('VoiceReport', voiceReport(callId));
    const poisoned: ReceiptMessage = { ...delivery, receipts: delivery.receipts.map((receipt) => ({ ...receipt, raw: { ...receipt.raw, deep } })) };

    const result = await store.storeBatch([poisoned]);

    expect(result.stored).toEqual(new Set([delivery.messageId]));
    expect(await receiptItems(callId)).toHaveLength(0);
    const item = (await itemsOf('INVALID#VoiceReport')).find((candidate) => candidate.messageId === delivery.messageId);
    expect(item).toMatchObject({ reason: expect.stringContaining('nested deeper than 30 levels') });
  });

  it.each([
    ['a string', '"kept as data"', 'kept as data'],
    ['a map shaped like an attribute value', '{"S":"not an attribute"}', { S: 'not an attribute' }],
    ['a map of receipt fields', '{"status_code":"200005"}', { status_code: '200005' }],
  ])('keeps a `__proto__` key holding %s as data: one attribute of raw, no other, no field read from it (docs/security.md#input-limits)', async (_name, json, value) => {
    const callId = newCallId();
    const body = Buffer.from(`{"call_id":"${callId}","duration":"7","__proto__":${json}}`).toString('base64');
    const delivery = receiptMessageFrom('VoiceReport', { messageId: `MSG-${randomUUID()}`, enqueueTime: Date.parse('2024-01-15T08:31:00Z'), body });

    expect((await store.storeBatch([delivery])).stored).toEqual(new Set([delivery.messageId]));

    const [item, ...more] = await receiptItems(callId);
    expect(more).toEqual([]);
    expect(Object.keys(item!.raw as object).sort()).toEqual(['__proto__', 'call_id', 'duration']);
    expect(Object.getOwnPropertyDescriptor(item!.raw, '__proto__')?.value).toEqual(value);
    expect(Object.getPrototypeOf(item!.raw)).toBe(Object.prototype);
    expect(item!.statusCode).toBeUndefined();
    expect(item!.duration).toBe(7);
  });

  it('stores 100+ receipts of one batch, each once', async () => {
    const callIds = Array.from({ length: 120 }, newCallId);
    const messages = [
      ...callIds.map((callId) => message('VoiceReport', voiceReport(callId, { status_code: '200002' }))),
      ...callIds.slice(0, 30).map((callId) => message('VoiceCallReport', [callReport(callId, '200101', '2024-01-15 16:30:01'), callReport(callId, '200103', '2024-01-15 16:30:05')])),
    ];
    const { stored, errors } = await store.storeBatch(messages);
    expect(errors).toEqual([]);
    expect(stored.size).toBe(messages.length);
    const counts = await Promise.all(callIds.map(async (callId) => (await receiptItems(callId)).length));
    expect(counts.slice(0, 30).every((count) => count === 3)).toBe(true);
    expect(counts.slice(30).every((count) => count === 1)).toBe(true);
    const statuses = await Promise.all(callIds.map(statusOf));
    expect(new Set(statuses)).toEqual(new Set(['busy']));
  });

  it('writes receipt items only, with BatchWriteItem: no call item, no conditional write on this path', async () => {
    const callId = newCallId();
    const sent: string[] = [];
    const recording = {
      send: (command: { constructor: { name: string } }, options?: unknown) => {
        sent.push(command.constructor.name);
        return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as DynamoDBClient;

    const { stored } = await new DynamoReceiptStore(recording, TABLE, TTL_DAYS).storeBatch([
      message('VoiceCallReport', callReport(callId, '200101', '2024-01-15 16:30:01')),
      message('VoiceReport', voiceReport(callId)),
    ]);

    expect(stored.size).toBe(2);
    expect(new Set(sent)).toEqual(new Set(['BatchWriteItemCommand']));
    expect(await callItem(callId)).toBeUndefined();
    expect(await receiptItems(callId)).toHaveLength(2);
  });
});

describe('call status: derived from the stored receipts (GET /calls/{callId}), forward only', () => {
  it('a late ringing receipt does not move a completed call back', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId))]);
    expect(await statusOf(callId)).toBe('completed');
    await store.storeBatch([message('VoiceCallReport', callReport(callId, '200101', '2024-01-15 16:30:01'))]);
    expect(await statusOf(callId)).toBe('completed');
    expect(await receiptItems(callId)).toHaveLength(2);
  });

  it('out-of-order intermediate states keep the furthest one, within a batch and across batches', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceCallReport', [callReport(callId, '200103', '2024-01-15 16:30:05'), callReport(callId, '200101', '2024-01-15 16:30:01')])]);
    expect(await statusOf(callId)).toBe('in-progress');
    await store.storeBatch([message('VoiceCallReport', callReport(callId, '200201', '2024-01-15 16:30:03'))]);
    expect(await statusOf(callId)).toBe('in-progress');
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200003', smart_status_code: 'NO_ANSWER', duration: '0' }))]);
    expect(await statusOf(callId)).toBe('no-answer');
  });

  it('any order of a call\'s receipts, in any batches, reads back as the same status (property, DynamoDB Local)', async () => {
    const receiptsOf = (callId: string): Array<[string, Record<string, unknown>]> => [
      ['VoiceCallReport', callReport(callId, '200101', '2024-01-15 16:30:01')],
      ['VoiceCallReport', callReport(callId, '200201', '2024-01-15 16:30:03')],
      ['VoiceCallReport', callReport(callId, '200103', '2024-01-15 16:30:09')],
      ['VoiceCallReport', callReport(callId, '300000', '2024-01-15 16:30:12', { dtmf: '1' })],
      ['VoiceReport', voiceReport(callId, { status_code: '200001', smart_status_code: 'ANSWERED' })],
      ['VoiceRecordReport', { call_id: callId, duration: 22, record_file: 'https://example.invalid/r.wav' }],
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 6, maxLength: 6 }),
        async (order, batchSizes) => {
          const callId = newCallId();
          const all = receiptsOf(callId);
          const seen: string[] = [];
          // The permuted receipts, cut into batches (one poll round, or one push, each).
          for (let start = 0, cut = 0; start < order.length; start += batchSizes[cut++]!) {
            const batch = order.slice(start, start + batchSizes[cut]!).map((index) => message(all[index]![0], all[index]![1]));
            expect((await store.storeBatch(batch)).stored.size).toBe(batch.length);
            seen.push(String(await statusOf(callId)));
          }
          expect(seen.at(-1)).toBe('completed');
          // Read after every batch: never back once finished.
          expect(seen.slice(seen.indexOf('completed'))).toEqual(seen.slice(seen.indexOf('completed')).map(() => 'completed'));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('the call item\'s projected status moves forward only, and a final status it holds stays', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200002' }))]);
    await project(callId);
    expect(await callItem(callId)).toMatchObject({ status: 'busy', statusRank: 3, updatedAt: (await receiptItems(callId))[0]!.storedAt });
    await store.storeBatch([message('VoiceCallReport', callReport(callId, '200101', '2024-01-15 16:30:01'))]);
    await project(callId);
    expect(await callItem(callId)).toMatchObject({ status: 'busy' });
    expect(await statusOf(callId)).toBe('busy');
  });

  it('the first final status stays once applied to the call item: a second, different final receipt does not replace it', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200002' }))]);
    await project(callId);
    // Alibaba sends one VoiceReport per call; one with other content rewrites the same item.
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200000' }))]);
    await project(callId);
    expect(await statusOf(callId)).toBe('busy');
    expect((await callItem(callId))?.status).toBe('busy');
  });

  it('a cancel recorded on the call item stays when the final receipt comes afterwards', async () => {
    const callId = newCallId();
    await calls.putPlacedCall({ callId, type: 'clickToDial', outId: 'order-3', requestId: 'REQ-3', status: 'placed', createdAt: '2024-01-15T08:30:00.000Z', updatedAt: '2024-01-15T08:30:00.000Z' });
    expect(await calls.advanceStatus(callId, 'cancelled', '2024-01-15T08:30:05.000Z')).toBe(true);
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200005', smart_status_code: 'CALL_REJECTED', duration: '0' }))]);
    expect(await getCall(callId)).toMatchObject({ status: 'cancelled', updatedAt: '2024-01-15T08:30:05.000Z' });
    await project(callId);
    expect(await getCall(callId)).toMatchObject({ status: 'cancelled', updatedAt: '2024-01-15T08:30:05.000Z' });
  });

  it('a cancel after the final receipt was stored (not yet projected) changes nothing: the outcome stays', async () => {
    const callId = newCallId();
    await calls.putPlacedCall({ callId, type: 'clickToDial', outId: 'order-4', requestId: 'REQ-4', status: 'placed', createdAt: '2024-01-15T08:30:00.000Z', updatedAt: '2024-01-15T08:30:00.000Z' });
    await store.storeBatch([message('VoiceReport', voiceReport(callId))]);
    expect(await getCall(callId)).toMatchObject({ status: 'completed' });
    expect(await calls.advanceStatus(callId, 'cancelled', '2024-01-15T08:31:00.000Z')).toBe(false);
    expect(await getCall(callId)).toMatchObject({ status: 'completed' });
    await project(callId);
    expect(await callItem(callId)).toMatchObject({ status: 'completed' });
  });

  it('advances a call this bundle placed, and a placing write landing after a receipt keeps the receipt status', async () => {
    const placed = newCallId();
    const record = { callId: placed, type: 'tts' as const, outId: 'order-9', requestId: 'REQ-1', status: 'placed' as const, createdAt: '2024-01-15T08:30:00.000Z', updatedAt: '2024-01-15T08:30:00.000Z' };
    await calls.putPlacedCall(record);
    // A new call: one conditional PutItem writes the whole item.
    expect(await callItem(placed)).toEqual({
      pk: `CALL#${placed}`,
      sk: 'CALL',
      ...record,
      statusRank: 0,
      expiresAt: Math.floor(Date.parse(record.createdAt) / 1000) + TTL_DAYS * 86_400,
    });
    await store.storeBatch([message('VoiceCallReport', callReport(placed, '200201', '2024-01-15 16:30:03'))]);
    expect(await calls.getCall(placed)).toMatchObject({ callId: placed, type: 'tts', outId: 'order-9', status: 'ringing' });

    const late = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(late))]);
    await project(late);
    const projected = await callItem(late);
    await calls.putPlacedCall({ ...record, callId: late });
    expect(await calls.getCall(late)).toMatchObject({ type: 'tts', outId: 'order-9', requestId: 'REQ-1', status: 'completed', createdAt: record.createdAt });
    // The item existed: the call's fields were merged in, the projected status and its time kept.
    expect(await callItem(late)).toMatchObject({ status: 'completed', statusRank: projected!.statusRank, updatedAt: projected!.updatedAt, type: 'tts', requestId: 'REQ-1', createdAt: record.createdAt });
  });

  it('calls placed elsewhere are stored and readable, with type null; the projection keeps a status-only call item for them', async () => {
    const elsewhere = newCallId();
    const delivery = message('VoiceReport', voiceReport(elsewhere, { out_id: 'theirs-1' }));
    await store.storeBatch([delivery]);
    const call = await calls.getCall(elsewhere);
    expect(call).toMatchObject({ callId: elsewhere, type: null, requestId: null, outId: 'theirs-1', status: 'completed' });
    // Known since its first receipt was enqueued.
    expect(call?.createdAt).toBe(new Date(delivery.enqueueTime).toISOString());
    expect(call?.receipts).toHaveLength(1);
    expect(await callItem(elsewhere)).toBeUndefined();

    await project(elsewhere);
    const item = await callItem(elsewhere);
    expect(item).toMatchObject({ callId: elsewhere, status: 'completed', outId: 'theirs-1', createdAt: new Date(delivery.enqueueTime).toISOString() });
    expect(Math.abs((item!.expiresAt as number) - (Math.floor(Date.now() / 1000) + TTL_DAYS * 86_400))).toBeLessThan(60);
    expect(await calls.getCall(elsewhere)).toEqual(call);

    // Only a recording: no status, still readable.
    const recordedOnly = newCallId();
    await store.storeBatch([message('VoiceRecordReport', { call_id: recordedOnly, duration: 60, record_file: 'https://example.invalid/r.wav' })]);
    expect(await calls.getCall(recordedOnly)).toMatchObject({ callId: recordedOnly, type: null, status: null, receipts: [expect.objectContaining({ recordFile: 'https://example.invalid/r.wav' })] });
    expect(await callItem(recordedOnly)).toBeUndefined();
  });
});

describe('DynamoReceiptStore: DynamoDB failing', () => {
  /** The real client, with some commands answered by `fault` instead. */
  function faulty(fault: (command: unknown, calls: number) => unknown | undefined): DynamoDBClient {
    let count = 0;
    return {
      send: (command: unknown, options?: unknown) => {
        const answer = fault(command, ++count);
        if (answer instanceof Error) return Promise.reject(answer);
        if (answer !== undefined) return Promise.resolve(answer);
        return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as DynamoDBClient;
  }
  const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

  it('retries UnprocessedItems until they are written', async () => {
    const callId = newCallId();
    let first = true;
    const flaky = faulty((command) => {
      if (command instanceof BatchWriteItemCommand && first) {
        first = false;
        return { UnprocessedItems: command.input.RequestItems };
      }
      return undefined;
    });
    const delivery = message('VoiceReport', voiceReport(callId));
    const { stored } = await new DynamoReceiptStore(flaky, TABLE, TTL_DAYS).storeBatch([delivery]);
    expect(stored).toEqual(new Set([delivery.messageId]));
    expect(await receiptItems(callId)).toHaveLength(1);
  });

  it('an item DynamoDB refuses outright is isolated; its message is kept raw as invalid, the others are written', async () => {
    const [poisoned, healthy] = [newCallId(), newCallId()];
    const refusing = faulty((command) => {
      if (!(command instanceof BatchWriteItemCommand)) return undefined;
      const requests = Object.values(command.input.RequestItems ?? {})[0] ?? [];
      const refused = requests.some((request) => request.PutRequest?.Item?.pk?.S === `CALL#${poisoned}` && String(request.PutRequest.Item.sk?.S).startsWith('RECEIPT#'));
      return refused ? Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' }) : undefined;
    });
    const bad = message('VoiceReport', voiceReport(poisoned));
    const good = message('VoiceReport', voiceReport(healthy));
    const { stored } = await new DynamoReceiptStore(refusing, TABLE, TTL_DAYS).storeBatch([bad, good]);
    expect(stored).toEqual(new Set([bad.messageId, good.messageId]));
    expect(await receiptItems(healthy)).toHaveLength(1);
    expect(await receiptItems(poisoned)).toHaveLength(0);
    const invalid = (await itemsOf('INVALID#VoiceReport')).find((item) => item.messageId === bad.messageId);
    expect(invalid).toMatchObject({ reason: expect.stringContaining('ValidationException') });
    expect(JSON.parse(invalid!.rawBody as string)).toEqual([expect.objectContaining({ call_id: poisoned })]);
  });

  it('throttled BatchWriteItem past its attempts: nothing counts as stored', async () => {
    const failing = faulty((command) => (command instanceof BatchWriteItemCommand ? throttled() : undefined));
    const delivery = message('VoiceReport', voiceReport(newCallId()));
    const { stored } = await new DynamoReceiptStore(failing, TABLE, TTL_DAYS, { maxAttempts: 2 }).storeBatch([delivery]);
    expect(stored.size).toBe(0);
  });

  it('DynamoDB unreachable: resolves (never throws) with nothing stored, within the deadline', async () => {
    const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const started = Date.now();
    const { stored, errors } = await new DynamoReceiptStore(unreachable, TABLE, TTL_DAYS).storeBatch([message('VoiceReport', voiceReport(newCallId()))], {
      deadline: Date.now() + 1_500,
    });
    expect(stored.size).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(3_000);
    unreachable.destroy();
  });
});

describe('GET /calls/{callId} (getCall handler)', () => {
  it('returns the call with its receipts: normalised fields and the raw body', async () => {
    const handler = getCallHandler;
    const callId = newCallId();
    const raw = voiceReport(callId, { out_id: 'theirs-7' });
    await store.storeBatch([
      message('VoiceCallReport', callReport(callId, '200201', '2024-01-15 16:30:04')),
      message('VoiceReport', raw),
    ]);

    const response = await handler(
      httpEvent({ method: 'GET', route: '/calls/{callId}', path: `/calls/${encodeURIComponent(callId)}`, pathParameters: { callId: encodeURIComponent(callId) } }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body as string);
    expect(body).toMatchObject({ callId, type: null, outId: 'theirs-7', status: 'completed' });
    expect(body.receipts).toHaveLength(2);
    const report = body.receipts.find((receipt: { messageType: string }) => receipt.messageType === 'VoiceReport');
    expect(report).toMatchObject({ callId, statusCode: '200000', status: 'completed', duration: 22, raw });
    const ringing = body.receipts.find((receipt: { messageType: string }) => receipt.messageType === 'VoiceCallReport');
    expect(ringing).toMatchObject({ statusCode: '200201', status: 'ringing', raw: { status_code: '200201' } });
    expect(JSON.stringify(body)).not.toMatch(/"(pk|sk|expiresAt|statusRank)"/);
  });

  it('an unknown call is still 404', async () => {
    const handler = getCallHandler;
    const callId = newCallId();
    const response = await handler(httpEvent({ method: 'GET', route: '/calls/{callId}', pathParameters: { callId } }), lambdaContext());
    expect(response.statusCode).toBe(404);
  });

  it('reads a call with 250 receipts in pages of at most 100, each GET naming the next (nextReceiptsAfter): every receipt once (docs/http-api.md#get-callscallid)', async () => {
    const callId = newCallId();
    // 250 key presses: one VoiceCallReport each (docs/alibaba/receipts.md#receipt-fields).
    const presses = Array.from({ length: 250 }, (_, index) => callReport(callId, '300000', '2024-01-15 16:30:09', { dtmf: String(index) }));
    await store.storeBatch([message('VoiceCallReport', presses)]);

    const pages: Record<string, any>[] = [];
    let after: string | undefined;
    do {
      const response = await getCallHandler(
        httpEvent({ method: 'GET', route: '/calls/{callId}', pathParameters: { callId }, ...(after === undefined ? {} : { query: { receiptsAfter: after } }) }),
        lambdaContext(),
      );
      expect(response.statusCode, String(response.body)).toBe(200);
      const page = JSON.parse(response.body as string) as Record<string, any>;
      pages.push(page);
      after = page.nextReceiptsAfter;
    } while (after !== undefined && pages.length < 10);

    expect(pages.map((page) => page.receipts.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flatMap((page) => page.receipts.map((receipt: { dtmf: string }) => receipt.dtmf))).size).toBe(250);
    for (const page of pages) expect(page).toMatchObject({ callId, type: null, status: 'in-progress' });
  });

  it('reads at most one page of receipts from DynamoDB per GET, the call item aside', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceCallReport', Array.from({ length: 120 }, (_, index) => callReport(callId, '300000', '2024-01-15 16:30:09', { dtmf: String(index) })))]);
    const send = vi.spyOn(client, 'send');

    const first = await calls.getCall(callId);
    const firstQueries = send.mock.calls.length;
    const second = await calls.getCall(callId, { receiptsAfter: first!.nextReceiptsAfter });
    const queries = send.mock.calls.map(([command]) => (command as QueryCommand).input);
    send.mockRestore();

    expect(first!.receipts).toHaveLength(100);
    expect(second!.receipts).toHaveLength(20);
    expect(second!.nextReceiptsAfter).toBeUndefined();
    expect(firstQueries).toBe(1);
    expect(queries).toHaveLength(3);
    for (const query of queries) expect(query.Limit).toBeLessThanOrEqual(102);
  });

  it.each(['not base64!', 'x'.repeat(2_000)])('refuses receiptsAfter %j with 400 naming query.receiptsAfter', async (receiptsAfter) => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId))]);

    const response = await getCallHandler(httpEvent({ method: 'GET', route: '/calls/{callId}', pathParameters: { callId }, query: { receiptsAfter } }), lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body as string).errors).toEqual([{ path: 'query.receiptsAfter', message: expect.any(String) }]);
  });
});
