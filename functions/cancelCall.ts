import { cancelCall } from '#shared/calls/service';
import { callIdSchema } from '#shared/calls/schemas';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callsDependencies, warmUpCalls } from '#shared/runtime/calls';
import { WARM_CALL_ID, WARM_UP_DEADLINE_MS } from '#shared/runtime/warmUp';
import { parseOrThrow } from '#shared/validation';

const deps = callsDependencies();
// Init (a Lambda container only): the first request's path, run once at full CPU (shared/runtime/warmUp.ts).
await warmUpCalls((warm) => cancelCall(parseOrThrow(callIdSchema, WARM_CALL_ID), warm, { deadline: Date.now() + WARM_UP_DEADLINE_MS }));

/** POST /calls/{callId}/cancel — cancel a click-to-dial call (README.md, docs/alibaba/actions.md#cancelcall). */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const callId = pathParameter(event, 'callId', callIdSchema);
  const result = await cancelCall(callId, { ...deps, logger }, { deadline });
  logger.info('cancel requested', { callId, cancelled: result.cancelled, alibabaRequestId: result.requestId });
  return { statusCode: 200, body: result };
});
