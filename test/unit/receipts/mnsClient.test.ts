import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destroyPools } from '#shared/alibaba/pool';
import { MnsError } from '#shared/errors';
import { MnsQueueClient } from '#shared/receipts/mnsClient';
import { mnsSignature, mnsStringToSign } from '#shared/signing/index';

const QUEUE = 'Alicom-Queue-1234567890-VoiceReport';
const TOKEN = { accessKeyId: 'STS.testid', accessKeySecret: 'testsecret', securityToken: 'CAISexampleSecurityToken+/=' };
const NS = 'http://mns.aliyuncs.com/doc/v1/';

type Step = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | { drop: true };

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Whether the MNS signature (docs/alibaba/signatures.md#mns-signature) over this request verifies with TOKEN's secret. */
  signatureValid: boolean;
}

/** A scripted MNS endpoint that records requests and checks their signatures. */
class ScriptedMns {
  readonly requests: Recorded[] = [];
  readonly steps: Step[] = [];
  private server: Server | undefined;
  endpoint = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = request.headers;
    const expected = mnsSignature(
      mnsStringToSign({
        method: request.method!,
        contentMd5: headers['content-md5'] as string | undefined,
        contentType: headers['content-type'] as string | undefined,
        date: headers.date as string,
        headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)])),
        resource: request.url!,
      }),
      TOKEN.accessKeySecret,
    );
    this.requests.push({
      method: request.method!,
      url: request.url!,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      signatureValid: headers.authorization === `MNS ${TOKEN.accessKeyId}:${expected}`,
    });
    const step = this.steps.shift() ?? { status: 404, body: errorXml('MessageNotExist', 'Message not exist.') };
    if ('drop' in step) {
      request.socket.destroy();
      return;
    }
    if (step.delayMs) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if (response.destroyed) return;
    response.writeHead(step.status, { 'content-type': 'text/xml;charset=utf-8', 'x-mns-request-id': 'HDR-REQ-ID', ...step.headers });
    response.end(step.body ?? '');
  }
}

