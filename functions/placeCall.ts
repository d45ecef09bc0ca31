import { idempotencyKeys, parsePlacementRequest, placeCallOnce, unknownOutcomeError } from '#shared/calls/placement';
import { header, httpHandler, jsonBody, requestCaller } from '#shared/http/apiGateway';
import { placementDependencies } from '#shared/runtime/placement';

const deps = placementDependencies();

/**
 * POST /calls — place a call of any of the five types (README.md). With an Idempotency-Key, a retry
 * by the same caller gets the first answer back (the same 202, or the same 504 when the outcome is
 * unknown) and places nothing; the request is validated before the key is looked at.
 */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const { request, idempotencyKey } = parsePlacementRequest(jsonBody(event), {
    value: header(event, 'idempotency-key'),
    path: 'header.idempotency-key',
  });
  const key = idempotencyKey === undefined ? undefined : idempotencyKeys.client(idempotencyKey, requestCaller(event));
  const result = await placeCallOnce(request, key, { ...deps, logger }, { deadline });
  if (result.outcome === 'unknown') {
    if (result.replayed) logger.info('unknown call outcome replayed', { code: result.failure.code, idempotencyKey });
    throw unknownOutcomeError(result.failure);
  }
  const { call } = result;
  logger.info(result.replayed ? 'call placement replayed' : 'call placed', {
    callId: call.callId,
    type: call.type,
    outId: call.outId,
    alibabaRequestId: call.requestId,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
  return { statusCode: 202, headers: { location: `/calls/${encodeURIComponent(call.callId)}` }, body: call };
});
