import { idempotencyKeys, logPlacedCall, parsePlacementRequest, placeCallOnce, unknownOutcomeError } from '#shared/calls/placement';
import { header, httpHandler, jsonBody, requestCaller } from '#shared/http/apiGateway';
import { placementDependencies, warmUpPlacement } from '#shared/runtime/placement';
import { WARM_PLACE_REQUEST, WARM_UP_DEADLINE_MS } from '#shared/runtime/warmUp';

const deps = placementDependencies();
// Init (a Lambda container only): the first request's path, run once at full CPU (shared/runtime/warmUp.ts).
await warmUpPlacement(async (warm) => {
  const { request } = parsePlacementRequest(structuredClone(WARM_PLACE_REQUEST), { value: undefined, path: 'header.idempotency-key' });
  await placeCallOnce(request, undefined, warm, { deadline: Date.now() + WARM_UP_DEADLINE_MS });
});

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
  const startedAt = Date.now();
  const result = await placeCallOnce(request, key, { ...deps, logger }, { deadline });
  if (result.outcome === 'unknown') {
    if (result.replayed) logger.info('unknown call outcome replayed', { code: result.failure.code, idempotencyKey });
    throw unknownOutcomeError(result.failure);
  }
  logPlacedCall(logger, result, startedAt, idempotencyKey === undefined ? {} : { idempotencyKey });
  const { call } = result;
  return { statusCode: 202, headers: { location: `/calls/${encodeURIComponent(call.callId)}` }, body: call };
});
