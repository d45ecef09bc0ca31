import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RECEIPTS_PER_PAGE, type CallRecord, type CallStore, type ReceiptRecord, type StoredCall } from '../calls/callStore.ts';
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

  /**
   * The call item and one page of receipts, in key order: the partition's first query page (the
   * call item sorts before its receipts), or, after `receiptsAfter`, that page and the call item on
   * its own. At most RECEIPTS_PER_PAGE receipts, one more read to know whether a next page exists.
   */
  async getCall(callId: string, options: { receiptsAfter?: string } = {}): Promise<StoredCall | undefined> {
    const after = options.receiptsAfter === undefined ? undefined : receiptSortKeyOf(options.receiptsAfter);
    const [page, callItems] = await Promise.all([
      this.queryPartition(callId, after === undefined ? { limit: RECEIPTS_PER_PAGE + 2 } : { limit: RECEIPTS_PER_PAGE + 1, after }),
      after === undefined ? Promise.resolve([]) : this.queryPartition(callId, { only: CALL_SK, limit: 1 }).then(({ items }) => items),
    ]);
    const items = [...callItems, ...page.items];
    const callItem = items.find((item) => item.sk?.S === CALL_SK);
    const pageReceipts = items.filter((item) => item.sk?.S?.startsWith(RECEIPT_SK_PREFIX));
    const kept = pageReceipts.slice(0, RECEIPTS_PER_PAGE);
    // More than a page read, or DynamoDB stopped early (its 1 MB page): the next page starts after the last kept.
    const more = pageReceipts.length > RECEIPTS_PER_PAGE || (page.lastKey !== undefined && kept.length > 0);
    const nextReceiptsAfter = more ? receiptsCursorOf(kept.at(-1)!.sk!.S!) : undefined;
    const receipts = kept
      .map((item) => {
        const { pk: _p, sk: _s, [TTL_ATTRIBUTE]: _t, ...receipt } = unmarshallItem(item);
        return receipt as ReceiptRecord;
      })
      .sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)));
    if (!callItem && receipts.length === 0) return undefined;
    const { pk: _pk, sk: _sk, statusRank: _rank, [TTL_ATTRIBUTE]: _ttl, ...call } = callItem ? unmarshallItem(callItem) : {};
    // The receipts are the source of truth for the status; the call item's own status is folded in
    // (callStatus.ts), so a receipt counts as soon as it is stored, projected onto the call item or not.
    // With more than a page of receipts, those of other pages count through the call item's projection.
    const derived = deriveCallStatus(callItem ? call : undefined, receipts);
    const next = nextReceiptsAfter === undefined ? {} : { nextReceiptsAfter };
    if (callItem?.type) {
      const record = call as unknown as CallRecord;
      return { ...record, status: derived?.status ?? record.status, updatedAt: derived?.updatedAt ?? record.updatedAt, receipts, ...next };
    }
    return { ...callKnownFromReceipts(callId, call, receipts, derived), ...next };
  }

  /** One query page of the call's partition: from its start, after a sort key, or one sort key only. */
  private async queryPartition(
    callId: string,
    range: { limit: number; after?: string; only?: string },
  ): Promise<{ items: Record<string, AttributeValue>[]; lastKey: Record<string, AttributeValue> | undefined }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: range.only === undefined ? 'pk = :pk' : 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': { S: callPk(callId) }, ...(range.only === undefined ? {} : { ':sk': { S: range.only } }) },
        ...(range.after === undefined ? {} : { ExclusiveStartKey: { pk: { S: callPk(callId) }, sk: { S: range.after } } }),
        Limit: range.limit,
        ConsistentRead: true,
      }),
    );
    return { items: page.Items ?? [], lastKey: page.LastEvaluatedKey };
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

/** The cursor of a page of receipts: the sort key of the last receipt before it, Base64url. */
function receiptsCursorOf(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

/** A cursor back to a sort key. Any text only positions the read within the call's own partition. */
function receiptSortKeyOf(cursor: string): string {
  return Buffer.from(cursor, 'base64url').toString('utf8');
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
