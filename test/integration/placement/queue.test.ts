/**
 * functions/placeCallsFromQueue: SQS batches built on a real captured SQS event, against the
 * sandbox, DynamoDB Local's calls table (REJECTED items) and its idempotency table.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { placeQueuedCalls } from '#shared/triggers/messageTriggers';
import { placementDependencies } from '#shared/runtime/placement';
import { logger } from '#shared/logger';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { redelivered, sqsEvent, type QueuedMessage } from '../../support/triggerEvents.ts';
import { freshNumber, invoke } from '../handlers/harness.ts';
import { readRejected, usePlacementHandlers } from './harness.ts';

const harness = usePlacementHandlers();

const THROTTLED_NUMBER = '13900000006'; // sandbox: isv.BUSINESS_LIMIT_CONTROL every time
const ILLEGAL_NUMBER = '13900000001'; // sandbox: isv.MOBILE_NUMBER_ILLEGAL

function tts(calledNumber = freshNumber(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'tts', calledNumber, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, ...extra };
}

describe('a batch of 10: 7 valid, 2 bad, 1 throttled', () => {
  const valid: QueuedMessage[] = Array.from({ length: 7 }, () => ({ body: tts(), messageId: randomUUID() }));
  const malformed: QueuedMessage = { body: '{"type":"tts","calledNumber":', messageId: randomUUID() };
  const invalid: QueuedMessage = { body: tts(freshNumber(), { playTimes: 9, fax: true }), messageId: randomUUID() };
  const throttled: QueuedMessage = { body: tts(THROTTLED_NUMBER), messageId: randomUUID() };
  // The bad and the throttled ones spread through the batch.
  const batch = sqsEvent([valid[0]!, malformed, valid[1]!, valid[2]!, throttled, valid[3]!, invalid, valid[4]!, valid[5]!, valid[6]!]);

  it('reports exactly the throttled message as a failure, places the 7 and records the 2 bad ones as REJECTED', async () => {
    const response = await harness.placeCallsFromQueue(batch);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    const calls = harness.sandbox.control.calls();
    expect(calls).toHaveLength(7);
    expect(calls.map((call) => call.params.CalledNumber).sort()).toEqual(valid.map((message) => (message.body as { calledNumber: string }).calledNumber).sort());

    const rejected = await readRejected('sqs', [malformed.messageId!, invalid.messageId!, throttled.messageId!]);
    expect(rejected).toHaveLength(2);
    const byId = Object.fromEntries(rejected.map((item) => [item.messageId, item]));
    expect(byId[malformed.messageId!]).toMatchObject({
      code: 'VALIDATION_FAILED',
      reason: expect.stringContaining('body: is not valid JSON'),
      errors: [{ path: 'body', message: 'is not valid JSON' }],
      body: malformed.body,
      source: 'sqs',
    });
    expect(byId[invalid.messageId!]).toMatchObject({
      code: 'VALIDATION_FAILED',
      reason: expect.stringContaining('playTimes: must be at most 3'),
      body: JSON.stringify(invalid.body),
    });
    expect(byId[invalid.messageId!]!.errors).toEqual(
      expect.arrayContaining([
        { path: 'playTimes', message: 'must be at most 3' },
        { path: 'fax', message: 'is not a known field' },
      ]),
    );
    for (const item of rejected) {
      expect(item.pk).toBe('REJECTED#sqs');
      expect(item.sk).toBe(`${item.receivedAt}#${item.messageId}`);
      expect(item.receivedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      // Epoch SECONDS, about RECEIPT_TTL_DAYS (30) from now.
      expect(item.expiresAt).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
      expect(item.expiresAt).toBeLessThan(Date.now() / 1000 + 31 * 86_400);
    }
  });

  it('delivered again (same message ids) places nothing new, rewrites the same REJECTED items and still reports the throttled one', async () => {
    const response = await harness.placeCallsFromQueue(redelivered(batch));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    expect(harness.sandbox.control.calls()).toHaveLength(0);
    // Only the throttled message (its record was released) and the rejected invalid ones reach
    // nothing: the 7 are replayed from their records, the 2 bad never get past validation.
    expect(harness.sandbox.control.requests().map((request) => request.params.CalledNumber)).toEqual([THROTTLED_NUMBER]);
    expect(await readRejected('sqs', [malformed.messageId!, invalid.messageId!])).toHaveLength(2);
  });
});

describe('input limits (docs/security.md#input-limits)', () => {
  it.each([
    ['over 16 KiB', JSON.stringify({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1', padding: 'x'.repeat(16 * 1024) }), 'must be at most 16384 bytes'],
    ['nested 20,000 deep (and so over 16 KiB)', `{"type":"tts","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, 'must be at most 16384 bytes'],
    ['nested 40 deep', `{"type":"tts","x":${'['.repeat(40)}${']'.repeat(40)}}`, 'must not nest arrays and objects more than 32 deep'],
  ])('a body %s is REJECTED naming the body, unparsed, and nothing is sent', async (_name, body, reason) => {
    const message = { body, messageId: randomUUID() };

    const response = await harness.placeCallsFromQueue(sqsEvent([message]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('sqs', [message.messageId]);
    expect(item).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body', message: reason }], body });
  });
});

describe('idempotency keys', () => {
  it('an explicit idempotencyKey shared by two messages places one call', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const body = { ...tts(), idempotencyKey };

    const first = await harness.placeCallsFromQueue(sqsEvent([{ body }]));
    const second = await harness.placeCallsFromQueue(sqsEvent([{ body }]));

    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('the same idempotencyKey with another request is REJECTED as IDEMPOTENCY_CONFLICT', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const conflicting = { body: { ...tts(), idempotencyKey }, messageId: randomUUID() };

    await harness.placeCallsFromQueue(sqsEvent([{ body: { ...tts(), idempotencyKey } }]));
    const response = await harness.placeCallsFromQueue(sqsEvent([conflicting]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.calls()).toHaveLength(1);
    const [item] = await readRejected('sqs', [conflicting.messageId]);
    expect(item).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('is shared with the HTTP API for the same IAM identity: an Idempotency-Key used over HTTP is the same key in its message', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const body = tts();
    // The captured SQS event's sender (test/fixtures/sqs/base.json), signing the HTTP request too.
    const sender = 'AIDAIENQZJOLO23YVJ4VO';
    const http = await invoke(harness.placeCall, { method: 'POST', route: '/calls', body, headers: { 'idempotency-key': idempotencyKey }, authorizer: { iam: { userId: sender } } });

    const queued = await harness.placeCallsFromQueue(sqsEvent([{ body: { ...body, idempotencyKey } }]));

    expect(http.status, http.text).toBe(202);
    expect(queued).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('belongs to the sender: the same idempotencyKey from another sender places its own call', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const body = { ...tts(), idempotencyKey };
    harness.sandbox.control.setFlowControl(false);
    const other = sqsEvent([{ body }]);
    other.Records[0]!.attributes.SenderId = 'AROAANOTHERSENDERROLE:i-0a1b2c3d';

    await harness.placeCallsFromQueue(sqsEvent([{ body }]));
    const response = await harness.placeCallsFromQueue(other);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.calls()).toHaveLength(2);
  });

  it('a malformed idempotencyKey is REJECTED naming the field, and nothing is sent', async () => {
    const message = { body: { ...tts(), idempotencyKey: 'k'.repeat(65) }, messageId: randomUUID() };

    const response = await harness.placeCallsFromQueue(sqsEvent([message]));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('sqs', [message.messageId]);
    expect(item?.errors).toEqual([{ path: 'idempotencyKey', message: 'must be 1 to 64 printable ASCII characters' }]);
  });
});

describe('Alibaba\'s answers', () => {
  it('a number Alibaba rejects (isv.MOBILE_NUMBER_ILLEGAL) is REJECTED with Alibaba\'s code and message, not retried', async () => {
    const message = { body: tts(ILLEGAL_NUMBER), messageId: randomUUID() };

    const response = await harness.placeCallsFromQueue(sqsEvent([message]));

    expect(response).toEqual({ batchItemFailures: [] });
    const [item] = await readRejected('sqs', [message.messageId]);
    expect(item).toMatchObject({ code: 'isv.MOBILE_NUMBER_ILLEGAL', reason: expect.stringMatching(/^Alibaba rejected the request: .+\(Alibaba RequestId [\w-]+\)$/) });
  });

  it.each([
    ['an account problem (isv.AMOUNT_NOT_ENOUGH)', { calledNumber: '13900000003' }],
    ['Alibaba unavailable (isp.SYSTEM_ERROR)', { calledNumber: '13900000005' }],
  ])('%s is reported as a failure, to be delivered again, and nothing is REJECTED', async (_name, { calledNumber }) => {
    const message = { body: tts(calledNumber), messageId: randomUUID() };

    const response = await harness.placeCallsFromQueue(sqsEvent([message]));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(await readRejected('sqs', [message.messageId])).toHaveLength(0);
  });

  it('an unknown outcome is stored, not reported as a failure, and its redelivery sends nothing', async () => {
    // The connection drops after Alibaba received the request: it may have placed the call.
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', drop: true });
    const message = { body: tts(), messageId: randomUUID() };

    const first = await harness.placeCallsFromQueue(sqsEvent([message]));
    const again = await harness.placeCallsFromQueue(sqsEvent([message]));

    expect(first).toEqual({ batchItemFailures: [] });
    expect(again).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(await readRejected('sqs', [message.messageId])).toHaveLength(0);
  });
});

describe('at most once inside a batch (docs/security.md#input-limits)', () => {
  it('reads and validates every message before any is placed: no message is read while another is at Alibaba', async () => {
    // Two placements Alibaba takes 300 ms to answer, run QUEUE_CONCURRENCY (2) at a time, and a
    // third message: read inside the placing loop, it would wait for one of them to come back.
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', latencyMs: 300, count: 2 });
    const batch = sqsEvent([{ body: tts() }, { body: tts() }, { body: tts() }]);
    const third = batch.Records[2]!;
    const body = third.body;
    let firstReadAt: number | undefined;
    Object.defineProperty(third, 'body', {
      get: () => {
        firstReadAt ??= Date.now();
        return body;
      },
    });

    expect(await harness.placeCallsFromQueue(batch)).toEqual({ batchItemFailures: [] });

    const sent = harness.sandbox.control.requests().map((request) => Date.parse(request.receivedAt));
    expect(sent).toHaveLength(3);
    expect(firstReadAt).toBeDefined();
    expect(firstReadAt!).toBeLessThanOrEqual(Math.min(...sent));
  });
});

describe('what cannot be handled now', () => {
  it('a message is not started with too little time left, and is reported for another delivery', async () => {
    const message = { body: tts(), messageId: randomUUID() };

    const response = await harness.placeCallsFromQueue(sqsEvent([message]), lambdaContext(3_000));

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(harness.sandbox.control.requests()).toHaveLength(0);
  });

  it('a rejection that cannot be recorded is reported as a failure: nothing is lost', async () => {
    const deps = placementDependencies();
    const message = { body: '{"type":', messageId: randomUUID() };
    const failing = { record: async () => Promise.reject(new Error('DynamoDB unavailable')) };

    const response = await placeQueuedCalls(sqsEvent([message, { body: tts() }]).Records, {
      ...deps,
      rejections: failing,
      logger: logger.child({ test: 'rejection store down' }),
      deadline: Date.now() + 20_000,
    });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });
});
