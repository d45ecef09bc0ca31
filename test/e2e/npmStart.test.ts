/**
 * `npm start` as a user runs it (docs/local-development.md#npm-start): the whole bundle on this machine, then
 * curl-like requests for every call kind, and Ctrl-C leaving nothing behind. Runs on free ports
 * so it never clashes with a developer's own `npm start`.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, STARTUP_TIMEOUT_MS, type LocalStack, type LocalStackPorts } from '../support/localStack.ts';
import { LOCAL_RECEIPT_PUSH_TOKEN } from '#shared/localDefaults';

let stack: LocalStack;
let ports: LocalStackPorts;
let output = '';
let api: string;

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function postCall(body: unknown): Promise<{ status: number; location: string | null; json: Record<string, unknown> }> {
  const response = await fetch(`${api}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, location: response.headers.get('location'), json: (await response.json()) as Record<string, unknown> };
}

async function getCall(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${api}${path}`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface BusEvent {
  'detail-type': string;
  source: string;
  detail: Record<string, unknown>;
}

/** The local bus's events, polled until `wanted` finds what it needs (or the time is up). */
async function busEventsUntil(wanted: (events: BusEvent[]) => boolean, timeoutMs = 30_000): Promise<BusEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let events: BusEvent[] = [];
  while (Date.now() < deadline) {
    events = (await (await fetch(`http://127.0.0.1:${ports.eventbridge}/events`)).json()) as BusEvent[];
    if (wanted(events)) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return events;
}

/** The first status change of the call placed with `outId`: every placed call is stored, so it is published. */
function placedWith(events: BusEvent[], outId: string): BusEvent | undefined {
  return events.find((event) => event['detail-type'] === 'Voice Call Status Changed' && event.detail.outId === outId && event.detail.previousStatus === null);
}

