import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { unmarshallItem } from '#shared/store/items';
import { dynamoClient } from '#shared/store/dynamoClient';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';

/**
 * The pollReceipts handler wired as deployed (config from the environment, runtime.ts), against a
 * minimal stand-in for dybaseapi + MNS and the run's DynamoDB Local. The full emulator and its
 * fault injection are exercised by the end-to-end tests; this checks the wiring and the outcome.
 */
const NS = 'http://mns.aliyuncs.com/doc/v1/';
const QUEUE = 'Alicom-Queue-42-VoiceReport';
const MISSING_QUEUE = 'Alicom-Queue-42-VoiceCallReport';

interface Message {
  id: string;
  body: string;
  handle?: string;
}

const queue: Message[] = [];
const seen = { tokenRequests: 0, securityTokens: new Set<string>() };
let server: Server;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url!, 'http://fake');
      if (request.method === 'POST' && url.pathname === '/') {
        const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        expect(params.get('Action')).toBe('QueryTokenForMnsQueue');
        seen.tokenRequests += 1;
        const expire = new Date(Date.now() + 8 * 3_600_000 + 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            RequestId: 'R',
            Code: 'OK',
            Message: 'OK',
            MessageTokenDTO: { AccessKeyId: 'STS.x', AccessKeySecret: 'y', SecurityToken: `tok-${params.get('MessageType')}`, ExpireTime: expire },
          }),
        );
        return;
      }
      seen.securityTokens.add(String(request.headers['security-token']));
      if (url.pathname === `/queues/${MISSING_QUEUE}/messages`) {
        response.writeHead(404);
        response.end(`<Error xmlns="${NS}"><Code>QueueNotExist</Code><Message>The queue name you provided is not exist.</Message><RequestId>Q1</RequestId></Error>`);
        return;
      }
      if (request.method === 'GET') {
        const batch = queue.filter((message) => !message.handle).slice(0, Number(url.searchParams.get('numOfMessages')));
        if (batch.length === 0) {
          response.writeHead(404);
          response.end(`<Error xmlns="${NS}"><Code>MessageNotExist</Code><Message>Message not exist.</Message></Error>`);
          return;
        }
        for (const message of batch) message.handle = `h-${message.id}`;
        const xml = batch
          .map((m) => `<Message><MessageId>${m.id}</MessageId><ReceiptHandle>${m.handle}</ReceiptHandle><MessageBody>${m.body}</MessageBody><EnqueueTime>1705307401000</EnqueueTime><DequeueCount>1</DequeueCount></Message>`)
          .join('');
        response.writeHead(200);
        response.end(`<Messages xmlns="${NS}">${xml}</Messages>`);
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      for (const message of [...queue]) if (message.handle && body.includes(`<ReceiptHandle>${message.handle}</ReceiptHandle>`)) queue.splice(queue.indexOf(message), 1);
      response.writeHead(204);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.ALIYUN_DYBASE_ENDPOINT = endpoint;
  process.env.ALIYUN_MNS_ENDPOINT = endpoint;
});

afterAll(async () => {
  const { destroyPools } = await import('#shared/alibaba/pool');
  await destroyPools();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  queue.length = 0;
});

/** The call's status as GET /calls/{callId} (the getCall handler) shows it. */
async function statusOf(callId: string): Promise<unknown> {
  const { handler } = await import('../../../functions/getCall.ts');
  const path = `/calls/${encodeURIComponent(callId)}`;
  const response = await handler(httpEvent({ method: 'GET', route: '/calls/{callId}', path, pathParameters: { callId: encodeURIComponent(callId) } }), lambdaContext());
  expect(response.statusCode, String(response.body)).toBe(200);
  return JSON.parse(response.body as string).status;
}

async function items(pk: string) {
  const page = await dynamoClient(process.env.DYNAMODB_ENDPOINT).send(
    new QueryCommand({ TableName: process.env.CALLS_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true }),
  );
  return (page.Items ?? []).map(unmarshallItem);
}

describe('pollReceipts handler', () => {
  it('drains the configured queues into the calls table and reports per-queue stats', async () => {
    process.env.RECEIPT_QUEUES = `VoiceReport=${QUEUE}`;
    const { handler } = await import('../../../functions/pollReceipts.ts');
    const callIds = Array.from({ length: 20 }, (_, i) => `${Date.now()}${i}^77`);
    callIds.forEach((callId, i) =>
      queue.push({ id: `M-${callId}`, body: Buffer.from(JSON.stringify({ call_id: callId, status_code: i % 2 ? '200002' : '200000', duration: '3' })).toString('base64') }),
    );
    queue.push({ id: `M-poison-${Date.now()}`, body: 'not a receipt' });

    const result = await handler({}, lambdaContext(20_000));

    expect(result.queues).toEqual([
      expect.objectContaining({ messageType: 'VoiceReport', queue: QUEUE, received: 21, stored: 21, deleted: 21, invalid: 1, stoppedBecause: 'empty' }),
    ]);
    expect(queue).toHaveLength(0);
    expect(seen.securityTokens).toEqual(new Set(['tok-VoiceReport']));
    expect(await statusOf(callIds[0]!)).toBe('completed');
    expect(await statusOf(callIds[1]!)).toBe('busy');
    // The poller writes receipts only: the call item's status is processCallChanges' projection.
    expect((await items(`CALL#${callIds[0]}`)).map((item) => String(item.sk))).toEqual([`RECEIPT#VoiceReport#${callIds[0]}`]);
  });

  it('fails the invocation loudly when a queue cannot be drained, after draining the others', async () => {
    vi.resetModules();
    process.env.RECEIPT_QUEUES = `VoiceReport=${QUEUE},VoiceCallReport=${MISSING_QUEUE}`;
    const { handler } = await import('../../../functions/pollReceipts.ts');
    const callId = `${Date.now()}^88`;
    queue.push({ id: `M-${callId}`, body: Buffer.from(JSON.stringify({ call_id: callId, status_code: '200003' })).toString('base64') });

    const error = await handler({}, lambdaContext(20_000)).then(
      () => expect.fail('expected the invocation to fail'),
      (reason: unknown) => reason as Error & { failures: { messageType: string; error: { code?: string } }[] },
    );

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toEqual([expect.objectContaining({ messageType: 'VoiceCallReport', queue: MISSING_QUEUE, error: expect.objectContaining({ code: 'QueueNotExist', kind: 'config' }) })]);
    expect(queue).toHaveLength(0);
    expect(await statusOf(callId)).toBe('no-answer');
  });
});
