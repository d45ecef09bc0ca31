import { getCall } from '#shared/calls/service';
import { getCallQuerySchema } from '#shared/calls/getCallQuery';
import { callIdSchema } from '#shared/calls/schemas';
import { httpHandler, pathParameter } from '#shared/http/apiGateway';
import { callsDependencies } from '#shared/runtime/calls';
import { parseOrThrow } from '#shared/validation';

const deps = callsDependencies();

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
