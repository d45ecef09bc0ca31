/**
 * Call requests end to end, in process (docs/call-requests.md): the real handlers of
 * functions/ (createCallRequest, getCallRequest, cancelCallRequest, attemptCallRequest,
 * placeCallsFromQueue, placeCallFromEvent, pollReceipts, processCallChanges) wired by their
 * composition roots from the environment, against
 * - the local Alibaba sandbox over real HTTP (calls, receipts in its MNS queues, QueryCallDetail),
 * - DynamoDB Local: a calls table and an idempotency table of this file's own, created from
 *   serverless.yml under a stage name of its own, so that its stream and the sweeper's due index
 *   hold only this file's requests while other test files run beside it,
 * - the EventBridge Scheduler stand-in (scripts/local/scheduler.ts) spoken to through the bundle's
 *   own adapter, which invokes attemptCallRequest in process when a schedule falls due,
 * - the stream stand-in (scripts/local/streams.ts) reading the table's stream into
 *   processCallChanges, and the local event bus receiving what it publishes.
 *
 * Time. Schedules are armed for the whole minute at or after an attempt's time, at least 5 s
 * ahead, and redials are at least 60 s apart, so tests do not wait for the stand-in's wall clock:
 * `fire` runs the stand-in's clock forward to a schedule's time (its `now` option) and fires what is
 * then due. The attempt function keeps the real clock and checks it against everything but the
 * redial interval — notBefore, the window and notAfter (attempts.ts), the flow-control guard's
 * window — so a test that needs one of those to pass still waits for it, briefly (`waitUntil`:
 * notBefore a second ahead, a guard window of two seconds). Only what the product leaves to the
 * schedule is skipped.
 *
 * Handlers read their configuration once, at import (the Lambda cold start): `startCallRequestBundle`
 * starts everything and sets the environment first, then imports them. One bundle per test file.
 */
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent, EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { endpointVariables, startSandbox, type Sandbox, type SandboxOptions } from '#sandbox/server';
import type { ArmedAttempt } from '#shared/callRequests/ports';
import { unmarshallItem } from '#shared/store/items';
import { startLocalEventBus, type BusEvent, type LocalEventBus } from '../../../scripts/local/eventBus.ts';
import { startLocalScheduler, type LocalSchedule, type LocalScheduler } from '../../../scripts/local/scheduler.ts';
import { latestStreamArn, StreamPump } from '../../../scripts/local/streams.ts';
import { createTables, tablesFromServerlessYml } from '../../../scripts/local/tables.ts';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { testDynamo } from '../../support/callsTable.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';
import { invoke, type Handler, type HttpResponse } from '../handlers/harness.ts';

export { freshNumber } from '../handlers/harness.ts';
export { eventually } from '../receipts/support.ts';

/** The attempt function as the template names it (CALL_REQUEST_ATTEMPT_ARN); the stand-in invokes it by this name. */
const ATTEMPT_FUNCTION = 'aliyun-voice-test-attemptCallRequest';
const SCHEDULE_GROUP = 'aliyun-voice-test-call-requests';
const BUS_NAME = 'aliyun-voice-call-requests-test';

const CHANGED_VARIABLES = [
  'CALLS_TABLE',
  'IDEMPOTENCY_TABLE',
  'ALIYUN_VOICE_ENDPOINT',
  'ALIYUN_DYBASE_ENDPOINT',
  'ALIYUN_MNS_ENDPOINT',
  'ALIYUN_SIGNATURE_VERSION',
  'RECEIPT_QUEUES',
  'EVENTBRIDGE_ENDPOINT',
  'EVENT_BUS_NAME',
  'SCHEDULER_ENDPOINT',
  'CALL_REQUEST_SCHEDULE_GROUP',
  'CALL_REQUEST_ATTEMPT_ARN',
  'CALL_REQUEST_SCHEDULER_ROLE_ARN',
  'CALL_REQUEST_ATTEMPT_DLQ_ARN',
  'FLOW_CONTROL_LIMITS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'LOG_LEVEL',
] as const;

type EventHandler<E, R> = (event: E, context?: Partial<Context>) => Promise<R>;

