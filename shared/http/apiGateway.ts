import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { callers, type Caller } from '../calls/callers.ts';
import { ValidationError } from '../errors.ts';
import { logger as rootLogger, withLogContext, type Logger } from '../logger.ts';
import { publishMetrics } from '../metrics.ts';
import { parseJsonText, parseOrThrow } from '../validation.ts';
import type * as z from 'zod/mini';
import { MAX_REQUEST_BODY_BYTES } from '../calls/schemas.ts';
import { toProblem } from './problem.ts';

/** Longest Content-Type accepted: `application/json; charset=utf-8` and the like are a few dozen characters. */
const MAX_CONTENT_TYPE_CHARS = 256;
/** Time kept back from the Lambda's remaining time to write the response. */
const RESPONSE_MARGIN_MS = 500;

export interface HttpRequestContext {
  event: APIGatewayProxyEventV2;
  logger: Logger;
  /** Absolute epoch ms by which upstream work must finish. */
  deadline: number;
}

export interface HttpResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Wraps a route's logic into an API Gateway HTTP API (payload 2.0) handler: correlation-id logging,
 * the Lambda deadline, JSON responses, and every thrown error turned into problem+json in one place.
 *
 * Correlation ids on every entry written during the request, by any logger: `requestId` (API
 * Gateway's, also the problem+json `requestId` a client reports), `route`, and `awsRequestId` (the
 * Lambda invocation, as in the REPORT line).
 */
export function httpHandler(route: (request: HttpRequestContext) => Promise<HttpResult>) {
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const awsRequestId = context?.awsRequestId;
    const requestId = event.requestContext?.requestId ?? awsRequestId;
    const correlation = { requestId, route: event.routeKey, awsRequestId };
    return withLogContext(correlation, () => respond(route, event, context, requestId, rootLogger.child(correlation)));
  };
}

/** The request itself, inside its correlation context; metrics are published whatever happens. */
async function respond(
  route: (request: HttpRequestContext) => Promise<HttpResult>,
  event: APIGatewayProxyEventV2,
  context: Context,
  requestId: string | undefined,
  logger: Logger,
): Promise<APIGatewayProxyStructuredResultV2> {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 30_000;
  try {
    const result = await route({ event, logger, deadline: Date.now() + remaining - RESPONSE_MARGIN_MS });
    return {
      statusCode: result.statusCode,
      headers: { 'content-type': 'application/json', ...result.headers },
      body: result.body === undefined ? '' : JSON.stringify(result.body),
    };
  } catch (error) {
    const { problem, headers, unexpected } = toProblem(error, requestId);
    if (unexpected) logger.error('request failed', { status: problem.status, code: problem.code, error });
    else logger.info('request refused', { status: problem.status, code: problem.code });
    return {
      statusCode: problem.status,
      headers: { 'content-type': 'application/problem+json', ...headers },
      body: JSON.stringify(problem),
    };
  } finally {
    publishMetrics();
  }
}

/**
 * The JSON body of a request: `application/json` only, at most `maxBytes` (MAX_REQUEST_BODY_BYTES
 * unless given) and nested at most MAX_JSON_DEPTH deep, well-formed JSON. API Gateway may hand the
 * body Base64-encoded.
 */
export function jsonBody(event: APIGatewayProxyEventV2, maxBytes = MAX_REQUEST_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type');
  // The length first: the pattern only ever runs on a short header.
  if (!contentType || contentType.length > MAX_CONTENT_TYPE_CHARS || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new ValidationError([{ path: 'header.content-type', message: 'must be application/json' }], {
      status: 415,
      detail: 'The body must be JSON sent with Content-Type: application/json',
    });
  }
  const raw = event.body ?? '';
  return parseJsonText(event.isBase64Encoded ? Buffer.from(raw, 'base64') : raw, { maxBytes, path: 'body' });
}

/**
 * A path parameter, percent-decoded once (API Gateway passes `%5E` through as sent; CallIds contain
 * `^`, accepted raw or encoded — README.md) and validated.
 */
export function pathParameter<S extends z.ZodMiniType>(event: APIGatewayProxyEventV2, name: string, schema: S): z.infer<S> {
  const raw = event.pathParameters?.[name];
  let value: string | undefined = raw;
  if (raw !== undefined && raw.includes('%')) {
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw new ValidationError([{ path: `path.${name}`, message: 'is not valid percent-encoding' }]);
    }
  }
  return parseOrThrow(schema, value, `path.${name}`);
}

/**
 * Who sent the request, as its authorizer established it (docs/security.md#idempotency-keys-per-caller):
 * the IAM identity that signed it, or the JWT's subject at its issuer; unknown without an
 * authorizer (npm start runs the routes without one).
 */
export function requestCaller(event: APIGatewayProxyEventV2): Caller {
  const authorizer = (event.requestContext as { authorizer?: AuthorizerContext }).authorizer;
  const userId = authorizer?.iam?.userId;
  if (typeof userId === 'string' && userId !== '') return callers.aws(userId);
  const claims = authorizer?.jwt?.claims;
  if (typeof claims?.iss === 'string' && typeof claims.sub === 'string') return callers.jwt(claims.iss, claims.sub);
  return callers.unknown;
}

/** The two authorizer contexts of payload 2.0 (aws-lambda types them on separate event types). */
interface AuthorizerContext {
  iam?: { userId?: unknown };
  jwt?: { claims?: Record<string, unknown> };
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
