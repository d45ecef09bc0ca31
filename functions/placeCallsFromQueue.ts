import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { placeQueuedCalls } from '#shared/triggers/messageTriggers';
import { eventHandler } from '#shared/triggers/eventHandler';
import { messageDependencies } from '#shared/runtime/messages';
import { warmUpPlacement } from '#shared/runtime/placement';
import { WARM_PLACE_REQUEST, WARM_UP_DEADLINE_MS } from '#shared/runtime/warmUp';

const deps = messageDependencies();
// Init (a Lambda container only): the first message's path, idempotency record included, run once at
// full CPU against an in-process stand-in (shared/runtime/warmUp.ts).
await warmUpPlacement((warm) =>
  placeQueuedCalls(
    [{ messageId: randomUUID(), body: JSON.stringify(WARM_PLACE_REQUEST), attributes: { SentTimestamp: String(Date.now()) } } as unknown as SQSRecord],
    { ...warm, deadline: Date.now() + WARM_UP_DEADLINE_MS },
  ),
);

/**
 * SQS CallRequestsQueue → calls (docs/triggers.md#calls-from-sqs): each message is a POST /calls body
 * plus an optional `idempotencyKey`, placed at most once per key (else per messageId). Refused
 * requests are kept as REJECTED items; only the messages worth delivering again are reported
 * (ReportBatchItemFailures), so one bad message never fails the batch.
 */
export const handler = eventHandler<SQSEvent, SQSBatchResponse>(
  'placeCallsFromQueue',
  (event, { logger, deadline }) => placeQueuedCalls(event.Records ?? [], { ...deps, logger, deadline }),
  // Room to log the batch and return its failures after the last Alibaba answer.
  { deadlineMarginMs: 1_000 },
);
