import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { STATUS_RANK, type CallRecord, type CallStatus, type CallStore, type ReceiptRecord, type StoredCall } from './callStore.ts';

/**
 * Single-table layout (README, "Table design"):
 *   pk = CALL#<callId>, sk = CALL                    the call
 *   pk = CALL#<callId>, sk = RECEIPT#<type>#<key>    its receipts
 * Every item carries `expiresAt`, the TTL attribute, in epoch SECONDS (a millisecond value never expires).
 */
export const CALL_SK = 'CALL';
export const RECEIPT_SK_PREFIX = 'RECEIPT#';
export const TTL_ATTRIBUTE = 'expiresAt';

export const callPk = (callId: string): string => `CALL#${callId}`;

export function expiresAtSeconds(fromIso: string, retentionDays: number): number {
  return Math.floor(Date.parse(fromIso) / 1000) + retentionDays * 86_400;
}

export class DynamoCallStore implements CallStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async putPlacedCall(call: CallRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshallItem({
          pk: callPk(call.callId),
          sk: CALL_SK,
          ...call,
          statusRank: STATUS_RANK[call.status],
          [TTL_ATTRIBUTE]: expiresAtSeconds(call.createdAt, this.retentionDays),
        }),
        // A receipt may have created a status-only item first; never overwrite a real call record.
        ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(#type)',
        ExpressionAttributeNames: { '#type': 'type' },
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
    if (!callItem || !callItem.type) return undefined;
    const { pk: _pk, sk: _sk, statusRank: _rank, [TTL_ATTRIBUTE]: _ttl, ...call } = unmarshallItem(callItem);
    const receipts = items
      .filter((item) => item.sk?.S?.startsWith(RECEIPT_SK_PREFIX))
      .map((item) => {
        const { pk: _p, sk: _s, [TTL_ATTRIBUTE]: _t, ...receipt } = unmarshallItem(item);
        return receipt as ReceiptRecord;
      })
      .sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)));
    return { ...(call as unknown as CallRecord), receipts };
  }

  async advanceStatus(callId: string, status: CallStatus, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: callPk(callId) }, sk: { S: CALL_SK } },
          UpdateExpression: 'SET #status = :status, statusRank = :rank, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(statusRank) OR statusRank < :rank)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: status },
            ':rank': { N: String(STATUS_RANK[status]) },
            ':at': { S: at },
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Plain JSON values to DynamoDB attribute values; undefined fields are left out. */
export function marshallItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) item[key] = marshallValue(value);
  }
  return item;
}

function marshallValue(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(marshallValue) };
  if (typeof value === 'object') return { M: marshallItem(value as Record<string, unknown>) };
  throw new TypeError(`cannot store a ${typeof value}`);
}

export function unmarshallItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) record[key] = unmarshallValue(value);
  return record;
}

function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.L) return value.L.map(unmarshallValue);
  if (value.M) return unmarshallItem(value.M);
  return undefined;
}
