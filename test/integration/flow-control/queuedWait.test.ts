/**
 * Queued requests wait for their flow-control window (docs/flow-control.md#queued-requests-wait),
 * end to end on the local call-requests queue (scripts/local/queue.ts) delivering to the real
 * placeCallsFromQueue as `npm start` wires it: SQS's delays, visibility, partial batch failures and
 * redrive after maxReceiveCount 3.
 *
 * The guard's window here is seconds long ('1/3') so the test takes seconds. The sandbox keeps
 * Alibaba's minute window, whose refusal names it (触发号码分钟级流控): with its flow control on, it
 * stands for Alibaba's own limits being stricter than the guard's, and refuses what the guard let
 * through.
 */
import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { maskPhone } from '#shared/logger';
import { callers } from '#shared/calls/callers';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventBridgeEvent } from '../../support/triggerEvents.ts';
import { eventually } from '../handlers/harness.ts';
import { captureStdout, type Captured } from '../observability/stdout.ts';
import { unusedNumber, useQueuedPlacement, waitingOrigin } from './harness.ts';

// Before any module is loaded: the logger reads LOG_LEVEL once. The waits are logged at info.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'info';
});

const GUARD_WINDOW_SECONDS = 3;
/** The queue's clock: moved forward to deliver waiting messages before their time (the hops of a long wait). */
let queueClockOffsetMs = 0;

const harness = useQueuedPlacement({
  flowControl: true,
  flowControlLimits: `1/${GUARD_WINDOW_SECONDS}`,
  sandboxFlowControlLimits: '1/60',
  queue: { pollIntervalMs: 50, now: () => Date.now() + queueClockOffsetMs },
});

let sqs: SQSClient;
beforeAll(() => {
  sqs = new SQSClient({ endpoint: harness.queue.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(() => sqs?.destroy());
beforeEach(() => {
  harness.sandbox.control.reset();
  harness.deliveries.length = 0;
});

function tts(calledNumber: string, outId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'tts', calledNumber, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, outId, ...extra };
}

/** Sends the bodies as a producer does (SendMessageBatch, the SQS JSON protocol); resolves outId → MessageId. */
async function send(bodies: ReadonlyArray<Record<string, unknown>>, delaySeconds?: number): Promise<Map<string, string>> {
  const { Successful = [], Failed = [] } = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: harness.queue.queueUrl,
      Entries: bodies.map((body, index) => ({ Id: `m${index}`, MessageBody: JSON.stringify(body), ...(delaySeconds === undefined ? {} : { DelaySeconds: delaySeconds }) })),
    }),
  );
  expect(Failed).toEqual([]);
  return new Map(Successful.map((entry) => [String(bodies[Number(entry.Id!.slice(1))]!.outId), entry.MessageId!]));
}

/** The placements the sandbox received for these outIds, with its answers, oldest first. */
function placementsOf(outIds: readonly string[]) {
  return harness.sandbox.control.requests().filter((request) => request.action === 'SingleCallByTts' && outIds.includes(request.params.OutId!));
}

/** Every record the queue delivered, and whether the function asked for any to come back. */
function deliveredRecords() {
  return harness.deliveries.flatMap((delivery) => delivery.records);
}

const idle = () => harness.queue.inFlight().length === 0 && harness.queue.queued().length === 0;

