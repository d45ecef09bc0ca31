/**
 * A burst behind the flow-control guard (docs/flow-control.md): hundreds of requests over tens of
 * numbers, through POST /calls, SQS batches and EventBridge events at the same time, some of them
 * click-to-dial calls that count against both legs. The guard's windows are short ('2/60,3/3600')
 * and the sandbox keeps the same windows itself, as Alibaba does.
 *
 * The sandbox must receive exactly as many placements per number as the windows allow, and never
 * answer isv.BUSINESS_LIMIT_CONTROL; every request must be accounted for exactly once: placed, or
 * refused with 429 FLOW_CONTROL (HTTP), or sent back to the call-requests queue to wait for its
 * window (SQS, EventBridge). The queue (scripts/local/queue.ts) does not deliver here: the waits
 * are a minute long, and what happens when a window opens is queuedWait.test.ts's subject.
 */
import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { runLimited } from '#shared/concurrency';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventBridgeEvent, sqsEvent, type QueuedMessage } from '../../support/triggerEvents.ts';
import { expectProblem, invoke, type HttpResponse } from '../handlers/harness.ts';
import { unusedNumber, useQueuedPlacement, waitingOrigin } from './harness.ts';

const WINDOWS = '2/60,3/3600';
/** The most placements one number may have in the seconds this test takes: the 60 s window's count. */
const ALLOWED = 2;
const NUMBERS = 30;
const REQUESTS_PER_NUMBER = 10;
const SQS_BATCH_SIZE = 10;
/**
 * Invocations in flight per channel. Deployed, each is its own Lambda container with its own
 * connections; here they share one process and one DynamoDB Local on a shared machine, which refuses
 * connections past a few dozen at once (the clients' 1 s connection timeout). The SQS trigger's
 * maximum concurrency is the deployed minimum, 2 (serverless.yml).
 */
const CLIENTS = 8;
const SQS_MAXIMUM_CONCURRENCY = 2;

const harness = useQueuedPlacement({
  flowControl: true,
  flowControlLimits: WINDOWS,
  // Never delivers by itself: the waiting messages stay in the queue to be counted.
  queue: { pollIntervalMs: 3_600_000 },
});

type Channel = 'http' | 'sqs' | 'eventbridge';

interface BurstRequest {
  outId: string;
  channel: Channel;
  body: Record<string, unknown>;
  /** The numbers it dials: the called number, and the caller leg of a click-to-dial call. */
  dials: string[];
}

/**
 * REQUESTS_PER_NUMBER requests for each number, dealt round-robin to the three channels. Every
 * fifth is a click-to-dial call from this number to the next one. Every number keeps at least two
 * single-number requests, so however the burst interleaves, each number ends with its windows full:
 * such a request is refused only when its number is full.
 */
function burstRequests(numbers: readonly string[]): BurstRequest[] {
  const channels: Channel[] = ['http', 'sqs', 'eventbridge'];
  const requests: BurstRequest[] = [];
  numbers.forEach((number, index) => {
    for (let slot = 0; slot < REQUESTS_PER_NUMBER; slot++) {
      const sequence = requests.length;
      const channel = channels[sequence % channels.length]!;
      const outId = `b${channel[0]}${sequence}`;
      if (slot % 5 === 4) {
        const called = numbers[(index + 1) % numbers.length]!;
        requests.push({
          outId,
          channel,
          dials: [number, called],
          body: { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: number, calledShowNumber: '057100000002', calledNumber: called, outId },
        });
      } else {
        requests.push({ outId, channel, dials: [number], body: { type: 'tts', calledNumber: number, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, outId } });
      }
    }
  });
  return requests;
}

