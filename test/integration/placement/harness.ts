/**
 * The three call-placing handlers (functions/placeCall, placeCallsFromQueue, placeCallFromEvent)
 * in process against the local Alibaba sandbox, DynamoDB Local's calls table and its idempotency
 * table. Like test/integration/handlers/harness.ts, the sandbox is started and the bundle pointed at
 * it BEFORE the handler modules are imported (their cold start reads the configuration).
 */
import { itemsOf } from '../../support/callsTable.ts';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type Sandbox } from '#sandbox/server';
import type { AlibabaCredentials } from '#shared/signing/index';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';
import type { Handler } from '../handlers/harness.ts';

export interface PlacementHarness {
  sandbox: Sandbox;
  placeCall: Handler;
  placeCallsFromQueue: (event: SQSEvent, context?: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
  placeCallFromEvent: (event: EventBridgeEvent<string, unknown>, context?: ReturnType<typeof lambdaContext>) => Promise<void>;
  stop(): Promise<void>;
}

/**
 * The harness for one test file: started before its tests, stopped after them, the sandbox reset
 * before each test. The object is filled in by `beforeAll`, so use it inside tests only.
 */
export function usePlacementHandlers(): PlacementHarness {
  const harness = {} as PlacementHarness;
  beforeAll(async () => {
    Object.assign(harness, await startPlacementHandlers());
  });
  afterAll(async () => {
    await harness.stop?.();
  });
  beforeEach(() => {
    harness.sandbox.control.reset();
  });
  return harness;
}

export interface PlacementHarnessOptions {
  /** The sandbox's own flow control (Alibaba's); on unless told. */
  flowControl?: boolean;
  /** The windows of the bundle's guard (FLOW_CONTROL_LIMITS); the guard is off unless given. */
  flowControlLimits?: string;
  /** The sandbox's windows: the guard's when not given (Alibaba's when neither is). */
  sandboxFlowControlLimits?: string;
  /** The key pairs the sandbox accepts; the environment's pair when not given. */
  keys?: AlibabaCredentials[];
  /** More of the bundle's environment for the cold start (the queue where refused requests wait: CALL_REQUESTS_QUEUE_URL, SQS_ENDPOINT). */
  environment?: Readonly<Record<string, string>>;
}

/** Starts a sandbox (flow control on unless told), points the bundle at it, loads the handlers. */
export async function startPlacementHandlers(options: PlacementHarnessOptions = {}): Promise<PlacementHarness> {
  const environment = { ...options.environment, ...(options.flowControlLimits === undefined ? {} : { FLOW_CONTROL_LIMITS: options.flowControlLimits }) };
  const saved = saveEnvironment(['ALIYUN_VOICE_ENDPOINT', ...Object.keys(environment)]);
  const sandboxLimits = options.sandboxFlowControlLimits ?? options.flowControlLimits;
  const sandbox = await startSandbox({
    port: 0,
    ...(options.flowControl !== undefined ? { flowControl: options.flowControl } : {}),
    ...(sandboxLimits !== undefined ? { flowControlLimits: sandboxLimits } : {}),
    ...(options.keys ? { keys: options.keys } : {}),
  });
  Object.assign(process.env, environment, { ALIYUN_VOICE_ENDPOINT: sandbox.url });
  const [http, queue, events] = await Promise.all([
    import('../../../functions/placeCall.ts'),
    import('../../../functions/placeCallsFromQueue.ts'),
    import('../../../functions/placeCallFromEvent.ts'),
  ]);
  return {
    sandbox,
    placeCall: http.handler as unknown as Handler,
    placeCallsFromQueue: (event, context = lambdaContext(20_000)) => queue.handler(event, context),
    placeCallFromEvent: (event, context = lambdaContext(20_000)) => events.handler(event, context),
    async stop() {
      await sandbox.close();
      await releaseBundle(saved);
    },
  };
}

export { testDynamo } from '../../support/callsTable.ts';

/** The REJECTED items of `source` for these message or event ids (README: how operators query them). */
export async function readRejected(source: 'sqs' | 'eventbridge', messageIds: readonly string[]): Promise<Record<string, any>[]> {
  return (await itemsOf(`REJECTED#${source}`)).filter((item) => messageIds.includes(item.messageId));
}
