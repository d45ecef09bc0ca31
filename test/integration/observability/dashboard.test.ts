/**
 * The dashboard and the saved Logs Insights queries (ops/) against what the handlers really write.
 * One day of a small service, in process: placeCall places a call the sandbox answers and one it
 * refuses, and the flow-control guard refuses a number called twice in a row; createCallRequest
 * takes a call request for later whose attempt cannot be scheduled (the scheduler answers 500);
 * pollReceipts drains the answered call's receipts and a poison message from the sandbox's
 * MNS queues into DynamoDB Local; pushReceipts takes a push, refuses a wrong token and stores an
 * unusable receipt raw; DynamoDB Local's stream brings the changes to processCallChanges, which
 * publishes to the local bus. Everything they print is captured, as Lambda ships it to CloudWatch.
 *
 * Then: every series of this bundle's metrics the dashboard draws was written, with its exact
 * dimension set; every log field a saved query or a dashboard log widget names was logged; and each
 * saved query's question has its answer in the entries (one call's story, the refused numbers
 * masked, the placement times, the invalid receipts and why).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { endpointVariables, startSandbox, type Sandbox } from '#sandbox/server';
import { maskPhone } from '#shared/logger';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, type MetricName } from '#shared/metrics';
import { dynamoClient } from '#shared/store/dynamoClient';
import { BUNDLE_METRIC_WIDGETS, dashboardBody } from '../../../ops/dashboard.ts';
import { SAVED_QUERIES } from '../../../ops/queries.ts';
import { startLocalEventBus, type LocalEventBus } from '../../../scripts/local/eventBus.ts';
import { closeServer, listen, sendJson } from '../../../scripts/local/http.ts';
import { latestStreamArn, StreamPump } from '../../../scripts/local/streams.ts';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';
import { dashboardSeries, fieldsOfQuery, flattenedFields, INSIGHTS_FIELDS, widgetsOf } from '../../support/operations.ts';
import { callReport, voiceReport } from '../../support/receiptBodies.ts';
import { invoke, type Handler, type HttpResponse } from '../handlers/harness.ts';
import { eventually, totals, type PollHandler } from '../receipts/support.ts';
import { loadPushHandler, newCallId, pushEvent, TEST_PUSH_TOKEN, type PushHandler } from '../receipts-push/support.ts';
import { unusedNumber } from '../flow-control/harness.ts';
import { captureStdout, emfFor, valuesOf, type Captured, type EmfDocument } from './stdout.ts';

// Before any module is loaded: the process-wide logger reads LOG_LEVEL once, at its creation. Info
// is the deployed default, and what the saved queries read.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'info';
});

/** sandbox/testNumbers.ts: answered (3 VoiceCallReport receipts and 1 VoiceReport); refused with isv.MOBILE_NUMBER_ILLEGAL. */
const ANSWERED = '13900000010';
const ILLEGAL = '13900000001';
const POISON_BODY = '%%% not a receipt %%%';
const BUS_NAME = 'aliyun-voice-dashboard-test';
const CHANGED_VARIABLES = [
  'ALIYUN_VOICE_ENDPOINT',
  'ALIYUN_DYBASE_ENDPOINT',
  'ALIYUN_MNS_ENDPOINT',
  'ALIYUN_SIGNATURE_VERSION',
  'RECEIPT_QUEUES',
  'RECEIPT_PUSH_TOKEN',
  'RECEIPT_PUSH_TOKEN_PARAM',
  'EVENTBRIDGE_ENDPOINT',
  'EVENT_BUS_NAME',
  'POWERTOOLS_METRICS_DISABLED',
  'FLOW_CONTROL_LIMITS',
  'CALL_REQUEST_SCHEDULE_GROUP',
  'CALL_REQUEST_ATTEMPT_ARN',
  'CALL_REQUEST_SCHEDULER_ROLE_ARN',
  'SCHEDULER_ENDPOINT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

let sandbox: Sandbox;
let bus: LocalEventBus;
/** EventBridge Scheduler failing: every request answered 500. */
let scheduler: Server;
const schedulerRequests: Array<{ method: string; path: string }> = [];
let streams: DynamoDBStreamsClient;
let pump: StreamPump;
let saved: Record<string, string | undefined>;
/** Only this file's calls reach processCallChanges (other files write the same table). */
const ourCalls = new Set<string>();
/** Everything the handlers printed, in order. */
const outputs: Captured[] = [];
/** outIds are at most 15 characters; these are this run's own. */
const run = randomBytes(5).toString('hex');
const story = { outId: `st${run}`, callId: '' };
const refusal = { outId: `rf${run}`, response: undefined as HttpResponse | undefined };
/** A click-to-dial call to the refused number: its refusal names both numbers. */
const clickToDial = { outId: `cd${run}`, callerNumber: '13900139000', response: undefined as HttpResponse | undefined };
const pushed = { callId: newCallId(), unusableCallId: newCallId(), statuses: [] as number[] };
/** A number called twice in a row: the guard refuses the second. */
const calledTwice = { number: unusedNumber(), outIds: [`fa${run}`, `fb${run}`], responses: [] as HttpResponse[] };
/** A call request for an hour from now, whose attempt the failing scheduler cannot arm. */
const callRequest = { outId: `cr${run}`, response: undefined as HttpResponse | undefined };
/** A call request due now: its first attempt is placed by createCallRequest itself. */
const dueNow = { outId: `cn${run}`, response: undefined as HttpResponse | undefined };

async function captured<T>(work: () => Promise<T>): Promise<T> {
  const { result, output } = await captureStdout(work);
  outputs.push(output);
  return result;
}

const logs = () => outputs.flatMap((output) => output.logs);
const emf = (): EmfDocument[] => outputs.flatMap((output) => output.emf);
const lines = () => outputs.flatMap((output) => output.text.split('\n').filter((line) => line !== ''));

beforeAll(async () => {
  saved = saveEnvironment(CHANGED_VARIABLES);
  sandbox = await startSandbox({ port: 0, flowControl: false, receiptDelayMs: 5 });
  Object.assign(process.env, endpointVariables(sandbox));
  delete process.env.ALIYUN_SIGNATURE_VERSION;
  delete process.env.RECEIPT_QUEUES;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  bus = await startLocalEventBus({ print: () => undefined });
  process.env.EVENTBRIDGE_ENDPOINT = bus.url;
  process.env.EVENT_BUS_NAME = BUS_NAME;
  // The guard at its deployed default, Alibaba's windows.
  process.env.FLOW_CONTROL_LIMITS = '1/60,5/3600,20/86400';
  // Call requests set up, their scheduler failing as a 5xx of EventBridge Scheduler.
  scheduler = createServer((request, response) => {
    schedulerRequests.push({ method: request.method ?? '', path: request.url ?? '' });
    request.resume().on('end', () => sendJson(response, 500, 'application/json', { Message: 'Internal server error' }, { 'x-amzn-errortype': 'InternalServerException' }));
  });
  process.env.SCHEDULER_ENDPOINT = (await listen(scheduler)).url;
  process.env.CALL_REQUEST_SCHEDULE_GROUP = 'aliyun-voice-dashboard-test';
  process.env.CALL_REQUEST_ATTEMPT_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:aliyun-voice-test-attemptCallRequest';
  process.env.CALL_REQUEST_SCHEDULER_ROLE_ARN = 'arn:aws:iam::123456789012:role/aliyun-voice-test-scheduler';
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';

  // The handlers' cold starts, with the environment above.
  const [place, request, poll, changes] = await Promise.all([
    import('../../../functions/placeCall.ts'),
    import('../../../functions/createCallRequest.ts'),
    import('../../../functions/pollReceipts.ts'),
    import('../../../functions/processCallChanges.ts'),
  ]);
  const placeCall = place.handler as Handler;
  const createCallRequest = request.handler as Handler;
  const pollReceipts = poll.handler as unknown as PollHandler;
  const processCallChanges = changes.handler as (event: DynamoDBStreamEvent, context?: Partial<Context>) => Promise<DynamoDBBatchResponse>;
  const pushReceipts: PushHandler = await loadPushHandler();

  const client = dynamoClient(process.env.DYNAMODB_ENDPOINT);
  streams = new DynamoDBStreamsClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  pump = await StreamPump.open({
    streams,
    streamArn: await latestStreamArn(client, process.env.CALLS_TABLE!),
    startingPosition: 'LATEST',
    batchSize: 100,
    filter: (record) => ourCalls.has(record.dynamodb?.Keys?.pk?.S?.replace(/^CALL#/, '') ?? ''),
    maxRetryAttempts: 3,
    retryDelayMs: () => 50,
    deliver: (event) => processCallChanges(event, lambdaContext(30_000)),
    log: () => undefined,
  });

  // A call placed and answered, and two Alibaba refuses.
  const placed = await captured(() =>
    invoke(placeCall, { method: 'POST', route: '/calls', body: { type: 'tts', calledNumber: ANSWERED, ttsCode: 'TTS_123456789', outId: story.outId } }),
  );
  expect(placed.status, placed.text).toBe(202);
  story.callId = placed.body.callId;
  ourCalls.add(story.callId);
  refusal.response = await captured(() =>
    invoke(placeCall, { method: 'POST', route: '/calls', body: { type: 'tts', calledNumber: ILLEGAL, ttsCode: 'TTS_123456789', outId: refusal.outId } }),
  );
  clickToDial.response = await captured(() =>
    invoke(placeCall, {
      method: 'POST',
      route: '/calls',
      body: { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: clickToDial.callerNumber, calledShowNumber: '057100000000', calledNumber: ILLEGAL, outId: clickToDial.outId },
    }),
  );

  // The answered call's four receipts and a poison message, polled.
  sandbox.control.enqueue({ messageType: 'VoiceCallReport', bodies: [POISON_BODY] });
  await eventually(() => totals(sandbox).delayed === 0 && totals(sandbox).visible === 5, 10_000, 'the receipts and the poison message to be visible');
  await captured(() => pollReceipts({}, lambdaContext(30_000)));

  // A number called twice in a row ("resend my code"): the guard refuses the second, nothing sent.
  // After the poll, so that its receipts are not among the ones counted above.
  for (const outId of calledTwice.outIds) {
    calledTwice.responses.push(
      await captured(() => invoke(placeCall, { method: 'POST', route: '/calls', body: { type: 'tts', calledNumber: calledTwice.number, ttsCode: 'TTS_123456789', outId } })),
    );
  }

  // A call request for an hour from now: stored as scheduled, but its attempt cannot be armed.
  callRequest.response = await captured(() =>
    invoke(createCallRequest, {
      method: 'POST',
      route: '/call-requests',
      body: {
        call: { type: 'tts', calledNumber: unusedNumber(), ttsCode: 'TTS_123456789', outId: callRequest.outId },
        notBefore: new Date(Date.now() + 3_600_000).toISOString(),
      },
    }),
  );

  dueNow.response = await captured(() =>
    invoke(createCallRequest, {
      method: 'POST',
      route: '/call-requests',
      body: { call: { type: 'tts', calledNumber: unusedNumber(), ttsCode: 'TTS_123456789', outId: dueNow.outId } },
    }),
  );

  // Pushes: a receipt, a wrong token, a receipt beside an unusable entry.
  ourCalls.add(pushed.callId);
  for (const input of [
    { messageType: 'VoiceCallReport', body: [callReport(pushed.callId, '200101', '2024-01-15 16:30:01')] },
    { messageType: 'VoiceCallReport', token: `${TEST_PUSH_TOKEN}-wrong`, body: [callReport(pushed.callId, '200103', '2024-01-15 16:30:09')] },
    { messageType: 'VoiceReport', body: [voiceReport(pushed.unusableCallId), { callee: '13800138000', note: 'no call id' }] },
  ]) {
    const response = await captured(() => pushReceipts(pushEvent(input), lambdaContext(3_000)));
    pushed.statuses.push(response.statusCode ?? 0);
  }

  // The stream: the call item, its receipts and its status changes through processCallChanges.
  await captured(() => pump.drain());
}, 120_000);

afterAll(async () => {
  await pump?.stop();
  streams?.destroy();
  await bus?.close();
  if (scheduler) await closeServer(scheduler);
  await sandbox?.close();
  if (saved) await releaseBundle(saved);
});

/** Every (namespace, metric, dimension names) series the handlers wrote. */
function writtenSeries(): Set<string> {
  const written = new Set<string>();
  for (const document of emf()) {
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const dimensions of directive.Dimensions) {
        for (const { Name } of directive.Metrics) written.add(seriesKey(directive.Namespace, Name, dimensions));
      }
    }
  }
  return written;
}

const seriesKey = (namespace: string, metric: string, dimensions: readonly string[]) => `${namespace} ${metric} {${[...dimensions].sort().join(',')}}`;

describe('the day as the handlers lived it', () => {
  it('placed one call, had one refused, stored receipts polled and pushed, refused a wrong token and published the changes', () => {
    expect([refusal.response?.status, clickToDial.response?.status]).toEqual([422, 422]);
    expect(pushed.statuses).toEqual([200, 401, 200]);
    expect(bus.events().filter((event) => event.detail.callId === story.callId).length).toBeGreaterThan(0);
  });

  it('called one number twice in a row, the guard refusing the second before Alibaba saw it', () => {
    expect(calledTwice.responses.map((response) => [response.status, response.body.code])).toEqual([
      [202, undefined],
      [429, 'FLOW_CONTROL'],
    ]);
    expect(sandbox.control.requests().filter((request) => request.params.CalledNumber === calledTwice.number)).toHaveLength(1);
  });

  it("placed a call request due now at once, and logged its attempt's placement as every placement is: call placed, with the call request and attempt", () => {
    expect(dueNow.response?.status, dueNow.response?.text).toBe(202);
    expect(dueNow.response?.body).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1, status: 'placed' }] });
    const callId = dueNow.response?.body.attempts[0].callId;
    const alibabaRequestId = sandbox.control.requests().find((request) => request.params.OutId === dueNow.outId)?.requestId;
    expect(alibabaRequestId).toEqual(expect.any(String));
    expect(logs().filter((entry) => entry.message === 'call placed' && entry.outId === dueNow.outId)).toEqual([
      expect.objectContaining({ callId, type: 'tts', alibabaRequestId, requestId: dueNow.response?.body.requestId, attempt: 1, replayed: false, durationMs: expect.any(Number) }),
    ]);
  });

  it('took a call request for later whose attempt the scheduler could not arm: the request is kept, the failure logged', () => {
    expect(callRequest.response?.status, callRequest.response?.text).toBe(202);
    expect(callRequest.response?.body).toMatchObject({ status: 'scheduled' });
    expect(schedulerRequests.length).toBeGreaterThan(0);
    // CreateSchedule of the request's first attempt (its schedule is named after the request).
    for (const request of schedulerRequests) expect(request).toMatchObject({ method: 'POST', path: expect.stringContaining(`/schedules/${callRequest.response?.body.requestId}-a1-`) });
    expect(logs().filter((entry) => entry.message === 'the next attempt of a call request could not be scheduled; the sweeper will schedule it again')).toEqual([
      expect.objectContaining({ requestId: callRequest.response?.body.requestId, attempt: 1 }),
    ]);
  });
});

