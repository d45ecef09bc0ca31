import type { EventBridgeEvent } from 'aws-lambda';
import { placeEventCall } from '#shared/triggers/messageTriggers';
import { eventHandler } from '#shared/triggers/eventHandler';
import { messageDependencies } from '#shared/runtime/messages';

const deps = messageDependencies();

/**
 * EventBridge `Place Call` events → calls (docs/triggers.md#calls-from-eventbridge): the detail is a
 * POST /calls body plus an optional `idempotencyKey`, placed at most once per key (else per event
 * id). A refused request is kept as a REJECTED item and the invocation succeeds; a failure worth
 * retrying throws, so Lambda's asynchronous retries and then the on-failure destination apply.
 */
export const handler = eventHandler<EventBridgeEvent<string, unknown>, void>(
  'placeCallFromEvent',
  async (event, { logger, deadline }) => {
    await placeEventCall(event, { ...deps, logger, deadline });
  },
  { deadlineMarginMs: 1_000 },
);
