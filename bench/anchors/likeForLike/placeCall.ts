/**
 * Like-for-like anchor of placeCall, placeCallsFromQueue and placeCallFromEvent: one
 * SingleCallByTts through pop-core, then one PutItem of the call item, from an API Gateway, SQS or
 * EventBridge event (whichever it is given), answered the way each trigger expects.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { alibabaClient, callsTable, dynamo } from './clients.ts';

const voice = alibabaClient(process.env.ALIYUN_VOICE_ENDPOINT, '2017-05-25');

interface Request {
  calledNumber: string;
  ttsCode: string;
  ttsParam?: Record<string, string>;
}

export async function handler(event: { body?: string; Records?: { body: string }[]; detail?: Request }): Promise<unknown> {
  const request: Request = event.Records ? JSON.parse(event.Records[0]!.body) : event.detail ?? JSON.parse(event.body ?? '{}');
  const answer = await voice.request<{ Code: string; CallId: string; RequestId: string }>(
    'SingleCallByTts',
    { CalledNumber: request.calledNumber, TtsCode: request.ttsCode, ...(request.ttsParam ? { TtsParam: JSON.stringify(request.ttsParam) } : {}) },
    { method: 'POST' },
  );
  const now = new Date().toISOString();
  await dynamo.send(
    new PutItemCommand({
      TableName: callsTable,
      Item: {
        pk: { S: `CALL#${answer.CallId}` },
        sk: { S: 'CALL' },
        callId: { S: answer.CallId },
        type: { S: 'tts' },
        requestId: { S: answer.RequestId },
        status: { S: 'placed' },
        createdAt: { S: now },
        updatedAt: { S: now },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 30 * 86_400) },
      },
    }),
  );
  if (event.Records) return { batchItemFailures: [] };
  if (event.detail) return undefined;
  return { statusCode: 202, body: JSON.stringify({ callId: answer.CallId, requestId: answer.RequestId }) };
}
