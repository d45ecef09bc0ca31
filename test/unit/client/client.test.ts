/**
 * The client (client/src) against a scripted local HTTP server: what it sends for each operation,
 * the Idempotency-Key of placements and new call requests, which failures it retries and which it
 * hands back as typed errors. SigV4 is in sigv4.test.ts; the client against the real local stack in
 * test/e2e.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, VoiceApiError, VoiceApiNetworkError, type CallRequest, type ClientOptions, type CreateCallRequest } from '../../../client/src/index.ts';
import { OPENAPI_DOCUMENT } from '../../../scripts/client/types.ts';
import { problemAnswer, startScriptedServer, type ScriptedServer } from './scriptedServer.ts';

const TTS = { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789', ttsParam: { code: '1234' } } as const;
const PLACED = { callId: '116012354148^102813781234', type: 'tts', outId: 'order-001', requestId: 'A-1', status: 'placed', createdAt: '2026-11-24T15:41:00.390Z' };
const CALL = { ...PLACED, prodId: '11010000138001', updatedAt: PLACED.createdAt, receipts: [] };
// The call-request body and answer are openapi.json's own examples: the shapes the API documents.
const documentedPaths = JSON.parse(readFileSync(OPENAPI_DOCUMENT, 'utf8')).paths;
const REMINDER: CreateCallRequest = documentedPaths['/call-requests'].post.requestBody.content['application/json'].examples.deliveryReminder.value;
const CALL_REQUEST: CallRequest = documentedPaths['/call-requests'].post.responses['202'].content['application/json'].example;
const CALL_REQUEST_ID = CALL_REQUEST.requestId;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer();
});

afterEach(() => {
  server.requests.length = 0;
  server.script();
});

afterAll(() => server.close());

/** A client of the scripted server; backoffs of a few ms keep the retries quick. */
function client(options: Partial<ClientOptions> = {}) {
  return createClient({ baseUrl: server.url, auth: 'none', retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...options });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail');
}

