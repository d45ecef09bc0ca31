import { requestIdSchema } from '#shared/callRequests/schemas';
import { getCallRequest } from '#shared/callRequests/service';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callRequestDependencies } from '#shared/runtime/callRequests';

const deps = callRequestDependencies();

/** GET /call-requests/{requestId} — the request, its attempts and what comes next (docs/call-requests.md). */
export const handler = httpHandler(async ({ event }) => {
  const requestId = pathParameter(event, 'requestId', requestIdSchema);
  return { statusCode: 200, body: await getCallRequest(requestId, deps) };
});