function errorXml(code: string, message: string, requestId = 'DOC-REQ-ID'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error xmlns="${NS}"><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId><HostId>mns</HostId></Error>`;
}

function messagesXml(count: number): string {
  const messages = Array.from(
    { length: count },
    (_, i) =>
      `<Message><MessageId>MSG-${i}</MessageId><ReceiptHandle>HANDLE-${i}+/=</ReceiptHandle><MessageBodyMD5>X</MessageBodyMD5><MessageBody>e30=</MessageBody><EnqueueTime>1705307401000</EnqueueTime><NextVisibleTime>1705307431000</NextVisibleTime><FirstDequeueTime>1705307401500</FirstDequeueTime><DequeueCount>1</DequeueCount><Priority>8</Priority></Message>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="${NS}">${messages}</Messages>`;
}

let mns: ScriptedMns;
let client: MnsQueueClient;

beforeEach(async () => {
  mns = await new ScriptedMns().start();
  client = new MnsQueueClient(mns.endpoint, { backoffBaseMs: 5, backoffCapMs: 20 });
});

afterEach(async () => {
  await destroyPools();
  await mns.stop();
});

async function mnsFailure(promise: Promise<unknown>): Promise<MnsError> {
  const error = await promise.then(
    () => expect.fail('expected an MnsError'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MnsError);
  expect(`${(error as Error).message} ${JSON.stringify((error as MnsError).details)}`).not.toContain(TOKEN.accessKeySecret);
  return error as MnsError;
}

describe('receive: BatchReceiveMessage (docs/alibaba/mns.md#batchreceivemessage)', () => {
  it('sends a signed GET with case-sensitive query names and the unsigned security-token header', async () => {
    mns.steps.push({ status: 200, body: messagesXml(2) });
    const messages = await client.receive(QUEUE, TOKEN, { max: 16, waitSeconds: 1 });
    expect(messages.map((message) => [message.messageId, message.receiptHandle])).toEqual([
      ['MSG-0', 'HANDLE-0+/='],
      ['MSG-1', 'HANDLE-1+/='],
    ]);
    const [request] = mns.requests;
    expect(request).toMatchObject({ method: 'GET', url: `/queues/${QUEUE}/messages?numOfMessages=16&waitseconds=1`, signatureValid: true });
    expect(request!.headers['x-mns-version']).toBe('2015-06-06');
    expect(request!.headers['security-token']).toBe(TOKEN.securityToken);
    expect(Date.parse(request!.headers.date!)).toBeGreaterThan(Date.now() - 60_000);
    expect(request!.headers['content-md5']).toBeUndefined();
  });

  it('treats 404 MessageNotExist as an empty queue', async () => {
    mns.steps.push({ status: 404, body: errorXml('MessageNotExist', 'Message not exist.') });
    await expect(client.receive(QUEUE, TOKEN)).resolves.toEqual([]);
    expect(mns.requests).toHaveLength(1);
  });

  it('keeps numOfMessages within 1..16 and waitseconds within 0..30', async () => {
    mns.steps.push({ status: 404, body: errorXml('MessageNotExist', '') }, { status: 404, body: errorXml('MessageNotExist', '') });
    await client.receive(QUEUE, TOKEN, { max: 100, waitSeconds: 99 });
    await client.receive(QUEUE, TOKEN, { max: 0, waitSeconds: -5 });
    expect(mns.requests.map((request) => request.url)).toEqual([
      `/queues/${QUEUE}/messages?numOfMessages=16&waitseconds=30`,
      `/queues/${QUEUE}/messages?numOfMessages=1&waitseconds=0`,
    ]);
  });

  it('shortens the long poll when the deadline is near, keeping the HTTP timeout above the wait', async () => {
    mns.steps.push({ status: 404, body: errorXml('MessageNotExist', '') });
    await client.receive(QUEUE, TOKEN, { waitSeconds: 30, deadline: Date.now() + 5_500 });
    expect(mns.requests[0]!.url).toBe(`/queues/${QUEUE}/messages?numOfMessages=16&waitseconds=2`);
  });

  it.each([
    ['InternalError (500)', { status: 500, body: errorXml('InternalError', 'oops') }],
    ['QpsLimitExceeded', { status: 400, body: errorXml('QpsLimitExceeded', 'slow down') }],
    ['a 502 from a proxy', { status: 502, body: '<html>Bad Gateway</html>' }],
    ['a dropped connection', { drop: true } as const],
    ['an unreadable 200', { status: 200, body: '<Messages><Message>' }],
  ])('retries after %s, re-signing each attempt', async (_label, step) => {
    mns.steps.push(step as Step, { status: 200, body: messagesXml(1) });
    await expect(client.receive(QUEUE, TOKEN)).resolves.toHaveLength(1);
    expect(mns.requests).toHaveLength(2);
    expect(mns.requests.every((request) => request.signatureValid)).toBe(true);
  });

  it('gives up after its attempts with a transient MnsError', async () => {
    mns.steps.push(...Array.from({ length: 3 }, () => ({ status: 503, body: errorXml('InternalServerError', 'down') })));
    const error = await mnsFailure(client.receive(QUEUE, TOKEN));
    expect(error).toMatchObject({ kind: 'transient', code: 'InternalServerError', httpStatus: 503 });
    expect(mns.requests).toHaveLength(3);
  });

  it.each([
    ['AccessDenied', 403, 'auth'],
    ['AccessDeniedByRamPolicy', 403, 'auth'],
    ['InvalidAccessKeyId', 403, 'auth'],
    ['SignatureDoesNotMatch', 403, 'auth'],
    ['QueueNotExist', 404, 'config'],
    ['InvalidArgument', 400, 'request'],
  ] as const)('%s is not retried: kind %s, with the MNS request id', async (code, status, kind) => {
    mns.steps.push({ status, body: errorXml(code, 'no') });
    const error = await mnsFailure(client.receive(QUEUE, TOKEN));
    expect(error).toMatchObject({ kind, code, httpStatus: status, requestId: 'DOC-REQ-ID', details: { operation: 'BatchReceiveMessage', queue: QUEUE } });
    expect(mns.requests).toHaveLength(1);
  });

  it('times out a request that outlives the deadline, instead of hanging', async () => {
    mns.steps.push({ status: 200, body: messagesXml(1), delayMs: 5_000 });
    const started = Date.now();
    const error = await mnsFailure(client.receive(QUEUE, TOKEN, { waitSeconds: 0, deadline: Date.now() + 1_000 }));
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.details.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});

describe('delete: BatchDeleteMessage (docs/alibaba/mns.md#batchdeletemessage)', () => {
  const HANDLES = ['1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==', '1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg=='];

  it('sends a signed DELETE with a text/xml body of the handles, no Content-MD5; 204 → nothing failed', async () => {
    mns.steps.push({ status: 204 });
    await expect(client.delete(QUEUE, TOKEN, HANDLES)).resolves.toEqual({ failed: [] });
    const [request] = mns.requests;
    expect(request).toMatchObject({ method: 'DELETE', url: `/queues/${QUEUE}/messages`, signatureValid: true });
    expect(request!.headers['content-type']).toBe('text/xml');
    expect(request!.headers['content-md5']).toBeUndefined();
    expect(request!.headers['security-token']).toBe(TOKEN.securityToken);
    expect(request!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="${NS}"><ReceiptHandle>${HANDLES[0]}</ReceiptHandle><ReceiptHandle>${HANDLES[1]}</ReceiptHandle></ReceiptHandles>`,
    );
  });

  it('reports the handles of a 404 partial failure; the others were deleted', async () => {
    mns.steps.push({
      status: 404,
      body: `<Errors xmlns="${NS}"><Error><ErrorCode>ReceiptHandleError</ErrorCode><ErrorMessage>The receipt handle you provide is not valid.</ErrorMessage><ReceiptHandle>${HANDLES[1]}</ReceiptHandle></Error></Errors>`,
    });
    await expect(client.delete(QUEUE, TOKEN, HANDLES)).resolves.toEqual({
      failed: [{ receiptHandle: HANDLES[1], code: 'ReceiptHandleError', message: 'The receipt handle you provide is not valid.' }],
    });
  });

  it('throws for a whole-request <Error> (MalformedXML is a bug, not retried)', async () => {
    mns.steps.push({ status: 400, body: errorXml('MalformedXML', 'bad xml') });
    await expect(mnsFailure(client.delete(QUEUE, TOKEN, HANDLES))).resolves.toMatchObject({ kind: 'request', code: 'MalformedXML' });
    expect(mns.requests).toHaveLength(1);
  });

  it('retries after a 5xx or a dropped connection', async () => {
    mns.steps.push({ status: 500, body: errorXml('InternalError', 'x') }, { drop: true }, { status: 204 });
    await expect(client.delete(QUEUE, TOKEN, HANDLES)).resolves.toEqual({ failed: [] });
    expect(mns.requests).toHaveLength(3);
    expect(new Set(mns.requests.map((request) => request.body)).size).toBe(1);
  });

  it('sends nothing for no handles, and refuses more than 16', async () => {
    await expect(client.delete(QUEUE, TOKEN, [])).resolves.toEqual({ failed: [] });
    await expect(client.delete(QUEUE, TOKEN, Array.from({ length: 17 }, (_, i) => `H${i}`))).rejects.toThrow(RangeError);
    expect(mns.requests).toHaveLength(0);
  });
});

describe('constructor', () => {
  it('refuses an endpoint with a path', () => {
    expect(() => new MnsQueueClient('http://127.0.0.1:1/queues')).toThrow(TypeError);
  });
});
