/**
 * POST /calls end to end (docs/http-api.md): the placeCall handler as API Gateway invokes it,
 * signing with V1 against the local Alibaba sandbox and recording into DynamoDB Local.
 * placeCall.v3.test.ts proves the same through ACS3-HMAC-SHA256.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { CALL_TYPE_NAMES, encodingRequest, fullRequest, type CallTypeName } from './fullRequests.ts';
import {
  DAY_SECONDS,
  PROD_IDS,
  eventually,
  expectNoInternalDetail,
  expectProblem,
  freshNumber,
  getCallById,
  postCall,
  readCallItem,
  startHandlers,
  type Harness,
} from './harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHandlers({ signatureVersion: 'v1' });
});
afterAll(async () => {
  await harness?.stop();
});
beforeEach(() => {
  harness.sandbox.control.reset();
});

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;
const ALIBABA_CALL_ID = /^\d{12}\^\d{12}$/;

describe('POST /calls with a full-featured body of every call type', () => {
  describe.each(CALL_TYPE_NAMES)('type %s', (type) => {
    it('answers 202 with Location /calls/<url-encoded callId> and the placed call', async () => {
      const request = fullRequest(type, freshNumber);
      const before = Date.now();

      const response = await postCall(harness, request.body);

      const after = Date.now();
      expect(response.status, response.text).toBe(202);
      expect(response.headers['content-type']).toBe('application/json');
      const [placed] = harness.sandbox.control.calls();
      const [seen] = harness.sandbox.control.requests();
      expect(placed?.callId).toMatch(ALIBABA_CALL_ID);
      expect(response.body).toEqual({
        callId: placed!.callId,
        type,
        outId: request.body.outId,
        requestId: seen!.requestId,
        status: 'placed',
        createdAt: expect.stringMatching(ISO_INSTANT),
      });
      expect(response.headers.location).toBe(`/calls/${encodeURIComponent(placed!.callId)}`);
      expect(response.headers.location).toMatch(/^\/calls\/\d{12}%5E\d{12}$/);
      const createdAt = Date.parse(response.body.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before - 1);
      expect(createdAt).toBeLessThanOrEqual(after + 1);
    });

    it(`sends Alibaba exactly the docs/alibaba/actions.md wire parameters of ${fullRequest(type, () => '0').action}, and nothing else`, async () => {
      const request = fullRequest(type, freshNumber);

      const response = await postCall(harness, request.body);

      expect(response.status, response.text).toBe(202);
      const requests = harness.sandbox.control.requests();
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({ action: request.action, method: 'POST', signatureVersion: 'v1', ignoredParams: [] });
      expect(requests[0]!.params).toEqual(request.wire);
      expect(harness.sandbox.control.calls().map((call) => call.params)).toEqual([request.wire]);
    });

    it('records the call: readable through GET /calls/{callId} and stored with a 30-day TTL in epoch seconds and the docs/alibaba/actions.md#querycalldetailbycallid ProdId', async () => {
      const request = fullRequest(type, freshNumber);
      const placed = await postCall(harness, request.body);
      expect(placed.status, placed.text).toBe(202);
      const { callId, createdAt, outId, requestId } = placed.body as Record<string, string>;

      const read = await getCallById(harness, encodeURIComponent(callId!));

      expect(read.status, read.text).toBe(200);
      expect(read.body).toMatchObject({ callId, type, outId, status: 'placed', createdAt, updatedAt: createdAt, receipts: [] });
      for (const internal of ['pk', 'sk', 'expiresAt', 'statusRank']) expect(read.body).not.toHaveProperty(internal);

      const item = await readCallItem(callId!);
      expect(item, 'no item at pk CALL#<callId>, sk CALL').toBeDefined();
      expect(item).toMatchObject({
        pk: { S: `CALL#${callId}` },
        sk: { S: 'CALL' },
        callId: { S: callId },
        type: { S: type },
        outId: { S: outId },
        requestId: { S: requestId },
        status: { S: 'placed' },
        createdAt: { S: createdAt },
      });
      expect(item!.prodId?.S).toBe(type === 'clickToDial' ? undefined : PROD_IDS[type]);
      const expiresAt = Number(item!.expiresAt?.N);
      expect(Number.isInteger(expiresAt), 'expiresAt must be a whole number').toBe(true);
      expect(expiresAt, 'expiresAt must be epoch SECONDS, not milliseconds').toBeLessThan(10_000_000_000);
      expect(Math.abs(expiresAt - (Date.parse(createdAt!) / 1000 + 30 * DAY_SECONDS))).toBeLessThanOrEqual(2);
    });
  });
});

describe('POST /calls without an outId', () => {
  it('generates a 15-character printable ASCII outId (docs/alibaba/actions.md: OutId 1-15 bytes), sends it and returns it', async () => {
    const first = await postCall(harness, { type: 'tts', calledNumber: freshNumber(), ttsCode: 'TTS_123456789' });
    const second = await postCall(harness, { type: 'voice', calledNumber: freshNumber(), voiceCode: 'hello.wav' });

    expect(first.status, first.text).toBe(202);
    expect(second.status, second.text).toBe(202);
    for (const response of [first, second]) expect(response.body.outId).toMatch(/^[\x21-\x7E]{15}$/);
    expect(first.body.outId).not.toBe(second.body.outId);
    expect(harness.sandbox.control.requests().map((request) => request.params.OutId)).toEqual([first.body.outId, second.body.outId]);
    expect((await readCallItem(first.body.callId))?.outId?.S).toBe(first.body.outId);
  });

  it('sends only the given fields of a minimal body (no defaults invented)', async () => {
    const calledNumber = freshNumber();

    const response = await postCall(harness, { type: 'tts', calledNumber, ttsCode: 'TTS_123456789' });

    expect(response.status, response.text).toBe(202);
    expect(harness.sandbox.control.requests()[0]!.params).toEqual({ CalledNumber: calledNumber, TtsCode: 'TTS_123456789', OutId: response.body.outId });
  });

  it('signs and sends text that needs percent-encoding unchanged: punctuation in outId, Chinese and emoji in ttsParam', async () => {
    const { body, wire } = encodingRequest(freshNumber());

    const response = await postCall(harness, body);

    expect(response.status, response.text).toBe(202);
    expect(response.body.outId).toBe(body.outId);
    expect(harness.sandbox.control.requests()[0]).toMatchObject({ signatureVersion: 'v1' });
    expect(harness.sandbox.control.requests()[0]!.params).toEqual(wire);
  });
});

/** The full body of `type` sent to `calledNumber` (for clickToDial: the B leg). */
function bodyCalling(type: CallTypeName, calledNumber: string): Record<string, unknown> {
  return { ...fullRequest(type, freshNumber).body, calledNumber };
}