describe('the dashboard', () => {
  it('draws only series of this bundle that the handlers wrote, each with the dimension set it was written with', () => {
    // The custom-metric lines do not depend on the function list or the thresholds.
    const body = dashboardBody({ functions: ['placeCall'], thresholds: { receiptLagAlarmMs: 1, iteratorAgeAlarmMs: 1, pollReceiptsTimeoutMs: 1 } });
    const drawn = dashboardSeries(body).filter((line) => line.namespace === METRICS_NAMESPACE);
    expect(drawn.length).toBeGreaterThan(0);
    const written = writtenSeries();
    const missing = [...new Set(drawn.map((line) => seriesKey(line.namespace, line.metric, line.dimensions)))].filter((key) => !written.has(key));
    expect(missing, 'drawn on the dashboard but never written by the handlers here').toEqual([]);
  });

  it('matches the catalogue: every series written has its metric\'s catalogued dimension set', () => {
    for (const key of writtenSeries()) {
      const [, namespace, metric, dimensions] = /^(\S+) (\S+) \{(.*)\}$/.exec(key)!;
      expect(namespace).toBe(METRICS_NAMESPACE);
      expect(dimensions, metric).toBe([...METRIC_DIMENSIONS[metric as MetricName]].sort().join(','));
    }
  });

  it("draws the flow-control and call-request section from what the guard and the call requests wrote, each widget's series with its dimensions", () => {
    const body = dashboardBody({ functions: ['placeCall'], thresholds: { receiptLagAlarmMs: 1, iteratorAgeAlarmMs: 1, pollReceiptsTimeoutMs: 1 } });
    const section = BUNDLE_METRIC_WIDGETS.filter((widget) => widget.section === 'Flow control and call requests');
    expect(section.map((widget) => widget.metric).sort()).toEqual(['CallRequestStatus', 'FlowControlRefused', 'FlowControlWait', 'ScheduleFailures']);
    const written = writtenSeries();
    for (const widget of section) {
      const drawn = dashboardSeries(body).filter((line) => line.widget === widget.title);
      expect(drawn.length, widget.title).toBeGreaterThan(0);
      for (const line of drawn) {
        expect([line.namespace, line.metric, line.dimensions], widget.title).toEqual([METRICS_NAMESPACE, widget.metric, [...METRIC_DIMENSIONS[widget.metric]].sort()]);
        expect(written, widget.title).toContain(seriesKey(line.namespace, line.metric, line.dimensions));
      }
    }
    // The values behind them: one refusal in the minute window, the wait it gave (its Retry-After),
    // one request scheduled for later, one scheduled and then in progress (due now), one attempt
    // that could not be armed.
    const refused = calledTwice.responses[1]!;
    expect(emfFor(emf(), 'FlowControlRefused').map((document) => [document.Window, document.FlowControlRefused])).toEqual([['1/60', 1]]);
    expect(valuesOf(emf(), 'FlowControlWait')).toEqual([Number(refused.headers['retry-after'])]);
    expect(emfFor(emf(), 'CallRequestStatus').map((document) => [document.Status, document.CallRequestStatus])).toEqual([
      ['scheduled', 1],
      ['scheduled', 1],
      ['in-progress', 1],
    ]);
    expect(valuesOf(emf(), 'ScheduleFailures')).toEqual([1]);
  });

  it('counts push answers by status and times each from API Gateway\'s receipt', () => {
    const answers = emf().filter((document) => 'PushAnswers' in document);
    expect(answers.map((document) => [document.Status, document.PushAnswers]).sort()).toEqual([
      ['200', 1],
      ['200', 1],
      ['401', 1],
    ]);
    const times = emf().flatMap((document) => (document.PushAnswerTime === undefined ? [] : [document.PushAnswerTime].flat() as number[]));
    expect(times).toHaveLength(3);
    for (const time of times) expect(time).toBeGreaterThanOrEqual(0);
  });
});

