/**
 * The anchors of the placing row: a plain `@alicloud/pop-core` loop (RPCClient, V1, POST, its own
 * keep-alive agent) placing the same SingleCallByTts calls, with the same parameters our handler
 * sent, against the same sandbox, `concurrency` requests in flight. With `store`, the loop also
 * does the other half of what the handler does: one DynamoDB PutItem per placed call (the AWS SDK's
 * DynamoDB client, as an application built on pop-core would write it), into the same DynamoDB Local.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import RPCClient from '@alicloud/pop-core';
import { runConcurrent } from '../lib/load.ts';
import { serveWorker } from '../lib/workerProtocol.ts';

let client: RPCClient | undefined;
let params: Record<string, string> = {};
let store: { dynamo: DynamoDBClient; table: string } | undefined;

serveWorker({
  init(payload: {
    endpoint: string;
    accessKeyId: string;
    accessKeySecret: string;
    params: Record<string, string>;
    store?: { endpoint: string; table: string };
  }) {
    client = new RPCClient({ endpoint: payload.endpoint, apiVersion: '2017-05-25', accessKeyId: payload.accessKeyId, accessKeySecret: payload.accessKeySecret });
    params = payload.params;
    if (payload.store) {
      store = {
        dynamo: new DynamoDBClient({ endpoint: payload.store.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        table: payload.store.table,
      };
    }
    return {};
  },
  async run(payload: { count: number; concurrency: number }) {
    if (!client) throw new Error('init first');
    const rpc = client;
    return runConcurrent(payload.count, payload.concurrency, async () => {
      const answer = await rpc.request<{ Code?: string; CallId?: string; RequestId?: string }>('SingleCallByTts', params, { method: 'POST' });
      if (answer.Code !== 'OK' || !answer.CallId) throw new Error(`unexpected answer ${JSON.stringify(answer).slice(0, 300)}`);
      if (!store) return;
      const now = new Date().toISOString();
      // The call item's own fields, as the handler stores them (docs/receipts.md#table-design).
      await store.dynamo.send(
        new PutItemCommand({
          TableName: store.table,
          Item: {
            pk: { S: `CALL#${answer.CallId}` },
            sk: { S: 'CALL' },
            callId: { S: answer.CallId },
            type: { S: 'tts' },
            outId: { S: params.OutId ?? '' },
            prodId: { S: '11000000300006' },
            requestId: { S: answer.RequestId ?? '' },
            status: { S: 'placed' },
            statusRank: { N: '0' },
            createdAt: { S: now },
            updatedAt: { S: now },
            expiresAt: { N: String(Math.floor(Date.now() / 1000) + 30 * 86_400) },
          },
        }),
      );
    });
  },
});
