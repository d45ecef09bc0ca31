import type { CallRequestDependencies, CallRequestPlacementDependencies } from '../callRequests/service.ts';
import { getConfig, requireCallRequestSchedules, type Config } from '../config.ts';
import { logger } from '../logger.ts';
import { EventBridgeAttemptScheduler } from '../scheduling/eventBridgeScheduler.ts';
import { alibabaCredentials } from './calls.ts';
import { KEY_PURPOSES, keyedHasher } from '../secrets/derivedKeys.ts';
import { DynamoCallRequestStore } from '../store/callRequestStore.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { placementDependencies } from './placement.ts';

/**
 * The composition roots of the call-request functions (docs/call-requests.md): the request store
 * and the scheduler for every one of them, plus, for those that place attempts, the call-placing
 * dependencies (runtime/placement.ts) and the derivation of request ids from idempotency keys.
 * Built once per container; a missing CALL_REQUEST_* setting fails the cold start, naming it.
 */
export function callRequestDependencies(config: Config = getConfig()): CallRequestDependencies {
  cached ??= build(config);
  return cached;
}

let cached: CallRequestDependencies | undefined;

export function callRequestPlacementDependencies(config: Config = getConfig()): CallRequestPlacementDependencies {
  cachedPlacing ??= buildPlacing(config);
  return cachedPlacing;
}

let cachedPlacing: CallRequestPlacementDependencies | undefined;

function build(config: Config): CallRequestDependencies {
  const schedules = requireCallRequestSchedules(config);
  return {
    requests: new DynamoCallRequestStore(dynamoClient(config.dynamodbEndpoint), config.callsTable, config.receiptTtlDays),
    scheduler: new EventBridgeAttemptScheduler(
      {
        groupName: schedules.groupName,
        functionArn: schedules.attemptFunctionArn,
        roleArn: schedules.schedulerRoleArn,
        ...(schedules.deadLetterArn ? { deadLetterArn: schedules.deadLetterArn } : {}),
      },
      { ...(config.schedulerEndpoint ? { endpoint: config.schedulerEndpoint } : {}) },
    ),
    logger,
  };
}

function buildPlacing(config: Config): CallRequestPlacementDependencies {
  const hash = keyedHasher(alibabaCredentials(config), KEY_PURPOSES.callRequestId);
  return {
    ...callRequestDependencies(config),
    placement: placementDependencies(config),
    // 22 characters of base64url: 132 bits, unguessable without the bundle's key.
    requestIdFor: async (key) => `cr_${(await hash())(key).slice(0, 22)}`,
  };
}