describe('the saved queries and the dashboard\'s log widgets', () => {
  it('name only fields the handlers log (Logs Insights\' own @fields aside)', () => {
    const logged = new Set(logs().flatMap((entry) => flattenedFields(entry)));
    const body = dashboardBody({ functions: ['placeCall'], thresholds: { receiptLagAlarmMs: 1, iteratorAgeAlarmMs: 1, pollReceiptsTimeoutMs: 1 } });
    const queries = [
      ...SAVED_QUERIES.map((saved) => [saved.logicalId, saved.query] as const),
      ...widgetsOf(body)
        .filter((widget) => widget.type === 'log')
        .map((widget) => [String(widget.properties.title), String(widget.properties.query)] as const),
    ];
    for (const [name, query] of queries) {
      const unknown = fieldsOfQuery(query).filter((field) => (field.startsWith('@') ? !INSIGHTS_FIELDS.has(field) : !logged.has(field)));
      expect(unknown, `${name} names fields nothing logs`).toEqual([]);
    }
  });

  it('call story: the lines naming the callId tell the placement with Alibaba\'s RequestId, each receipt and each status change', () => {
    const storyLines = lines()
      .filter((line) => line.includes(story.callId))
      .map((line) => JSON.parse(line) as Record<string, any>);
    const placed = storyLines.find((entry) => entry.message === 'call placed');
    expect(placed).toMatchObject({ callId: story.callId, outId: story.outId, type: 'tts', alibabaRequestId: expect.any(String) });
    const published = storyLines.filter((entry) => entry.message === 'call event published');
    const receipts = published.filter((entry) => entry.detailType === 'Voice Call Receipt');
    expect(receipts.map((entry) => entry.messageType).sort()).toEqual(['VoiceCallReport', 'VoiceCallReport', 'VoiceCallReport', 'VoiceReport']);
    for (const entry of receipts) expect(entry).toMatchObject({ callId: story.callId, outId: story.outId, statusCode: expect.any(String) });
    const changes = published.filter((entry) => entry.detailType === 'Voice Call Status Changed').map((entry) => entry.status);
    expect(changes[0]).toBe('placed');
    expect(changes.at(-1)).toBe('completed');
    // By outId too: the same story, found with the caller's own id.
    expect(lines().filter((line) => line.includes(story.outId)).length).toBe(storyLines.length);
  });

  it('call story by outId: a refused call tells its outcome, Alibaba\'s code and RequestId', () => {
    const [refused, ...others] = lines()
      .filter((line) => line.includes(refusal.outId))
      .map((line) => JSON.parse(line) as Record<string, any>);
    expect(others).toEqual([]);
    const [request] = sandbox.control.requests().filter((candidate) => candidate.params.OutId === refusal.outId);
    expect(request?.action).toBe('SingleCallByTts');
    expect(refused).toMatchObject({ message: 'call not placed', outcome: 'rejected', code: 'isv.MOBILE_NUMBER_ILLEGAL', alibabaRequestId: request?.requestId });
  });

  it("refused numbers: each refusal, Alibaba's and the guard's, names its number(s) masked, never in full", () => {
    // The saved query's filter (ops/queries.ts).
    const refusals = logs().filter((entry) => entry.message === 'call not placed' && (['rejected', 'throttled'].includes(entry.outcome) || entry.code === 'FLOW_CONTROL'));
    const refused = calledTwice.responses[1]!;
    expect(refusals).toEqual([
      expect.objectContaining({ calledNumber: maskPhone(ILLEGAL), type: 'tts', outId: refusal.outId }),
      expect.objectContaining({ calledNumber: maskPhone(ILLEGAL), callerNumber: maskPhone(clickToDial.callerNumber), type: 'clickToDial', outId: clickToDial.outId }),
      expect.objectContaining({
        calledNumber: maskPhone(calledTwice.number),
        type: 'tts',
        outId: calledTwice.outIds[1],
        outcome: 'flow-control',
        code: 'FLOW_CONTROL',
        limit: '1/60',
        retryAt: refused.body.retryAt,
        retryAfterSeconds: Number(refused.headers['retry-after']),
      }),
    ]);
    const text = outputs.map((output) => output.text).join('');
    expect(text).not.toContain(ILLEGAL);
    expect(text).not.toContain(clickToDial.callerNumber);
    expect(text).not.toContain(calledTwice.number);
  });

  it('slowest placements: the placement logs how long it took', () => {
    const placements = logs().filter((entry) => entry.message === 'call placed');
    expect(placements).toEqual([
      expect.objectContaining({ callId: story.callId, durationMs: expect.any(Number) }),
      expect.objectContaining({ callId: calledTwice.responses[0]!.body.callId, outId: calledTwice.outIds[0], durationMs: expect.any(Number) }),
      expect.objectContaining({ callId: dueNow.response?.body.attempts[0].callId, outId: dueNow.outId, durationMs: expect.any(Number) }),
    ]);
    for (const placement of placements) expect(placement.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('invalid receipts: the poller names each message and its reason; the push route its reasons', () => {
    const invalid = logs().filter((entry) => /stored raw as invalid/.test(entry.message));
    expect(invalid).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ messageType: 'VoiceCallReport', queue: expect.any(String), messageId: expect.any(String), reason: expect.any(String) }),
        expect.objectContaining({ messageType: 'VoiceReport', invalid: 1, reasons: [expect.objectContaining({ messageId: expect.any(String), reason: expect.any(String) })] }),
      ]),
    );
    expect(invalid).toHaveLength(2);
  });
});
