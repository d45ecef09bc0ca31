/**
 * POST /calls with an Idempotency-Key (README.md): the placeCall handler as API Gateway invokes it,
 * against the sandbox (which counts the calls Alibaba would place) and DynamoDB Local's
 * idempotency table.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callers } from '#shared/calls/callers';
import {
  IDEMPOTENCY_KEY_NAMESPACE,
  idempotencyKeys,
  parsePlacementRequest,
  placementIdempotencyConfig,
  placementPayload,
} from '#shared/calls/placement';
import { createIdempotencyStore } from '#shared/store/idempotencyStore';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventually, expectNoInternalDetail, expectProblem, expectValidationProblem, freshNumber, invoke, type HttpResponse } from '../handlers/harness.ts';
import { usePlacementHandlers, testDynamo } from './harness.ts';

const harness = usePlacementHandlers();

function ttsBody(calledNumber = freshNumber()): Record<string, unknown> {
  return { type: 'tts', calledNumber, ttsCode: 'TTS_123456789', ttsParam: { code: '1234' }, outId: 'order-17' };
}

function post(body: unknown, key?: string, context = lambdaContext(), authorizer?: unknown): Promise<HttpResponse> {
  return invoke(
    harness.placeCall,
    { method: 'POST', route: '/calls', body, headers: key === undefined ? {} : { 'Idempotency-Key': key }, ...(authorizer === undefined ? {} : { authorizer }) },
    context,
  );
}

/** The caller of the captured IAM event every request here is built on (test/fixtures/apigw-http/iam-auth.json). */
const CAPTURED_CALLER = callers.aws('ABCOAXZWZ5ZDPNIH6C6ODK:aamorosi');
const iam = (userId: string) => ({ iam: { accessKey: 'ASIAEXAMPLE', accountId: '123456789012', userId, userArn: `arn:aws:sts::123456789012:assumed-role/x/${userId}` } });
const jwt = (sub: string) => ({ jwt: { claims: { iss: 'https://issuer.example.com/', sub, aud: 'aliyun-voice-api' }, scopes: ['calls:write'] } });

/** A key no other test uses. */
const newKey = (): string => `order-${randomUUID()}`;

