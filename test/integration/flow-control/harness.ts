/**
 * The call-placing handlers behind the flow-control guard, with the local call-requests queue
 * (scripts/local/queue.ts) wired to them the way `npm start` wires it (scripts/start.ts): the
 * queue's URL and endpoint are in the functions' environment (CALL_REQUESTS_QUEUE_URL, SQS_ENDPOINT,
 * local AWS keys), so a request refused for flow control is sent back to it with SqsWaitingQueue
 * over the SQS JSON protocol; and the queue delivers to placeCallsFromQueue as its event source
 * mapping does (batches of 10, 2 at a time, partial batch failures, maxReceiveCount 3).
 */
import { randomInt } from 'node:crypto';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { WAITING_ATTRIBUTE, type WaitingOrigin } from '#shared/triggers/waitingQueue';
import { startLocalQueue, type LocalQueue, type LocalQueueOptions } from '../../../scripts/local/queue.ts';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { startPlacementHandlers, type PlacementHarness, type PlacementHarnessOptions } from '../placement/harness.ts';

/** The deployed function's timeout (serverless.yml placeCallsFromQueue: 30 s). */
const FUNCTION_TIMEOUT_MS = 30_000;

/** One delivery of the queue to placeCallsFromQueue. */
export interface Delivery {
  records: SQSRecord[];
  /** What the function answered; undefined when it threw (the whole batch is then received again). */
  response?: SQSBatchResponse;
}

export interface QueuedPlacement extends PlacementHarness {
  queue: LocalQueue;
  /** Every delivery so far, in order. */
  deliveries: Delivery[];
  /** The queue's log lines (one per delivery and per dead letter). */
  printed: string[];
}

/**
 * The harness for one test file, with its queue: started before its tests, stopped after them.
 * The object is filled in by `beforeAll`, so use it inside tests only.
 */
export function useQueuedPlacement(options: PlacementHarnessOptions & { queue?: Partial<Omit<LocalQueueOptions, 'deliver' | 'print'>> } = {}): QueuedPlacement {
  const harness = {} as QueuedPlacement;
  beforeAll(async () => {
    Object.assign(harness, await startQueuedPlacement(options));
  });
  afterAll(async () => {
    await harness.stop?.();
  });
  return harness;
}

/** Starts the queue, then the handlers with the queue in their environment (their cold start reads it). */
export async function startQueuedPlacement(
  options: PlacementHarnessOptions & { queue?: Partial<Omit<LocalQueueOptions, 'deliver' | 'print'>> } = {},
): Promise<QueuedPlacement> {
  const deliveries: Delivery[] = [];
  const printed: string[] = [];
  let handlers: PlacementHarness | undefined;
  const queue = await startLocalQueue({
    port: 0,
    ...options.queue,
    print: (line) => printed.push(line),
    deliver: async (event) => {
      const delivery: Delivery = { records: event.Records };
      deliveries.push(delivery);
      if (!handlers) throw new Error('the handlers are not loaded yet');
      delivery.response = await handlers.placeCallsFromQueue(event, lambdaContext(FUNCTION_TIMEOUT_MS));
      return delivery.response;
    },
  });
  try {
    handlers = await startPlacementHandlers({
      ...options,
      environment: {
        ...options.environment,
        CALL_REQUESTS_QUEUE_URL: queue.queueUrl,
        SQS_ENDPOINT: queue.url,
        // As npm start sets them: the local queue accepts any key.
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    });
  } catch (error) {
    await queue.close();
    throw error;
  }
  const started = handlers;
  return {
    ...started,
    queue,
    deliveries,
    printed,
    async stop() {
      await queue.close();
      await started.stop();
    },
  };
}

/** The origin a waiting message names in its AliyunVoiceWaiting attribute, or undefined for an ordinary message. */
export function waitingOrigin(attributes: Readonly<Record<string, { StringValue?: string; stringValue?: string }>> | undefined): WaitingOrigin | undefined {
  const attribute = attributes?.[WAITING_ATTRIBUTE];
  const text = attribute?.StringValue ?? attribute?.stringValue;
  return text === undefined ? undefined : (JSON.parse(text) as WaitingOrigin);
}

/**
 * A mobile number no other test uses: the guard's history lives in the DynamoDB Local shared by the
 * whole run, so a number another file called would start saturated. 137..., never one of
 * sandbox/testNumbers.ts (139...).
 */
export function unusedNumber(): string {
  return `137${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}