describe('POST /calls when Alibaba refuses or fails', () => {
  it.each(CALL_TYPE_NAMES)('answers 422 with Alibaba\'s code isv.MOBILE_NUMBER_ILLEGAL for a %s call to an illegal number', async (type) => {
    const response = await postCall(harness, bodyCalling(type, '13900000001'));

    expectProblem(response, 422, 'isv.MOBILE_NUMBER_ILLEGAL');
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(harness.sandbox.control.calls()).toHaveLength(0);
  });

  it('refuses a bare domain in the template variables before Alibaba sees it (isv.PARAM_NOT_SUPPORT_URL)', async () => {
    const response = await postCall(harness, { ...fullRequest('tts', freshNumber).body, ttsParam: { site: 'pay at example.com' } });

    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(harness.sandbox.control.requests()).toHaveLength(0);
  });

  it('answers 422 for content Alibaba refuses (isv.BLACK_KEY_CONTROL_LIMIT)', async () => {
    const response = await postCall(harness, bodyCalling('tts', '13900000002'));

    expectProblem(response, 422, 'isv.BLACK_KEY_CONTROL_LIMIT');
  });

  it.each([
    ['13900000003', 'isv.AMOUNT_NOT_ENOUGH', '账户余额不足'],
    ['13900000004', 'isv.OUT_OF_SERVICE', '业务停机'],
  ])('answers 502 without internal detail when Alibaba refuses the account (%s -> %s)', async (number, code, alibabaMessage) => {
    const response = await postCall(harness, bodyCalling('tts', number));

    expectProblem(response, 502, code);
    expectNoInternalDetail(response, harness.sandbox, alibabaMessage);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('answers 502 for an injected signature refusal (our credentials, not the caller\'s fault)', async () => {
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', error: { code: 'SignatureDoesNotMatch', message: 'server string to sign: POST&%2F&...' } });

    const response = await postCall(harness, bodyCalling('tts', freshNumber()));

    expectProblem(response, 502, 'SignatureDoesNotMatch');
    expectNoInternalDetail(response, harness.sandbox, 'server string to sign');
  });

  it('answers 429 with Retry-After for called-number flow control (isv.BUSINESS_LIMIT_CONTROL)', async () => {
    const response = await postCall(harness, bodyCalling('voice', '13900000006'));

    expectProblem(response, 429, 'isv.BUSINESS_LIMIT_CONTROL');
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  });

  it('answers 429 with Retry-After when the sandbox\'s per-number flow control (1/min) refuses a second call', async () => {
    const calledNumber = freshNumber();
    const first = await postCall(harness, bodyCalling('tts', calledNumber));
    const second = await postCall(harness, bodyCalling('tts', calledNumber));

    expect(first.status, first.text).toBe(202);
    expectProblem(second, 429, 'isv.BUSINESS_LIMIT_CONTROL');
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
  });

  it('lets the same number be called twice when flow control is switched off', async () => {
    harness.sandbox.control.setFlowControl(false);
    const calledNumber = freshNumber();

    const first = await postCall(harness, bodyCalling('tts', calledNumber));
    const second = await postCall(harness, bodyCalling('tts', calledNumber));

    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.callId).not.toBe(second.body.callId);
  });

  it('answers 429 with Retry-After for gateway throttling (Throttling.User)', async () => {
    harness.sandbox.control.addFault({ action: 'SmartCall', error: { code: 'Throttling.User' } });

    const response = await postCall(harness, bodyCalling('smart', freshNumber()));

    expectProblem(response, 429, 'Throttling.User');
    expect(response.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  });

  it('answers 502 for isp.SYSTEM_ERROR (HTTP 500) and does not send the call-placing request again', async () => {
    const response = await postCall(harness, bodyCalling('tts', '13900000005'));

    expectProblem(response, 502, 'isp.SYSTEM_ERROR');
    expectNoInternalDetail(response, harness.sandbox, '系统错误');
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('answers 502 and sends the request only once when Alibaba answers InternalError (retrying could place a second call)', async () => {
    harness.sandbox.control.addFault({ action: 'IvrCall', count: 3, error: { code: 'InternalError', message: 'backend db-7 exploded' } });

    const response = await postCall(harness, bodyCalling('ivr', freshNumber()));

    expect(response.status, response.text).toBe(502);
    expectNoInternalDetail(response, harness.sandbox, 'db-7');
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('answers 504 without internal detail, within the Lambda deadline, when Alibaba answers too late', async () => {
    harness.sandbox.control.addFault({ action: 'SingleCallByTts', latencyMs: 3_000 });
    const started = Date.now();

    const response = await postCall(harness, bodyCalling('tts', freshNumber()), lambdaContext(1_500));

    expect(Date.now() - started, 'the handler must answer before the Lambda deadline').toBeLessThan(1_500);
    expect(response.status, response.text).toBe(504);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.status).toBe(504);
    expectNoInternalDetail(response, harness.sandbox);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    // The request did reach Alibaba, which is why it must not be sent again: the call exists.
    await eventually(() => harness.sandbox.control.requests()[0]?.response !== undefined);
    expect(harness.sandbox.control.calls()).toHaveLength(1);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
  });

  it('answers 504 without sending anything when the Lambda has no time left for the request', async () => {
    const response = await postCall(harness, bodyCalling('tts', freshNumber()), lambdaContext(300));

    expect(response.status, response.text).toBe(504);
    expectNoInternalDetail(response, harness.sandbox);
    expect(harness.sandbox.control.requests()).toHaveLength(0);
  });

  it('answers 504 or 502 without internal detail, sending the request once, when the connection is dropped', async () => {
    harness.sandbox.control.addFault({ action: 'ClickToDial', drop: true });

    const response = await postCall(harness, bodyCalling('clickToDial', freshNumber()));

    expect([502, 504], response.text).toContain(response.status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.status).toBe(response.status);
    expectNoInternalDetail(response, harness.sandbox);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(harness.sandbox.control.calls()).toHaveLength(0);
  });

  it('places the next call normally after a dropped connection', async () => {
    harness.sandbox.control.addFault({ action: 'SingleCallByVoice', drop: true });
    await postCall(harness, bodyCalling('voice', freshNumber()));

    const response = await postCall(harness, bodyCalling('voice', freshNumber()));

    expect(response.status, response.text).toBe(202);
  });
});
