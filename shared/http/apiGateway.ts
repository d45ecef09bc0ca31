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
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * A body sent as it is instead of `body` as JSON (the API explorer's page, scripts and styles),
   * Base64 when `isBase64Encoded`; its content-type comes in `headers`.
   */
  rawBody?: { text: string; isBase64Encoded: boolean };
}

/** A request's answer, as a route's `onAnswer` sees it. */
export interface HttpAnswer {
  event: APIGatewayProxyEventV2;
  statusCode: number;
  /** From API Gateway's receipt of the request to now: see answerTimeMs. */
  answerTimeMs: number;
}

export interface HttpHandlerOptions {
  /**
   * Called once per request with its answer, successful or not, before the invocation's metrics are
   * written: where a route counts its answers. A throw here is ignored (it must not fail the answer).
   */
  onAnswer?: (answer: HttpAnswer) => void;
}

/** API Gateway HTTP APIs wait at most 30 s for an integration: no request is older when answered. */
const MAX_INTEGRATION_MS = 30_000;

/**
 * Wraps a route's logic into an API Gateway HTTP API (payload 2.0) handler: correlation-id logging,
 * the Lambda deadline, JSON responses, and every thrown error turned into problem+json in one place.
 *
 * Correlation ids on every entry written during the request, by any logger: `requestId` (API
 * Gateway's, also the problem+json `requestId` a client reports), `route`, and `awsRequestId` (the
 * Lambda invocation, as in the REPORT line).
 */
export function httpHandler(route: (request: HttpRequestContext) => Promise<HttpResult>, options: HttpHandlerOptions = {}) {
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const startedAt = Date.now();
    const awsRequestId = context?.awsRequestId;
    const requestId = event.requestContext?.requestId ?? awsRequestId;
    const correlation = { requestId, route: event.routeKey, awsRequestId };
    return withLogContext(correlation, async () => {
      const logger = rootLogger.child(correlation);
      let response: APIGatewayProxyStructuredResultV2 | undefined;
      try {
        response = await respond(route, event, context, requestId, logger);
        return response;
      } finally {
        if (options.onAnswer && response?.statusCode !== undefined) {
          try {
            options.onAnswer({ event, statusCode: response.statusCode, answerTimeMs: answerTimeMs(event, startedAt, Date.now()) });
          } catch (error) {
            logger.warn('answer not counted', { error });
          }
        }
        publishMetrics();
      }
    });
  };
}

/**
 * How long the request has been in API Gateway's and Lambda's hands: from API Gateway's receipt
 * (`requestContext.timeEpoch`) to `now`, so a cold start's initialisation counts too (the handler's
 * own clock starts after it). The two clocks belong to different machines: a small negative
 * difference is 0. Without a usable timeEpoch (missing, or older than API Gateway ever waits) the
 * handler's own time, from `startedAt`, is what is left to measure.
 */
export function answerTimeMs(event: APIGatewayProxyEventV2, startedAt: number, now: number): number {
  const received = event.requestContext?.timeEpoch;
  if (typeof received === 'number' && Number.isFinite(received) && now - received <= MAX_INTEGRATION_MS) return Math.max(0, now - received);
  return Math.max(0, now - startedAt);
}

/** The request itself, inside its correlation context; every error becomes problem+json. */
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
    if (result.rawBody) {
      return { statusCode: result.statusCode, headers: result.headers, body: result.rawBody.text, isBase64Encoded: result.rawBody.isBase64Encoded };
    }
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
