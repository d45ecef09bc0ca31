import * as z from 'zod/mini';
import packageJson from '../../package.json' with { type: 'json' };
import { getCallQuerySchema } from '../calls/getCallQuery.ts';
import { callIdSchema, idempotencyKeySchema, placeCallRequestSchema } from '../calls/schemas.ts';
import { VOICE_MESSAGE_TYPES } from '../config.ts';
import { EXPLORER_ASSETS_PATH } from '../explorer/site.ts';
import { createCallRequestSchema, requestIdSchema } from '../callRequests/schemas.ts';
import { callRequestCancelResultSchema, callRequestViewSchema, cancelResultSchema, callViewSchema, placedCallSchema, problemSchema } from '../http/responses.ts';
import { MAX_PUSH_BODY_BYTES, PUSH_ACCEPTED, PUSH_TOKEN_PARAMETER } from '../receipts/push.ts';

/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the very zod schemas that validate
 * requests (shared/calls) and describe responses (shared/http/responses.ts): no schema is written
 * twice. `npm run openapi` writes it to openapi.json; the test suite fails when that file is stale.
 */

type JsonSchema = Record<string, unknown>;
type Json = Record<string, unknown>;

/** zod 4's JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), without the per-document `$schema`. */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** One example body per call type (the README's bodies); each is placed against the sandbox by the contract test. */
export const PLACE_CALL_EXAMPLES = {
  tts: {
    summary: 'TTS template / verification code (SingleCallByTts)',
    value: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } },
  },
  voice: {
    summary: 'Voice-file notification (SingleCallByVoice)',
    value: { type: 'voice', calledNumber: '13800138001', voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav', playTimes: 2 },
  },
  ivr: {
    summary: 'IVR with a key menu (IvrCall)',
    value: {
      type: 'ivr',
      calledNumber: '13800138002',
      calledShowNumber: '057100000000',
      startCode: 'TTS_10001',
      startTtsParams: { name: 'Li' },
      menuKeyMap: [
        { key: '1', code: 'TTS_20001', ttsParams: { x: '1' } },
        { key: '2', code: 'a1b2c3.wav' },
      ],
      timeout: 3000,
    },
  },
  clickToDial: {
    summary: 'Click-to-dial two-leg call (ClickToDial)',
    value: {
      type: 'clickToDial',
      callerShowNumber: '057100000001',
      callerNumber: '13800138003',
      calledShowNumber: '057100000002',
      calledNumber: '13800138004',
      recordFlag: true,
      sessionTimeout: 600,
    },
  },
  smart: {
    summary: 'ASR smart call (SmartCall)',
    value: {
      type: 'smart',
      calledNumber: '13800138005',
      calledShowNumber: '057100000003',
      voiceCode: '2d4c.wav,$name$',
      voiceCodeParam: { name: 'hello' },
      muteTime: 2000,
      pauseTime: 800,
      asrBaseId: 'customer_service_8k',
    },
  },
} as const;

/** A CallId as Alibaba returns it: `^` is sent raw or percent-encoded (%5E). */
export const EXAMPLE_CALL_ID = '116012354148^102813781234';

/**
 * GET /calls/{callId} example: a live query for a call placed elsewhere (its product id and day
 * given), which answers 200 for any well-formed CallId.
 */
export const GET_CALL_EXAMPLE_QUERY = { live: 'true', prodId: '11010000138001', queryDate: '1764000000000' } as const;

/**
 * POST /call-requests examples: the worked examples of docs/call-requests.md, without absolute
 * times (a date written here would be in the past for every later reader of the explorer): each can
 * be sent as it is, on any day.
 */
