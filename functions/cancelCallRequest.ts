import { requestIdSchema } from '#shared/callRequests/schemas';
import { cancelCallRequest } from '#shared/callRequests/service';
import { cancelCall } from '#shared/calls/service';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callsDependencies } from '#shared/runtime/calls';
import { callRequestDependencies } from '#shared/runtime/callRequests';

const deps = callRequestDependencies();
const calls = callsDependencies();

/**
 * POST /call-requests/{requestId}/cancel — no further attempt is placed; a click-to-dial attempt in
 * progress is cancelled at Alibaba too (docs/call-requests.md#cancelling). `cancelled` is false when
 * the request had already ended.
 */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const requestId = pathParameter(event, 'requestId', requestIdSchema);
  const result = await cancelCallRequest(requestId, {
    ...deps,
    logger,
    cancelCall: (callId) => cancelCall(callId, { ...calls, logger }, { deadline }),
  });
  return { statusCode: 200, body: result };
});
