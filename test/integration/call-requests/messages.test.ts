/**
 * Other ways in (docs/call-requests.md#other-ways-in): an SQS message or an EventBridge `Place Call`
 * event that carries scheduling fields (notBefore, notAfter, window, redial, until,
 * acknowledgeKeys) becomes a call request, through functions/placeCallsFromQueue and
 * functions/placeCallFromEvent; its id is derived from its idempotency key (the message's
 * `idempotencyKey`, else its message or event id), so a redelivery creates nothing twice. Events
 * built on real captured ones (test/support/triggerEvents.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventBridgeEvent, redelivered, sqsEvent } from '../../support/triggerEvents.ts';
import { createRequest, freshNumber, fromNow, itemsWithPrefix, readRequest, sandboxCallsTo, schedulesOf, storedRequests, useCallRequestBundle } from './harness.ts';

const bundle = useCallRequestBundle();

const tts = (calledNumber: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_100001' });
const context = () => lambdaContext(20_000);

/** The stored requests whose call is to `calledNumber`. */
const requestsTo = async (calledNumber: string) => (await storedRequests(bundle)).filter((request) => request.call.calledNumber === calledNumber);

describe('SQS', () => {
  it('a message with scheduling fields becomes a call request, armed for its time; delivered again, it creates nothing more', async () => {
    const number = freshNumber();
    const notBefore = fromNow(3_600_000);
    const event = sqsEvent([{ body: { ...tts(number), notBefore, window: { from: '00:00', to: '23:59' }, redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 600 } } }]);

    expect(await bundle.handlers.placeCallsFromQueue(event, context())).toEqual({ batchItemFailures: [] });
    expect(await bundle.handlers.placeCallsFromQueue(redelivered(event), context())).toEqual({ batchItemFailures: [] });

    const requests = await requestsTo(number);
    expect(requests).toHaveLength(1);
    const view = await readRequest(bundle, requests[0]!.requestId);
    expect(view).toMatchObject({
      status: 'scheduled',
      call: tts(number),
      notBefore,
      window: { from: '00:00', to: '23:59', timeZone: 'Asia/Shanghai' },
      redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 600 },
    });
    expect(schedulesOf(bundle, view.requestId)).toHaveLength(1);
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
  });

  it('one due now is placed at once, once however often it is delivered', async () => {
    const number = freshNumber();
    const event = sqsEvent([{ body: { ...tts(number), redial: { on: ['no-answer'], maxAttempts: 3, intervalSeconds: 60 } } }]);

    await bundle.handlers.placeCallsFromQueue(event, context());
    await bundle.handlers.placeCallsFromQueue(redelivered(event), context());

    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    const [request] = await requestsTo(number);
    expect(await readRequest(bundle, request!.requestId)).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1, callId: sandboxCallsTo(bundle, number)[0]!.callId }] });
  });

  it('its idempotencyKey names the request: another message with that key, or POST /call-requests with it as Idempotency-Key from the same identity, is the same request; another caller\'s key is its own', async () => {
    const number = freshNumber();
    const key = `reminder-${number}`;
    const notBefore = fromNow(7_200_000);
    const body = { ...tts(number), notBefore, idempotencyKey: key };
    const first = sqsEvent([{ body }]);
    // The sending identity: SQS's SenderId is IAM's userId for the same principal (docs/security.md#idempotency-keys-per-caller).
    const sender = first.Records[0]!.attributes.SenderId;

    await bundle.handlers.placeCallsFromQueue(first, context());
    await bundle.handlers.placeCallsFromQueue(sqsEvent([{ body }]), context());
    const viaHttp = await createRequest(bundle, { call: tts(number), notBefore }, { 'idempotency-key': key }, { iam: { userId: sender } });

    const requests = await requestsTo(number);
    expect(requests.map((request) => request.requestId)).toEqual([viaHttp.requestId]);
    expect(schedulesOf(bundle, viaHttp.requestId)).toHaveLength(1);

    // The same key from another identity (the captured request's IAM user) names another request.
    const other = await createRequest(bundle, { call: tts(number), notBefore }, { 'idempotency-key': key });
    expect(other.requestId).not.toBe(viaHttp.requestId);
    expect((await requestsTo(number)).map((request) => request.requestId).sort()).toEqual([viaHttp.requestId, other.requestId].sort());
  });

  it('a message whose scheduling fields are invalid is kept REJECTED, naming its own fields, and not delivered again', async () => {
    const number = freshNumber();
    const badTime = { messageId: randomUUID(), body: { ...tts(number), notAfter: fromNow(-60_000) } };
    const badCall = { messageId: randomUUID(), body: { ...tts(number), calledNumber: '12', notBefore: fromNow(60_000) } };
    const badAcknowledgement = { messageId: randomUUID(), body: { ...tts(number), until: 'acknowledged', acknowledgeKeys: ['1'] } };

    expect(await bundle.handlers.placeCallsFromQueue(sqsEvent([badTime, badCall, badAcknowledgement]), context())).toEqual({ batchItemFailures: [] });

    const rejected = Object.fromEntries((await itemsWithPrefix(bundle, 'REJECTED#sqs')).map((item) => [item.messageId, item]));
    expect(rejected[badTime.messageId]).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'notAfter' }], body: JSON.stringify(badTime.body) });
    expect(rejected[badCall.messageId]).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'calledNumber' }] });
    expect(rejected[badAcknowledgement.messageId]).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'until' }] });
    expect(await requestsTo(number)).toEqual([]);
    expect(bundle.sandbox.control.requests()).toEqual([]);
  });

  it('a message without scheduling fields is still one call, not a request', async () => {
    const number = freshNumber();

    await bundle.handlers.placeCallsFromQueue(sqsEvent([{ body: tts(number) }]), context());

    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    expect(await requestsTo(number)).toEqual([]);
  });
});

describe('EventBridge Place Call', () => {
  it('an event with scheduling fields becomes a call request; delivered again, it creates nothing more', async () => {
    const number = freshNumber();
    const event = eventBridgeEvent({ detail: { ...tts(number), notBefore: fromNow(3_600_000), redial: { on: ['no-answer'], maxAttempts: 3, intervalSeconds: 120 } } });

    await bundle.handlers.placeCallFromEvent(event, context());
    await bundle.handlers.placeCallFromEvent(structuredClone(event), context());

    const requests = await requestsTo(number);
    expect(requests).toHaveLength(1);
    expect(await readRequest(bundle, requests[0]!.requestId)).toMatchObject({ status: 'scheduled', call: tts(number), redial: { on: ['no-answer'], maxAttempts: 3, intervalSeconds: 120 } });
    expect(schedulesOf(bundle, requests[0]!.requestId)).toHaveLength(1);
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
  });

  it('an event with invalid scheduling fields is kept REJECTED; the invocation succeeds', async () => {
    const number = freshNumber();
    const event = eventBridgeEvent({ detail: { ...tts(number), window: { from: '09:00', to: '09:00' } } });

    await expect(bundle.handlers.placeCallFromEvent(event, context())).resolves.toBeUndefined();

    const [rejected] = (await itemsWithPrefix(bundle, 'REJECTED#eventbridge')).filter((item) => item.messageId === event.id);
    expect(rejected).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'window.to' }], source: 'eventbridge' });
    expect(await requestsTo(number)).toEqual([]);
  });
});
