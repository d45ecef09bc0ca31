/**
 * The publisher's first step for a stream batch: each newly stored receipt's status applied to its
 * call item (shared/store/statusProjection.ts), in stream order per call. The call item's MODIFY
 * that follows is, in a later batch, the `Voice Call Status Changed` event.
 *
 * DynamoDB Streams keep the changes of one item in order, and the receipts of a call share its
 * partition key, so a call's receipts reach the function in the order they were stored. Within a
 * batch the calls are independent: their updates go out side by side, each call's one at a time.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { isCallStatus, movesForward, type CallStatus } from '../calls/status.ts';
import { parseKey } from '../store/keys.ts';
import type { ReceiptStatus, StatusProjection } from '../store/statusProjection.ts';
import type { PublishFailure } from './eventBridgePublisher.ts';
import { errorName } from '../awsSdk.ts';
import { runLimited } from '../concurrency.ts';

/** Calls whose updates are in flight at once (one UpdateItem each): a batch of 100 records goes in a few rounds. */
export const DEFAULT_PROJECTION_CONCURRENCY = 8;
/** No update is started with less time than this before the deadline (the SDK's request timeout is 2 s, dynamoClient.ts). */
const MIN_REQUEST_MS = 300;

export interface ProjectionOutcome {
  /** Call items moved to a further status. */
  moved: number;
  /** By record index: the records whose status could not be applied (to be delivered again). */
  failed: Map<number, PublishFailure>;
}

/**
 * The status a stream record asks to project: a receipt item INSERTed with a `status`. Undefined for
 * every other record (a receipt rewritten by a redelivery is a MODIFY: its INSERT was projected).
 * Throws when a receipt of ours carries a status that is not one (a defect: reported, not skipped).
 */
export function receiptStatusFromRecord(record: DynamoDBRecord): ReceiptStatus | undefined {
  const key = parseKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
  if (record.eventName !== 'INSERT' || key.kind !== 'receipt') return undefined;
  const sk = record.dynamodb!.Keys!.sk!.S!;
  const image = record.dynamodb?.NewImage ?? {};
  const status = image.status?.S;
  if (status === undefined) return undefined;
  if (!isCallStatus(status)) throw new Error(`receipt ${sk} has an unknown status ${JSON.stringify(status.slice(0, 40))}`);
  const approximate = record.dynamodb?.ApproximateCreationDateTime;
  // The store always writes both times; the stream's own time stands in for a missing one.
  const streamTime = typeof approximate === 'number' && Number.isFinite(approximate) ? new Date(approximate * 1000).toISOString() : undefined;
  const storedAt = text(image.storedAt) ?? streamTime ?? text(image.receivedAt);
  const receivedAt = text(image.receivedAt) ?? storedAt;
  if (storedAt === undefined || receivedAt === undefined) throw new Error(`receipt ${sk} has no time to project its status with`);
  const expiresAt = Number(image.expiresAt?.N);
  return {
    callId: key.callId,
    status,
    outId: text(image.outId),
    receivedAt,
    storedAt,
    ...(Number.isSafeInteger(expiresAt) ? { expiresAt } : {}),
  };
}

/**
 * Applies the statuses of `records` (one stream batch, in stream order). A failed update fails its
 * record and the later records of the same call: Lambda delivers them all again anyway (from the
 * lowest failed record on), and waiting keeps a call's statuses applied in the order they were
 * stored, so each step (ringing, in progress, the outcome) is still its own change and its own event.
 */
export async function projectReceiptStatuses(
  records: readonly DynamoDBRecord[],
  deps: { projection: StatusProjection; deadline: number; concurrency?: number },
): Promise<ProjectionOutcome> {
  const failed = new Map<number, PublishFailure>();
  const byCall = new Map<string, { index: number; update: ReceiptStatus }[]>();
  records.forEach((record, index) => {
    try {
      const update = receiptStatusFromRecord(record);
      if (!update) return;
      const chain = byCall.get(update.callId) ?? [];
      chain.push({ index, update });
      byCall.set(update.callId, chain);
    } catch (error) {
      failed.set(index, { code: 'UnreadableRecord', message: error instanceof Error ? error.message : String(error) });
    }
  });

  let moved = 0;
  await runLimited([...byCall.values()], deps.concurrency ?? DEFAULT_PROJECTION_CONCURRENCY, async (chain) => {
    // The least the call item is known to hold: a receipt that does not move past it would be
    // refused by the condition anyway, so it costs no request.
    let known: CallStatus | undefined;
    for (let position = 0; position < chain.length; position++) {
      const { update } = chain[position]!;
      if (!movesForward(known, update.status)) continue;
      let failure: PublishFailure | undefined;
      if (Date.now() + MIN_REQUEST_MS > deps.deadline) {
        failure = { code: 'DeadlineExceeded', message: 'no time left to apply the status' };
      } else {
        try {
          if (await deps.projection.apply(update, { deadline: deps.deadline })) moved += 1;
          known = update.status;
        } catch (error) {
          failure = { code: errorName(error), message: `status not applied: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
        }
      }
      if (failure) {
        for (const rest of chain.slice(position)) failed.set(rest.index, failure);
        break;
      }
    }
  });
  return { moved, failed };
}

function text(value: AttributeValue | undefined): string | undefined {
  return typeof value?.S === 'string' && value.S !== '' ? value.S : undefined;
}
