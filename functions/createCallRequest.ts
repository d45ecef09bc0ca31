import { idempotencyKeys } from '#shared/calls/placement';
import { createCallRequest } from '#shared/callRequests/service';
import { header, httpHandler, jsonBody, requestCaller } from '#shared/http/apiGateway';
import { callRequestPlacementDependencies } from '#shared/runtime/callRequests';
import { idempotencyKeySchema } from '#shared/calls/schemas';
import { parseOrThrow } from '#shared/validation';

const deps = callRequestPlacementDependencies();

/**
 * POST /call-requests — one intent to reach a person (docs/call-requests.md): placed when allowed,
 * dialled again until it succeeds. The first attempt is placed at once when it is due now; later
 * ones are scheduled. With an Idempotency-Key, the same key and body from the same caller return the
 * same request (docs/security.md#idempotency-keys-per-caller).
 */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const body = jsonBody(event);
  const rawKey = header(event, 'idempotency-key');
  const key = rawKey === undefined ? undefined : idempotencyKeys.client(parseOrThrow(idempotencyKeySchema, rawKey, 'header.idempotency-key'), requestCaller(event));
  const { view, created } = await createCallRequest(body, { deadline, ...(key === undefined ? {} : { idempotencyKey: key }) }, { ...deps, logger });
  logger.info(created ? 'call request accepted' : 'call request replayed', { requestId: view.requestId, status: view.status });
  return { statusCode: 202, headers: { location: `/call-requests/${view.requestId}` }, body: view };
});
