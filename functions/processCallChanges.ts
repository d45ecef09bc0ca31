import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { processStreamRecords } from '#shared/events/processStreamRecords';
import { callChangesDependencies } from '#shared/runtime/callChanges';
import { eventHandler } from '#shared/triggers/eventHandler';

const deps = callChangesDependencies();

/**
 * The calls table's DynamoDB stream → the call items' status, the call requests and EventBridge
 * (docs/events.md): each new receipt's status applied to its call item (forward only), each
 * attempt's outcome and key press handed to its call request, `Voice Call Receipt` for each new
 * receipt, `Voice Call Status Changed` for each status change of a call item, `Voice Call Request
 * Changed` for each status change of a call request. Returns the records not fully handled
 * (ReportBatchItemFailures), so the stream delivers them again.
 */
export const handler = eventHandler<DynamoDBStreamEvent, DynamoDBBatchResponse>(
  'processCallChanges',
  (event, { logger, deadline }) => processStreamRecords(event.Records ?? [], { ...deps, logger, deadline }),
  // Room to log the outcome and return the batch response after the last PutEvents attempt.
  { deadlineMarginMs: 1_000 },
);