describe("the guard's refusals", () => {
  // Alibaba's minute window would refuse the second call of a number a few seconds later: that is
  // the next describe's subject. Here only the guard's window applies.
  beforeEach(() => harness.sandbox.control.setFlowControl(false));

  it('queued requests for a saturated number all wait, as new messages, and are each placed once, at or after the retryAt they were given; none is dead-lettered', { timeout: 120_000 }, async () => {
    const [saturated, other] = [unusedNumber(), unusedNumber()];
    const bodies = [
      tts(saturated, 'qwS1'),
      tts(saturated, 'qwS2'),
      tts(saturated, 'qwS3', { idempotencyKey: `qw-${randomUUID()}` }),
      tts(other, 'qwO1'),
      tts(other, 'qwO2'),
    ];
    const event = eventBridgeEvent({ detail: tts(saturated, 'qwSe') });
    const outIds = [...bodies.map((body) => String(body.outId)), 'qwSe'];

    let messageIds = new Map<string, string>();
    const { output } = await captureStdout(async () => {
      messageIds = await send(bodies);
      // Once the number has its call, an EventBridge event for it is refused too, and continues as
      // a message of the queue.
      await eventually(() => placementsOf(outIds).some((request) => request.params.CalledNumber === saturated), 30_000);
      await harness.placeCallFromEvent(event, lambdaContext(30_000));
      await eventually(() => placementsOf(outIds).length === outIds.length && idle(), 90_000);
    });
    messageIds.set('qwSe', event.id);

    // Each request placed exactly once, Alibaba accepting every one.
    const placements = placementsOf(outIds);
    expect(placements.map((request) => request.params.OutId).sort()).toEqual([...outIds].sort());
    expect(placements.map((request) => request.response?.code)).toEqual(outIds.map(() => 'OK'));

    // Every request but the first of each number was refused and sent back with the moment its
    // window opens (the log line docs/flow-control.md#what-operators-see names), and was placed at
    // or after the last such moment it was given before its placement. (SQS delivers at least once:
    // a copy sent twice, its twin delivered after the request was placed, is sent back once more.)
    const waits = sentBack(output);
    const waited = new Set(waits.map((entry) => entry.messageId));
    expect(waited.size).toBe(outIds.length - 2);
    expect(waited).toContain(event.id);
    for (const request of placements) {
      const placedAt = output.logs.findIndex((entry) => entry.message === 'call placed' && entry.outId === request.params.OutId && entry.replayed === false);
      expect(placedAt, request.params.OutId).toBeGreaterThanOrEqual(0);
      const messageId = output.logs[placedAt]!.messageId as string;
      expect(messageId).toBe(messageIds.get(request.params.OutId!));
      const retryAts = output.logs
        .slice(0, placedAt)
        .filter((entry) => entry.message === SENT_BACK && entry.messageId === messageId)
        .map((entry) => Date.parse(entry.retryAt));
      if (retryAts.length > 0) expect(Date.parse(request.receivedAt)).toBeGreaterThanOrEqual(Math.max(...retryAts));
    }

    // SQS's side: every delivery was a first receive and reported nothing for another delivery;
    // nothing reached the dead-letter list.
    const records = deliveredRecords();
    expect(harness.deliveries.map((delivery) => delivery.response)).toEqual(harness.deliveries.map(() => ({ batchItemFailures: [] })));
    expect(new Set(records.map((record) => record.attributes.ApproximateReceiveCount))).toEqual(new Set(['1']));
    expect(harness.queue.deadLetters()).toEqual([]);
    expect(harness.printed.filter((line) => /dead-letter/.test(line))).toEqual([]);

    // The waiting copies: new messages, each naming the message or event it stands for (its source,
    // id and receive time) in AliyunVoiceWaiting, with that request's body.
    const originals = new Map(records.filter((record) => waitingOrigin(record.messageAttributes) === undefined).map((record) => [record.messageId, record]));
    const copies = records.filter((record) => waitingOrigin(record.messageAttributes) !== undefined);
    expect(copies.length).toBeGreaterThanOrEqual(waited.size);
    for (const copy of copies) {
      const origin = waitingOrigin(copy.messageAttributes)!;
      expect(waited).toContain(origin.messageId);
      expect(copy.messageId).not.toBe(origin.messageId);
      if (origin.messageId === event.id) {
        expect(origin).toEqual({ source: 'eventbridge', messageId: event.id, receivedAt: new Date(event.time).toISOString(), caller: callers.account(event.account), seal: expect.any(String) });
        expect(JSON.parse(copy.body)).toEqual(event.detail);
      } else {
        const original = originals.get(origin.messageId)!;
        expect(origin).toEqual({ source: 'sqs', messageId: original.messageId, receivedAt: new Date(Number(original.attributes.SentTimestamp)).toISOString(), caller: callers.aws(original.attributes.SenderId), seal: expect.any(String) });
        expect(copy.body).toBe(original.body);
      }
    }

    // The numbers appear masked only.
    expect(output.text).not.toContain(saturated);
    expect(output.text).toContain(maskPhone(saturated));

    // A waiting copy delivered again (SQS delivers at least once) places nothing twice: it is placed
    // under its original message's key.
    const again = copies.find((copy) => waitingOrigin(copy.messageAttributes)!.messageId !== event.id)!;
    const before = harness.sandbox.control.requests().length;
    harness.queue.send(again.body, { messageAttributes: { AliyunVoiceWaiting: { DataType: 'String', StringValue: again.messageAttributes.AliyunVoiceWaiting!.stringValue! } } });
    await harness.queue.deliverDue();
    await eventually(idle);
    expect(harness.sandbox.control.requests()).toHaveLength(before);
    expect(harness.deliveries.at(-1)!.response).toEqual({ batchItemFailures: [] });
  });
});

