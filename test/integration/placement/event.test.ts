/**
 * functions/placeCallFromEvent: `Place Call` events built on a real captured EventBridge event,
 * against the sandbox, DynamoDB Local's calls table (REJECTED items) and its idempotency table.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlibabaError } from '#shared/errors';
import { eventBridgeEvent, sqsEvent } from '../../support/triggerEvents.ts';
import { freshNumber } from '../handlers/harness.ts';
import { readRejected, usePlacementHandlers } from './harness.ts';

const harness = usePlacementHandlers();

function voice(calledNumber = freshNumber()): Record<string, unknown> {
  return { type: 'voice', calledNumber, voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav', playTimes: 2, outId: 'ev-1' };
}

describe('a Place Call event', () => {
  it('places the call and returns normally', async () => {
    const detail = voice();

    await expect(harness.placeCallFromEvent(eventBridgeEvent({ detail }))).resolves.toBeUndefined();

    const [call] = harness.sandbox.control.calls();
    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect(call).toMatchObject({ action: 'SingleCallByVoice', params: { CalledNumber: detail.calledNumber, OutId: 'ev-1', PlayTimes: '2' } });
  });

  it('delivered again (the same event id) places one call', async () => {
    const event = eventBridgeEvent({ detail: voice() });

    await harness.placeCallFromEvent(event);
    await harness.placeCallFromEvent(structuredClone(event));

    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('with an idempotencyKey places one call across events of the same account', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const detail = { ...voice(), idempotencyKey };

    await harness.placeCallFromEvent(eventBridgeEvent({ detail }));
    await harness.placeCallFromEvent(eventBridgeEvent({ detail }));

    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('keeps its idempotencyKeys apart from SQS and HTTP ones: an event names no principal to share them with (docs/security.md#idempotency-keys-per-caller)', async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const detail = { ...voice(), idempotencyKey };
    harness.sandbox.control.setFlowControl(false);

    await harness.placeCallFromEvent(eventBridgeEvent({ detail }));
    const queued = await harness.placeCallsFromQueue(sqsEvent([{ body: detail }]));

    expect(queued).toEqual({ batchItemFailures: [] });
    expect(harness.sandbox.control.calls()).toHaveLength(2);
  });
});

describe('a request refused for good', () => {
  it('an invalid detail is kept as a REJECTED item (source eventbridge); the invocation succeeds and Alibaba sees nothing', async () => {
    const event = eventBridgeEvent({ detail: { type: 'voice', calledNumber: '12' } });

    await expect(harness.placeCallFromEvent(event)).resolves.toBeUndefined();

    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('eventbridge', [event.id]);
    expect(item).toMatchObject({
      pk: 'REJECTED#eventbridge',
      sk: `${new Date(event.time).toISOString()}#${event.id}`,
      source: 'eventbridge',
      code: 'VALIDATION_FAILED',
      body: JSON.stringify(event),
    });
    expect(item!.errors).toEqual(
      expect.arrayContaining([
        { path: 'calledNumber', message: 'must be 5 to 20 digits' },
        { path: 'voiceCode', message: 'is required' },
      ]),
    );
  });

  it('an event whose detail-type is not "Place Call" is REJECTED without being read', async () => {
    const event = eventBridgeEvent({ detail: voice(), detailType: 'Cancel Call' });

    await harness.placeCallFromEvent(event);

    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('eventbridge', [event.id]);
    expect(item?.errors).toEqual([{ path: 'detail-type', message: 'must be "Place Call"' }]);
  });

  it('a number Alibaba rejects is REJECTED with Alibaba\'s code; the invocation succeeds', async () => {
    const event = eventBridgeEvent({ detail: voice('13900000002') });

    await harness.placeCallFromEvent(event);

    const [item] = await readRejected('eventbridge', [event.id]);
    expect(item).toMatchObject({ code: 'isv.BLACK_KEY_CONTROL_LIMIT' });
  });
});

describe('a failure worth retrying', () => {
  it('flow control (isv.BUSINESS_LIMIT_CONTROL) throws, so Lambda retries the event; nothing is REJECTED', async () => {
    const event = eventBridgeEvent({ detail: voice('13900000006') });

    const failure = await harness.placeCallFromEvent(event).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AlibabaError);
    expect(failure).toMatchObject({ kind: 'throttled', code: 'isv.BUSINESS_LIMIT_CONTROL' });
    expect(await readRejected('eventbridge', [event.id])).toHaveLength(0);
  });

  it('the retry of a throttled event is sent to Alibaba again (its key was released)', async () => {
    const event = eventBridgeEvent({ detail: voice('13900000006') });

    await harness.placeCallFromEvent(event).catch(() => undefined);
    await harness.placeCallFromEvent(structuredClone(event)).catch(() => undefined);

    expect(harness.sandbox.control.requests()).toHaveLength(2);
  });
});

describe('input limits (docs/security.md#input-limits)', () => {
  it('a detail over 16 KiB of JSON is REJECTED for its size; the invocation succeeds and nothing is sent', async () => {
    const event = eventBridgeEvent({ detail: { ...voice(), padding: 'x'.repeat(16 * 1024) } });

    await expect(harness.placeCallFromEvent(event)).resolves.toBeUndefined();

    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('eventbridge', [event.id]);
    expect(item).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'detail', message: 'must be at most 16384 bytes of JSON' }] });
  });

  it('a detail nested 20,000 deep is REJECTED, kept without its detail; the invocation succeeds', async () => {
    const event = eventBridgeEvent({ detail: JSON.parse(`{"type":"voice","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`) });

    await expect(harness.placeCallFromEvent(event)).resolves.toBeUndefined();

    expect(harness.sandbox.control.requests()).toHaveLength(0);
    const [item] = await readRejected('eventbridge', [event.id]);
    expect(item).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'detail', message: 'must not nest arrays and objects more than 32 deep' }] });
    expect(JSON.parse(item!.body)).toMatchObject({ id: event.id, detail: '[not kept: nested too deep to write as JSON]' });
  });
});
