import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishStreamRecords } from '#shared/events/publishStreamRecords';
import { eventsDependencies } from '#shared/runtime/stream';
import { eventHandler } from '#shared/triggers/eventHandler';

const deps = eventsDependencies();

/**
 * The calls table's DynamoDB stream → the call items' status and EventBridge (README "Events out"):
 * each new receipt's status applied to its call item (forward only), `Voice Call Receipt` for each
 * new receipt, `Voice Call Status Changed` for each status change of a call item. Returns the
 * records not fully handled (ReportBatchItemFailures), so the stream delivers them again.
 */
export const handler = eventHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
  'publishEvents',
  (event, { logger, deadline }) => publishStreamRecords(event.Records ?? [], { publisher: deps.publisher, projection: deps.projection, logger, deadline }),
  // Room to log the outcome and return the batch response after the last PutEvents attempt.
  { deadlineMarginMs: 1_000 },
);
