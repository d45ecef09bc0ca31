/**
 * The one error -> HTTP mapping (shared/http/problem.ts) against docs/http-api.md#errors: every error
 * class and every AlibabaError kind becomes an application/problem+json body with a stable `code`,
 * 5xx bodies carry no Alibaba message or internal detail, and unknown failures are a generic 500.
 */
import { describe, expect, it } from 'vitest';
import {
  AlibabaError,
  ConfigError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  NotFoundError,
  SecretReadError,
  StoreUnavailableError,
  UnauthorizedError,
  ValidationError,
  type AlibabaErrorKind,
} from '#shared/errors';
import { toProblem, type ProblemResponse } from '#shared/http/problem';

/** Text that only Alibaba or our internals know; it must never reach a 5xx body. */
const ALIBABA_MESSAGE = 'Specified access key 7QxSecretHint is not found for account 1943695596114318';
const ALIBABA_REQUEST_ID = 'F4C3A1B2-0000-1111-2222-333344445555';
const INTERNAL_CAUSE = new Error('connect ECONNREFUSED 10.0.3.7:443 at TLSSocket.onConnectEnd');

function alibabaError(kind: AlibabaErrorKind, code: string, details: ConstructorParameters<typeof AlibabaError>[3] = {}) {
  return new AlibabaError(kind, code, ALIBABA_MESSAGE, { requestId: ALIBABA_REQUEST_ID, cause: INTERNAL_CAUSE, ...details });
}

interface Expected {
  status: number;
  code: string;
  title: string;
  headers: Record<string, string>;
  unexpected: boolean;
}

