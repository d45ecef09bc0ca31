import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { CallRecord, CallStore, ReceiptRecord, StoredCall } from '../calls/callStore.ts';
import { deriveCallStatus, movesForward, STATUS_RANK, type CallStatus, type DerivedStatus } from '../calls/status.ts';
import { nonEmptyText } from '../text.ts';
import { expiresAtSeconds, isConditionalCheckFailed, marshallItem, unmarshallItem } from './items.ts';
import { CALL_SK, RECEIPT_SK_PREFIX, TTL_ATTRIBUTE, callKey, callPk } from './keys.ts';

export class DynamoCallStore implements CallStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  /**
   * Stores the call's own fields. Nearly always the call item does not exist yet, and one PutItem
   * (conditional on that) writes it: the cheapest write there is, and what every placement pays.
   * A receipt's status can be projected onto the call item first, creating a status-only item
   * (statusProjection.ts), when the receipt was stored and streamed before this write landed; then
   * the condition fails and an UpdateItem merges the call's fields in, setting the status and its
   * rank only where absent, so the receipt's progress is kept.
   */
  async putPlacedCall(call: CallRecord): Promise<void> {
    const { callId, status, createdAt, updatedAt, ...fields } = call;
    const expiresAt = expiresAtSeconds(createdAt, this.retentionDays);
    const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshallItem({
            ...callKey(callId),
            ...defined,
            callId,
            status,
            statusRank: STATUS_RANK[status],
            createdAt,
            updatedAt,
            [TTL_ATTRIBUTE]: expiresAt,
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const values: Record<string, unknown> = {
      ':callId': callId,
      ':status': status,
      ':rank': STATUS_RANK[status],
      ':createdAt': createdAt,
      ':updatedAt': updatedAt,
      ':expiresAt': expiresAt,
    };
    const names: Record<string, string> = { '#status': 'status', '#ttl': TTL_ATTRIBUTE };
    const assignments = [
      'callId = :callId',
      'createdAt = :createdAt',
      '#ttl = :expiresAt',
      '#status = if_not_exists(#status, :status)',
      'statusRank = if_not_exists(statusRank, :rank)',
      'updatedAt = if_not_exists(updatedAt, :updatedAt)',
    ];
    for (const [field, value] of Object.entries(defined)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: marshallItem(callKey(callId)),
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshallItem(values),
      }),
    );
  }

  async getCall(callId: string): Promise<StoredCall | undefined> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: callPk(callId) } },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const callItem = items.find((item) => item.sk?.S === CALL_SK);
    const receipts = items
      .filter((item) => item.sk?.S?.startsWith(RECEIPT_SK_PREFIX))
      .map((item) => {
        const { pk: _p, sk: _s, [TTL_ATTRIBUTE]: _t, ...receipt } = unmarshallItem(item);
        return receipt as ReceiptRecord;
      })
      .sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)));
    if (!callItem && receipts.length === 0) return undefined;
    const { pk: _pk, sk: _sk, statusRank: _rank, [TTL_ATTRIBUTE]: _ttl, ...call } = callItem ? unmarshallItem(callItem) : {};
    // The receipts are the source of truth for the status; the call item's own status is folded in
    // (callStatus.ts), so a receipt counts as soon as it is stored, projected onto the call item or not.
    const derived = deriveCallStatus(callItem ? call : undefined, receipts);
    if (callItem?.type) {
      const record = call as unknown as CallRecord;
      return { ...record, status: derived?.status ?? record.status, updatedAt: derived?.updatedAt ?? record.updatedAt, receipts };
    }
    return callKnownFromReceipts(callId, call, receipts, derived);
  }

  /** The call request (and attempt) a call was placed for, if any (docs/call-requests.md). */
  async callRequestOf(callId: string): Promise<{ requestId: string; attempt: number } | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: marshallItem(callKey(callId)), ProjectionExpression: 'callRequestId, attempt', ConsistentRead: true }),
    );
    const item = Item ? unmarshallItem(Item) : {};
    return typeof item.callRequestId === 'string' && typeof item.attempt === 'number' ? { requestId: item.callRequestId, attempt: item.attempt } : undefined;
  }

  /**
   * Used by cancelCall. The update's condition sees the call item only, which follows the stored
   * receipts by the projection's delay; so the status the call has by its receipts (what GET shows,
   * callStatus.ts) is read first, and a call already as far (a final receipt stored, not yet
   * projected) is left as it is: a cancel never replaces an outcome a reader has already seen.
   * A final receipt stored between that read and the update is the one case left, and Alibaba
   * accepts a cancel only while the call is still going on, before it sends that receipt.
   */
  async advanceStatus(callId: string, status: CallStatus, at: string): Promise<boolean> {
    const current = (await this.getCall(callId))?.status;
    if (!movesForward(current ?? undefined, status)) return false;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshallItem(callKey(callId)),
          UpdateExpression: 'SET #status = :status, statusRank = :rank, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(statusRank) OR statusRank < :rank)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshallItem({ ':status': status, ':rank': STATUS_RANK[status], ':at': at }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

/**
 * A call placed elsewhere, known from its receipts only: with or without the status-only item the
 * projection keeps for it (statusProjection.ts; none when no receipt implied a status, e.g. a
 * VoiceRecordReport alone, or before the projection ran). Its `createdAt` is when it was first heard
 * of: the earliest of the item's and the receipts' receipt times, whichever were written first.
 */
function callKnownFromReceipts(callId: string, call: Record<string, unknown>, receipts: ReceiptRecord[], derived: DerivedStatus | undefined): StoredCall {
  const receiptTimes = receipts.map((receipt) => nonEmptyText(receipt.receivedAt)).filter((value): value is string => value !== undefined);
  const storedTimes = receipts.map((receipt) => nonEmptyText(receipt.storedAt)).filter((value): value is string => value !== undefined);
  const firstHeard = [nonEmptyText(call.createdAt), ...receiptTimes].filter((value): value is string => value !== undefined).sort()[0];
  return {
    callId,
    type: null,
    outId: nonEmptyText(call.outId) ?? receipts.map((receipt) => nonEmptyText(receipt.outId)).find((value) => value !== undefined) ?? null,
    requestId: null,
    status: derived?.status ?? null,
    createdAt: firstHeard ?? '',
    updatedAt: derived?.updatedAt ?? nonEmptyText(call.updatedAt) ?? storedTimes.sort().at(-1) ?? receiptTimes.at(-1) ?? '',
    receipts,
  };
}