describe('a burst over HTTP, SQS and EventBridge at once', () => {
  it('reaches the sandbox exactly as often as the windows allow per number, never draws isv.BUSINESS_LIMIT_CONTROL, and accounts for every request once', { timeout: 120_000 }, async () => {
    const numbers = Array.from({ length: NUMBERS }, unusedNumber);
    const requests = burstRequests(numbers);
    const byChannel = (channel: Channel) => requests.filter((request) => request.channel === channel);
    const messages: Array<QueuedMessage & { messageId: string }> = byChannel('sqs').map((request) => ({ body: request.body, messageId: randomUUID() }));
    const events = byChannel('eventbridge').map((request) => eventBridgeEvent({ detail: request.body }));
    const batches = Array.from({ length: Math.ceil(messages.length / SQS_BATCH_SIZE) }, (_, index) => sqsEvent(messages.slice(index * SQS_BATCH_SIZE, (index + 1) * SQS_BATCH_SIZE)));

    const startedAt = Date.now();
    const httpResponses: HttpResponse[] = [];
    const batchResponses: SQSBatchResponse[] = [];
    await Promise.all([
      runLimited(byChannel('http'), CLIENTS, async (request, index) => {
        httpResponses[index] = await invoke(harness.placeCall, { method: 'POST', route: '/calls', body: request.body }, lambdaContext(30_000));
      }),
      runLimited(batches, SQS_MAXIMUM_CONCURRENCY, async (batch, index) => {
        batchResponses[index] = await harness.placeCallsFromQueue(batch, lambdaContext(30_000));
      }),
      runLimited(events, CLIENTS, async (event) => {
        await harness.placeCallFromEvent(event, lambdaContext(30_000));
      }),
    ]);

    // What the sandbox received and answered: every placement accepted, none refused for flow control.
    const placements = harness.sandbox.control.requests().filter((request) => request.action === 'SingleCallByTts' || request.action === 'ClickToDial');
    const answers = placements.map((request) => request.response?.code);
    expect(answers).not.toContain('isv.BUSINESS_LIMIT_CONTROL');
    expect(new Set(answers)).toEqual(new Set(['OK']));
    // Exactly the windows' allowance per number, both legs of a click-to-dial call counted.
    const perNumber = new Map(numbers.map((number) => [number, 0]));
    for (const request of placements) {
      const dialled = request.action === 'ClickToDial' ? [request.params.CallerNumber!, request.params.CalledNumber!] : [request.params.CalledNumber!];
      for (const number of dialled) perNumber.set(number, (perNumber.get(number) ?? 0) + 1);
    }
    expect([...perNumber.values()]).toEqual(numbers.map(() => ALLOWED));
    expect(perNumber.size).toBe(NUMBERS);

    // Each request reached the sandbox at most once.
    const placedOutIds = placements.map((request) => request.params.OutId!);
    expect(new Set(placedOutIds).size).toBe(placedOutIds.length);
    const placed = new Set(placedOutIds);

    // HTTP: placed (202) or refused here (429 FLOW_CONTROL, the minute window, at most a minute away).
    httpResponses.forEach((response, index) => {
      const request = byChannel('http')[index]!;
      if (placed.has(request.outId)) {
        expect(response.status, response.text).toBe(202);
        return;
      }
      expectProblem(response, 429, 'FLOW_CONTROL');
      expect(response.body.limit).toBe('2/60');
      const retryAt = Date.parse(response.body.retryAt);
      expect(retryAt % 1000).toBe(0);
      expect(retryAt).toBeGreaterThan(startedAt);
      expect(retryAt).toBeLessThanOrEqual(Math.ceil((Date.now() + 60_000) / 1000) * 1000);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
    });

    // SQS and EventBridge: nothing to deliver again; what was not placed waits in the queue as a new
    // message naming the message or event it stands for, delayed until its window opens. (A
    // SendMessage whose answer comes late is sent again, so a loaded machine can leave two copies of
    // one request: both stand for the same message and place one call, queuedWait.test.ts.)
    expect(batchResponses).toEqual(batches.map(() => ({ batchItemFailures: [] })));
    const waiting = harness.queue.queued();
    const waitingOutIds = new Set(waiting.map((message) => JSON.parse(message.body).outId as string));
    const origins = new Map<string, { source: string; messageId: string }>([
      ...messages.map((message) => [(message.body as { outId: string }).outId, { source: 'sqs', messageId: message.messageId }] as const),
      ...events.map((event) => [(event.detail as { outId: string }).outId, { source: 'eventbridge', messageId: event.id }] as const),
    ]);
    for (const request of [...byChannel('sqs'), ...byChannel('eventbridge')]) {
      expect(placed.has(request.outId) !== waitingOutIds.has(request.outId), `${request.outId}: placed or waiting, not both`).toBe(true);
    }
    for (const message of waiting) {
      const body = JSON.parse(message.body) as Record<string, unknown>;
      expect(body).toEqual(requests.find((request) => request.outId === body.outId)!.body);
      expect(waitingOrigin(message.messageAttributes)).toMatchObject(origins.get(body.outId as string)!);
      // Whole seconds until retryAt, itself rounded up to the second: a 60 s window can give 61.
      const delaySeconds = (Date.parse(message.visibleAt) - Date.parse(message.sentAt)) / 1000;
      expect(delaySeconds).toBeGreaterThanOrEqual(1);
      expect(delaySeconds).toBeLessThanOrEqual(61);
      expect(message.receiveCount).toBe(0);
    }
    expect(harness.queue.deadLetters()).toEqual([]);
    expect(harness.deliveries).toEqual([]);
  });
});
