import type { PlacementMessageDependencies } from '../callRequests/messages.ts';
import { getConfig, type Config } from '../config.ts';
import { callRequestPlacementDependencies } from './callRequests.ts';
import { placementDependencies, type PlacementRuntime } from './placement.ts';

/**
 * The composition root of the functions that take requests as messages (placeCallsFromQueue,
 * placeCallFromEvent): the call-placing dependencies, and, where call requests are set up
 * (CALL_REQUEST_*), what turns a message with scheduling fields into a call request.
 */
export function messageDependencies(config: Config = getConfig()): PlacementRuntime & Pick<PlacementMessageDependencies, 'callRequests'> {
  cached ??= {
    ...placementDependencies(config),
    ...(config.callRequestSchedules ? { callRequests: callRequestPlacementDependencies(config) } : {}),
  };
  return cached;
}

let cached: (PlacementRuntime & Pick<PlacementMessageDependencies, 'callRequests'>) | undefined;
