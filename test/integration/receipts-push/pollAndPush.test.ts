/**
 * Both delivery modes at once (docs/alibaba/receipts.md#flow: "duplicates are possible in both modes"): receipts polled
 * from the sandbox's MNS queues by the pollReceipts handler and pushed to the pushReceipts handler
 * end up as one item each. The sandbox's push mode posts placed calls' receipts the way Alibaba
 * does (JSON arrays, no signature, redelivery on a non-200 or a late answer).
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endpointVariables, startSandbox, type Sandbox } from '#sandbox/server';
import type { PushAttempt } from '#sandbox/push/pusher';
import { invoke, type Handler } from '../handlers/harness.ts';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import {
  callReport,
  expectAccepted,
  getCallOf,
  loadPushHandler,
  newCallId,
  push,
  receiptItemsOf,
  servePushHandler,
  TEST_PUSH_TOKEN,
  voiceReport,
  type PushHandler,
} from './support.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';

type PollHandler = (event: unknown, context: Context) => Promise<{ queues: Array<{ messageType: string; stored: number; stoppedBecause: string }> }>;

const CHANGED = ['ALIYUN_VOICE_ENDPOINT', 'ALIYUN_DYBASE_ENDPOINT', 'ALIYUN_MNS_ENDPOINT', 'RECEIPT_QUEUES', 'LOG_LEVEL'] as const;
const saved = saveEnvironment(CHANGED);

let sandbox: Sandbox;
let pushHandler: PushHandler;
let pollReceipts: PollHandler;
let placeCall: Handler;
let pushServer: Awaited<ReturnType<typeof servePushHandler>>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, flowControl: false, receiptDelayMs: 0 });
  Object.assign(process.env, endpointVariables(sandbox));
  delete process.env.RECEIPT_QUEUES;
  // Refused pushes (on purpose) warn; the sandbox's pushes reach the handler outside push()'s capture.
  process.env.LOG_LEVEL = 'error';
  pushHandler = await loadPushHandler();
  pollReceipts = (await import('../../../functions/pollReceipts.ts')).handler as unknown as PollHandler;
  placeCall = (await import('../../../functions/placeCall.ts')).handler as Handler;
  pushServer = await servePushHandler(pushHandler);
});

afterAll(async () => {
  await pushServer.close();
  await sandbox.close();
  await releaseBundle(saved);
});

beforeEach(async () => {
  await control('POST', 'reset');
});

/** The sandbox's control API over HTTP, as a test outside the process would use it. */
async function control(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  expect(response.ok, `${method} ${path}: ${response.status} ${text}`).toBe(true);
  return JSON.parse(text);
}

async function poll(): Promise<void> {
  const result = await pollReceipts({}, lambdaContext(30_000));
  for (const queue of result.queues) expect(queue.stoppedBecause, JSON.stringify(queue)).toBe('empty');
}

async function pushesUntil(done: (pushes: PushAttempt[]) => boolean, timeoutMs = 10_000): Promise<PushAttempt[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { pushes } = (await control('GET', 'pushes')) as { pushes: PushAttempt[] };
    if (done(pushes)) return pushes;
    if (Date.now() > until) throw new Error(`pushes not as expected: ${JSON.stringify(pushes)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const pushUrl = (token = TEST_PUSH_TOKEN) => `${pushServer.url}/receipts/{messageType}?token=${token}`;

describe('a receipt both polled and pushed', () => {
  it('is stored once when polled first, then pushed', async () => {
    const callId = newCallId();
    const receipts = { VoiceCallReport: callReport(callId, '200101', '2024-01-15 16:30:01'), VoiceReport: voiceReport(callId) };
    for (const [messageType, receipt] of Object.entries(receipts)) await control('POST', 'messages', { messageType, receipts: [receipt] });

    await poll();
    const polled = await receiptItemsOf(callId);
    for (const [messageType, receipt] of Object.entries(receipts)) expectAccepted(await push(pushHandler, { messageType, body: [receipt] }));

    expect(polled).toHaveLength(2);
    const items = await receiptItemsOf(callId);
    expect(items.map((item) => item.sk).sort()).toEqual(polled.map((item) => item.sk).sort());
    expect(items.map((item) => item.raw)).toEqual(expect.arrayContaining(Object.values(receipts)));
    expect((await getCallOf(callId)).status).toBe('completed');
  });

  it('is stored once when pushed first, then polled', async () => {
    const callId = newCallId();
    const receipt = voiceReport(callId, { status_code: '200003', smart_status_code: 'NO_ANSWER', duration: '0' });

    expectAccepted(await push(pushHandler, { messageType: 'VoiceReport', body: [receipt] }));
    await control('POST', 'messages', { messageType: 'VoiceReport', receipts: [receipt] });
    await poll();

    const items = await receiptItemsOf(callId);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ sk: `RECEIPT#VoiceReport#${callId}`, raw: receipt });
    expect((await getCallOf(callId)).status).toBe('no-answer');
    // The poller deleted its copy: nothing left to redeliver.
    expect((await control('GET', 'queues')).queues.every((queue: { visible: number; inFlight: number }) => queue.visible + queue.inFlight === 0)).toBe(true);
  });
});

