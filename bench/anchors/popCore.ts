/**
 * Anchor: the classic official path, `@alicloud/pop-core` alone (docs/alibaba/rpc.md, V1 signatures), shaped
 * like a Lambda handler that places a TTS call. Bundled with serverless.yml's esbuild options for
 * the bundle-size and cold-load rows; the client is built at module scope like ours.
 */
import RPCClient from '@alicloud/pop-core';

const client = new RPCClient({
  endpoint: process.env.ALIYUN_VOICE_ENDPOINT ?? 'https://dyvmsapi.aliyuncs.com',
  apiVersion: '2017-05-25',
  accessKeyId: process.env.ALIYUN_ACCESS_KEY_ID ?? '',
  accessKeySecret: process.env.ALIYUN_ACCESS_KEY_SECRET ?? '',
});

export async function handler(event: { calledNumber: string; ttsCode: string }): Promise<unknown> {
  return client.request(
    'SingleCallByTts',
    { RegionId: 'cn-hangzhou', CalledNumber: event.calledNumber, TtsCode: event.ttsCode },
    { method: 'POST' },
  );
}
