/**
 * Like-for-like anchor of pollReceipts on one queue: QueryTokenForMnsQueue through pop-core, one
 * batch receive through `@alicloud/mns` with the token's STS key, the receipts written with
 * BatchWriteItem, and the batch deleted (as the official demo loop does, so nothing is redelivered).
 */
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { alibabaClient, callsTable, dynamo } from './clients.ts';

const dybase = alibabaClient(process.env.ALIYUN_DYBASE_ENDPOINT, '2017-05-25');
/** `VoiceReport=Alicom-Queue-...`: the first pair of RECEIPT_QUEUES. */
const [messageType, queueName] = (process.env.RECEIPT_QUEUES ?? '').split(',')[0]!.split('=') as [string, string];
const mnsEndpoint = process.env.ALIYUN_MNS_ENDPOINT ?? '';
/** Alicom's MNS account (docs/alibaba/mns.md); the endpoint option overrides the host it implies. */
const ALICOM_MNS_ACCOUNT = '1943695596114318';

interface MnsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MessageBody: string;
}
interface MnsClient {
  batchReceiveMessage(queue: string, count: number, waitSeconds: number): Promise<{ body: MnsMessage[] }>;
  batchDeleteMessage(queue: string, receiptHandles: string[]): Promise<unknown>;
}
// @alicloud/mns ships no type declarations; its index.js picks lib/client.js on any current Node.
const MNSClient = require('@alicloud/mns/lib/client.js') as new (account: string, options: Record<string, string>) => MnsClient;

interface TokenAnswer {
  MessageTokenDTO: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
}

export async function handler(): Promise<unknown> {
  const { MessageTokenDTO: token } = await dybase.request<TokenAnswer>('QueryTokenForMnsQueue', { MessageType: messageType, QueueName: queueName, RegionId: 'cn-hangzhou' }, { method: 'POST' });
  const mns = new MNSClient(ALICOM_MNS_ACCOUNT, { endpoint: mnsEndpoint, accessKeyId: token.AccessKeyId, accessKeySecret: token.AccessKeySecret, securityToken: token.SecurityToken });
  const messages = (await mns.batchReceiveMessage(queueName, 16, 2)).body;
  const writes: WriteRequest[] = messages.map((message) => {
    const receipt = JSON.parse(Buffer.from(message.MessageBody, 'base64').toString('utf8')) as Record<string, unknown>;
    return {
      PutRequest: {
        Item: {
          pk: { S: `CALL#${String(receipt.call_id)}` },
          sk: { S: `RECEIPT#${messageType}#${message.MessageId}` },
          messageType: { S: messageType },
          body: { S: JSON.stringify(receipt) },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + 30 * 86_400) },
        },
      },
    };
  });
  for (let start = 0; start < writes.length; start += 25) {
    await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [callsTable]: writes.slice(start, start + 25) } }));
  }
  await mns.batchDeleteMessage(queueName, messages.map((message) => message.ReceiptHandle));
  return { stored: writes.length };
}
