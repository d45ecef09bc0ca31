import { cancelCall } from '#shared/calls/service';
import { callIdSchema } from '#shared/calls/schemas';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callsDependencies } from '#shared/runtime/calls';

const deps = callsDependencies();

/** POST /calls/{callId}/cancel — cancel a click-to-dial call (README.md, docs/alibaba/actions.md#cancelcall). */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const callId = pathParameter(event, 'callId', callIdSchema);
  const result = await cancelCall(callId, { ...deps, logger }, { deadline });
  logger.info('cancel requested', { callId, cancelled: result.cancelled, alibabaRequestId: result.requestId });
  return { statusCode: 200, body: result };
});