export const CALL_REQUEST_EXAMPLES = {
  verificationCode: {
    summary: 'A verification code, now: one attempt, like POST /calls',
    value: { call: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } } },
  },
  deliveryReminder: {
    summary: 'A delivery reminder between 09:00 and 20:00 China time (now if inside those hours, else at the next 09:00), redialled twice on no answer or busy',
    value: {
      call: { type: 'voice', calledNumber: '13800138001', voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
      window: { from: '09:00', to: '20:00', timeZone: 'Asia/Shanghai' },
      redial: { on: ['no-answer', 'busy'], maxAttempts: 3, intervalSeconds: 600 },
    },
  },
  onCallAlert: {
    summary: 'An on-call alert, redialled every 2 minutes until someone presses 1',
    value: {
      call: {
        type: 'ivr',
        calledNumber: '13800138002',
        calledShowNumber: '057100000000',
        startCode: 'TTS_10001',
        menuKeyMap: [{ key: '1', code: 'TTS_20001' }],
      },
      until: 'acknowledged',
      acknowledgeKeys: ['1'],
      redial: { maxAttempts: 5, intervalSeconds: 120 },
    },
  },
} as const;

/** A request id as POST /call-requests returns it. */
export const EXAMPLE_REQUEST_ID = 'cr_3mF0Qb0d1yL2vJk8a9XkQw';

const EXAMPLE_VIEW = {
  requestId: EXAMPLE_REQUEST_ID,
  status: 'scheduled',
  call: CALL_REQUEST_EXAMPLES.deliveryReminder.value.call,
  // The delivery reminder sent at 21:00 China time: armed for 09:00 the next morning, until 30 days on.
  notBefore: '2026-12-06T13:00:00.000Z',
  notAfter: '2027-01-05T13:00:00.000Z',
  window: { from: '09:00', to: '20:00', timeZone: 'Asia/Shanghai' },
  redial: { on: ['no-answer', 'busy'], maxAttempts: 3, intervalSeconds: 600 },
  until: 'answered',
  acknowledgeKeys: null,
  attempts: [],
  nextAttemptAt: '2026-12-07T01:00:00.000Z',
  createdAt: '2026-12-06T13:00:00.000Z',
  updatedAt: '2026-12-06T13:00:00.000Z',
};

/** GET /calls/{callId} example: the next page of a call's receipts (a nextReceiptsAfter). */
export const GET_CALL_NEXT_PAGE_QUERY = {
  receiptsAfter: Buffer.from(`RECEIPT#VoiceCallReport#${EXAMPLE_CALL_ID}#300000#2026-11-24T23:41:09+08:00#1`).toString('base64url'),
} as const;

const PROBLEM_RESPONSES = {
  BadRequest: ['400', 'Invalid request: malformed JSON, unknown or missing fields, out-of-range values, bad path or query parameters (VALIDATION_FAILED).'],
  NotFound: ['404', 'Unknown call (NOT_FOUND).'],
  UnknownRequest: ['404', 'Unknown call request (NOT_FOUND); requests are kept until 30 days after their notAfter.'],
  KeyReused: ['422', 'The Idempotency-Key was already used with a different request body (IDEMPOTENCY_CONFLICT).'],
  UnknownFile: ['404', 'No such file (NOT_FOUND).'],
  InProgress: ['409', 'A request with the same Idempotency-Key is still being processed (IDEMPOTENCY_CONFLICT); Retry-After says when to try again, and the retry gets the first request\'s response.'],
  PayloadTooLarge: ['413', 'Body over 16 KiB (VALIDATION_FAILED).'],
  UnsupportedMediaType: ['415', 'Body not sent as application/json (VALIDATION_FAILED).'],
  Rejected: ['422', "Alibaba rejected the content (numbers, templates, parameters); code is Alibaba's, e.g. isv.MOBILE_NUMBER_ILLEGAL."],
  RejectedOrKeyReused: [
    '422',
    "Alibaba rejected the content (numbers, templates, parameters; code is Alibaba's, e.g. isv.MOBILE_NUMBER_ILLEGAL), or the Idempotency-Key was already used with a different request body (IDEMPOTENCY_CONFLICT).",
  ],
  TooManyRequests: [
    '429',
    "The number's flow-control window is full (FLOW_CONTROL: nothing was sent to Alibaba; `retryAt` and `limit` say when it can be called again and which window refused, by default 1/60, 5/3600, 20/86400), " +
      "or Alibaba's own flow control or throttling (isv.BUSINESS_LIMIT_CONTROL, Throttling.User, ...); Retry-After says when to try again.",
  ],
  Unauthorized: ['401', 'Missing or wrong push token (UNAUTHORIZED); nothing was read or stored.'],
  InternalError: ['500', 'A fault of this service (INTERNAL_ERROR); no internal detail.'],
  ServiceUnavailable: ['503', 'The calls table (STORE_UNAVAILABLE) or this service\'s credentials store (CREDENTIALS_UNAVAILABLE) is unavailable; nothing was stored or sent, try again.'],
  BadGateway: ["502", "Alibaba refused this service's account or credentials, or is unavailable after retries (Alibaba's code, ALIBABA_UNREACHABLE or HTTP_<status>)."],
  GatewayTimeout: ['504', 'Alibaba did not answer in time (ALIBABA_TIMEOUT, RequestOutcomeUnknown, DeadlineExceeded); a call may have been placed: check before retrying.'],
} as const;

