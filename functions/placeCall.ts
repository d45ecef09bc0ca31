import { placeCall } from '#shared/calls/service';
import { placeCallRequestSchema } from '#shared/calls/schemas';
import { httpHandler, jsonBody } from '#shared/http/apiGateway';
import { callsDependencies } from '#shared/runtime';
import { parseOrThrow } from '#shared/validation';

const deps = callsDependencies();

/** POST /calls — place a call of any of the five types (design.md). */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const request = parseOrThrow(placeCallRequestSchema, jsonBody(event));
  const placed = await placeCall(request, { ...deps, logger }, { deadline });
  logger.info('call placed', { callId: placed.callId, type: placed.type, outId: placed.outId, alibabaRequestId: placed.requestId });
  return { statusCode: 202, headers: { location: `/calls/${encodeURIComponent(placed.callId)}` }, body: placed };
});