describe('the sandbox in push mode', () => {
  async function placeTtsCall(calledNumber = '13800138000'): Promise<string> {
    const response = await invoke(placeCall, { method: 'POST', route: '/calls', body: { type: 'tts', calledNumber, ttsCode: 'TTS_123456789' } });
    expect(response.status, response.text).toBe(202);
    return response.body.callId as string;
  }

  it('pushes a placed call\'s receipts as arrays while also queueing them; each is stored once', async () => {
    await control('PUT', 'push', { url: pushUrl(), batchWindowMs: 50 });

    const callId = await placeTtsCall();
    const pushes = await pushesUntil((list) => list.filter((attempt) => attempt.outcome === 'delivered').length === 2);
    await poll();

    // An answered TTS call: VoiceCallReport 200101, 200201, 200103, then the VoiceReport (sandbox/README.md).
    expect(pushes.map((attempt) => [attempt.messageType, attempt.receipts, attempt.httpStatus]).sort()).toEqual([
      ['VoiceCallReport', 3, 200],
      ['VoiceReport', 1, 200],
    ]);
    expect(pushes.every((attempt) => attempt.target === `${pushServer.url}/receipts/${attempt.messageType}`)).toBe(true);
    const items = await receiptItemsOf(callId);
    expect(items.map((item) => `${item.messageType} ${item.statusCode}`).sort()).toEqual([
      'VoiceCallReport 200101',
      'VoiceCallReport 200103',
      'VoiceCallReport 200201',
      'VoiceReport 200000',
    ]);
    expect((await getCallOf(callId)).status).toBe('completed');
    expect((await control('GET', 'queues')).queues.reduce((sum: number, queue: { deletedTotal: number }) => sum + queue.deletedTotal, 0)).toBe(4);
  });

  it('push only (queues off): nothing is queued and the receipts still arrive', async () => {
    await control('PUT', 'push', { url: pushUrl(), batchWindowMs: 0, queues: false });

    const callId = await placeTtsCall('13900000011');
    await pushesUntil((list) => list.filter((attempt) => attempt.outcome === 'delivered').length === 2);

    const { queues } = await control('GET', 'queues');
    expect(queues.map((queue: { visible: number }) => queue.visible)).toEqual([0, 0, 0]);
    expect((await receiptItemsOf(callId)).map((item) => item.statusCode).sort()).toEqual(['200002', '200101']);
    expect((await getCallOf(callId)).status).toBe('busy');
  });

  it('redelivers a push refused with 401 and stores the redelivery once', async () => {
    await control('PUT', 'push', { url: pushUrl('a-token-the-route-does-not-know'), batchWindowMs: 0, queues: false, retryDelaysMs: [1_000, 1_000] });

    const callId = await placeTtsCall('13900000013');
    await pushesUntil((list) => list.length >= 2 && list.every((attempt) => attempt.outcome === 'failed'));
    expect(await receiptItemsOf(callId)).toEqual([]);
    await control('PUT', 'push', { url: pushUrl() });
    const pushes = await pushesUntil((list) => list.filter((attempt) => attempt.outcome === 'delivered').length === 2);

    const first = pushes.filter((attempt) => attempt.attempt === 1);
    expect(first.map((attempt) => [attempt.httpStatus, attempt.reason, attempt.willRetry])).toEqual([
      [401, 'HTTP 401', true],
      [401, 'HTTP 401', true],
    ]);
    expect(pushes.filter((attempt) => attempt.outcome === 'delivered').every((attempt) => attempt.attempt === 2)).toBe(true);
    expect((await receiptItemsOf(callId)).map((item) => item.statusCode).sort()).toEqual(['200004', '200101']);
    expect((await getCallOf(callId)).status).toBe('failed');
  });

  it('redelivers a push answered too late (docs/alibaba/receipts.md#flow: 700 ms); the duplicate is stored once', async () => {
    // Every answer is late with a 1 ms limit: the route stores the batch, the sandbox calls it failed.
    await control('PUT', 'push', { url: pushUrl(), batchWindowMs: 0, queues: false, timeoutMs: 1, retryDelaysMs: [1_000] });

    const callId = await placeTtsCall('13900000014');
    await pushesUntil((list) => list.length === 2 && list.every((attempt) => attempt.reason === 'timeout'));
    await control('PUT', 'push', { timeoutMs: 700 });
    const pushes = await pushesUntil((list) => list.filter((attempt) => attempt.outcome === 'delivered').length === 2);

    expect(pushes.filter((attempt) => attempt.outcome === 'delivered').map((attempt) => attempt.attempt)).toEqual([2, 2]);
    expect((await receiptItemsOf(callId)).map((item) => item.statusCode).sort()).toEqual(['200010', '200101']);
  });
});

describe('the sandbox push settings', () => {
  it.each([
    [{ url: 'ftp://example.invalid/{messageType}' }, /url must be an http\(s\) URL/],
    [{ url: 42 }, /url must be an http\(s\) URL/],
    [{ timeoutMs: 0 }, /timeoutMs must be an integer from 1/],
    [{ retryDelaysMs: [60_000, -1] }, /retryDelaysMs\[\] must be an integer/],
    [{ queues: 'yes' }, /queues must be true or false/],
    [{ retries: 3 }, /unknown push setting retries/],
  ])('refuses %j with 400 and keeps the settings', async (update, message) => {
    const before = await control('GET', 'push');

    const response = await fetch(`${sandbox.url}/__sandbox/push`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(await control('GET', 'push')).toEqual(before);
  });

  it('starts off with Alibaba\'s timings, and reset restores them', async () => {
    await control('PUT', 'push', { url: pushUrl(), queues: false, timeoutMs: 50, retryDelaysMs: [] });
    await control('POST', 'reset');

    expect(await control('GET', 'push')).toEqual({ url: null, queues: true, batchWindowMs: 200, timeoutMs: 700, retryDelaysMs: [60_000, 300_000, 600_000] });
    expect(await control('GET', 'pushes')).toEqual({ pushes: [] });
  });
});
