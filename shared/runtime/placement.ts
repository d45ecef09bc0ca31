import type { PlacementDependencies } from '../calls/placement.ts';
import { ConfigError } from '../errors.ts';
import { getConfig, type Config } from '../config.ts';
import { alibabaCredentials, callsDependencies, warmCallsDependencies, warmUpWithCredentials } from './calls.ts';
import type { WarmUpTarget } from './warmUp.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { createIdempotencyStore } from '../store/idempotencyStore.ts';
import type { RejectedRequestStore } from '../callRequests/messages.ts';
import { DynamoRejectedRequestStore } from '../store/rejectedRequests.ts';
import { SqsWaitingQueue, type WaitingQueue } from '../triggers/waitingQueue.ts';
import { KEY_PURPOSES, keyedHasher } from '../secrets/derivedKeys.ts';

/** What the call-placing functions (HTTP, SQS, EventBridge) need beyond the call operations. */
export interface PlacementRuntime extends PlacementDependencies {
  /** Where refused queued and event requests are kept (REJECTED# items of the calls table). */
  rejections: RejectedRequestStore;
  /** Where queued and event requests refused for flow control wait (CALL_REQUESTS_QUEUE_URL), when set. */
  waitingQueue?: WaitingQueue;
}

/**
 * The composition root of the call-placing functions: the call operations' dependencies
 * (calls.ts) plus the idempotency table, the rejected-request store and the queue where requests
 * wait for their flow-control window, built once per container. A missing IDEMPOTENCY_TABLE fails the cold start, naming the variable: placing calls
 * without it would silently lose the at-most-once guarantee.
 */
export function placementDependencies(config: Config = getConfig()): PlacementRuntime {
  cachedPlacementDependencies ??= buildPlacementDependencies(config);
  return cachedPlacementDependencies;
}

let cachedPlacementDependencies: PlacementRuntime | undefined;

function buildPlacementDependencies(config: Config): PlacementRuntime {
  if (config.idempotencyTable === undefined) {
    throw new ConfigError('IDEMPOTENCY_TABLE', 'is required by the call-placing functions (placeCall, placeCallsFromQueue, placeCallFromEvent)');
  }
  const client = dynamoClient(config.dynamodbEndpoint);
  return {
    ...callsDependencies(config),
    idempotencyStore: createIdempotencyStore(client, config.idempotencyTable),
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    rejections: new DynamoRejectedRequestStore(client, config.callsTable, config.receiptTtlDays),
    ...(config.callRequestsQueueUrl
      ? {
          waitingQueue: new SqsWaitingQueue(config.callRequestsQueueUrl, keyedHasher(alibabaCredentials(config), KEY_PURPOSES.waitingOrigin), {
            endpoint: config.sqsEndpoint,
          }),
        }
      : {}),
  };
}

/**
 * Init work of a call-placing function (top-level await in its handler): the Alibaba key pair read
 * ahead and `operation` run once against the warm-up's stand-in (shared/runtime/warmUp.ts).
 */
export function warmUpPlacement(operation: (deps: PlacementRuntime) => Promise<unknown>, config: Config = getConfig()): Promise<void> {
  return warmUpWithCredentials(config, (target) => operation(warmPlacementDependencies(config, target)));
}

function warmPlacementDependencies(config: Config, target: WarmUpTarget): PlacementRuntime {
  const client = target.dynamo();
  return {
    ...warmCallsDependencies(config, target),
    idempotencyStore: createIdempotencyStore(client, config.idempotencyTable ?? 'warm-up'),
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
    rejections: new DynamoRejectedRequestStore(client, config.callsTable, config.receiptTtlDays),
  };
}
