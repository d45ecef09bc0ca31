import { runAttempt } from '#shared/callRequests/attempts';
import { armedAttemptSchema } from '#shared/callRequests/schemas';
import { callRequestPlacementDependencies } from '#shared/runtime/callRequests';
import { eventHandler } from '#shared/triggers/eventHandler';
import { parseOrThrow } from '#shared/validation';

const deps = callRequestPlacementDependencies();

/**
 * EventBridge Scheduler's target (docs/call-requests.md#the-engine): places the attempt its input
 * names, once, if it is still the request's next one. A failure worth retrying throws, so Scheduler
 * retries (its RetryPolicy), then sends the attempt to its dead-letter queue; the sweeper re-arms
 * whatever stays overdue.
 */
export const handler = eventHandler(
  'attemptCallRequest',
  async (event: unknown, { logger, deadline }) => {
    const armed = parseOrThrow(armedAttemptSchema, event, 'input');
    const request = await deps.requests.get(armed.requestId);
    if (!request) {
      logger.warn('scheduled attempt of an unknown call request; nothing to do', { requestId: armed.requestId });
      return { status: 'unknown' };
    }
    const after = await runAttempt(request, { attempt: armed.attempt, at: armed.at }, { ...deps, logger }, { deadline });
    return { status: after.status };
  },
  { deadlineMarginMs: 1_000 },
);
