/**
 * The local SQS queue (scripts/local/queue.ts) is only worth anything if the official
 * @aws-sdk/client-sqs works against it unchanged, it refuses what SQS refuses, and it delivers as
 * Lambda's SQS event source mapping does: after the delay, in batches, at most `concurrency` at
 * once, again after the visibility timeout for reported failures, to the dead-letter list after
 * maxReceiveCount receives. Most tests move a controllable clock and call deliverDue(); the polling
 * loop itself is driven by the real clock.
 */
import { readFileSync } from 'node:fs';
import {
  BatchEntryIdsNotDistinct,
  EmptyBatchRequest,
  GetQueueUrlCommand,
  InvalidBatchEntryId,
  InvalidMessageContents,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { md5OfMessageAttributes, startLocalQueue, type LocalQueue, type LocalQueueOptions } from '../../../scripts/local/queue.ts';

const START = Date.parse('2026-11-24T15:41:00.000Z');
const QUEUE_NAME = 'aliyun-voice-dev-call-requests';

interface Harness {
  queue: LocalQueue;
  client: SQSClient;
  clock: { now: number };
  /** Every event delivered, in order. */
  events: SQSEvent[];
  printed: string[];
  /** What the fake function answers for the next deliveries; default: every message handled. */
  answer: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
}

let harness: Harness | undefined;

/** A queue on a free port with a controllable clock; no polling unless `pollIntervalMs` says so. */
async function start(options: Partial<LocalQueueOptions> = {}): Promise<Harness> {
  const clock = { now: START };
  const events: SQSEvent[] = [];
  const printed: string[] = [];
  const queue = await startLocalQueue({
    region: 'eu-west-1',
    now: () => clock.now,
    print: (line) => printed.push(line),
    pollIntervalMs: 3_600_000,
    deliver: (event) => {
      events.push(event);
      return harness!.answer(event);
    },
    ...options,
  });
  const client = new SQSClient({ endpoint: queue.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  harness = { queue, client, clock, events, printed, answer: async () => undefined };
  return harness;
}

afterEach(async () => {
  harness?.client.destroy();
  await harness?.queue.close();
  harness = undefined;
});

const records = (events: SQSEvent[]): SQSRecord[] => events.flatMap((event) => event.Records);
const body = (n: number) => JSON.stringify({ type: 'tts', calledNumber: `1380013${String(8000 + n)}`, ttsCode: 'TTS_123456789', n });

describe('local SQS queue with the official SQS client', () => {
  it('accepts SendMessage (the SDK checks MD5OfMessageBody) and delivers the record in the Lambda SQS event shape', async () => {
    const { queue, client, events } = await start();
    const attributes: Record<string, MessageAttributeValue> = {
      requestId: { DataType: 'String', StringValue: 'r-1' },
      attempt: { DataType: 'Number', StringValue: '2' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    };
    const sent = await client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body(1), MessageAttributes: attributes }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);

    expect(await queue.deliverDue()).toBe(1);
    expect(events).toHaveLength(1);
    const [record] = events[0]!.Records;
    const fixture = (JSON.parse(readFileSync(new URL('../../fixtures/sqs/base.json', import.meta.url), 'utf8')) as SQSEvent).Records[0]!;
    // Every field the real event carries, plus md5OfMessageAttributes (there are attributes).
    expect(Object.keys(record!).sort()).toEqual([...Object.keys(fixture), 'md5OfMessageAttributes'].sort());
    expect(Object.keys(record!.attributes).sort()).toEqual(Object.keys(fixture.attributes).sort());
    expect(record).toEqual({
      messageId: sent.MessageId,
      receiptHandle: expect.stringMatching(/^[A-Za-z0-9+/=]{100,}$/),
      body: body(1),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(START),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(START),
      },
      messageAttributes: {
        requestId: { stringValue: 'r-1', stringListValues: [], binaryListValues: [], dataType: 'String' },
        attempt: { stringValue: '2', stringListValues: [], binaryListValues: [], dataType: 'Number' },
        blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: sent.MD5OfMessageBody,
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:eu-west-1:000000000000:${QUEUE_NAME}`,
      awsRegion: 'eu-west-1',
    });
    // Handled: deleted.
    expect(queue.queued()).toEqual([]);
    expect(queue.inFlight()).toEqual([]);
  });

  it('computes MD5OfMessageAttributes with the SQS algorithm (known digests)', async () => {
    expect(md5OfMessageAttributes({ timestamp: { DataType: 'Number', StringValue: '1493147359900' } })).toBe('235c5c510d26fb653d073faed50ae77c');
    // Sorted by name whatever order they are given in.
    expect(
      md5OfMessageAttributes({ ordinal: { DataType: 'Number', StringValue: '1' }, category: { DataType: 'String', StringValue: 'test' } }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');

    const { queue, client } = await start();
    const sent = await client.send(
      new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: 'x', MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } } }),
    );
    expect(sent.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    // No attributes: no digest of them, in the answer or in the record.
    const plain = await client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: 'y' }));
    expect(plain.MD5OfMessageAttributes).toBeUndefined();
    await queue.deliverDue();
    const record = records(harness!.events).find((candidate) => candidate.messageId === plain.MessageId)!;
    expect(record.md5OfMessageAttributes).toBeUndefined();
    expect(record.messageAttributes).toEqual({});
  });

  it('answers GetQueueUrl for its queue and QueueDoesNotExist for any other', async () => {
    const { queue, client } = await start();
    expect((await client.send(new GetQueueUrlCommand({ QueueName: QUEUE_NAME }))).QueueUrl).toBe(queue.queueUrl);
    expect(queue.queueUrl).toBe(`${queue.url}/000000000000/${QUEUE_NAME}`);

    const missing = client.send(new GetQueueUrlCommand({ QueueName: 'other-queue' }));
    await expect(missing).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(missing).rejects.toMatchObject({ Code: 'AWS.SimpleQueueService.NonExistentQueue', $metadata: { httpStatusCode: 400 } });
    await expect(client.send(new SendMessageCommand({ QueueUrl: `${queue.url}/000000000000/other-queue`, MessageBody: 'x' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
  });

  it('refuses what SendMessage refuses, naming the parameter', async () => {
    const { queue, client } = await start();
    const send = (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>) =>
      client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: 'x', ...input }));

    await expect(send({ DelaySeconds: 901 })).rejects.toMatchObject({ name: 'InvalidParameterValue', Code: 'InvalidParameterValue', message: expect.stringContaining('DelaySeconds') });
    await expect(send({ DelaySeconds: -1 })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send({ MessageBody: '' })).rejects.toMatchObject({ name: 'MissingParameter', message: expect.stringContaining('MessageBody') });
    await expect(send({ MessageBody: 'x'.repeat(256 * 1024 + 1) })).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('262144 bytes') });
    // Attributes count towards the size.
    await expect(send({ MessageBody: 'x'.repeat(256 * 1024 - 4), MessageAttributes: { a: { DataType: 'String', StringValue: 'bc' } } })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(send({ MessageBody: 'bad \u0000 character' })).rejects.toBeInstanceOf(InvalidMessageContents);
    await expect(send({ MessageBody: 'lone \ud800 surrogate' })).rejects.toBeInstanceOf(InvalidMessageContents);

    const attribute = (name: string, value: MessageAttributeValue) => send({ MessageAttributes: { [name]: value } });
    for (const name of ['AWS.trace', 'amazon.x', '.lead', 'trail.', 'dou..ble', 'sp ace', 'x'.repeat(257)]) {
      await expect(attribute(name, { DataType: 'String', StringValue: 'v' }), name).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining('attribute name') });
    }
    await expect(attribute('kind', { DataType: 'Text', StringValue: 'v' })).rejects.toMatchObject({ message: expect.stringContaining('supported type prefixes') });
    await expect(attribute('kind', { DataType: 'String', StringValue: '' })).rejects.toMatchObject({ message: expect.stringContaining('non-empty') });
    await expect(attribute('kind', { DataType: 'Number', StringValue: 'twelve' })).rejects.toMatchObject({ message: expect.stringContaining('to a number') });
    await expect(attribute('kind', { DataType: 'Number', StringValue: '1'.repeat(39) })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(attribute('kind', { DataType: 'Binary' })).rejects.toMatchObject({ message: expect.stringContaining('non-empty') });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, n) => [`a${n}`, { DataType: 'String', StringValue: 'v' }]));
    await expect(send({ MessageAttributes: eleven })).rejects.toMatchObject({ message: expect.stringContaining('[11] exceeds the allowed maximum [10]') });
    await expect(send({ MessageDeduplicationId: 'd-1' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });

    // Custom types and the allowed characters pass.
    await expect(attribute('my-attr_1.x', { DataType: 'Number.int', StringValue: '-1.5e3' })).resolves.toMatchObject({ MessageId: expect.any(String) });
    expect(queue.queued()).toHaveLength(1);
  });

  it('sends batches entry by entry and refuses a malformed batch as a whole', async () => {
    const { queue, client } = await start();
    const output = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: [
          { Id: 'first', MessageBody: body(1) },
          { Id: 'too-late', MessageBody: body(2), DelaySeconds: 1000 },
          { Id: 'third', MessageBody: body(3), DelaySeconds: 10, MessageAttributes: { requestId: { DataType: 'String', StringValue: 'r-3' } } },
        ],
      }),
    );
    expect(output.Successful?.map((entry) => entry.Id)).toEqual(['first', 'third']);
    expect(output.Successful?.[1]?.MD5OfMessageAttributes).toBe(md5OfMessageAttributes({ requestId: { DataType: 'String', StringValue: 'r-3' } }));
    expect(output.Failed).toEqual([{ Id: 'too-late', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringContaining('DelaySeconds') }]);
    expect(queue.queued().map((message) => message.body)).toEqual([body(1), body(3)]);

    const batch = (Entries: Array<{ Id: string; MessageBody: string }>) => client.send(new SendMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries }));
    await expect(batch([])).rejects.toBeInstanceOf(EmptyBatchRequest);
    await expect(batch(Array.from({ length: 11 }, (_, n) => ({ Id: `m${n}`, MessageBody: 'x' })))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(batch([{ Id: 'same', MessageBody: 'x' }, { Id: 'same', MessageBody: 'y' }])).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    await expect(batch([{ Id: 'not allowed!', MessageBody: 'x' }])).rejects.toMatchObject({ name: 'InvalidBatchEntryId', Code: 'AWS.SimpleQueueService.InvalidBatchEntryId' });
    await expect(batch([{ Id: 'x'.repeat(81), MessageBody: 'x' }])).rejects.toBeInstanceOf(InvalidBatchEntryId);
    await expect(batch([{ Id: 'a', MessageBody: 'x'.repeat(200_000) }, { Id: 'b', MessageBody: 'x'.repeat(100_000) }])).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
    expect(queue.queued()).toHaveLength(2);
  });

  it('refuses the operations it does not implement', async () => {
    const { queue, client } = await start();
    await expect(client.send(new ReceiveMessageCommand({ QueueUrl: queue.queueUrl }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('AmazonSQS.ReceiveMessage'),
    });
  });
});

describe('local SQS queue as Lambda event source mapping', () => {
  it('delivers a delayed message only once its delay has passed', async () => {
    const { queue, client, clock, events } = await start();
    const sent = await client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body(1), DelaySeconds: 60 }));
    expect(queue.queued()).toEqual([
      { messageId: sent.MessageId, body: body(1), messageAttributes: {}, sentAt: new Date(START).toISOString(), visibleAt: new Date(START + 60_000).toISOString(), receiveCount: 0 },
    ]);

    expect(await queue.deliverDue()).toBe(0);
    clock.now = START + 59_999;
    expect(await queue.deliverDue()).toBe(0);
    expect(events).toEqual([]);
    clock.now = START + 60_000;
    expect(await queue.deliverDue()).toBe(1);
    expect(records(events)[0]?.attributes.SentTimestamp).toBe(String(START));
    expect(records(events)[0]?.attributes.ApproximateFirstReceiveTimestamp).toBe(String(START + 60_000));
  });

  it('receives a reported failure again after the visibility timeout, then moves it to the dead-letter list after maxReceiveCount receives', async () => {
    const h = await start({ visibilityTimeoutMs: 30_000 });
    const { queue, clock, events, printed } = h;
    const failing = queue.send(body(1)).MessageId;
    const handled = queue.send(body(2)).MessageId;
    h.answer = async () => ({ batchItemFailures: [{ itemIdentifier: failing }] });

    expect(await queue.deliverDue()).toBe(2);
    expect(queue.inFlight().map((message) => [message.messageId, message.receiveCount])).toEqual([[failing, 1]]);
    expect(queue.queued()).toEqual([]);
    // Invisible until the timeout has passed.
    clock.now = START + 29_999;
    expect(await queue.deliverDue()).toBe(0);

    for (const receive of [2, 3]) {
      clock.now = START + (receive - 1) * 30_000;
      expect(queue.queued().map((message) => message.receiveCount)).toEqual([receive - 1]);
      expect(await queue.deliverDue()).toBe(1);
      const record = events.at(-1)!.Records[0]!;
      expect(record.messageId).toBe(failing);
      expect(record.attributes.ApproximateReceiveCount).toBe(String(receive));
      expect(record.attributes.ApproximateFirstReceiveTimestamp).toBe(String(START));
      expect(record.receiptHandle).not.toBe(events[0]!.Records[0]!.receiptHandle);
    }

    clock.now = START + 90_000;
    expect(await queue.deliverDue()).toBe(0);
    expect(queue.deadLetters()).toEqual([expect.objectContaining({ messageId: failing, receiveCount: 3, deadAt: new Date(START + 90_000).toISOString() })]);
    expect(queue.queued()).toEqual([]);
    expect(queue.inFlight()).toEqual([]);
    expect(records(events).filter((record) => record.messageId === handled)).toHaveLength(1);
    expect(printed.at(-1)).toBe(`[queue] ${new Date(START + 90_000).toISOString()} ${QUEUE_NAME}: message ${failing} moved to the dead-letter list after 3 receives`);
    expect(printed[0]).toBe(`[queue] ${new Date(START).toISOString()} ${QUEUE_NAME}: delivered 2 messages (receive 1): 1 deleted, 1 received again after the visibility timeout`);
    // Never a body (phone numbers).
    expect(printed.join('\n')).not.toContain('13800');
  });

  it('fails the whole batch when the function throws or reports an identifier that is not in the batch', async () => {
    const h = await start();
    const { queue, clock } = h;
    for (let n = 0; n < 3; n++) queue.send(body(n));

    h.answer = async () => {
      throw new Error('function error');
    };
    expect(await queue.deliverDue()).toBe(3);
    expect(queue.inFlight().map((message) => message.receiveCount)).toEqual([1, 1, 1]);
    expect(h.printed.at(-1)).toContain('0 deleted, 3 received again after the visibility timeout (delivery failed: function error)');

    clock.now += 30_000;
    h.answer = async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] });
    expect(await queue.deliverDue()).toBe(3);
    expect(queue.inFlight().map((message) => message.receiveCount)).toEqual([2, 2, 2]);

    clock.now += 30_000;
    h.answer = async () => ({ batchItemFailures: [{ itemIdentifier: '' }] });
    expect(await queue.deliverDue()).toBe(3);
    expect(queue.inFlight().map((message) => message.receiveCount)).toEqual([3, 3, 3]);
  });

  it('deletes every message when the function answers nothing or an empty failure list', async () => {
    const h = await start();
    h.queue.send(body(1));
    h.answer = async () => ({ batchItemFailures: [] });
    await h.queue.deliverDue();
    h.queue.send(body(2));
    h.answer = async () => undefined;
    await h.queue.deliverDue();
    expect(h.events).toHaveLength(2);
    expect([...h.queue.queued(), ...h.queue.inFlight()]).toEqual([]);
  });

  it('delivers in batches of batchSize, at most `concurrency` batches at once', async () => {
    const h = await start({ batchSize: 10, concurrency: 2 });
    for (let n = 0; n < 25; n++) h.queue.send(body(n));
    const releases: Array<() => void> = [];
    let running = 0;
    let most = 0;
    h.answer = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      return undefined;
    };

    const done = h.queue.deliverDue();
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    // Two batches of 10 in flight, the last 5 waiting for room.
    expect(h.queue.inFlight()).toHaveLength(20);
    expect(h.queue.queued()).toHaveLength(5);
    releases.shift()!();
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    releases.splice(0).forEach((release) => release());
    await vi.waitFor(() => expect(releases).toHaveLength(0));
    expect(await done).toBe(25);
    expect(h.events.map((event) => event.Records.length)).toEqual([10, 10, 5]);
    expect(most).toBe(2);
    // Oldest first.
    expect(records(h.events).map((record) => (JSON.parse(record.body) as { n: number }).n)).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it('polls by itself: a message sent with the official client reaches the function without any call from the test', async () => {
    // The real clock: the stand-in as npm start runs it.
    const h = await start({ now: Date.now, pollIntervalMs: 100 });
    const sent = await h.client.send(new SendMessageCommand({ QueueUrl: h.queue.queueUrl, MessageBody: body(7) }));
    await vi.waitFor(() => expect(records(h.events).map((record) => record.messageId)).toEqual([sent.MessageId]), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(h.queue.inFlight()).toEqual([]));
    expect(h.queue.queued()).toEqual([]);
  });

  it('serves its messages at GET /messages', async () => {
    const h = await start({ maxReceiveCount: 1 });
    const dead = h.queue.send(body(1)).MessageId;
    h.answer = async () => ({ batchItemFailures: [{ itemIdentifier: dead }] });
    await h.queue.deliverDue();
    h.clock.now += 30_000;
    await h.queue.deliverDue();
    const waiting = h.queue.send(body(2), { delaySeconds: 5, messageAttributes: { requestId: { DataType: 'String', StringValue: 'r-2' } } }).MessageId;

    const listed = (await (await fetch(`${h.queue.url}/messages`)).json()) as Record<string, Array<Record<string, unknown>>>;
    expect(listed.queued).toEqual([expect.objectContaining({ messageId: waiting, body: body(2), messageAttributes: { requestId: { DataType: 'String', StringValue: 'r-2' } } })]);
    expect(listed.inFlight).toEqual([]);
    expect(listed.deadLetters).toEqual([expect.objectContaining({ messageId: dead, receiveCount: 1 })]);
    expect((await fetch(`${h.queue.url}/elsewhere`)).status).toBe(404);
  });
});
