/**
 * Drives functions/pushReceipts.ts in process the way API Gateway HTTP API (payload 2.0) invokes the
 * unauthenticated route `POST /receipts/{messageType}`, with the run's DynamoDB Local as the store.
 *
 * The handler reads its configuration once, at module load (the Lambda cold start), so
 * RECEIPT_PUSH_TOKEN (and any endpoint a test file changes) must be set before `loadPushHandler()`.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';
import { callItemOf, itemsOf, receiptItemsOf, type Item } from '../../support/callsTable.ts';
import { callReport, voiceReport } from '../../support/receiptBodies.ts';

/** The token the tests configure (RECEIPT_PUSH_TOKEN): 32 URL-safe characters. */
export const TEST_PUSH_TOKEN = 'push-test-token-7c1f0e9ad24b53e8';

export type PushHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface PushResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: any;
  text: string;
  /** API Gateway's request id of the push: stored items carry `push-<requestId>[-<index>]`. */
  requestId: string;
  /** The log lines the handler wrote (LOG_LEVEL warn in tests: warnings and errors). */
  log: string;
}

export interface PushInput {
  messageType?: string;
  /** The `token` query parameter; `null` sends none. Default: TEST_PUSH_TOKEN. */
  token?: string | null;
  /** An array or object is JSON-encoded (content-type application/json); a string goes as is. */
  body?: unknown;
  headers?: Record<string, string>;
  base64?: boolean;
  /** Exact body bytes, handed over Base64-encoded as API Gateway does for binary bodies (replaces `body`). */
  bytes?: Uint8Array;
}

/** Sets the test token, then loads the handler: its cold start. */
export async function loadPushHandler(): Promise<PushHandler> {
  process.env.RECEIPT_PUSH_TOKEN = TEST_PUSH_TOKEN;
  delete process.env.RECEIPT_PUSH_TOKEN_PARAM;
  const module = await import('../../../functions/pushReceipts.ts');
  return module.handler as unknown as PushHandler;
}

/**
 * A push as Alibaba sends it: POST /receipts/<type>?token=..., no SigV4 signature and no IAM
 * authoriser on the route (the captured IAM event's authoriser and signing headers are removed).
 */
export function pushEvent(input: PushInput): APIGatewayProxyEventV2 {
  const messageType = input.messageType ?? 'VoiceReport';
  const token = input.token === undefined ? TEST_PUSH_TOKEN : input.token;
  const event = httpEvent({
    method: 'POST',
    route: '/receipts/{messageType}',
    path: `/receipts/${messageType}`,
    pathParameters: { messageType },
    ...(token === null ? {} : { query: { token } }),
    body: input.body,
    ...(input.headers ? { headers: input.headers } : {}),
    ...(input.base64 ? { base64: true } : {}),
  });
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256']) delete event.headers[name];
  const { authorizer: _authorizer, ...requestContext } = event.requestContext as APIGatewayProxyEventV2['requestContext'] & { authorizer?: unknown };
  event.requestContext = requestContext;
  if (input.bytes) {
    event.body = Buffer.from(input.bytes).toString('base64');
    event.isBase64Encoded = true;
    event.headers['content-length'] = String(input.bytes.byteLength);
  }
  return event;
}

/** Invokes the handler with a push event; what it logged is returned, not printed. */
export async function push(handler: PushHandler, input: PushInput, context: Context = lambdaContext()): Promise<PushResponse> {
  const event = pushEvent(input);
  const { result, output } = await capturingStdout(() => handler(event, context));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const text = result.body ?? '';
  return { status: result.statusCode ?? 0, headers, body: text === '' ? undefined : JSON.parse(text), text, requestId: event.requestContext.requestId, log: output };
}

/** docs/alibaba/receipts.md#flow: HTTP 200 and a numeric `code` 0 is what Alibaba takes as "received". */
export function expectAccepted(response: PushResponse): void {
  expect(response.status, response.text).toBe(200);
  expect(response.headers['content-type']).toBe('application/json');
  expect(response.body).toMatchObject({ code: 0 });
  expect(typeof response.body.msg).toBe('string');
}

/** A problem+json refusal with `status` and `code` (shared/http/problem.ts). */
export function expectProblem(response: PushResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ status, code, type: `urn:aliyun-voice:problem:${code}` });
  expect(response.body.code).not.toBe(0);
}

/** A CallId of Alibaba's shape that no other test (or parallel test file) uses. */
export function newCallId(): string {
  return `${Date.now()}${randomBytes(3).readUIntBE(0, 3)}^${randomBytes(5).readUIntBE(0, 5)}`;
}

export { callReport, voiceReport };

export { callItemOf, itemsOf, receiptItemsOf, type Item };

/**
 * The call as GET /calls/{callId} (the getCall handler, in process) shows it: its status derived from
 * the stored receipts. Rejects unless the answer is 200.
 */
export async function getCallOf(callId: string): Promise<Item> {
  const { handler } = await import('../../../functions/getCall.ts');
  const path = `/calls/${encodeURIComponent(callId)}`;
  const response = await handler(httpEvent({ method: 'GET', route: '/calls/{callId}', path, pathParameters: { callId: encodeURIComponent(callId) } }), lambdaContext());
  expect(response.statusCode, String(response.body)).toBe(200);
  return JSON.parse(response.body as string) as Item;
}

/** The INVALID# items a push produced (their messageId is `push-<requestId>` or `push-<requestId>-<index>`). */
export async function invalidItemsOfPush(messageType: string, requestId: string): Promise<Item[]> {
  const prefix = `push-${requestId}`;
  return (await itemsOf(`INVALID#${messageType}`)).filter((item) => item.messageId === prefix || String(item.messageId).startsWith(`${prefix}-`));
}

/** Every item a push left anywhere: under the calls named, and INVALID# items of its request. */
export async function itemsLeftBy(response: PushResponse, messageType: string, callIds: readonly string[]): Promise<Item[]> {
  const underCalls = (await Promise.all(callIds.map((callId) => itemsOf(`CALL#${callId}`)))).flat();
  return [...underCalls, ...(await invalidItemsOfPush(messageType, response.requestId))];
}

/**
 * Captures what the process writes to stdout (the logger's JSON lines) while `action` runs,
 * silencing it. Not re-entrant: one capture at a time (tests push one request at a time).
 */
export async function capturingStdout<T>(action: () => Promise<T>): Promise<{ result: T; output: string }> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await action(), output: lines.join('') };
  } finally {
    process.stdout.write = original;
  }
}

/**
 * The push handler behind a local HTTP server, as serverless-offline (or API Gateway) puts it:
 * `POST /receipts/{messageType}?token=...` becomes the route's event. For the sandbox's push mode.
 */
export async function servePushHandler(handler: PushHandler): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const state = { requests: 0 };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.requests += 1;
      const url = new URL(request.url ?? '/', 'http://local');
      const match = /^\/receipts\/([^/]+)$/.exec(url.pathname);
      if (request.method !== 'POST' || !match) {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end('{"message":"Not Found"}');
        return;
      }
      const event = pushEvent({
        messageType: match[1]!,
        token: url.searchParams.get('token'),
        body: Buffer.concat(chunks).toString('utf8'),
        headers: { 'content-type': String(request.headers['content-type'] ?? '') },
      });
      handler(event, lambdaContext()).then(
        (result) => {
          response.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
          response.end(result.body ?? '');
        },
        () => {
          response.writeHead(502);
          response.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