describe('placeCall', () => {
  it('POSTs the body as JSON to /calls with a new Idempotency-Key and returns the 202 body', async () => {
    server.script({ status: 202, headers: { location: '/calls/116012354148%5E102813781234' }, body: PLACED });
    const placed = await client().placeCall(TTS);
    expect(placed).toEqual(PLACED);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', target: '/calls' });
    expect(JSON.parse(request!.body)).toEqual(TTS);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.accept).toBe('application/json, application/problem+json');
    expect(request!.headers['idempotency-key']).toMatch(UUID);
    expect(request!.headers.authorization).toBeUndefined();
  });

  it('gives every placement its own key, and sends the caller\'s key when given one', async () => {
    server.script({ status: 202, body: PLACED }, { status: 202, body: PLACED }, { status: 202, body: PLACED });
    const voice = client();
    await voice.placeCall(TTS);
    await voice.placeCall(TTS);
    await voice.placeCall(TTS, { idempotencyKey: 'order-17-call' });
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('order-17-call');
  });

  it('keeps the same key and body across its retries after 5xx, a dropped connection and a 409 still in progress', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), 'drop', problemAnswer(409, 'IDEMPOTENCY_CONFLICT', { 'retry-after': '0' }), { status: 202, body: PLACED });
    const placed = await client({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }).placeCall(TTS);
    expect(placed.callId).toBe(PLACED.callId);
    expect(server.requests).toHaveLength(4);
    expect(new Set(server.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    expect(new Set(server.requests.map((request) => request.body)).size).toBe(1);
  });

  it('never sends again after a 504 RequestOutcomeUnknown: the typed error says so and carries the key', async () => {
    server.script(problemAnswer(504, 'RequestOutcomeUnknown'), { status: 202, body: PLACED });
    const error = await failure(client().placeCall(TTS, { idempotencyKey: 'order-18' }));
    expect(server.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(VoiceApiError);
    expect(error).toMatchObject({ status: 504, code: 'RequestOutcomeUnknown', outcomeUnknown: true, idempotencyKey: 'order-18', attempts: 1, operation: 'placeCall' });
  });

  it('hands back a reused key (422 IDEMPOTENCY_CONFLICT) without retrying', async () => {
    server.script(problemAnswer(422, 'IDEMPOTENCY_CONFLICT'));
    const error = await failure(client().placeCall(TTS, { idempotencyKey: 'used' }));
    expect(error).toMatchObject({ status: 422, code: 'IDEMPOTENCY_CONFLICT', outcomeUnknown: false });
    expect(server.requests).toHaveLength(1);
  });

  it('after every attempt failed without an answer, throws VoiceApiNetworkError with the key to send again with', async () => {
    server.script('drop', 'drop', 'drop');
    const error = await failure(client().placeCall(TTS, { idempotencyKey: 'order-19' }));
    expect(error).toBeInstanceOf(VoiceApiNetworkError);
    expect(error).toMatchObject({ attempts: 3, idempotencyKey: 'order-19', operation: 'placeCall' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(3);
  });
});

describe('getCall', () => {
  it('GETs the call with its CallId as one encoded path segment and the query RFC 3986-encoded', async () => {
    server.script({ status: 200, body: CALL }, { status: 200, body: CALL });
    const voice = client();
    expect(await voice.getCall(PLACED.callId)).toEqual(CALL);
    await voice.getCall('a/b c', { live: 'true', prodId: '11010000138001' });
    expect(server.requests.map((request) => [request.method, request.target])).toEqual([
      ['GET', '/calls/116012354148%5E102813781234'],
      ['GET', '/calls/a%2Fb%20c?live=true&prodId=11010000138001'],
    ]);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
  });

  it('retries 5xx, dropped connections and timed-out attempts', async () => {
    server.script(problemAnswer(502, 'ALIBABA_UNREACHABLE'), 'drop', 'hang', { status: 200, body: CALL });
    const call = await client({ attemptTimeoutMs: 300, retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }).getCall(PLACED.callId);
    expect(call.callId).toBe(PLACED.callId);
    expect(server.requests).toHaveLength(4);
  });

  it('stops after maxAttempts and reports the last answer with the number of attempts', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), problemAnswer(503, 'STORE_UNAVAILABLE'), problemAnswer(503, 'STORE_UNAVAILABLE'));
    const error = await failure(client().getCall(PLACED.callId));
    expect(error).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE', attempts: 3, operation: 'getCall' });
    expect((error as VoiceApiError).idempotencyKey).toBeUndefined();
    expect(server.requests).toHaveLength(3);
  });

  it('sends once when retrying is off', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), { status: 200, body: CALL });
    await failure(client({ retry: false }).getCall(PLACED.callId));
    expect(server.requests).toHaveLength(1);
  });

  it('turns a 404 into NOT_FOUND at once', async () => {
    server.script(problemAnswer(404, 'NOT_FOUND'));
    expect(await failure(client().getCall('1^2'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(server.requests).toHaveLength(1);
  });
});

describe('cancelCall', () => {
  it('POSTs no body to /calls/{callId}/cancel and returns the result', async () => {
    server.script({ status: 200, body: { callId: PLACED.callId, cancelled: true, requestId: 'B-2' } });
    expect(await client().cancelCall(PLACED.callId)).toEqual({ callId: PLACED.callId, cancelled: true, requestId: 'B-2' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', target: '/calls/116012354148%5E102813781234/cancel', body: '' });
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('is not sent again after a 5xx or a dropped connection: it may have been done', async () => {
    server.script(problemAnswer(502, 'ALIBABA_UNREACHABLE'));
    expect(await failure(client().cancelCall(PLACED.callId))).toMatchObject({ status: 502, attempts: 1 });
    server.script('drop');
    expect(await failure(client().cancelCall(PLACED.callId))).toBeInstanceOf(VoiceApiNetworkError);
    expect(server.requests).toHaveLength(2);
  });

  it('is sent again after a 429, which proves nothing was done', async () => {
    server.script(problemAnswer(429, 'Throttling.User', { 'retry-after': '0' }), { status: 200, body: { callId: PLACED.callId, cancelled: false, requestId: 'B-3' } });
    expect(await client().cancelCall(PLACED.callId)).toMatchObject({ cancelled: false });
    expect(server.requests).toHaveLength(2);
  });
});

describe('createCallRequest', () => {
  it('POSTs the body as JSON to /call-requests with a new Idempotency-Key, or the caller\'s, and returns the 202 body', async () => {
    server.script({ status: 202, headers: { location: `/call-requests/${CALL_REQUEST_ID}` }, body: CALL_REQUEST }, { status: 202, body: CALL_REQUEST });
    const voice = client();
    expect(await voice.createCallRequest(REMINDER)).toEqual(CALL_REQUEST);
    await voice.createCallRequest(REMINDER, { idempotencyKey: 'reminder-8841' });
    const [generated, given] = server.requests;
    expect(generated).toMatchObject({ method: 'POST', target: '/call-requests' });
    expect(JSON.parse(generated!.body)).toEqual(REMINDER);
    expect(generated!.headers['content-type']).toBe('application/json');
    expect(generated!.headers['idempotency-key']).toMatch(UUID);
    expect(given!.headers['idempotency-key']).toBe('reminder-8841');
  });

  it('keeps the same key and body across its retries after 5xx, a dropped connection and a 409 still in progress', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), 'drop', problemAnswer(409, 'IDEMPOTENCY_CONFLICT', { 'retry-after': '0' }), { status: 202, body: CALL_REQUEST });
    const created = await client({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }).createCallRequest(REMINDER);
    expect(created.requestId).toBe(CALL_REQUEST_ID);
    expect(server.requests.map((request) => request.target)).toEqual(Array(4).fill('/call-requests'));
    expect(new Set(server.requests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    expect(new Set(server.requests.map((request) => request.body)).size).toBe(1);
  });

  it('hands back a 400 at once as a VoiceApiError naming the field, with the key it was sent with', async () => {
    server.script(problemAnswer(400, 'VALIDATION_FAILED', {}, { errors: [{ path: 'call.calledNumber', message: 'must be 5-20 digits' }] }));
    const error = await failure(client().createCallRequest({ ...REMINDER, call: { ...REMINDER.call, calledNumber: '12' } }, { idempotencyKey: 'reminder-8842' }));
    expect(error).toBeInstanceOf(VoiceApiError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', operation: 'createCallRequest', attempts: 1, idempotencyKey: 'reminder-8842' });
    expect((error as VoiceApiError).problem.errors).toEqual([{ path: 'call.calledNumber', message: 'must be 5-20 digits' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('after every attempt failed without an answer, throws VoiceApiNetworkError with the key to send again with', async () => {
    server.script('drop', 'drop', 'drop');
    const error = await failure(client().createCallRequest(REMINDER));
    expect(error).toBeInstanceOf(VoiceApiNetworkError);
    expect(error).toMatchObject({ attempts: 3, operation: 'createCallRequest', idempotencyKey: server.requests[0]!.headers['idempotency-key'] });
    expect(server.requests).toHaveLength(3);
  });
});

describe('getCallRequest', () => {
  it('GETs /call-requests/{requestId}, the id one encoded path segment, and returns the request', async () => {
    server.script({ status: 200, body: CALL_REQUEST }, { status: 200, body: CALL_REQUEST });
    const voice = client();
    expect(await voice.getCallRequest(CALL_REQUEST_ID)).toEqual(CALL_REQUEST);
    await voice.getCallRequest('cr_a/b c?');
    expect(server.requests.map((request) => [request.method, request.target, request.body])).toEqual([
      ['GET', `/call-requests/${CALL_REQUEST_ID}`, ''],
      ['GET', '/call-requests/cr_a%2Fb%20c%3F', ''],
    ]);
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
  });

  it('is a read: retries 5xx, dropped connections and timed-out attempts', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), 'drop', 'hang', { status: 200, body: CALL_REQUEST });
    const request = await client({ attemptTimeoutMs: 300, retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }).getCallRequest(CALL_REQUEST_ID);
    expect(request.status).toBe('scheduled');
    expect(server.requests).toHaveLength(4);
  });

  it('turns a 404 into a VoiceApiError NOT_FOUND at once', async () => {
    server.script(problemAnswer(404, 'NOT_FOUND'));
    const error = await failure(client().getCallRequest(CALL_REQUEST_ID));
    expect(error).toBeInstanceOf(VoiceApiError);
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND', operation: 'getCallRequest', attempts: 1, idempotencyKey: undefined });
    expect(server.requests).toHaveLength(1);
  });
});

describe('cancelCallRequest', () => {
  it('POSTs no body to /call-requests/{requestId}/cancel and returns the result', async () => {
    server.script({ status: 200, body: { requestId: 'cr_a/b', cancelled: true, status: 'cancelled' } });
    expect(await client().cancelCallRequest('cr_a/b')).toEqual({ requestId: 'cr_a/b', cancelled: true, status: 'cancelled' });
    expect(server.requests[0]).toMatchObject({ method: 'POST', target: '/call-requests/cr_a%2Fb/cancel', body: '' });
    expect(server.requests[0]!.headers['content-type']).toBeUndefined();
    expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('is sent again after a 5xx, a dropped connection and a 429: a repeat finds the request ended and changes nothing', async () => {
    const repeated = { requestId: CALL_REQUEST_ID, cancelled: false, status: 'cancelled' };
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), 'drop', problemAnswer(429, 'Throttling.User', { 'retry-after': '0' }), { status: 200, body: repeated });
    expect(await client({ retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } }).cancelCallRequest(CALL_REQUEST_ID)).toEqual(repeated);
    expect(server.requests.map((request) => request.target)).toEqual(Array(4).fill(`/call-requests/${CALL_REQUEST_ID}/cancel`));
  });

  it('hands back a 4xx at once as a VoiceApiError', async () => {
    server.script(problemAnswer(400, 'VALIDATION_FAILED', {}, { errors: [{ path: 'path.requestId', message: 'must be a call request id (cr_ and 22 characters of A-Z a-z 0-9 _ -)' }] }));
    const error = await failure(client().cancelCallRequest('42'));
    expect(error).toBeInstanceOf(VoiceApiError);
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', operation: 'cancelCallRequest', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

describe('errors', () => {
  it('carries the problem+json answer: status, code, Retry-After and the problem with its extension members', async () => {
    const answer = problemAnswer(429, 'FLOW_CONTROL', { 'retry-after': '45' }, { retryAt: '2026-11-24T15:42:00Z', limit: '1/60' });
    server.script(answer);
    const error = await failure(client().placeCall(TTS));
    expect(error).toBeInstanceOf(VoiceApiError);
    // 45 s is over the 10 s bound: handed back at once rather than waited for.
    expect(server.requests).toHaveLength(1);
    const apiError = error as VoiceApiError;
    expect(apiError).toMatchObject({ name: 'VoiceApiError', status: 429, code: 'FLOW_CONTROL', retryAfterSeconds: 45 });
    expect(apiError.problem).toEqual((answer as { body: unknown }).body);
    expect(apiError.problem.limit).toBe('1/60');
    expect(apiError.message).toBe('placeCall: 429 FLOW_CONTROL: detail of FLOW_CONTROL');
  });

  it('lists the invalid fields of a 400', async () => {
    server.script(problemAnswer(400, 'VALIDATION_FAILED', {}, { errors: [{ path: 'calledNumber', message: 'must be 5-20 digits' }] }));
    const error = (await failure(client().placeCall({ ...TTS, calledNumber: '12' }))) as VoiceApiError;
    expect(error.problem.errors).toEqual([{ path: 'calledNumber', message: 'must be 5-20 digits' }]);
  });

  it('makes a problem of an error answer that is not problem+json (API Gateway\'s own 403)', async () => {
    server.script({ status: 403, body: { message: 'Forbidden' } });
    const error = (await failure(client().getCall('1^2'))) as VoiceApiError;
    expect(error).toBeInstanceOf(VoiceApiError);
    expect(error).toMatchObject({ status: 403, code: 'HTTP_403' });
    expect(error.problem).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'Forbidden', code: 'HTTP_403' });
  });
});

describe('options', () => {
  it('sends a bearer token, asking a token function before every attempt', async () => {
    server.script(problemAnswer(503, 'STORE_UNAVAILABLE'), { status: 200, body: CALL }, { status: 200, body: CALL });
    let issued = 0;
    await client({ auth: { token: () => `token-${++issued}` } }).getCall('1^2');
    await client({ auth: { token: 'fixed.jwt.value' } }).getCall('1^2');
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2', 'Bearer fixed.jwt.value']);
  });

  it('keeps the base URL\'s path (a custom domain\'s base path mapping)', async () => {
    server.script({ status: 200, body: CALL });
    await createClient({ baseUrl: `${server.url}/voice/`, auth: 'none' }).getCall('1^2');
    expect(server.requests[0]!.target).toBe('/voice/calls/1%5E2');
  });

  it('stops at once when the caller aborts, also while waiting to retry', async () => {
    server.script(problemAnswer(429, 'Throttling.User', { 'retry-after': '5' }), { status: 200, body: CALL });
    const controller = new AbortController();
    const pending = failure(client().getCall('1^2', {}, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({ message: 'caller gave up' });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses settings it cannot work with, naming them', () => {
    expect(() => createClient({ baseUrl: 'ftp://example.com', auth: 'none' })).toThrow(/baseUrl/);
    expect(() => createClient({ baseUrl: server.url, auth: 'basic' as never })).toThrow(/auth must be/);
    const region = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      expect(() => createClient({ baseUrl: 'https://api.example.com', auth: 'sigv4' })).toThrow(/region/);
    } finally {
      if (region !== undefined) process.env.AWS_REGION = region;
    }
  });
});
