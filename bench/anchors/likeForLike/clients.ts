/**
 * What every like-for-like anchor builds at module scope, as an application written on the official
 * clients would: a pop-core RPCClient per Alibaba endpoint and one `@aws-sdk/client-dynamodb`
 * client with the SDK's defaults (default credential chain; the endpoint override only locally).
 * Each anchor is bundled with serverless.yml's esbuild options, like the functions it stands beside.
 */
import RPCClient from '@alicloud/pop-core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const env = process.env;

export function alibabaClient(endpoint: string | undefined, apiVersion: string): RPCClient {
  return new RPCClient({
    endpoint: endpoint ?? 'https://dyvmsapi.aliyuncs.com',
    apiVersion,
    accessKeyId: env.ALIYUN_ACCESS_KEY_ID ?? '',
    accessKeySecret: env.ALIYUN_ACCESS_KEY_SECRET ?? '',
  });
}

export const dynamo = new DynamoDBClient(env.DYNAMODB_ENDPOINT ? { endpoint: env.DYNAMODB_ENDPOINT } : {});
export const callsTable = env.CALLS_TABLE ?? '';
