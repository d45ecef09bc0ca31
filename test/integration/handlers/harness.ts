/**
 * Drives the three HTTP handlers (functions/placeCall, cancelCall, getCall) in process, the way API
 * Gateway HTTP API (payload 2.0) invokes them, against the local Alibaba sandbox and DynamoDB Local.
 *
 * Handlers read their configuration once, at module load (the Lambda cold start), so the sandbox
 * must be running and ALIYUN_VOICE_ENDPOINT set BEFORE the handler modules are imported:
 * `startHandlers()` does exactly that, in that order. Call it in `beforeAll`.
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { expect } from 'vitest';
import { startSandbox, type Sandbox } from '#sandbox/server';
import { httpEvent, lambdaContext, type HttpEventInput } from '../../support/apiGatewayEvents.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';

export type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when empty). */
  body: any;
  /** The body exactly as the handler returned it. */
  text: string;
}

export interface Harness {
  sandbox: Sandbox;
  placeCall: Handler;
  cancelCall: Handler;
  getCall: Handler;
  /** Stops the sandbox and restores the environment variables this harness changed. */
  stop(): Promise<void>;
}

const CHANGED_VARIABLES = ['ALIYUN_VOICE_ENDPOINT', 'ALIYUN_SIGNATURE_VERSION', 'FLOW_CONTROL_LIMITS'] as const;

/** Starts a sandbox, points the bundle at it, then loads the handlers (their cold start). */
export async function startHandlers(
  options: {
    signatureVersion?: 'v1' | 'v3';
    /** The sandbox's own flow control (Alibaba's). */
    flowControl?: boolean;
    /** The windows of the bundle's guard (FLOW_CONTROL_LIMITS) and of the sandbox; the guard is off unless given. */
    flowControlLimits?: string;
  } = {},
): Promise<Harness> {
  const saved = saveEnvironment(CHANGED_VARIABLES);
  const sandbox = await startSandbox({
    port: 0,
    ...(options.flowControl !== undefined ? { flowControl: options.flowControl } : {}),
    ...(options.flowControlLimits !== undefined ? { flowControlLimits: options.flowControlLimits } : {}),
  });
  if (options.flowControlLimits !== undefined) process.env.FLOW_CONTROL_LIMITS = options.flowControlLimits;
  process.env.ALIYUN_VOICE_ENDPOINT = sandbox.url;
  if (options.signatureVersion) process.env.ALIYUN_SIGNATURE_VERSION = options.signatureVersion;
  else delete process.env.ALIYUN_SIGNATURE_VERSION;

  const [place, cancel, get] = await Promise.all([
    import('../../../functions/placeCall.ts'),
    import('../../../functions/cancelCall.ts'),
    import('../../../functions/getCall.ts'),
  ]);
  return {
    sandbox,
    placeCall: place.handler as Handler,
    cancelCall: cancel.handler as Handler,
    getCall: get.handler as Handler,
    async stop() {
      await sandbox.close();
      await releaseBundle(saved);
    },
  };
}

/** Invokes a handler with an API Gateway event built from `input`. */
export async function invoke(handler: Handler, input: HttpEventInput, context: Context = lambdaContext()): Promise<HttpResponse> {
  const result = await handler(httpEvent(input), context);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const text = result.body ?? '';
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`handler answered ${result.statusCode} with a body that is not JSON: ${text}`);
    }
  }
  return { status: result.statusCode ?? 0, headers, body, text };
}

/** POST /calls with a JSON body. */
export function postCall(harness: Harness, body: unknown, context?: Context): Promise<HttpResponse> {
  return invoke(harness.placeCall, { method: 'POST', route: '/calls', body }, context);
}

/** GET /calls/{callId}; `callId` is the path segment exactly as the client sent it. */
export function getCallById(harness: Harness, callId: string, query?: Record<string, string>): Promise<HttpResponse> {
  return invoke(harness.getCall, {
    method: 'GET',
    route: '/calls/{callId}',
    path: `/calls/${callId}`,
    pathParameters: { callId },
    ...(query ? { query } : {}),
  });
}

/** POST /calls/{callId}/cancel; `callId` is the path segment exactly as the client sent it. */
export function cancelCallById(harness: Harness, callId: string): Promise<HttpResponse> {
  return invoke(harness.cancelCall, {
    method: 'POST',
    route: '/calls/{callId}/cancel',
    path: `/calls/${callId}/cancel`,
    pathParameters: { callId },
  });
}

let numberSequence = 0;

/** A fresh ordinary mainland mobile number (never one of sandbox/testNumbers.ts), so flow control never interferes. */
export function freshNumber(): string {
  numberSequence += 1;
  return `1380${String(process.pid % 1000).padStart(3, '0')}${String(numberSequence).padStart(4, '0')}`;
}

/** The docs/http-api.md#errors with a stable code; `status` repeated in the body. */
export function expectProblem(response: HttpResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
  expect(typeof response.body.type).toBe('string');
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
}

/** A 400/413/415 refusal naming `path` among its errors. */
export function expectValidationProblem(response: HttpResponse, status: number, path: string): void {
  expectProblem(response, status, 'VALIDATION_FAILED');
  expect(Array.isArray(response.body.errors), response.text).toBe(true);
  const paths = (response.body.errors as Array<{ path: string; message: string }>).map((issue) => issue.path);
  expect(paths, response.text).toContain(path);
  for (const issue of response.body.errors as Array<{ path: string; message: string }>) {
    expect(typeof issue.message).toBe('string');
    expect(issue.message).not.toBe('');
  }
}

/**
 * A 5xx body carries no internal detail (docs/http-api.md#errors): no stack frames, no source paths, no
 * transport error codes, no upstream address, and none of Alibaba's own message text.
 */
export function expectNoInternalDetail(response: HttpResponse, sandbox: Sandbox, alibabaMessage?: string): void {
  const text = response.text;
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|at file:|node:internal|\.ts:\d+|\.js:\d+/);
  expect(text).not.toMatch(/"stack"|"cause"/);
  expect(text).not.toMatch(/UND_ERR|ECONN|EPIPE|ETIMEDOUT|socket/i);
  expect(text).not.toContain(new URL(sandbox.url).host);
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toMatch(/AccessKeyId=|Signature=|SignatureNonce|StringToSign/i);
  for (const secret of [process.env.ALIYUN_ACCESS_KEY_ID, process.env.ALIYUN_ACCESS_KEY_SECRET]) {
    if (secret) expect(text).not.toContain(secret);
  }
  if (alibabaMessage) expect(text).not.toContain(alibabaMessage);
}

let dynamo: DynamoDBClient | undefined;

/** The call's own item, read directly from DynamoDB Local (pk `CALL#<callId>`, sk `CALL`). */
export async function readCallItem(callId: string): Promise<Record<string, AttributeValue> | undefined> {
  dynamo ??= new DynamoDBClient({
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { Item } = await dynamo.send(
    new GetItemCommand({
      TableName: process.env.CALLS_TABLE,
      Key: { pk: { S: `CALL#${callId}` }, sk: { S: 'CALL' } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

/** Waits until `condition` holds (sandbox work that finishes after the handler answered). */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const DAY_SECONDS = 86_400;

/** docs/alibaba/actions.md#querycalldetailbycallid ProdId per call type; ClickToDial has none published (docs/alibaba/README.md#what-is-not-verified). */
export const PROD_IDS = {
  tts: '11010000138001',
  voice: '11000000300006',
  ivr: '11000000300005',
  smart: '11030000180001',
} as const;
