import { getCall } from '#shared/calls/service';
import { getCallQuerySchema } from '#shared/calls/getCallQuery';
import { callIdSchema } from '#shared/calls/schemas';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callsDependencies, warmUpCalls } from '#shared/runtime/calls';
import { WARM_CALL_ID, WARM_UP_DEADLINE_MS } from '#shared/runtime/warmUp';
import { parseOrThrow } from '#shared/validation';

const deps = callsDependencies();
// Init (a Lambda container only): the first request's path, run once at full CPU (shared/runtime/warmUp.ts).
await warmUpCalls(async (warm) => {
  const query = parseOrThrow(getCallQuerySchema, { live: 'true' }, 'query');
  await getCall(parseOrThrow(callIdSchema, WARM_CALL_ID), { live: query.live === 'true' }, warm, { deadline: Date.now() + WARM_UP_DEADLINE_MS });
});

/** GET /calls/{callId}[?live=true][&receiptsAfter=...] — the call, a page of its receipts and optionally Alibaba's live detail. */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  const callId = pathParameter(event, 'callId', callIdSchema);
  const query = parseOrThrow(getCallQuerySchema, event.queryStringParameters ?? {}, 'query');
  const call = await getCall(
    callId,
    {
      live: query.live === 'true',
      prodId: query.prodId,
      queryDate: query.queryDate === undefined ? undefined : Number(query.queryDate),
      receiptsAfter: query.receiptsAfter,
    },
    { ...deps, logger },
    { deadline },
  );
  return { statusCode: 200, body: call };
});
