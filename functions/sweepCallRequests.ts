import { sweepCallRequests } from '#shared/callRequests/progress';
import { attemptOutcomeFromAlibaba } from '#shared/callRequests/outcomes';
import { callsDependencies } from '#shared/runtime/calls';
import { callRequestDependencies } from '#shared/runtime/callRequests';
import { eventHandler } from '#shared/triggers/eventHandler';

const deps = callRequestDependencies();
const calls = callsDependencies();

/**
 * Every few minutes (docs/call-requests.md#nothing-is-stuck): re-arms call requests whose next
 * attempt is overdue, and settles attempts whose outcome never arrived with Alibaba's call detail.
 */
export const handler = eventHandler(
  'sweepCallRequests',
  async (_event: unknown, { logger, deadline }) => {
    const result = await sweepCallRequests({
      ...deps,
      logger,
      deadline,
      queryOutcome: (attempt, request) => attemptOutcomeFromAlibaba(attempt, request, { voice: calls.voice, deadline }),
    });
    logger.info('call requests swept', result);
    return result;
  },
  { deadlineMarginMs: 1_000 },
);