type ProblemResponseName = keyof typeof PROBLEM_RESPONSES;

function problemResponses(...names: ProblemResponseName[]): Json {
  return Object.fromEntries(names.map((name) => [PROBLEM_RESPONSES[name][0], { $ref: `#/components/responses/${name}` }]));
}

const UPSTREAM_FAILURES: ProblemResponseName[] = ['Rejected', 'TooManyRequests', 'InternalError', 'BadGateway', 'ServiceUnavailable', 'GatewayTimeout'];
/** POST /calls: its 422 also covers a reused Idempotency-Key, and a duplicate in flight answers 409. */
const PLACING_FAILURES: ProblemResponseName[] = ['InProgress', 'RejectedOrKeyReused', 'TooManyRequests', 'InternalError', 'BadGateway', 'ServiceUnavailable', 'GatewayTimeout'];

function jsonContent(schemaName: string, example?: unknown): Json {
  return { 'application/json': { schema: ref(schemaName), ...(example === undefined ? {} : { example }) } };
}

/** A parameter whose schema and description come from a zod schema. */
function parameter(name: string, location: 'path' | 'query' | 'header', schema: JsonSchema, required: boolean, extra: Json = {}): Json {
  const { description, ...rest } = schema;
  return { name, in: location, required, ...(description ? { description } : {}), schema: rest, ...extra };
}

/** `schema` with its `call` property replaced by a reference to the POST /calls body (written once, in components). */
function withCallRef(schema: JsonSchema, description: string): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema>;
  return { ...schema, properties: { ...properties, call: { ...ref('PlaceCallRequest'), description } } };
}

/** The query parameters of GET /calls/{callId}, one per property of getCallQuerySchema, each with the examples that use it. */
function queryParameters(): Json[] {
  const query = jsonSchema(getCallQuerySchema, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
  const examples: Record<string, { summary: string; value: Record<string, string> }> = {
    placedElsewhere: { summary: 'Live query for a call placed elsewhere', value: GET_CALL_EXAMPLE_QUERY },
    nextPage: { summary: 'The next page of the call\'s receipts', value: GET_CALL_NEXT_PAGE_QUERY },
  };
  return Object.entries(query.properties).map(([name, schema]) =>
    parameter(name, 'query', schema, query.required?.includes(name) ?? false, {
      examples: Object.fromEntries(
        Object.entries(examples)
          .filter(([, example]) => example.value[name] !== undefined)
          .map(([key, example]) => [key, { summary: example.summary, value: example.value[name] }]),
      ),
    }),
  );
}

/** The POST /calls body: the discriminated union zod produces, each member a named component. */
function requestBodySchemas(): Json {
  const union = jsonSchema(placeCallRequestSchema, 'input') as { oneOf: Array<JsonSchema & { properties: { type: { const: string } } }> };
  const members: Json = {};
  const mapping: Record<string, string> = {};
  for (const member of union.oneOf) {
    const type = member.properties.type.const;
    const name = `${type[0]!.toUpperCase()}${type.slice(1)}CallRequest`;
    members[name] = member;
    mapping[type] = `#/components/schemas/${name}`;
  }
  return {
    PlaceCallRequest: {
      description: "A call of one of five types, chosen by `type`; that type's fields only (unknown fields are rejected).",
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'type', mapping },
    },
    ...members,
  };
}

