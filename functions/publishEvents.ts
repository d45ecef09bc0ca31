import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishStreamRecords } from '#shared/events/publishStreamRecords';
import { eventsDependencies } from '#shared/events/runtime';
import { eventHandler } from '#shared/lambda';

const deps = eventsDependencies();

/**
 * The calls table's DynamoDB stream → EventBridge (README "Events out"): `Voice Call Receipt` for
 * each new receipt, `Voice Call Status Changed` for each status change. Returns the records whose
 * events were not published (ReportBatchItemFailures), so the stream delivers them again.
 */
export const handler = eventHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
  'publishEvents',
  (event, { logger, deadline }) => publishStreamRecords(event.Records ?? [], { publisher: deps.publisher, logger, deadline }),
  // Room to log the outcome and return the batch response after the last PutEvents attempt.
  { deadlineMarginMs: 1_000 },
);
