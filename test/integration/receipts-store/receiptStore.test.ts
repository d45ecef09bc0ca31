import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { receiptMessageFrom, type ReceiptMessage } from '#shared/receipts/receiptMessage';
import { DynamoCallStore, unmarshallItem } from '#shared/store/dynamoCallStore';
import { dynamoClient } from '#shared/store/dynamoClient';
import { DynamoReceiptStore } from '#shared/store/receiptStore';

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
/** An MNS message carrying `receipts` Base64-encoded (spec §5.4), decoded and normalised as the poller does. */
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
    const statuses = await Promise.all(callIds.map(async (callId) => (await callItem(callId))?.status));
    expect(new Set(statuses)).toEqual(new Set(['busy']));
  });
});

describe('DynamoReceiptStore: call status (forward only)', () => {
  it('a late ringing receipt does not move a completed call back', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId))]);
    expect(await callItem(callId)).toMatchObject({ status: 'completed', statusRank: 3 });
    await store.storeBatch([message('VoiceCallReport', callReport(callId, '200101', '2024-01-15 16:30:01'))]);
    expect(await callItem(callId)).toMatchObject({ status: 'completed' });
    expect(await receiptItems(callId)).toHaveLength(2);
  });

  it('out-of-order intermediate states keep the furthest one, within a batch and across batches', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceCallReport', [callReport(callId, '200103', '2024-01-15 16:30:05'), callReport(callId, '200101', '2024-01-15 16:30:01')])]);
    expect((await callItem(callId))?.status).toBe('in-progress');
    await store.storeBatch([message('VoiceCallReport', callReport(callId, '200201', '2024-01-15 16:30:03'))]);
    expect((await callItem(callId))?.status).toBe('in-progress');
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200003', smart_status_code: 'NO_ANSWER', duration: '0' }))]);
    expect((await callItem(callId))?.status).toBe('no-answer');
  });

  it('in one batch, a call that is already further does not hold back the others (transaction cancellation reasons)', async () => {
    const [done, fresh, ringing] = [newCallId(), newCallId(), newCallId()];
    await store.storeBatch([message('VoiceReport', voiceReport(done))]);
    const late = message('VoiceCallReport', callReport(done, '200101', '2024-01-15 16:30:01'));
    const finished = message('VoiceReport', voiceReport(fresh, { status_code: '200003', duration: '0' }));
    const started = message('VoiceCallReport', callReport(ringing, '200201', '2024-01-15 16:30:02'));
    const { stored } = await store.storeBatch([late, finished, started]);
    expect(stored).toEqual(new Set([late.messageId, finished.messageId, started.messageId]));
    expect((await callItem(done))?.status).toBe('completed');
    expect((await callItem(fresh))?.status).toBe('no-answer');
    expect((await callItem(ringing))?.status).toBe('ringing');
  });

  it('the first final status stays: a second, different final receipt does not replace it', async () => {
    const callId = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200002' }))]);
    await store.storeBatch([message('VoiceReport', voiceReport(callId, { status_code: '200000' }))]);
    expect((await callItem(callId))?.status).toBe('busy');
  });

  it('advances a call this bundle placed, and a placing write landing after a receipt keeps the receipt status', async () => {
    const placed = newCallId();
    const record = { callId: placed, type: 'tts' as const, outId: 'order-9', requestId: 'REQ-1', status: 'placed' as const, createdAt: '2024-01-15T08:30:00.000Z', updatedAt: '2024-01-15T08:30:00.000Z' };
    await calls.putPlacedCall(record);
    await store.storeBatch([message('VoiceCallReport', callReport(placed, '200201', '2024-01-15 16:30:03'))]);
    expect(await calls.getCall(placed)).toMatchObject({ callId: placed, type: 'tts', outId: 'order-9', status: 'ringing' });

    const late = newCallId();
    await store.storeBatch([message('VoiceReport', voiceReport(late))]);
    await calls.putPlacedCall({ ...record, callId: late });
    expect(await calls.getCall(late)).toMatchObject({ type: 'tts', outId: 'order-9', requestId: 'REQ-1', status: 'completed', createdAt: record.createdAt });
  });

  it('calls placed elsewhere are stored and readable, with type null', async () => {
    const elsewhere = newCallId();
    const delivery = message('VoiceReport', voiceReport(elsewhere, { out_id: 'theirs-1' }));
    await store.storeBatch([delivery]);
    const call = await calls.getCall(elsewhere);
    expect(call).toMatchObject({ callId: elsewhere, type: null, requestId: null, outId: 'theirs-1', status: 'completed' });
    // Known since its first receipt was enqueued.
    expect(call?.createdAt).toBe(new Date(delivery.enqueueTime).toISOString());
    expect(call?.receipts).toHaveLength(1);
    const item = await callItem(elsewhere);
    expect(Math.abs((item!.expiresAt as number) - (Math.floor(Date.now() / 1000) + TTL_DAYS * 86_400))).toBeLessThan(60);

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

  it('a message whose status update fails is not stored (so it is not deleted), its receipt item notwithstanding', async () => {
    const [ok, blocked] = [newCallId(), newCallId()];
    const failing = faulty((command) => {
      const keys = command instanceof UpdateItemCommand ? [command.input.Key] : command instanceof TransactWriteItemsCommand ? (command.input.TransactItems ?? []).map((item) => item.Update?.Key) : [];
      return keys.some((key) => key?.pk?.S === `CALL#${blocked}`) ? throttled() : undefined;
    });
    const good = message('VoiceReport', voiceReport(ok));
    const bad = message('VoiceReport', voiceReport(blocked));
    const failingStore = new DynamoReceiptStore(failing, TABLE, TTL_DAYS, { maxAttempts: 2 });
    const { stored, errors } = await failingStore.storeBatch([bad]);
    expect(stored.size).toBe(0);
    expect(errors[0]).toMatchObject({ name: 'ThrottlingException' });
    expect(await receiptItems(blocked)).toHaveLength(1);
    expect(await callItem(blocked)).toBeUndefined();
    expect((await failingStore.storeBatch([good])).stored).toEqual(new Set([good.messageId]));
    // Redelivered once DynamoDB is back: the same item, the status now set.
    expect((await store.storeBatch([bad])).stored).toEqual(new Set([bad.messageId]));
    expect(await receiptItems(blocked)).toHaveLength(1);
    expect((await callItem(blocked))?.status).toBe('completed');
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

  it('a status transaction cancelled by a conflict is sent again', async () => {
    const [a, b] = [newCallId(), newCallId()];
    let conflicts = 0;
    const contended = faulty((command) => {
      if (command instanceof TransactWriteItemsCommand && conflicts++ === 0) {
        return Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        });
      }
      return undefined;
    });
    const messages = [message('VoiceReport', voiceReport(a)), message('VoiceReport', voiceReport(b, { status_code: '200002' }))];
    const { stored } = await new DynamoReceiptStore(contended, TABLE, TTL_DAYS).storeBatch(messages);
    expect(stored.size).toBe(2);
    expect(conflicts).toBe(2);
    expect((await callItem(a))?.status).toBe('completed');
    expect((await callItem(b))?.status).toBe('busy');
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
    const { handler } = await import('../../../functions/getCall.ts');
    const { httpEvent, lambdaContext } = await import('../../support/apiGatewayEvents.ts');
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
    const { handler } = await import('../../../functions/getCall.ts');
    const { httpEvent, lambdaContext } = await import('../../support/apiGatewayEvents.ts');
    const callId = newCallId();
    const response = await handler(httpEvent({ method: 'GET', route: '/calls/{callId}', pathParameters: { callId } }), lambdaContext());
    expect(response.statusCode).toBe(404);
  });
});