describe('a retried request with the same key', () => {
  it('places one call and answers the first response again: same status, body and Location', async () => {
    const key = newKey();
    const body = ttsBody();

    const first = await post(body, key);
    const retry = await post(body, key);

    expect(first.status, first.text).toBe(202);
    expect(retry.status, retry.text).toBe(202);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['content-type']).toBe('application/json');
    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('compares the validated request, not its text: other whitespace and field order replay', async () => {
    const key = newKey();
    const calledNumber = freshNumber();
    const first = await post(ttsBody(calledNumber), key);
    const reordered = `{ "outId":"order-17", "ttsParam": {"code": "1234"},\n "ttsCode":"TTS_123456789", "calledNumber":"${calledNumber}", "type":"tts" }`;

    const retry = await invoke(harness.placeCall, {
      method: 'POST',
      route: '/calls',
      body: reordered,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
    });

    expect(first.status, first.text).toBe(202);
    expect(retry.text).toBe(first.text);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('places a new call for a new key, and for a request without a key every time', async () => {
    const body = ttsBody();
    await post(body, newKey());
    // The sandbox's flow control allows one call a minute per number: switch it off for the repeats.
    harness.sandbox.control.setFlowControl(false);

    const otherKey = await post(body, newKey());
    const noKey1 = await post(body);
    const noKey2 = await post(body);

    expect([otherKey.status, noKey1.status, noKey2.status]).toEqual([202, 202, 202]);
    expect(new Set([otherKey.body.callId, noKey1.body.callId, noKey2.body.callId]).size).toBe(3);
    expect(harness.sandbox.control.calls()).toHaveLength(4);
  });
});

describe('keys belong to their caller (docs/security.md#idempotency-keys-per-caller)', () => {
  it('the same key from another IAM principal places its own call: neither replays nor blocks the other', async () => {
    const key = newKey();
    const body = ttsBody();
    harness.sandbox.control.setFlowControl(false);

    const mine = await post(body, key, lambdaContext(), iam('AIDAFIRSTUSEREXAMPLE1'));
    const theirs = await post(body, key, lambdaContext(), iam('AIDASECONDUSEREXAMPLE'));
    const theirConflicting = await post(ttsBody(), key, lambdaContext(), iam('AIDATHIRDUSEREXAMPLE0'));

    expect([mine.status, theirs.status, theirConflicting.status]).toEqual([202, 202, 202]);
    expect(new Set([mine.body.callId, theirs.body.callId, theirConflicting.body.callId]).size).toBe(3);
    expect(harness.sandbox.control.calls()).toHaveLength(3);
  });

  it('the same key from another session of the same role is the same caller: it replays', async () => {
    const key = newKey();
    const body = ttsBody();

    const first = await post(body, key, lambdaContext(), iam('AROAEXAMPLEROLEID1234:session-1'));
    const retry = await post(body, key, lambdaContext(), iam('AROAEXAMPLEROLEID1234:session-2'));

    expect(first.status, first.text).toBe(202);
    expect(retry.text).toBe(first.text);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('with JWT authorisation, the same key from another subject places its own call, and the same subject replays', async () => {
    const key = newKey();
    const body = ttsBody();
    harness.sandbox.control.setFlowControl(false);

    const first = await post(body, key, lambdaContext(), jwt('client-a'));
    const other = await post(body, key, lambdaContext(), jwt('client-b'));
    const retry = await post(body, key, lambdaContext(), jwt('client-a'));

    expect([first.status, other.status]).toEqual([202, 202]);
    expect(other.body.callId).not.toBe(first.body.callId);
    expect(retry.text).toBe(first.text);
    expect(harness.sandbox.control.calls()).toHaveLength(2);
  });
});

describe('the same key with a different request', () => {
  it('is refused with 422 IDEMPOTENCY_CONFLICT (problem+json) and places nothing', async () => {
    const key = newKey();
    const first = await post(ttsBody(), key);

    const conflict = await post(ttsBody(), key);

    expect(first.status).toBe(202);
    expectProblem(conflict, 422, 'IDEMPOTENCY_CONFLICT');
    expect(conflict.body.type).toBe('urn:aliyun-voice:problem:IDEMPOTENCY_CONFLICT');
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });
});

describe('a duplicate while the first request is in flight', () => {
  it('is answered 409 IDEMPOTENCY_CONFLICT with Retry-After; the first places the call; a later retry replays it', async () => {
    const key = newKey();
    const body = ttsBody();
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', latencyMs: 1_500 });

    const inFlight = post(body, key);
    // Alibaba has the first request (and sits on it): its record is in progress.
    await eventually(() => harness.sandbox.control.requests().length === 1);
    const duplicate = await post(body, key);
    const first = await inFlight;
    const later = await post(body, key);

    expectProblem(duplicate, 409, 'IDEMPOTENCY_CONFLICT');
    expect(duplicate.headers['retry-after']).toBe('1');
    expect(first.status, first.text).toBe(202);
    expect(later.text).toBe(first.text);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('no longer blocks once the in-flight record\'s in-progress expiry has passed (an invocation stopped at its timeout)', async () => {
    const key = newKey();
    const body = ttsBody();
    const store = createIdempotencyStore(testDynamo(), process.env.IDEMPOTENCY_TABLE!);
    store.configure({ config: placementIdempotencyConfig(3600), keyPrefix: IDEMPOTENCY_KEY_NAMESPACE });
    const payload = placementPayload(idempotencyKeys.client(key, CAPTURED_CALLER), parsePlacementRequest(body).request);
    // What a stopped invocation leaves behind: an INPROGRESS record, here with 60 s of the first
    // invocation's time left, then with its time run out.
    await store.saveInProgress(payload, 60_000);
    const blocked = await post(body, key);
    await store.deleteRecord(payload);
    await store.saveInProgress(payload, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const retry = await post(body, key);

    expectProblem(blocked, 409, 'IDEMPOTENCY_CONFLICT');
    expect(retry.status, retry.text).toBe(202);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect((await post(body, key)).text).toBe(retry.text);
  });
});

describe('a call whose outcome is unknown', () => {
  it('is remembered: a retry gets the same 504 RequestOutcomeUnknown and nothing is sent again', async () => {
    const key = newKey();
    const body = ttsBody();
    // Alibaba answers after this invocation's deadline: the request was sent, the answer is lost.
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', latencyMs: 2_000 });
    const first = await post(body, key, lambdaContext(1_500));
    await eventually(() => harness.sandbox.control.requests()[0]?.response !== undefined, 5_000);

    const retry = await post(body, key);

    expectProblem(first, 504, 'RequestOutcomeUnknown');
    expectNoInternalDetail(first, harness.sandbox);
    expect(retry.status).toBe(504);
    expect(retry.headers['content-type']).toBe('application/problem+json');
    const { requestId: _first, ...firstProblem } = first.body;
    const { requestId: _retry, ...retryProblem } = retry.body;
    expect(retryProblem).toEqual(firstProblem);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });
});

describe('failures that prove no call was placed', () => {
  it.each([
    ['Alibaba rejects the number (isv.MOBILE_NUMBER_ILLEGAL)', '13900000001', 422, 'isv.MOBILE_NUMBER_ILLEGAL'],
    ['Alibaba flow control (isv.BUSINESS_LIMIT_CONTROL)', '13900000006', 429, 'isv.BUSINESS_LIMIT_CONTROL'],
    ['an account problem (isv.AMOUNT_NOT_ENOUGH)', '13900000003', 502, 'isv.AMOUNT_NOT_ENOUGH'],
  ] as const)('%s: the key is released, so a retry is sent to Alibaba again', async (_name, calledNumber, status, code) => {
    const key = newKey();
    const body = ttsBody(calledNumber);

    const first = await post(body, key);
    const retry = await post(body, key);

    expectProblem(first, status, code);
    expectProblem(retry, status, code);
    expect(harness.sandbox.control.requests()).toHaveLength(2);
  });

  it('a request that fails validation never touches the idempotency table: the key stays free', async () => {
    const key = newKey();
    const invalid = await post({ ...ttsBody(), playTimes: 9 }, key);

    const valid = await post(ttsBody(), key);

    expectValidationProblem(invalid, 400, 'playTimes');
    expect(valid.status, valid.text).toBe(202);
  });
});

describe('a malformed Idempotency-Key', () => {
  it.each([
    ['65 characters', 'k'.repeat(65)],
    ['a control character', 'order\u000117'],
    ['a non-ASCII character', 'заказ-17'],
    ['an empty value', ''],
  ])('(%s) is refused with 400 naming header.idempotency-key, before anything is sent', async (_name, key) => {
    const response = await post(ttsBody(), key);

    expectValidationProblem(response, 400, 'header.idempotency-key');
    expect(harness.sandbox.control.requests()).toHaveLength(0);
  });

  it('is reported together with the body\'s own errors', async () => {
    const response = await post({ ...ttsBody(), playTimes: 9 }, 'k'.repeat(65));

    expectValidationProblem(response, 400, 'header.idempotency-key');
    expectValidationProblem(response, 400, 'playTimes');
  });

  it('64 printable ASCII characters, spaces and symbols included, are a valid key', async () => {
    const key = ('~ !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}' + randomUUID()).slice(0, 64);

    const response = await post(ttsBody(), key);

    expect(key).toHaveLength(64);
    expect(response.status, response.text).toBe(202);
  });
});
