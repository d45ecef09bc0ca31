/**
 * Anchor: the current official path, the Tea SDK core (`@alicloud/openapi-client` +
 * `@alicloud/openapi-util`, what `@alicloud/dyvmsapi20170525` is generated on; V3 signatures by
 * default, docs/alibaba/signatures.md#rpc-signature-v3), shaped like a Lambda handler that places a TTS call through `callApi`.
 */
import OpenApiClient, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';

const endpoint = new URL(process.env.ALIYUN_VOICE_ENDPOINT ?? 'https://dyvmsapi.aliyuncs.com');
const client = new OpenApiClient(
  new Config({
    accessKeyId: process.env.ALIYUN_ACCESS_KEY_ID ?? '',
    accessKeySecret: process.env.ALIYUN_ACCESS_KEY_SECRET ?? '',
    endpoint: endpoint.host,
    protocol: endpoint.protocol.replace(':', ''),
  }),
);

export async function handler(event: { calledNumber: string; ttsCode: string }): Promise<unknown> {
  const params = new Params({
    action: 'SingleCallByTts',
    version: '2017-05-25',
    protocol: endpoint.protocol.replace(':', '').toUpperCase(),
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  const request = new OpenApiRequest({ query: OpenApiUtil.query({ CalledNumber: event.calledNumber, TtsCode: event.ttsCode }) });
  return client.callApi(params, request, new RuntimeOptions({}));
}