const callIdParameter = (): Json =>
  parameter('callId', 'path', jsonSchema(callIdSchema, 'input'), true, {
    examples: {
      alibabaCallId: { summary: 'A CallId as Alibaba returns it (^ sent raw or as %5E)', value: EXAMPLE_CALL_ID },
    },
  });

export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'aliyun-voice',
      version: packageJson.version,
      description:
        'Place, cancel and track Alibaba Cloud Voice Service calls through AWS Lambda (API Gateway HTTP API). ' +
        "Per-number flow control: every placement (POST /calls, a call request's attempt, the SQS and EventBridge triggers) first takes a slot in the called number's " +
        "windows, FLOW_CONTROL_LIMITS (the stage param flowControlLimits; default Alibaba's 1/60,5/3600,20/86400, `off` to leave it to Alibaba); a full window answers " +
        '429 FLOW_CONTROL with retryAt and limit, and nothing reaches Alibaba. An account in Alibaba\'s dedicated mode sets the windows Alibaba granted it, ' +
        'exactly: looser ones let through what Alibaba refuses, stricter ones refuse what it would accept (docs/flow-control.md#sizing-the-windows-for-dedicated-mode). ' +
        'Generated by `npm run openapi` from the zod schemas that validate requests (shared/calls, shared/http/responses.ts); do not edit by hand.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'npm start (local; no authorization)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'Deployed HTTP API (requests signed with AWS SigV4, service execute-api)',
        variables: { apiId: { default: 'abcdef1234', description: 'HTTP API id (serverless info)' }, region: { default: 'us-east-1' } },
      },
    ],
    security: [{ awsSigV4: [] }],
    tags: [
      { name: 'calls', description: 'Place, cancel and read calls' },
      { name: 'call-requests', description: 'Reach a person: a call placed when allowed, redialled until answered or acknowledged (docs/call-requests.md)' },
      { name: 'receipts', description: 'Receipts pushed by Alibaba (HTTP batch push)' },
      { name: 'meta', description: 'This description, and the API explorer over it' },
    ],
    paths: {
      '/calls': {
        post: {
          operationId: 'placeCall',
          tags: ['calls'],
          summary: 'Place a call',
          description:
            'Places a call of any of the five types. 202 means Alibaba accepted the call, not that it connected; the outcome arrives with the receipts. ' +
            'A call-placing request is never re-sent automatically once it may have reached Alibaba: on 504 RequestOutcomeUnknown the call may have been placed. ' +
            'Send an Idempotency-Key to make retrying safe: a retry with the same key and body gets the first response again (202, or the same 504) and places no second call.',
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('PlaceCallRequest'), examples: PLACE_CALL_EXAMPLES } },
          },
          responses: {
            '202': {
              description: 'Alibaba accepted the call.',
              headers: { Location: { $ref: '#/components/headers/Location' } },
              content: jsonContent('PlacedCall', {
                callId: EXAMPLE_CALL_ID,
                type: 'tts',
                outId: 'order-001',
                requestId: '086FF43A-2E5C-5E7B-9E7D-2F1C7A9E1B20',
                status: 'placed',
                createdAt: '2026-11-24T15:41:00.390Z',
              }),
            },
            ...problemResponses('BadRequest', 'PayloadTooLarge', 'UnsupportedMediaType', ...PLACING_FAILURES),
          },
        },
      },
      '/calls/{callId}/cancel': {
        post: {
          operationId: 'cancelCall',
          tags: ['calls'],
          summary: 'Cancel a click-to-dial call',
          description: "No body. A cancelled call's status becomes `cancelled`.",
          parameters: [{ $ref: '#/components/parameters/CallId' }],
          responses: {
            '200': {
              description: 'Alibaba answered; `cancelled` says whether the call was cancelled.',
              content: jsonContent('CancelResult', { callId: EXAMPLE_CALL_ID, cancelled: true, requestId: '7F1B0A5C-3D2E-5B4A-8C6D-9E0F1A2B3C4D' }),
            },
            ...problemResponses('BadRequest', ...UPSTREAM_FAILURES),
          },
        },
      },
      '/calls/{callId}': {
        get: {
          operationId: 'getCall',
          tags: ['calls'],
          summary: 'Read one call, its receipts and optionally Alibaba\'s live detail',
          parameters: [{ $ref: '#/components/parameters/CallId' }, ...queryParameters()],
          responses: {
            '200': {
              description: 'The call as this service knows it (with live=true, plus `detail`).',
              content: jsonContent('Call', {
                callId: EXAMPLE_CALL_ID,
                type: 'tts',
                outId: 'order-001',
                prodId: '11010000138001',
                requestId: '086FF43A-2E5C-5E7B-9E7D-2F1C7A9E1B20',
                status: 'placed',
                createdAt: '2026-11-24T15:41:00.390Z',
                updatedAt: '2026-11-24T15:41:00.390Z',
                receipts: [],
              }),
            },
            ...problemResponses('BadRequest', 'NotFound', ...UPSTREAM_FAILURES),
          },
        },
      },
      '/call-requests': {
        post: {
          operationId: 'createCallRequest',
          tags: ['call-requests'],
          summary: 'Ask for a person to be reached: a call placed when allowed, redialled until it succeeds',
          description:
            'Creates a call request: `call` is a POST /calls body; `notBefore`, `notAfter` and `window` say when attempts may be placed, `redial` how often, ' +
            '`until` what counts as success ("answered", or "acknowledged" by a key of an IVR menu). A request due now has its first attempt placed before the answer ' +
            '(its status is then in-progress, or waiting when the number\'s flow-control window is full); a later one is scheduled. ' +
            'With an Idempotency-Key, the same key and body return the same request (202 again) and create nothing new; every attempt is placed at most once. ' +
            'Follow it with GET /call-requests/{requestId} or the `Voice Call Request Changed` events.',
          parameters: [{ $ref: '#/components/parameters/CallRequestIdempotencyKey' }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('CreateCallRequest'), examples: CALL_REQUEST_EXAMPLES } },
          },
          responses: {
            '202': {
              description: 'Accepted: the request as it now is (scheduled, in-progress, waiting, or already refused by Alibaba).',
              headers: { Location: { $ref: '#/components/headers/CallRequestLocation' } },
              content: jsonContent('CallRequest', EXAMPLE_VIEW),
            },
            ...problemResponses('BadRequest', 'PayloadTooLarge', 'UnsupportedMediaType', 'KeyReused', 'InternalError', 'ServiceUnavailable'),
          },
        },
      },
      '/call-requests/{requestId}': {
        get: {
          operationId: 'getCallRequest',
          tags: ['call-requests'],
          summary: 'Read a call request: its status, attempts and next attempt',
          parameters: [{ $ref: '#/components/parameters/RequestId' }],
          responses: {
            '200': { description: 'The request as it now is.', content: jsonContent('CallRequest', EXAMPLE_VIEW) },
            ...problemResponses('BadRequest', 'UnknownRequest', 'InternalError', 'ServiceUnavailable'),
          },
        },
      },
      '/call-requests/{requestId}/cancel': {
        post: {
          operationId: 'cancelCallRequest',
          tags: ['call-requests'],
          summary: 'Cancel a call request',
          description:
            'No body. No further attempt is placed; a click-to-dial attempt in progress is cancelled at Alibaba too (other call types cannot be hung up). ' +
            'Cancelling again, or a request that has ended, answers `cancelled: false` with its status.',
          parameters: [{ $ref: '#/components/parameters/RequestId' }],
          responses: {
            '200': {
              description: 'Whether this request cancelled it, and its status now.',
              content: jsonContent('CallRequestCancelResult', { requestId: EXAMPLE_REQUEST_ID, cancelled: true, status: 'cancelled' }),
            },
            ...problemResponses('BadRequest', 'UnknownRequest', 'InternalError', 'ServiceUnavailable'),
          },
        },
      },
      '/receipts/{messageType}': {
        post: {
          operationId: 'pushReceipts',
          tags: ['receipts'],
          summary: 'Receive receipts pushed by Alibaba (HTTP batch push)',
          description:
            "The URL to enter in the Voice Service console for HTTP batch push of receipts: Alibaba cannot sign its requests, so this route has no IAM or JWT authorizer and is protected by the `token` query parameter instead. " +
            'The receipts are stored exactly as polled ones (a receipt both pushed and polled is stored once). A body that cannot be used is stored raw as an invalid receipt and still acknowledged, since a redelivery would not make it better. ' +
            'Any answer other than 200 makes Alibaba redeliver after 1, 5 and 10 minutes.',
          security: [{ receiptPushToken: [] }],
          parameters: [
            parameter('messageType', 'path', { type: 'string', enum: [...VOICE_MESSAGE_TYPES] }, true, {
              description: 'The receipt type this URL is configured for in the console (one of RECEIPT_QUEUES\' types).',
            }),
          ],
          requestBody: {
            required: true,
            description: `Alibaba's JSON array of receipts (a single object is accepted too); at most ${MAX_PUSH_BODY_BYTES} bytes. Any content type.`,
            content: {
              'application/json': {
                schema: { oneOf: [{ type: 'array', items: { type: 'object' } }, { type: 'object' }] },
                example: [{ call_id: EXAMPLE_CALL_ID, out_id: 'order-001', status_code: '200000', start_time: '2026-11-24 23:41:03', end_time: '2026-11-24 23:41:25', duration: 22 }],
              },
            },
          },
          responses: {
            '200': {
              description: 'Stored (or stored raw as invalid). `code` 0 is what Alibaba checks.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['code', 'msg'],
                    properties: { code: { type: 'integer', const: 0 }, msg: { type: 'string' } },
                  },
                  example: PUSH_ACCEPTED,
                },
              },
            },
            ...problemResponses('BadRequest', 'Unauthorized', 'InternalError', 'ServiceUnavailable'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['meta'],
          summary: 'This OpenAPI document',
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document (openapi.json).',
              content: { 'application/json': { schema: { type: 'object', description: 'An OpenAPI 3.1 document.' } } },
            },
          },
        },
      },
      '/docs': {
        get: {
          operationId: 'getApiExplorer',
          tags: ['meta'],
          summary: 'The API explorer (Swagger UI over this document)',
          description:
            'An HTML page to read this document and try every operation against the API that served it. ' +
            `Its scripts and styles come from ${EXPLORER_ASSETS_PATH}/ on the same origin, under a Content-Security-Policy that allows nothing else.`,
          responses: {
            '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
          },
        },
      },
      [`/${EXPLORER_ASSETS_PATH}/{file}`]: {
        get: {
          operationId: 'getApiExplorerAsset',
          tags: ['meta'],
          summary: "One of the API explorer's scripts or styles",
          description: 'Named by the page, with a content hash in the name: cached for a year. Sent gzip-compressed when accepted.',
          parameters: [
            parameter('file', 'path', { type: 'string' }, true, {
              description: 'A file name the page refers to, for example swagger-ui-bundle.0123456789ab.js.',
            }),
          ],
          responses: {
            '200': {
              description: 'The script or stylesheet.',
              content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
            },
            ...problemResponses('UnknownFile'),
          },
        },
      },
    },
    components: {
      schemas: {
        ...requestBodySchemas(),
        PlacedCall: jsonSchema(placedCallSchema, 'output'),
        CancelResult: jsonSchema(cancelResultSchema, 'output'),
        Call: jsonSchema(callViewSchema, 'output'),
        CreateCallRequest: withCallRef(jsonSchema(createCallRequestSchema, 'input'), 'The call each attempt places: a POST /calls body.'),
        CallRequest: withCallRef(jsonSchema(callRequestViewSchema, 'output'), 'The call each attempt places (the POST /calls body given).'),
        CallRequestCancelResult: jsonSchema(callRequestCancelResultSchema, 'output'),
        Problem: jsonSchema(problemSchema, 'output'),
      },
      parameters: {
        CallId: callIdParameter(),
        RequestId: parameter('requestId', 'path', jsonSchema(requestIdSchema, 'input'), true, { example: EXAMPLE_REQUEST_ID }),
        CallRequestIdempotencyKey: parameter('Idempotency-Key', 'header', jsonSchema(idempotencyKeySchema, 'input'), false, {
          description:
            'Makes retrying safe: 1 to 64 printable ASCII characters chosen by the client, one per intended request. The same key and body (compared after validation) ' +
            'return the same request, however often sent and for as long as the request is kept; the same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT. ' +
            'These keys are separate from those of POST /calls.',
          example: 'delivery-8841-reminder',
        }),
        IdempotencyKey: parameter('Idempotency-Key', 'header', jsonSchema(idempotencyKeySchema, 'input'), false, {
          description:
            'Makes retrying safe. 1 to 64 printable ASCII characters chosen by the client, one per intended call. ' +
            'A retry with the same key and the same body (compared after validation: whitespace and field order do not matter) gets the first response again — ' +
            'the same status, body and Location — and places no second call, also when the first answer was 504 RequestOutcomeUnknown. ' +
            'The same key with a different body is refused with 422 IDEMPOTENCY_CONFLICT; while the first request is still being processed, 409 IDEMPOTENCY_CONFLICT with Retry-After. ' +
            'A failure that proves no call was placed (400, 422 from Alibaba, 429, 502, and 504 ALIBABA_TIMEOUT or DeadlineExceeded) is not remembered: a retry with the key is sent again. ' +
            'Keys belong to their caller (the IAM identity that signed the request, or the JWT subject at its issuer): the same key from another caller places its own call. ' +
            'Keys are remembered for IDEMPOTENCY_TTL_SECONDS (default 24 hours) and shared with the `idempotencyKey` of SQS messages sent by the same IAM identity.',
          example: 'order-001-attempt',
        }),
      },
      headers: {
        CallRequestLocation: { description: 'Where to read the request: /call-requests/{requestId}.', schema: { type: 'string' }, example: `/call-requests/${EXAMPLE_REQUEST_ID}` },
        Location: { description: 'Where to read the call: /calls/{url-encoded callId}.', schema: { type: 'string' }, example: '/calls/116012354148%5E102813781234' },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'string', pattern: '^\\d+$' } },
      },
      responses: Object.fromEntries(
        Object.entries(PROBLEM_RESPONSES).map(([name, [status, description]]) => [
          name,
          {
            description,
            ...(status === '429' || status === '409' ? { headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } } : {}),
            content: { 'application/problem+json': { schema: ref('Problem') } },
          },
        ]),
      ),
      securitySchemes: {
        awsSigV4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description:
            'AWS Signature Version 4 (IAM authorization on every route of the deployed API; service `execute-api`). ' +
            'API Gateway answers 403 before the function when the signature is missing or not allowed. Not required by `npm start`.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        receiptPushToken: {
          type: 'apiKey',
          name: PUSH_TOKEN_PARAMETER,
          in: 'query',
          description:
            'The shared secret of the receipt push route only (RECEIPT_PUSH_TOKEN_PARAM), compared in constant time; a missing or wrong token gets 401 before the body is read.',
        },
      },
    },
  };
}

/** The committed form: two-space JSON with a trailing newline (key order is the construction order). */
export function serialiseOpenApiDocument(document: Json = buildOpenApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
