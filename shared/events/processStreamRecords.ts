/**
 * The calls table's stream processor (docs/events.md): the stream records in, the statuses of new
 * receipts applied to their call items (the projection, projectStatuses.ts), the call requests
 * those calls were placed for moved on (requestProgress.ts), the events out on EventBridge, and the
 * records not fully handled reported back so the stream delivers them again. Receipt storage never
 * waits on any of this: it only wrote the table.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { Logger } from '../logger.ts';
import type { StatusProjection } from '../store/statusProjection.ts';
import { EVENT_SOURCE, callEventFromRecord, detailJson, eventLogFields, type CallEvent } from './callEvents.ts';
import type { EventPublisher, OutgoingEntry, PublishFailure } from './eventBridgePublisher.ts';
import { projectReceiptStatuses } from './projectStatuses.ts';
import { advanceCallRequests, type RequestProgressDependencies } from './requestProgress.ts';

export interface PublishStreamDependencies {
  publisher: EventPublisher;
  /** Where new receipts' statuses are applied to their call items. */
  projection: StatusProjection;
  /** Where calls' outcomes and key presses move call requests on; absent where call requests are not deployed. */
  callRequests?: RequestProgressDependencies;
  logger: Logger;
  /** Absolute epoch ms by which publishing must stop. */
  deadline: number;
}

/**
 * Applies the statuses of the new receipts among `records` (one stream batch, in stream order) to
 * their call items, publishes the records' events, and returns the records to deliver again as
 * `batchItemFailures` (ReportBatchItemFailures): those whose status could not be applied (their
 * events are not sent yet: the redelivery sends them) and those whose events were not published.
 *
 * For a stream, Lambda takes the LOWEST reported sequence number as the checkpoint and delivers
 * again every record from there on, published or not ("Configuring partial batch response with
 * DynamoDB Streams"). Every failed record is reported, in stream order, so the first failure is the
 * checkpoint; the records after it that did get out are published a second time, which the
 * at-least-once contract (consumers dedupe on `detail.dedupeKey`) already allows.
 *
 * @example await processStreamRecords(event.Records, { publisher, projection, logger, deadline })
 *   // { batchItemFailures: [] } — or [{ itemIdentifier: '4000000000000000000123' }, ...]
 */
export async function processStreamRecords(records: readonly DynamoDBRecord[], deps: PublishStreamDependencies): Promise<DynamoDBBatchResponse> {
  const { publisher, logger, deadline } = deps;
  // Statuses first: a record is done only when its status is applied and its events are out.
  const projection = await projectReceiptStatuses(records, { projection: deps.projection, deadline });
  const failed = new Map<number, PublishFailure>(projection.failed);
  // Then the call requests these calls were placed for: their outcomes and key presses move them on.
  const requests = deps.callRequests
    ? await advanceCallRequests(records, { ...deps.callRequests, logger, deadline }, new Set(failed.keys()))
    : { advanced: 0, failed: new Map<number, PublishFailure>() };
  for (const [index, failure] of requests.failed) failed.set(index, failure);
  const entries: OutgoingEntry[] = [];
  const events = new Map<string, CallEvent>();
  records.forEach((record, index) => {
    if (failed.has(index)) return;
    try {
      const event = callEventFromRecord(record);
      if (event) {
        entries.push({ id: String(index), source: EVENT_SOURCE, detailType: event.detailType, detail: detailJson(event), time: event.time });
        events.set(String(index), event);
      }
    } catch (error) {
      // An image of ours that cannot be read is a defect: report it (retried, then the on-failure
      // destination gets it) rather than skip it silently.
      failed.set(index, { code: 'UnreadableRecord', message: error instanceof Error ? error.message : String(error) });
    }
  });

  const result = entries.length > 0 ? await publisher.publish(entries, { deadline }) : { published: 0, failed: new Map<string, PublishFailure>() };
  for (const [id, failure] of result.failed) failed.set(Number(id), failure);
  // One entry per event that went out: each receipt and status change is a line of its call's story.
  for (const [id, event] of events) if (!result.failed.has(id)) logger.info('call event published', eventLogFields(event));

  const failedIndexes = [...failed.keys()].sort((a, b) => a - b);
  const batchItemFailures = failedIndexes.map((index) => {
    const sequenceNumber = records[index]!.dynamodb?.SequenceNumber;
    // Without a sequence number the record cannot be reported alone: failing the whole invocation
    // makes the stream deliver the batch again, which loses nothing.
    if (!sequenceNumber) throw new Error(`stream record ${records[index]!.eventID ?? index} has no SequenceNumber and could not be published`);
    return { itemIdentifier: sequenceNumber };
  });

  const summary = { records: records.length, statusesMoved: projection.moved, requestsMoved: requests.advanced, events: entries.length, published: result.published, failed: failed.size };
  if (failed.size === 0) {
    logger.info('stream batch published', summary);
  } else {
    const reasons = failedIndexes.slice(0, 5).map((index) => ({
      sequence: records[index]!.dynamodb?.SequenceNumber,
      ...failed.get(index)!,
    }));
    logger.warn('stream batch partly published: failed records will be delivered again', {
      ...summary,
      checkpoint: batchItemFailures[0]?.itemIdentifier,
      reasons,
    });
  }
  return { batchItemFailures };
}