export interface CallRequestBundle {
  sandbox: Sandbox;
  scheduler: LocalScheduler;
  bus: LocalEventBus;
  /** This file's calls table. */
  table: string;
  handlers: {
    create: Handler;
    get: Handler;
    cancel: Handler;
    attempt: EventHandler<unknown, { status: string }>;
    placeCallsFromQueue: EventHandler<SQSEvent, SQSBatchResponse>;
    placeCallFromEvent: EventHandler<EventBridgeEvent<string, unknown>, void>;
  };
  /** How far the stand-in's clock runs ahead of the real one (ms). */
  clock: { aheadMs: number };
  /**
   * What happens after calls were placed, as deployed: the poller (pollReceipts) takes the calls'
   * receipts from the sandbox's queues into the table, and the table's stream goes through
   * processCallChanges (status projection, call requests moved on, events published) until nothing
   * new is left on it. Fails when a stream record could not be handled.
   */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts everything (see the module comment); `flowControlLimits` switches the bundle's guard on. */
export async function startCallRequestBundle(options: { flowControlLimits?: string; sandbox?: SandboxOptions } = {}): Promise<CallRequestBundle> {
  const saved = saveEnvironment(CHANGED_VARIABLES);
  const stage = `cr${randomBytes(4).toString('hex')}`;
  const tables = await createTables(testDynamo(), tablesFromServerlessYml(stage));
  const table = tables.find((name) => name.endsWith('-calls'))!;
  process.env.CALLS_TABLE = table;
  process.env.IDEMPOTENCY_TABLE = tables.find((name) => name.endsWith('-idempotency'))!;

  // Receipts all at once (no delay) unless a test wants a call that is still going.
  const sandbox = await startSandbox({ port: 0, flowControl: false, receiptDelayMs: 0, ...options.sandbox });
  Object.assign(process.env, endpointVariables(sandbox));
  delete process.env.ALIYUN_SIGNATURE_VERSION;
  delete process.env.RECEIPT_QUEUES;
  if (options.flowControlLimits !== undefined) process.env.FLOW_CONTROL_LIMITS = options.flowControlLimits;
  // Refusals, retries and flow control are played on purpose here and logged as warnings; errors still show.
  process.env.LOG_LEVEL = 'error';

  const bus = await startLocalEventBus({ print: () => undefined });
  process.env.EVENTBRIDGE_ENDPOINT = bus.url;
  process.env.EVENT_BUS_NAME = BUS_NAME;

  const clock = { aheadMs: 0 };
  let attemptHandler: CallRequestBundle['handlers']['attempt'] | undefined;
  const scheduler = await startLocalScheduler({
    port: 0,
    now: () => Date.now() + clock.aheadMs,
    print: () => undefined,
    retryDelayMs: () => 100,
    invoke: async (functionName, payload) => {
      if (functionName !== ATTEMPT_FUNCTION || !attemptHandler) throw new Error(`no function ${functionName} here`);
      return attemptHandler(payload, lambdaContext(30_000));
    },
  });
  // The stand-in checks no signature, but the bundle's signed caller needs some credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.SCHEDULER_ENDPOINT = scheduler.url;
  process.env.CALL_REQUEST_SCHEDULE_GROUP = SCHEDULE_GROUP;
  process.env.CALL_REQUEST_ATTEMPT_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${ATTEMPT_FUNCTION}`;
  process.env.CALL_REQUEST_SCHEDULER_ROLE_ARN = 'arn:aws:iam::000000000000:role/aliyun-voice-test-scheduler';
  delete process.env.CALL_REQUEST_ATTEMPT_DLQ_ARN;

  const [create, get, cancel, attempt, queue, events, poll, changes] = await Promise.all([
    import('../../../functions/createCallRequest.ts'),
    import('../../../functions/getCallRequest.ts'),
    import('../../../functions/cancelCallRequest.ts'),
    import('../../../functions/attemptCallRequest.ts'),
    import('../../../functions/placeCallsFromQueue.ts'),
    import('../../../functions/placeCallFromEvent.ts'),
    import('../../../functions/pollReceipts.ts'),
    import('../../../functions/processCallChanges.ts'),
  ]);
  attemptHandler = attempt.handler as CallRequestBundle['handlers']['attempt'];

  const failedDeliveries: DynamoDBBatchResponse[] = [];
  const streams = new DynamoDBStreamsClient({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const processCallChanges = changes.handler as EventHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>;
  const pump = await StreamPump.open({
    streams,
    streamArn: await latestStreamArn(testDynamo(), table),
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    maxRetryAttempts: 3,
    retryDelayMs: () => 50,
    deliver: async (event) => {
      const response = await processCallChanges(event, lambdaContext(30_000));
      if (response.batchItemFailures.length > 0) failedDeliveries.push(response);
      return response;
    },
    log: () => undefined,
  });
  const pollReceipts = poll.handler as unknown as EventHandler<unknown, unknown>;
  const pendingReceipts = () => sandbox.control.queues().reduce((total, queue) => total + queue.visible + queue.inFlight + queue.delayed, 0);

  return {
    sandbox,
    scheduler,
    bus,
    table,
    handlers: {
      create: create.handler as Handler,
      get: get.handler as Handler,
      cancel: cancel.handler as Handler,
      attempt: attemptHandler,
      placeCallsFromQueue: queue.handler as CallRequestBundle['handlers']['placeCallsFromQueue'],
      placeCallFromEvent: events.handler as CallRequestBundle['handlers']['placeCallFromEvent'],
    },
    clock,
    async settle() {
      for (let round = 0; round < 10 && pendingReceipts() > 0; round++) await pollReceipts({}, lambdaContext(30_000));
      expect(pendingReceipts(), 'receipts left in the sandbox queues').toBe(0);
      await pump.drain();
      expect(failedDeliveries, 'stream records processCallChanges could not handle').toEqual([]);
    },
    async stop() {
      await pump.stop();
      streams.destroy();
      await scheduler.close();
      await bus.close();
      await sandbox.close();
      await testDynamo().send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      await releaseBundle(saved);
    },
  };
}

/**
 * The bundle for one test file: started before its tests, stopped after them, the sandbox reset
 * (calls, their per-number counts, request logs) and the bus cleared before each test. The object
 * is filled in by `beforeAll`, so use it inside tests only.
 */
export function useCallRequestBundle(options: Parameters<typeof startCallRequestBundle>[0] = {}): CallRequestBundle {
  const bundle = {} as CallRequestBundle;
  beforeAll(async () => {
    Object.assign(bundle, await startCallRequestBundle(options));
  }, 60_000);
  afterAll(async () => {
    await bundle.stop?.();
  });
  beforeEach(() => {
    bundle.sandbox.control.reset();
    bundle.bus.clear();
    bundle.clock.aheadMs = 0;
  });
  return bundle;
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** POST /call-requests; `authorizer` in place of the captured IAM identity (test/support/apiGatewayEvents.ts). */
export function postCallRequest(bundle: CallRequestBundle, body: unknown, headers?: Record<string, string>, authorizer?: unknown): Promise<HttpResponse> {
  return invoke(bundle.handlers.create, { method: 'POST', route: '/call-requests', body, ...(headers ? { headers } : {}), ...(authorizer === undefined ? {} : { authorizer }) });
}

/** POST /call-requests, expected to be accepted (202); resolves the request as answered. */
export async function createRequest(bundle: CallRequestBundle, body: unknown, headers?: Record<string, string>, authorizer?: unknown): Promise<Record<string, any>> {
  const response = await postCallRequest(bundle, body, headers, authorizer);
  expect(response.status, response.text).toBe(202);
  return response.body as Record<string, any>;
}

/** GET /call-requests/{requestId}. */
export function getRequest(bundle: CallRequestBundle, requestId: string): Promise<HttpResponse> {
  return invoke(bundle.handlers.get, { method: 'GET', route: '/call-requests/{requestId}', path: `/call-requests/${requestId}`, pathParameters: { requestId } });
}

/** GET /call-requests/{requestId}, expected to be found; resolves the request. */
export async function readRequest(bundle: CallRequestBundle, requestId: string): Promise<Record<string, any>> {
  const response = await getRequest(bundle, requestId);
  expect(response.status, response.text).toBe(200);
  return response.body as Record<string, any>;
}

/** POST /call-requests/{requestId}/cancel. */
export function cancelRequest(bundle: CallRequestBundle, requestId: string): Promise<HttpResponse> {
  return invoke(bundle.handlers.cancel, {
    method: 'POST',
    route: '/call-requests/{requestId}/cancel',
    path: `/call-requests/${requestId}/cancel`,
    pathParameters: { requestId },
  });
}

// ---------------------------------------------------------------------------------------------
// The scheduler stand-in

/** A schedule of the stand-in with the attempt it carries. */
export type ArmedSchedule = LocalSchedule & { armed: ArmedAttempt };

/** The stand-in's schedules (still to fire) of `requestId`. */
export function schedulesOf(bundle: CallRequestBundle, requestId: string): ArmedSchedule[] {
  return bundle.scheduler
    .schedules()
    .map((schedule) => ({ ...schedule, armed: JSON.parse(schedule.target.Input ?? '{}') as ArmedAttempt }))
    .filter((schedule) => schedule.armed.requestId === requestId && schedule.status === 'scheduled');
}

/** The one schedule pending for `requestId` (fails when there is not exactly one). */
export function pendingSchedule(bundle: CallRequestBundle, requestId: string): ArmedSchedule {
  const schedules = schedulesOf(bundle, requestId);
  expect(schedules, `schedules of ${requestId}`).toHaveLength(1);
  return schedules[0]!;
}

/**
 * Runs the stand-in's clock forward to the request's pending schedule and fires what is then due
 * (see the module comment), then puts the clock back. Resolves the schedule fired.
 */
export async function fire(bundle: CallRequestBundle, requestId: string): Promise<ArmedSchedule> {
  const schedule = pendingSchedule(bundle, requestId);
  bundle.clock.aheadMs = Math.max(0, Date.parse(schedule.dueAt) - Date.now());
  try {
    await bundle.scheduler.fireDue();
  } finally {
    bundle.clock.aheadMs = 0;
  }
  expect(bundle.scheduler.fired().filter((fired) => fired.name === schedule.name)).toMatchObject([{ outcome: 'invoked' }]);
  return schedule;
}

// ---------------------------------------------------------------------------------------------
// Events, the sandbox and the table

/** The `Voice Call Request Changed` events published for `requestId`, in order. */
export function requestEvents(bundle: CallRequestBundle, requestId: string): BusEvent[] {
  return bundle.bus.events().filter((event) => event['detail-type'] === 'Voice Call Request Changed' && event.detail.requestId === requestId);
}

/** The calls the sandbox accepted for `calledNumber` (for ClickToDial: the B leg), oldest first. */
export function sandboxCallsTo(bundle: CallRequestBundle, calledNumber: string) {
  return bundle.sandbox.control.calls().filter((call) => call.params.CalledNumber === calledNumber);
}

/** Every item of this file's table whose pk starts with `prefix` (`REQUEST#`, `FLOW#`, ...). */
export async function itemsWithPrefix(bundle: CallRequestBundle, prefix: string): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let startKey: Record<string, any> | undefined;
  do {
    const page = await testDynamo().send(
      new ScanCommand({ TableName: bundle.table, FilterExpression: 'begins_with(pk, :prefix)', ExpressionAttributeValues: { ':prefix': { S: prefix } }, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []).map(unmarshallItem));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every call request item of this file's table. */
export const storedRequests = (bundle: CallRequestBundle): Promise<Record<string, any>[]> => itemsWithPrefix(bundle, 'REQUEST#');

/** An ISO time `ms` from now. */
export const fromNow = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Waits, in real time, until `at` (epoch ms or ISO) has passed: notBefore and retryAt are read on the real clock. */
export async function waitUntil(at: number | string): Promise<void> {
  const ms = (typeof at === 'string' ? Date.parse(at) : at) - Date.now() + 1;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
