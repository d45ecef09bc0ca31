/**
 * Like-for-like anchor of pushReceipts: the same token check, the pushed JSON array parsed, and its
 * receipts written with BatchWriteItem (25 a request), answered `{"code":0}`.
 */
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { timingSafeEqual } from 'node:crypto';
import { callsTable, dynamo } from './clients.ts';

const token = Buffer.from(process.env.RECEIPT_PUSH_TOKEN ?? '');

export async function handler(event: { body?: string; queryStringParameters?: Record<string, string>; pathParameters?: Record<string, string> }): Promise<unknown> {
  const given = Buffer.from(event.queryStringParameters?.token ?? '');
  if (given.length !== token.length || !timingSafeEqual(given, token)) return { statusCode: 401, body: '{"code":401}' };
  const messageType = event.pathParameters?.messageType ?? '';
  const receipts = JSON.parse(event.body ?? '[]') as Record<string, unknown>[];
  const writes: WriteRequest[] = receipts.map((receipt, index) => ({
    PutRequest: {
      Item: {
        pk: { S: `CALL#${String(receipt.call_id)}` },
        sk: { S: `RECEIPT#${messageType}#${String(receipt.status_time ?? index)}` },
        messageType: { S: messageType },
        body: { S: JSON.stringify(receipt) },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 30 * 86_400) },
      },
    },
  }));
  for (let start = 0; start < writes.length; start += 25) {
    await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [callsTable]: writes.slice(start, start + 25) } }));
  }
  return { statusCode: 200, body: '{"code":0}' };
}
