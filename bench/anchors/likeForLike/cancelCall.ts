/** Like-for-like anchor of cancelCall: one CancelCall through pop-core. */
import { alibabaClient } from './clients.ts';

const voice = alibabaClient(process.env.ALIYUN_VOICE_ENDPOINT, '2017-05-25');

export async function handler(event: { pathParameters?: Record<string, string> }): Promise<unknown> {
  const callId = event.pathParameters?.callId ?? '';
  const answer = await voice.request<{ Status: boolean; RequestId: string }>('CancelCall', { CallId: callId }, { method: 'POST' });
  return { statusCode: 200, body: JSON.stringify({ callId, cancelled: answer.Status, requestId: answer.RequestId }) };
}
