/**
 * Like-for-like anchor of getCall with `live=true`: one Query of the call's items (the call and its
 * receipts), then QueryCallDetailByCallId through pop-core with the stored ProdId and the call's day.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { alibabaClient, callsTable, dynamo } from './clients.ts';

const voice = alibabaClient(process.env.ALIYUN_VOICE_ENDPOINT, '2017-05-25');
const CHINA_OFFSET_MS = 8 * 3_600_000;

export async function handler(event: { pathParameters?: Record<string, string> }): Promise<unknown> {
  const callId = event.pathParameters?.callId ?? '';
  const { Items = [] } = await dynamo.send(
    new QueryCommand({ TableName: callsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `CALL#${callId}` } } }),
  );
  const call = Items.find((item) => item.sk?.S === 'CALL');
  if (!call) return { statusCode: 404, body: '{}' };
  const chinaMs = Date.parse(call.createdAt!.S!) + CHINA_OFFSET_MS;
  const answer = await voice.request<{ Data?: string }>(
    'QueryCallDetailByCallId',
    { CallId: callId, ProdId: call.prodId?.S ?? '11000000300006', QueryDate: String(chinaMs - (chinaMs % 86_400_000) - CHINA_OFFSET_MS) },
    { method: 'POST' },
  );
  return { statusCode: 200, body: JSON.stringify({ items: Items.length, detail: answer.Data ? JSON.parse(answer.Data) : null }) };
}