/** Invokes a function through serverless-offline's Lambda invoke API, as the deployed triggers would. */
async function invoke(name: string, event: unknown): Promise<{ status: number; functionError: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${ports.lambda}/2015-03-31/functions/aliyun-voice-dev-${name}/invocations`, {
    method: 'POST',
    body: JSON.stringify(event),
  });
  return { status: response.status, functionError: response.headers.get('x-amz-function-error'), text: await response.text() };
}

beforeAll(async () => {
  // A second between a call's receipts: a click-to-dial call stays cancellable for some 4 s even when
  // a cold function takes a few seconds on a busy machine; a final status still comes within seconds.
  stack = await startLocalStack({ SANDBOX_RECEIPT_DELAY_MS: '1000' });
  ({ ports, api } = stack);
  output = stack.output();
}, STARTUP_TIMEOUT_MS + 10_000);

afterAll(() => stack?.stop());

describe('npm start', () => {
  it('prints where everything is and a curl to try', () => {
    expect(output).toContain(`HTTP API           http://127.0.0.1:${ports.http}`);
    expect(output).toContain(`API explorer       http://127.0.0.1:${ports.http}/docs`);
    expect(output).toContain(`Lambda invoke API  http://127.0.0.1:${ports.lambda}`);
    expect(output).toContain(`DynamoDB Local     http://127.0.0.1:${ports.dynamodb}`);
    expect(output).toContain(`Alibaba sandbox    http://127.0.0.1:${ports.sandbox}`);
    expect(output).toContain(`Voice endpoint     http://127.0.0.1:${ports.sandbox}\n`);
    // MNS on an origin of its own, as at Alibaba (sandbox/README.md, "Endpoints").
    expect(output).toContain(`MNS endpoint       http://127.0.0.1:${ports.sandboxMns}  (receipt queues)`);
    expect(output).toContain(`curl -s -X POST http://127.0.0.1:${ports.http}/calls`);
    expect(output).toContain(`EventBridge        http://127.0.0.1:${ports.eventbridge}  (events published: GET http://127.0.0.1:${ports.eventbridge}/events)`);
    expect(output).toContain('Events out         calls table stream -> processCallChanges -> EventBridge');
    expect(output).toContain(`curl -s -X POST http://127.0.0.1:${ports.lambda}/2015-03-31/functions/aliyun-voice-dev-placeCallsFromQueue/invocations`);
    expect(output).toContain(`curl -s -X POST http://127.0.0.1:${ports.lambda}/2015-03-31/functions/aliyun-voice-dev-placeCallFromEvent/invocations`);
    const queueUrl = `http://127.0.0.1:${ports.queue}/000000000000/aliyun-voice-dev-call-requests`;
    expect(output).toContain(`SQS call requests  ${queueUrl}  (-> placeCallsFromQueue; messages: GET http://127.0.0.1:${ports.queue}/messages)`);
    expect(output).toContain(
      `Scheduler          http://127.0.0.1:${ports.scheduler}  (one-time schedules -> their functions; GET http://127.0.0.1:${ports.scheduler}/__scheduler/schedules)`,
    );
    expect(output).toContain(`aws sqs send-message --endpoint-url http://127.0.0.1:${ports.queue} --queue-url ${queueUrl}`);
    expect(output).toContain(`curl -s -X POST http://127.0.0.1:${ports.queue}/ -H 'x-amz-target: AmazonSQS.SendMessage'`);
  });

  it('serves the committed OpenAPI document at GET /openapi.json', async () => {
    const response = await fetch(`${api}/openapi.json`);
    expect(response.status).toBe(200);
    // serverless-offline adds `; charset=utf-8` to the function's content-type.
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(await response.json()).toEqual(JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')));
  });

  it('places each of the five call kinds, cancels a click-to-dial call and reads calls back', async () => {
    const bodies = [
      { type: 'tts', calledNumber: '13800138100', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } },
      { type: 'voice', calledNumber: '13800138101', voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
      { type: 'ivr', calledNumber: '13800138102', calledShowNumber: '057100000000', startCode: 'TTS_10001', menuKeyMap: [{ key: '1', code: 'TTS_20001' }] },
      { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: '13800138103', calledShowNumber: '057100000002', calledNumber: '13800138104' },
      { type: 'smart', calledNumber: '13800138105', calledShowNumber: '057100000003', voiceCode: '2d4c.wav,$name$', voiceCodeParam: { name: 'hello' } },
    ];
    const placed = [];
    let clickToDial = '';
    for (const body of bodies) {
      const response = await postCall(body);
      expect(response.status, JSON.stringify(response.json)).toBe(202);
      expect(response.json).toMatchObject({ type: body.type, status: 'placed' });
      expect(response.location).toBe(`/calls/${encodeURIComponent(String(response.json.callId))}`);
      placed.push(response.json);
      if (body.type !== 'clickToDial') continue;
      // Cancelled at once: the sandbox's call plays out (and can no longer be cancelled) within seconds.
      clickToDial = String(response.json.callId);
      const cancel = await fetch(`${api}/calls/${encodeURIComponent(clickToDial)}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(200);
      expect(await cancel.json()).toMatchObject({ callId: clickToDial, cancelled: true });
    }

    for (const call of placed) {
      const callId = String(call.callId);
      expect(callId).toContain('^');
      const raw = await getCall(`/calls/${callId}`);
      const encoded = await getCall(`/calls/${callId.replace('^', '%5E')}`);
      expect(raw.status).toBe(200);
      expect(encoded.json).toMatchObject({ callId, type: call.type });
      expect(raw.json.callId).toBe(callId);
    }
    expect((await getCall(`/calls/${clickToDial}`)).json.status).toBe('cancelled');
  });

  it('polls the receipts so a placed call reaches its final status within seconds', async () => {
    const placed = await postCall({ type: 'tts', calledNumber: '13900000011', ttsCode: 'TTS_123456789' });
    expect(placed.status).toBe(202);
    const callId = String(placed.json.callId);
    const deadline = Date.now() + 45_000;
    let call: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      call = (await getCall(`/calls/${encodeURIComponent(callId)}`)).json;
      if (call.status === 'busy') break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(call.status).toBe('busy');
    expect((call.receipts as unknown[]).length).toBeGreaterThan(0);

    // The stream has carried every receipt and status change to processCallChanges and the local bus.
    const forCall = (events: BusEvent[]) => events.filter((event) => event.source === 'aliyun-voice' && event.detail.callId === callId);
    const events = forCall(
      await busEventsUntil((all) =>
        forCall(all).some((event) => event['detail-type'] === 'Voice Call Status Changed' && event.detail.status === 'busy') &&
        forCall(all).some((event) => event['detail-type'] === 'Voice Call Receipt' && event.detail.messageType === 'VoiceReport'),
      ),
    );
    const statuses = events.filter((event) => event['detail-type'] === 'Voice Call Status Changed').map((event) => event.detail.status);
    expect(statuses[0]).toBe('placed');
    expect(statuses.at(-1)).toBe('busy');
    const receiptEvents = events.filter((event) => event['detail-type'] === 'Voice Call Receipt');
    expect(receiptEvents.map((event) => event.detail.messageType)).toContain('VoiceReport');
    // One event per stored receipt (delivery is at least once: copies share their dedupeKey). MNS
    // does not keep order, so an earlier receipt may still be on its way: compare once both settle.
    let stored = (call.receipts as Array<{ messageType: string; naturalKey: string }>).map((receipt) => `receipt:${callId}:${receipt.messageType}#${receipt.naturalKey}`);
    let published = new Set(receiptEvents.map((event) => String(event.detail.dedupeKey)));
    const settleBy = Date.now() + 20_000;
    while ((stored.length !== published.size || stored.some((key) => !published.has(key))) && Date.now() < settleBy) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      call = (await getCall(`/calls/${encodeURIComponent(callId)}`)).json;
      stored = (call.receipts as Array<{ messageType: string; naturalKey: string }>).map((receipt) => `receipt:${callId}:${receipt.messageType}#${receipt.naturalKey}`);
      published = new Set(
        forCall((await (await fetch(`http://127.0.0.1:${ports.eventbridge}/events`)).json()) as BusEvent[])
          .filter((event) => event['detail-type'] === 'Voice Call Receipt')
          .map((event) => String(event.detail.dedupeKey)),
      );
    }
    expect([...published].sort()).toEqual([...new Set(stored)].sort());
  }, 90_000);

  it('serves the receipt push route (enabled for npm start, param receiptPush) and stores what is pushed', async () => {
    const callId = `${Date.now()}^${process.pid}`;
    const response = await fetch(`${api}/receipts/VoiceReport?token=${LOCAL_RECEIPT_PUSH_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ call_id: callId, status_code: '200000', duration: '22' }]),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ code: 0, msg: '接收成功' });
    const call = await getCall(`/calls/${encodeURIComponent(callId)}`);
    expect(call.json).toMatchObject({ callId, status: 'completed' });
  });

  it('places calls from an SQS message and from an EventBridge "Place Call" event (Lambda invoke API)', async () => {
    const sqs = await invoke('placeCallsFromQueue', {
      Records: [
        {
          messageId: 'e2e-sqs-message-1',
          body: JSON.stringify({ type: 'tts', calledNumber: '13800138110', ttsCode: 'TTS_123456789', outId: 'e2e-sqs-1' }),
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
          eventSource: 'aws:sqs',
        },
      ],
    });
    expect(sqs.functionError, sqs.text).toBeNull();
    expect(sqs.status).toBe(200);
    expect(JSON.parse(sqs.text)).toEqual({ batchItemFailures: [] });

    const bridge = await invoke('placeCallFromEvent', {
      version: '0',
      id: 'e2e-event-1',
      'detail-type': 'Place Call',
      source: 'aliyun-voice.requests',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { type: 'tts', calledNumber: '13800138111', ttsCode: 'TTS_123456789', outId: 'e2e-eb-1' },
    });
    expect(bridge.functionError, bridge.text).toBeNull();
    expect(bridge.status).toBe(200);

    // Each placed call is stored, so its first status change is published with its outId.
    const events = await busEventsUntil((all) => placedWith(all, 'e2e-sqs-1') !== undefined && placedWith(all, 'e2e-eb-1') !== undefined);
    for (const outId of ['e2e-sqs-1', 'e2e-eb-1']) {
      const placed = placedWith(events, outId);
      expect(placed?.detail, outId).toMatchObject({ type: 'tts', status: 'placed' });
      const call = await getCall(`/calls/${encodeURIComponent(String(placed!.detail.callId))}`);
      expect(call.status).toBe(200);
      expect(call.json).toMatchObject({ type: 'tts', outId });
    }
  }, 60_000);

  it('delivers a message sent to the local call-requests queue to placeCallsFromQueue, which places the call (@aws-sdk/client-sqs)', async () => {
    const queueOrigin = `http://127.0.0.1:${ports.queue}`;
    const sqs = new SQSClient({ endpoint: queueOrigin, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${queueOrigin}/000000000000/aliyun-voice-dev-call-requests`,
        MessageBody: JSON.stringify({ type: 'tts', calledNumber: '13800138112', ttsCode: 'TTS_123456789', outId: 'e2e-queue-1' }),
      }),
    );
    sqs.destroy();

    const placed = placedWith(await busEventsUntil((all) => placedWith(all, 'e2e-queue-1') !== undefined), 'e2e-queue-1');
    expect(placed?.detail).toMatchObject({ type: 'tts', status: 'placed' });
    const call = await getCall(`/calls/${encodeURIComponent(String(placed!.detail.callId))}`);
    expect(call.json).toMatchObject({ type: 'tts', outId: 'e2e-queue-1' });
    // Handled: the queue deleted it.
    let messages: Record<string, Array<{ messageId: string }>> = {};
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      messages = (await (await fetch(`${queueOrigin}/messages`)).json()) as typeof messages;
      if ([...messages.queued!, ...messages.inFlight!].every((message) => message.messageId !== sent.MessageId)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([...messages.queued!, ...messages.inFlight!, ...messages.deadLetters!].map((message) => message.messageId)).not.toContain(sent.MessageId);
    expect(stack.output()).toMatch(/\[queue\] \S+ aliyun-voice-dev-call-requests: delivered 1 message \(receive 1\): all deleted/);
  }, 60_000);

  it('invokes the function a one-time schedule names when its time comes (@aws-sdk/client-scheduler)', async () => {
    const schedulerOrigin = `http://127.0.0.1:${ports.scheduler}`;
    const scheduler = new SchedulerClient({ endpoint: schedulerOrigin, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000).toISOString().slice(0, 19);
    const event = {
      version: '0',
      id: 'e2e-schedule-event-1',
      'detail-type': 'Place Call',
      source: 'aliyun-voice.requests',
      account: '000000000000',
      time: `${at}Z`,
      region: 'us-east-1',
      resources: [],
      detail: { type: 'tts', calledNumber: '13800138113', ttsCode: 'TTS_123456789', outId: 'e2e-schedule-1' },
    };
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'e2e-place-call',
        ScheduleExpression: `at(${at})`,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:aliyun-voice-dev-placeCallFromEvent', RoleArn: 'arn:aws:iam::000000000000:role/e2e', Input: JSON.stringify(event) },
        ActionAfterCompletion: 'DELETE',
      }),
    );
    scheduler.destroy();

    const placed = placedWith(await busEventsUntil((all) => placedWith(all, 'e2e-schedule-1') !== undefined), 'e2e-schedule-1');
    expect(placed?.detail).toMatchObject({ type: 'tts', status: 'placed' });
    const fired = (await (await fetch(`${schedulerOrigin}/__scheduler/fired`)).json()) as Array<Record<string, unknown>>;
    expect(fired).toEqual([expect.objectContaining({ name: 'e2e-place-call', functionName: 'aliyun-voice-dev-placeCallFromEvent', outcome: 'invoked', attempts: 1 })]);
    expect(await (await fetch(`${schedulerOrigin}/__scheduler/schedules`)).json()).toEqual([]);
  }, 60_000);

  it("prints no warning of the AWS SDK about this Node version, from itself or from any function it ran", () => {
    // Every function above ran at least once (each invocation loads the SDK afresh).
    expect(stack.output()).toContain('(λ: placeCallsFromQueue)');
    expect(stack.output()).not.toContain('NodeVersionSupportWarning');
  });

  it('stops every process it started on Ctrl-C', async () => {
    const { child } = stack;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    const deadline = Date.now() + 15_000;
    let listening = [true];
    while (Date.now() < deadline) {
      listening = await Promise.all(Object.values(ports).map(isListening));
      if (listening.every((open) => !open)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(Object.fromEntries(Object.keys(ports).map((name, index) => [name, listening[index]]))).toEqual({
      http: false,
      lambda: false,
      dynamodb: false,
      sandbox: false,
      sandboxMns: false,
      eventbridge: false,
      queue: false,
      scheduler: false,
    });
  }, 30_000);
});
