import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { localEndpointOptions } from '../awsSdk.ts';
import { getConfig, type Config } from '../config.ts';
import { logger, type Logger } from '../logger.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoStatusProjection } from '../store/statusProjection.ts';
import { EventBridgePublisher } from '../events/eventBridgePublisher.ts';
import type { RequestProgressDependencies } from '../events/requestProgress.ts';
import { DynamoCallStore } from '../store/dynamoCallStore.ts';
import { callRequestDependencies } from './callRequests.ts';

/** What the event publisher (functions/processCallChanges.ts) needs, built once per container. */
export interface CallChangesDependencies {
  publisher: EventBridgePublisher;
  /** The call items' status projection (conditional UpdateItem on the calls table). */
  projection: DynamoStatusProjection;
  /** Where calls' outcomes move call requests on; absent where CALL_REQUEST_* is not configured. */
  callRequests?: RequestProgressDependencies;
  logger: Logger;
}

/**
 * One request waits at most this long: a PutEvents answer takes milliseconds, and a stalled one must
 * leave time for the retries of a stream batch within the function's timeout.
 */
const REQUEST_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 3_000 };

/** The publisher's dependencies, built on first use (cold start) and reused by warm invocations. */
export function callChangesDependencies(config: Config = getConfig()): CallChangesDependencies {
  cached ??= build(config);
  return cached;
}

let cached: CallChangesDependencies | undefined;

function build(config: Config): CallChangesDependencies {
  const client = dynamoClient(config.dynamodbEndpoint);
  const calls = new DynamoCallStore(client, config.callsTable, config.receiptTtlDays);
  return {
    publisher: new EventBridgePublisher(eventBridgeClient(config.eventBridgeEndpoint), config.eventBusName),
    projection: new DynamoStatusProjection(client, config.callsTable),
    ...(config.callRequestSchedules ? { callRequests: { ...callRequestDependencies(config), callRequestOf: (callId: string) => calls.callRequestOf(callId) } } : {}),
    logger,
  };
}

/**
 * The SDK's own retries are off (maxAttempts 1): EventBridgePublisher retries, entry by entry, within
 * the deadline, and two layers of retries would multiply. With an endpoint override (the local bus of
 * scripts/local/eventBus.ts) any static key works.
 */
function eventBridgeClient(endpoint: string | undefined): EventBridgeClient {
  return new EventBridgeClient({ ...localEndpointOptions(endpoint), maxAttempts: 1, requestHandler: REQUEST_TIMEOUTS });
}
