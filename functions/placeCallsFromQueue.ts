import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { placeQueuedCalls } from '#shared/triggers/messageTriggers';
import { eventHandler } from '#shared/triggers/eventHandler';
import { messageDependencies } from '#shared/runtime/messages';

const deps = messageDependencies();

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
