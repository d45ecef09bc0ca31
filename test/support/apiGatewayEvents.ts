import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import captured from '../fixtures/apigw-http/iam-auth.json';

export interface HttpEventInput {
  method: 'GET' | 'POST';
  /** Route template, for example `/calls/{callId}`. */
  route: string;
  /** Raw path as the client sent it, for example `/calls/116012354148%5E102813781234`. */
  path?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded with `content-type: application/json`. */
  body?: unknown;
  base64?: boolean;
  /** `requestContext.authorizer` in place of the captured IAM identity; null for none. */
  authorizer?: unknown;
}

/**
 * An API Gateway HTTP API (payload 2.0) event built on a real captured IAM-authorised request
 * (test/fixtures/apigw-http/iam-auth.json), with this request's route, path, headers and body.
 */
export function httpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const base = structuredClone(captured) as unknown as APIGatewayProxyEventV2;
  const path = input.path ?? input.route;
  const routeKey = `${input.method} ${input.route}`;
  const jsonBody = input.body !== undefined && typeof input.body !== 'string';
  const text = input.body === undefined ? undefined : jsonBody ? JSON.stringify(input.body) : (input.body as string);
  const headers: Record<string, string> = { ...base.headers, ...(jsonBody ? { 'content-type': 'application/json' } : {}), ...input.headers };
  if (text !== undefined) headers['content-length'] = String(Buffer.byteLength(text));
  const rawQueryString = new URLSearchParams(input.query ?? {}).toString();
  return {
    ...base,
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    queryStringParameters: input.query,
    pathParameters: input.pathParameters,
    body: text === undefined ? undefined : input.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: Boolean(input.base64),
    requestContext: {
      ...base.requestContext,
      ...(input.authorizer === undefined ? {} : { authorizer: input.authorizer ?? undefined }),
      routeKey,
      requestId: `test-${Math.random().toString(36).slice(2, 10)}`,
      // API Gateway's receipt of the request: now, as for a request just sent.
      timeEpoch: Date.now(),
      http: { ...base.requestContext.http, method: input.method, path },
    },
  };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(remainingMs = 10_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'aliyun-voice-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:aliyun-voice-test',
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(36).slice(2, 10)}`,
    logGroupName: '/aws/lambda/aliyun-voice-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
