/**
 * Call requests in the calls table (docs/call-requests.md#storage):
 *
 *   pk = REQUEST#<requestId>   sk = REQUEST   the request, its attempts, its version; expiresAt
 *
 * Every write is conditional: a new request on its id not existing (so a key's request is created
 * once), a change on the version it was read at (optimistic concurrency, service.ts `mutate`).
 * While a request waits for something — its next attempt, or its attempt's outcome — it carries
 * `dueShard` and `dueAt` (epoch ms), the keys of the sparse index `due` the sweeper reads; spread over
 * DUE_SHARDS partitions so that no single partition takes every request's writes.
 */
import { GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CallRequest } from '../callRequests/model.ts';
import type { CallRequestStore } from '../callRequests/ports.ts';
import { isConditionalCheckFailed, marshallItem, unmarshallItem } from './items.ts';
import { callRequestKey, DUE_INDEX, dueShardOf, DUE_SHARDS, TTL_ATTRIBUTE } from './keys.ts';

/** Kept this long after notAfter, for reading back what became of it. */
const RETENTION_AFTER_END_DAYS_DEFAULT = 30;

export class DynamoCallRequestStore implements CallRequestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number = RETENTION_AFTER_END_DAYS_DEFAULT,
  ) {}

  async create(request: CallRequest): Promise<{ created: true } | { created: false; existing: CallRequest }> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.item(request),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = (error as { Item?: Parameters<typeof unmarshallItem>[0] }).Item;
      return { created: false, existing: existing ? fromItem(unmarshallItem(existing)) : await this.mustGet(request.requestId) };
    }
  }

  async get(requestId: string): Promise<CallRequest | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: marshallItem(callRequestKey(requestId)), ConsistentRead: true }));
    return Item ? fromItem(unmarshallItem(Item)) : undefined;
  }

  async replace(request: CallRequest, expectedVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.item(request),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: marshallItem({ ':expected': expectedVersion }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async due(before: number, limit: number): Promise<CallRequest[]> {
    const found: CallRequest[] = [];
    for (let shard = 0; shard < DUE_SHARDS && found.length < limit; shard++) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: DUE_INDEX,
          KeyConditionExpression: 'dueShard = :shard AND dueAt < :before',
          ExpressionAttributeValues: marshallItem({ ':shard': `DUE#${shard}`, ':before': before }),
          Limit: limit - found.length,
        }),
      );
      for (const item of page.Items ?? []) found.push(fromItem(unmarshallItem(item)));
    }
    return found;
  }

  private async mustGet(requestId: string): Promise<CallRequest> {
    const request = await this.get(requestId);
    if (!request) throw new Error(`call request ${requestId} exists but could not be read`);
    return request;
  }

  private item(request: CallRequest) {
    const { dueAt, ...fields } = request;
    return marshallItem({
      ...callRequestKey(request.requestId),
      ...fields,
      ...(dueAt === undefined ? {} : { dueShard: dueShardOf(request.requestId), dueAt }),
      [TTL_ATTRIBUTE]: Math.ceil(request.notAfter / 1000) + this.retentionDays * 86_400,
    });
  }
}

/** The request from its stored item (the keys, index attributes and TTL dropped). */
function fromItem(item: Record<string, unknown>): CallRequest {
  const { pk: _pk, sk: _sk, dueShard: _shard, [TTL_ATTRIBUTE]: _ttl, ...request } = item;
  return request as unknown as CallRequest;
}
