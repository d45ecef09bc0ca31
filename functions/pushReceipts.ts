import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { httpHandler, type HttpAnswer } from '#shared/http/apiGateway';
import { metrics } from '#shared/metrics';
import { pushDependencies, WARM_PUSH_TOKEN, warmUpPush } from '#shared/runtime/push';
import { warmReceipt } from '#shared/runtime/warmUp';
import { acceptReceiptPush, PUSH_ACCEPTED, PUSH_STORE_BUDGET_MS, PUSH_TOKEN_PARAMETER } from '#shared/receipts/push';

const deps = pushDependencies();
// Init (a Lambda container only): the push token read ahead and a push's path run once at full CPU
// (shared/runtime/warmUp.ts): Alibaba waits only 700 ms for the first answer.
await warmUpPush((warm) =>
  acceptReceiptPush(
    { messageType: [...warm.messageTypes][0], token: WARM_PUSH_TOKEN, body: () => Buffer.from(JSON.stringify([warmReceipt()])), requestId: 'warm-up' },
    warm,
    { deadline: Date.now() + PUSH_STORE_BUDGET_MS },
  ),
);

/**
 * POST /receipts/{messageType}?token=<secret> — Alibaba's HTTP batch push of receipts (docs/alibaba/receipts.md#flow).
 * No IAM authoriser (Alibaba cannot sign): the token is checked first, then the body is stored like
 * a polled one. 200 `{"code":0}` once stored (an unusable body is stored raw and answered 200 too);
 * 401 / 400 / 503 otherwise, and Alibaba redelivers after 1, 5 and 10 minutes.
 */
export const handler = httpHandler(async ({ event, logger, deadline }) => {
  await acceptReceiptPush(
    {
      messageType: event.pathParameters?.messageType,
      token: event.queryStringParameters?.[PUSH_TOKEN_PARAMETER],
      body: () => bodyBytes(event),
      requestId: event.requestContext.requestId,
    },
    { ...deps, logger },
    { deadline: Math.min(deadline, Date.now() + PUSH_STORE_BUDGET_MS) },
  );
  return { statusCode: 200, body: PUSH_ACCEPTED };
}, { onAnswer: countAnswer });

/** Every answer by status, and how long Alibaba waited for it (it redelivers after 700 ms): docs/operations.md#dashboard. */
function countAnswer({ statusCode, answerTimeMs }: HttpAnswer): void {
  metrics.record('PushAnswers', 1, { Status: String(statusCode) });
  metrics.record('PushAnswerTime', answerTimeMs);
}

/** Any content type is taken (Alibaba documents none); API Gateway Base64-encodes non-text bodies. */
function bodyBytes(event: APIGatewayProxyEventV2): Uint8Array {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
}