describe("Alibaba's own flow control (isv.BUSINESS_LIMIT_CONTROL), stricter than the guard", () => {
  it('holds the number here and lets the message wait for the window Alibaba named, as a new message, never dead-lettered however often it comes back early', { timeout: 120_000 }, async () => {
    const number = unusedNumber();

    const { output } = await captureStdout(async () => {
      await send([tts(number, 'qaA')]);
      await eventually(() => placementsOf(['qaA']).length === 1 && idle(), 30_000);
      // The guard's window has passed by the time this one is delivered; Alibaba's minute has not.
      await send([tts(number, 'qaB')], GUARD_WINDOW_SECONDS);
      await eventually(() => placementsOf(['qaB']).length === 1 && harness.queue.inFlight().length === 0 && harness.queue.queued().length === 1, 30_000);
      // Held here: the next message for the number reaches nobody.
      await send([tts(number, 'qaC')]);
      await eventually(() => harness.deliveries.some((delivery) => delivery.records.some((record) => JSON.parse(record.body).outId === 'qaC')) && harness.queue.inFlight().length === 0, 30_000);
    });

    // Alibaba saw the first call and refused the second for its minute window; it never saw the third.
    expect(placementsOf(['qaA', 'qaB', 'qaC']).map((request) => [request.params.OutId, request.response?.code])).toEqual([
      ['qaA', 'OK'],
      ['qaB', 'isv.BUSINESS_LIMIT_CONTROL'],
    ]);
    const refusedHere = output.logs.find((entry) => entry.message === 'call not placed' && entry.outId === 'qaC');
    expect(refusedHere).toMatchObject({ code: 'FLOW_CONTROL', outcome: 'flow-control', limit: '1/60', calledNumber: maskPhone(number) });

    // Both wait about a minute, as new messages that have never been received; none failed.
    const waitingMessages = harness.queue.queued();
    expect(waitingMessages.map((message) => JSON.parse(message.body).outId).sort()).toEqual(['qaB', 'qaC']);
    const sentBackAt = Date.now();
    for (const message of waitingMessages) {
      expect(message.receiveCount).toBe(0);
      expect(waitingOrigin(message.messageAttributes)).toMatchObject({ source: 'sqs' });
      // Alibaba's minute, not the guard's seconds.
      expect(Date.parse(message.visibleAt)).toBeGreaterThan(sentBackAt + 30_000);
      expect(Date.parse(message.visibleAt)).toBeLessThanOrEqual(sentBackAt + 61_000);
    }
    const origins = waitingMessages.map((message) => waitingOrigin(message.messageAttributes)!.messageId).sort();
    expect(harness.deliveries.map((delivery) => delivery.response)).toEqual(harness.deliveries.map(() => ({ batchItemFailures: [] })));

    // Delivered before the hold ends, more often than maxReceiveCount (3) allows one message to be
    // received, each comes back, is refused here again and waits again as a new message: the
    // hops of a wait longer than SQS's 15-minute delay. Nothing reaches Alibaba or the dead-letter list.
    const requestsBefore = harness.sandbox.control.requests().length;
    for (let hop = 1; hop <= 4; hop++) {
      queueClockOffsetMs += 61_000;
      expect(await harness.queue.deliverDue()).toBe(2);
      await eventually(() => harness.queue.inFlight().length === 0);
      const copies = harness.queue.queued();
      expect(copies.map((copy) => waitingOrigin(copy.messageAttributes)!.messageId).sort()).toEqual(origins);
      expect(copies.map((copy) => copy.receiveCount)).toEqual([0, 0]);
      expect(harness.queue.deadLetters()).toEqual([]);
    }
    expect(harness.sandbox.control.requests()).toHaveLength(requestsBefore);
    expect(harness.deliveries.map((delivery) => delivery.response)).toEqual(harness.deliveries.map(() => ({ batchItemFailures: [] })));
  });
});

const SENT_BACK = 'call request sent back to wait for its flow-control window';

/** The "sent back to wait" log lines: the original message's id and the moment its window opens. */
function sentBack(output: Captured): Array<{ messageId: string; retryAt: string; code: string }> {
  return output.logs.filter((entry) => entry.message === SENT_BACK) as Array<{ messageId: string; retryAt: string; code: string }>;
}