const cases: [name: string, error: unknown, expected: Expected][] = [
  [
    'ValidationError (default)',
    new ValidationError([{ path: 'calledNumber', message: 'is required' }]),
    { status: 400, code: 'VALIDATION_FAILED', title: 'Invalid request', headers: {}, unexpected: false },
  ],
  [
    'ValidationError with status 413',
    new ValidationError([{ path: 'body', message: 'must be at most 16384 bytes' }], { status: 413 }),
    { status: 413, code: 'VALIDATION_FAILED', title: 'Payload too large', headers: {}, unexpected: false },
  ],
  [
    'ValidationError with status 415',
    new ValidationError([{ path: 'header.content-type', message: 'must be application/json' }], { status: 415 }),
    { status: 415, code: 'VALIDATION_FAILED', title: 'Unsupported media type', headers: {}, unexpected: false },
  ],
  [
    'NotFoundError',
    new NotFoundError(`Call 116012354148^102813781234`),
    { status: 404, code: 'NOT_FOUND', title: 'Not found', headers: {}, unexpected: false },
  ],
  [
    'IdempotencyConflictError',
    new IdempotencyConflictError(),
    { status: 422, code: 'IDEMPOTENCY_CONFLICT', title: 'Idempotency key reused', headers: {}, unexpected: false },
  ],
  [
    'IdempotencyInProgressError',
    new IdempotencyInProgressError(),
    { status: 409, code: 'IDEMPOTENCY_CONFLICT', title: 'Request in progress', headers: { 'retry-after': '1' }, unexpected: false },
  ],
  [
    'AlibabaError rejected (isv.MOBILE_NUMBER_ILLEGAL)',
    alibabaError('rejected', 'isv.MOBILE_NUMBER_ILLEGAL'),
    { status: 422, code: 'isv.MOBILE_NUMBER_ILLEGAL', title: 'Rejected by Alibaba', headers: {}, unexpected: false },
  ],
  [
    'AlibabaError rejected (gateway MissingCalledNumber)',
    alibabaError('rejected', 'MissingCalledNumber'),
    { status: 422, code: 'MissingCalledNumber', title: 'Rejected by Alibaba', headers: {}, unexpected: false },
  ],
  [
    'AlibabaError throttled with retryAfterSeconds 60 (isv.BUSINESS_LIMIT_CONTROL)',
    alibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', { retryAfterSeconds: 60 }),
    { status: 429, code: 'isv.BUSINESS_LIMIT_CONTROL', title: 'Flow control', headers: { 'retry-after': '60' }, unexpected: false },
  ],
  [
    'AlibabaError throttled with retryAfterSeconds 1 (Throttling.User)',
    alibabaError('throttled', 'Throttling.User', { retryAfterSeconds: 1 }),
    { status: 429, code: 'Throttling.User', title: 'Flow control', headers: { 'retry-after': '1' }, unexpected: false },
  ],
  [
    'AlibabaError throttled with retryAfterSeconds 3600 (isv.VOICE_CALL_PERIOD_ERROR)',
    alibabaError('throttled', 'isv.VOICE_CALL_PERIOD_ERROR', { retryAfterSeconds: 3600 }),
    { status: 429, code: 'isv.VOICE_CALL_PERIOD_ERROR', title: 'Flow control', headers: { 'retry-after': '3600' }, unexpected: false },
  ],
  [
    'AlibabaError throttled without retryAfterSeconds (default 1 s, like the classifier)',
    alibabaError('throttled', 'Throttling'),
    { status: 429, code: 'Throttling', title: 'Flow control', headers: { 'retry-after': '1' }, unexpected: false },
  ],
  [
    'AlibabaError account (isv.ACCOUNT_NOT_EXISTS)',
    alibabaError('account', 'isv.ACCOUNT_NOT_EXISTS'),
    { status: 502, code: 'isv.ACCOUNT_NOT_EXISTS', title: 'Upstream configuration error', headers: {}, unexpected: true },
  ],
  [
    'AlibabaError account (SignatureDoesNotMatch)',
    alibabaError('account', 'SignatureDoesNotMatch', { httpStatus: 400 }),
    { status: 502, code: 'SignatureDoesNotMatch', title: 'Upstream configuration error', headers: {}, unexpected: true },
  ],
  [
    'AlibabaError transient (ServiceUnavailable)',
    alibabaError('transient', 'ServiceUnavailable', { httpStatus: 503 }),
    { status: 502, code: 'ServiceUnavailable', title: 'Upstream unavailable', headers: {}, unexpected: true },
  ],
  [
    'AlibabaError transient that timed out',
    alibabaError('transient', 'UND_ERR_HEADERS_TIMEOUT', { timedOut: true }),
    { status: 504, code: 'ALIBABA_TIMEOUT', title: 'Upstream timeout', headers: {}, unexpected: true },
  ],
  [
    'AlibabaError ambiguous (sent, no answer)',
    alibabaError('ambiguous', 'UND_ERR_SOCKET', { timedOut: true }),
    { status: 504, code: 'UND_ERR_SOCKET', title: 'Outcome unknown', headers: {}, unexpected: true },
  ],
  [
    'UnauthorizedError with a challenge',
    new UnauthorizedError('A valid token is required', 'Token'),
    { status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized', headers: { 'www-authenticate': 'Token' }, unexpected: false },
  ],
  [
    'StoreUnavailableError',
    new StoreUnavailableError('BatchWriteItem timed out'),
    { status: 503, code: 'STORE_UNAVAILABLE', title: 'Service unavailable', headers: {}, unexpected: true },
  ],
  [
    'SecretReadError (SSM unreachable, no cached value)',
    new SecretReadError('SSM parameter /aliyun-voice/dev/alibaba-credentials', 'DeadlineExceeded', 'no value read before the request deadline'),
    { status: 503, code: 'CREDENTIALS_UNAVAILABLE', title: 'Service unavailable', headers: {}, unexpected: true },
  ],
];

describe('toProblem: status, code, title and headers per error', () => {
  it.each(cases)('%s', (_name, error, expected) => {
    // act
    const response = toProblem(error);
    // assert
    expect({
      status: response.problem.status,
      code: response.problem.code,
      title: response.problem.title,
      headers: response.headers,
      unexpected: response.unexpected,
    }).toEqual(expected);
  });

  it.each(cases)('%s: has type, title, status, detail and code (RFC 9457 + README.md)', (_name, error) => {
    const { problem } = toProblem(error);
    // An absolute URI (RFC 9457 §3.1.1): a scheme, then no whitespace.
    expect(problem.type).toMatch(/^[a-z][a-z0-9+.-]*:\S+$/i);
    for (const field of ['title', 'detail', 'code'] as const) {
      expect(typeof problem[field]).toBe('string');
      expect(problem[field]).not.toBe('');
    }
    expect(Number.isInteger(problem.status)).toBe(true);
    expect(problem.status).toBeGreaterThanOrEqual(400);
    expect(problem.status).toBeLessThan(600);
  });

  it.each(cases)('%s: includes requestId when given, and omits it otherwise', (_name, error) => {
    expect(toProblem(error, 'apigw-req-1').problem.requestId).toBe('apigw-req-1');
    expect(toProblem(error).problem).not.toHaveProperty('requestId');
  });

  it.each(cases.filter(([, , expected]) => expected.status === 429))('%s: Retry-After is whole seconds', (_name, error) => {
    expect(toProblem(error).headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('toProblem: what the caller learns', () => {
  it('ValidationError: lists every field issue and describes them in detail', () => {
    const issues = [
      { path: 'playTimes', message: 'must be at most 3' },
      { path: 'menuKeyMap.0.key', message: 'must be one keypad key: 0-9, * or #' },
    ];
    const { problem } = toProblem(new ValidationError(issues));
    expect(problem.errors).toEqual(issues);
    expect(problem.detail).toBe('playTimes: must be at most 3; menuKeyMap.0.key: must be one keypad key: 0-9, * or #');
  });

  it('ValidationError: an explicit detail wins over the generated one', () => {
    const { problem } = toProblem(
      new ValidationError([{ path: 'header.content-type', message: 'must be application/json' }], {
        status: 415,
        detail: 'The body must be JSON sent with Content-Type: application/json',
      }),
    );
    expect(problem.detail).toBe('The body must be JSON sent with Content-Type: application/json');
    expect(problem.errors).toEqual([{ path: 'header.content-type', message: 'must be application/json' }]);
  });

  it('NotFoundError: names the missing resource', () => {
    expect(toProblem(new NotFoundError('Call 1^2')).problem.detail).toBe('Call 1^2 was not found');
  });

  it.each([
    ['rejected', 422],
    ['throttled', 429],
  ] as const)('AlibabaError %s (%i): keeps Alibaba\'s message and RequestId so the caller can fix or report it', (kind, status) => {
    const { problem } = toProblem(alibabaError(kind, 'isv.X'));
    expect(problem.status).toBe(status);
    expect(problem.detail).toContain(ALIBABA_MESSAGE);
    expect(problem.detail).toContain(ALIBABA_REQUEST_ID);
  });

  it('only problems that are not the caller\'s fault carry errors: none of the non-validation ones do', () => {
    for (const [, error] of cases.filter(([, e]) => !(e instanceof ValidationError))) {
      expect(toProblem(error).problem).not.toHaveProperty('errors');
    }
  });

  it('gives each code its own type URI', () => {
    const types = new Map<string, string>();
    for (const [, error] of cases) {
      const { problem } = toProblem(error);
      types.set(problem.code, problem.type);
    }
    expect(new Set(types.values()).size).toBe(types.size);
  });
});

/** Everything in a response a client could see, as one string. */
function visible(response: ProblemResponse): string {
  return JSON.stringify({ problem: response.problem, headers: response.headers });
}

describe('toProblem: 5xx bodies carry no Alibaba message and no internals', () => {
  const serverSide = cases.filter(([, , expected]) => expected.status >= 500);

  it('covers every 5xx kind', () => {
    expect(serverSide.map(([name]) => name)).toHaveLength(7);
  });

  it.each(serverSide)('%s', (_name, error) => {
    const text = visible(toProblem(error, 'apigw-req-1'));
    expect(text).not.toContain(ALIBABA_MESSAGE);
    expect(text).not.toContain('7QxSecretHint');
    expect(text).not.toContain(ALIBABA_REQUEST_ID);
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('10.0.3.7');
    expect(text).not.toMatch(/\bat \S+ \(|stack/i);
  });
});

describe('toProblem: anything else is a generic 500 INTERNAL_ERROR', () => {
  const secretMessage = 'getaddrinfo ENOTFOUND dynamodb.internal password=hunter2';

  it.each([
    ['an Error', new Error(secretMessage)],
    ['a TypeError', new TypeError(`Cannot read properties of undefined (reading 'callId') ${secretMessage}`)],
    ['a ConfigError (deployment problem, not the caller\'s)', new ConfigError('ALIYUN_ACCESS_KEY_SECRET', secretMessage)],
    ['a thrown string', secretMessage],
    ['a thrown object', { message: secretMessage, code: 'ResourceNotFoundException' }],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
  ])('%s', (_name, thrown) => {
    // act
    const response = toProblem(thrown, 'apigw-req-1');
    // assert
    expect(response.problem).toEqual({
      type: expect.stringMatching(/^[a-z][a-z0-9+.-]*:\S+$/i),
      title: 'Internal error',
      status: 500,
      detail: 'The request could not be completed.',
      code: 'INTERNAL_ERROR',
      requestId: 'apigw-req-1',
    });
    expect(response.headers).toEqual({});
    expect(response.unexpected).toBe(true);
    expect(visible(response)).not.toContain('hunter2');
    expect(visible(response)).not.toContain('ResourceNotFoundException');
  });

  it('does not mistake an object with an Alibaba-like shape for an AlibabaError', () => {
    const lookalike = { name: 'AlibabaError', kind: 'rejected', code: 'isv.X', message: ALIBABA_MESSAGE };
    expect(toProblem(lookalike).problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
