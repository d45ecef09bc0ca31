/**
 * The call item's `status` as a projection of the stored receipts (docs/receipts.md#status).
 *
 * Receipts are stored without touching the call item (receiptStore.ts); what a call's status is
 * comes from folding its receipts at read time (shared/calls/status.ts deriveCallStatus). The call item's `status` attribute is
 * kept up to date behind them by processCallChanges, which reads every new receipt item from the table's
 * stream (in order per call) and applies its status here with the forward-only condition. The call
 * item's MODIFY is then what publishes `Voice Call Status Changed` (shared/events/callEvents.ts).
 *
 *   pk = CALL#<callId>   sk = CALL   status, statusRank, updatedAt (and, for a call placed elsewhere,
 *                                    callId, createdAt, outId, expiresAt: a status-only item)
 */
import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { STATUS_RANK, type CallStatus } from '../calls/status.ts';
import { isConditionalCheckFailed, marshallItem } from './items.ts';
import { TTL_ATTRIBUTE, callKey } from './keys.ts';
import { untilDeadline } from '../awsSdk.ts';

/** The status a stored receipt implies for its call, with what the call item takes from the receipt. */
export interface ReceiptStatus {
  callId: string;
  status: CallStatus;
  outId?: string;
  /** When the receipt was received (MNS enqueue time, or push time): when a call placed elsewhere was first heard of. */
  receivedAt: string;
  /** When the receipt was stored: the call's `updatedAt` once this status is applied. */
  storedAt: string;
  /** The receipt's TTL (epoch seconds): a status-only call item expires with it. */
  expiresAt?: number;
}

/** Port for the projection; `DynamoStatusProjection` is the adapter, tests may use a fake. */
export interface StatusProjection {
  /**
   * Moves the call item to the receipt's status when that is further (STATUS_RANK). Resolves true
   * when the item moved, false when it already was as far or further; rejects when the write failed.
   */
  apply(update: ReceiptStatus, options?: { deadline?: number }): Promise<boolean>;
}

export class DynamoStatusProjection implements StatusProjection {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async apply(update: ReceiptStatus, options: { deadline?: number } = {}): Promise<boolean> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    try {
      await this.client.send(new UpdateItemCommand(statusUpdateInput(this.table, update)), untilDeadline(deadline));
      return true;
    } catch (error) {
      // The call is already as far or further: nothing to do, and that is success.
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/**
 * The forward-only conditional update: applied only when the receipt's status ranks higher than the
 * call's (STATUS_RANK), so a late or out-of-order receipt never moves the call item backwards, and on
 * equal rank the status already there stays (a final status is never replaced by another). For a
 * call this bundle did not place it creates a status-only item (putPlacedCall, landing later, fills
 * in its own fields and keeps the status).
 */
export function statusUpdateInput(table: string, update: ReceiptStatus): UpdateItemCommandInput {
  const values: Record<string, unknown> = {
    ':status': update.status,
    ':rank': STATUS_RANK[update.status],
    ':at': update.storedAt,
    ':callId': update.callId,
    ':firstSeen': update.receivedAt,
  };
  const assignments = [
    '#status = :status',
    'statusRank = :rank',
    // The receipt's storedAt, not the time of this write: GET /calls/{callId} shows the same
    // updatedAt before and after the projection, and a redelivered stream record writes the same value.
    'updatedAt = :at',
    'callId = if_not_exists(callId, :callId)',
    // For a call placed elsewhere: when it was first heard of. putPlacedCall overwrites it.
    'createdAt = if_not_exists(createdAt, :firstSeen)',
  ];
  const names: Record<string, string> = { '#status': 'status' };
  if (update.expiresAt !== undefined) {
    values[':ttl'] = update.expiresAt;
    names['#ttl'] = TTL_ATTRIBUTE;
    assignments.push('#ttl = if_not_exists(#ttl, :ttl)');
  }
  if (update.outId !== undefined) {
    values[':outId'] = update.outId;
    assignments.push('outId = if_not_exists(outId, :outId)');
  }
  return {
    TableName: table,
    Key: marshallItem(callKey(update.callId)),
    UpdateExpression: `SET ${assignments.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(statusRank) OR statusRank < :rank',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshallItem(values),
  };
}
