/**
 * DynamoDB Local's calls table as the tests read it back: through a client of their own, never
 * through the bundle's store code, so a store bug cannot hide itself. Strongly consistent reads.
 */
import { DynamoDBClient, GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshallItem } from '#shared/store/items';

export type Item = Record<string, any>;

let dynamo: DynamoDBClient | undefined;

/** The tests' own client for DynamoDB Local (DYNAMODB_ENDPOINT, set by test/setup/dynamodbEnv.ts). */
export function testDynamo(): DynamoDBClient {
  dynamo ??= new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return dynamo;
}

/** Every item of partition `pk` in the calls table, all pages. */
export async function itemsOf(pk: string): Promise<Item[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await testDynamo().send(
      new QueryCommand({
        TableName: process.env.CALLS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items.map(unmarshallItem);
}

export async function getItem(pk: string, sk: string): Promise<Item | undefined> {
  const { Item } = await testDynamo().send(
    new GetItemCommand({ TableName: process.env.CALLS_TABLE, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return Item ? unmarshallItem(Item) : undefined;
}

/** The receipt items of a call (sk RECEIPT#...). */
export const receiptItemsOf = async (callId: string): Promise<Item[]> =>
  (await itemsOf(`CALL#${callId}`)).filter((item) => String(item.sk).startsWith('RECEIPT#'));

/** The raw call item (pk CALL#<callId>, sk CALL), when there is one. */
export const callItemOf = async (callId: string): Promise<Item | undefined> => getItem(`CALL#${callId}`, 'CALL');
