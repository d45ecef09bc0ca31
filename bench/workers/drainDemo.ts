/**
 * The official demo loop as the drain row's anchor: per receipt queue, `@alicloud/pop-core` asks
 * dybaseapi for the queue's token (QueryTokenForMnsQueue, docs/alibaba/receipts.md#querytokenformnsqueue), then `@alicloud/mns`
 * receives 10 messages with a 3 s long poll, and for each message one PutItem and one
 * DeleteMessage, one after the other, until the queue answers empty. The three queues run
 * concurrently, one loop each. The clock stops at the last delete: the final empty long poll
 * (3 s of waiting, not work) is left out in the demo's favour.
 */
import RPCClient from '@alicloud/pop-core';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { serveWorker } from '../lib/workerProtocol.ts';

/** The Alicom MNS account (docs/alibaba/rpc.md#endpoints); the endpoint option points the client at the sandbox's MNS origin. */
const ALICOM_MNS_ACCOUNT = '1943695596114318';
const RETENTION_SECONDS = 30 * 86_400;

interface MnsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MessageBody: string;
  EnqueueTime: string;
}

interface MnsClient {
  batchReceiveMessage(queue: string, count: number, waitSeconds: number): Promise<{ body: MnsMessage[] }>;
  deleteMessage(queue: string, receiptHandle: string): Promise<unknown>;
}
type MnsClientCtor = new (account: string, options: Record<string, string>) => MnsClient;
// @alicloud/mns ships no type declarations; a static require is still bundled by esbuild. Its
// index.js picks lib/client.js on any Node with async functions (the es5/ fallback needs Babel).
const MNSClient = require('@alicloud/mns/lib/client.js') as MnsClientCtor;

serveWorker({
  async drain(payload: {
    /** dybaseapi (pop-core). */
    endpoint: string;
    /** MNS (@alicloud/mns): another origin, as at Alibaba. */
    mnsEndpoint: string;
    accessKeyId: string;
    accessKeySecret: string;
    dynamodbEndpoint: string;
    table: string;
    queues: Record<string, string>;
  }) {
    const rpc = new RPCClient({ endpoint: payload.endpoint, apiVersion: '2017-05-25', accessKeyId: payload.accessKeyId, accessKeySecret: payload.accessKeySecret });
    const dynamo = new DynamoDBClient({ endpoint: payload.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let processed = 0;
    const started = performance.now();
    let lastDone = started;
    await Promise.all(
      Object.entries(payload.queues).map(async ([messageType, queue]) => {
        const answer = await rpc.request<{ MessageTokenDTO: Record<string, string> }>(
          'QueryTokenForMnsQueue',
          { MessageType: messageType, QueueName: queue, RegionId: 'cn-hangzhou' },
          { method: 'POST' },
        );
        const token = answer.MessageTokenDTO;
        const mns = new MNSClient(ALICOM_MNS_ACCOUNT, {
          endpoint: payload.mnsEndpoint,
          accessKeyId: token.AccessKeyId!,
          accessKeySecret: token.AccessKeySecret!,
          securityToken: token.SecurityToken!,
        });
        for (;;) {
          let messages: MnsMessage[];
          try {
            messages = (await mns.batchReceiveMessage(queue, 10, 3)).body;
          } catch (error) {
            if ((error as Error).name === 'MNSMessageNotExistError') return;
            throw error;
          }
          for (const message of messages) {
            const receipt = JSON.parse(Buffer.from(message.MessageBody, 'base64').toString('utf8')) as Record<string, unknown>;
            await dynamo.send(
              new PutItemCommand({
                TableName: payload.table,
                Item: marshall(
                  {
                    pk: `CALL#${String(receipt.call_id)}`,
                    sk: `RECEIPT#${messageType}#${message.MessageId}`,
                    messageType,
                    messageId: message.MessageId,
                    receivedAt: new Date(Number(message.EnqueueTime)).toISOString(),
                    expiresAt: Math.floor(Date.now() / 1000) + RETENTION_SECONDS,
                    raw: receipt,
                  },
                  { removeUndefinedValues: true },
                ),
              }),
            );
            await mns.deleteMessage(queue, message.ReceiptHandle);
            processed += 1;
            lastDone = performance.now();
          }
        }
      }),
    );
    return { processed, elapsedMs: lastDone - started, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 };
  },
});
