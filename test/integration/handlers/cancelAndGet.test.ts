/**
 * POST /calls/{callId}/cancel and GET /calls/{callId}[?live=true] end to end (docs/http-api.md,
 * docs/alibaba/actions.md#cancelcall CancelCall, docs/alibaba/actions.md#querycalldetailbycallid QueryCallDetailByCallId), against the sandbox and DynamoDB Local.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signRpcV1 } from '#shared/signing/index';
import { fullRequest, type CallTypeName } from './fullRequests.ts';
import {
  PROD_IDS,
  cancelCallById,
  expectProblem,
  expectValidationProblem,
  freshNumber,
  getCallById,
  postCall,
  startHandlers,
  type Harness,
  type HttpResponse,
} from './harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHandlers();
});
afterAll(async () => {
  await harness?.stop();
});
beforeEach(() => {
  harness.sandbox.control.reset();
});

const DAY_MS = 86_400_000;

async function place(type: CallTypeName): Promise<{ response: HttpResponse; callId: string; createdAt: string }> {
  const response = await postCall(harness, fullRequest(type, freshNumber).body);
  expect(response.status, response.text).toBe(202);
  return { response, callId: response.body.callId as string, createdAt: response.body.createdAt as string };
}

function requestsOf(action: string) {
  return harness.sandbox.control.requests().filter((request) => request.action === action);
}

describe('POST /calls/{callId}/cancel', () => {
  it('cancels a placed click-to-dial call: {callId, cancelled: true, requestId}, and GET then shows status cancelled', async () => {
    const { callId, createdAt } = await place('clickToDial');

    const cancelled = await cancelCallById(harness, encodeURIComponent(callId));

    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.headers['content-type']).toBe('application/json');
    const [cancelRequest] = requestsOf('CancelCall');
    expect(cancelled.body).toEqual({ callId, cancelled: true, requestId: cancelRequest!.requestId });
    expect(cancelRequest!.params).toEqual({ CallId: callId });
    expect(harness.sandbox.control.calls()[0]).toMatchObject({ callId, cancelled: true });

    const read = await getCallById(harness, encodeURIComponent(callId));
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ callId, type: 'clickToDial', status: 'cancelled', createdAt });
    expect(Date.parse(read.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt));
  });

  it('answers cancelled: false when the call is cancelled a second time, and the call stays cancelled', async () => {
    const { callId } = await place('clickToDial');
    const first = await cancelCallById(harness, callId);

    const second = await cancelCallById(harness, callId);

    expect(first.body.cancelled).toBe(true);
    expect(second.status, second.text).toBe(200);
    expect(second.body).toEqual({ callId, cancelled: false, requestId: requestsOf('CancelCall')[1]!.requestId });
    expect((await getCallById(harness, callId)).body.status).toBe('cancelled');
  });

  it('answers cancelled: false for a TTS call (only click-to-dial calls can be cancelled) and leaves it placed', async () => {
    const { callId } = await place('tts');

    const response = await cancelCallById(harness, callId);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ callId, cancelled: false });
    expect(typeof response.body.requestId).toBe('string');
    expect((await getCallById(harness, callId)).body.status).toBe('placed');
  });

  it.each([
    ['raw ^', (id: string) => id],
    ['percent-encoded %5E', (id: string) => id.replace('^', '%5E')],
    ['lower-case %5e', (id: string) => id.replace('^', '%5e')],
  ])('accepts the CallId with %s', async (_form, asSent) => {
    const { callId } = await place('clickToDial');

    const response = await cancelCallById(harness, asSent(callId));

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ callId, cancelled: true });
    expect(requestsOf('CancelCall')[0]!.params).toEqual({ CallId: callId });
  });

  it('retries a CancelCall that Alibaba failed transiently (cancelling is safe to repeat) and reports the outcome', async () => {
    const { callId } = await place('clickToDial');
    harness.sandbox.control.addFault({ action: 'CancelCall', error: { code: 'ServiceUnavailable' } });

    const response = await cancelCallById(harness, callId);

    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ callId, cancelled: true });
    expect(requestsOf('CancelCall')).toHaveLength(2);
  });
});

describe('GET /calls/{callId}', () => {
  it('answers 404 NOT_FOUND problem+json for a call this service does not know, without asking Alibaba', async () => {
    const response = await getCallById(harness, '116012354148%5E102813781234');

    expectProblem(response, 404, 'NOT_FOUND');
    expect(harness.sandbox.control.requests()).toHaveLength(0);
  });

  it('answers the same call for the CallId sent raw (^) and percent-encoded (%5E)', async () => {
    const { callId } = await place('voice');

    const raw = await getCallById(harness, callId);
    const encoded = await getCallById(harness, callId.replace('^', '%5E'));

    expect(raw.status, raw.text).toBe(200);
    expect(encoded.status, encoded.text).toBe(200);
    expect(raw.body).toMatchObject({ callId, type: 'voice', status: 'placed' });
    expect(encoded.body).toEqual(raw.body);
  });

  it('does not ask Alibaba without live=true, nor with live=false', async () => {
    const { callId } = await place('tts');

    const plain = await getCallById(harness, callId);
    const notLive = await getCallById(harness, callId, { live: 'false' });

    expect([plain.status, notLive.status]).toEqual([200, 200]);
    expect(plain.body).not.toHaveProperty('detail');
    expect(notLive.body).not.toHaveProperty('detail');
    expect(requestsOf('QueryCallDetailByCallId')).toHaveLength(0);
  });

  describe.each(['tts', 'voice', 'ivr', 'smart'] as const)('?live=true for a %s call', (type) => {
    it(`adds Alibaba's parsed detail, queried with ProdId ${PROD_IDS[type]} (docs/alibaba/actions.md#querycalldetailbycallid) and a QueryDate at or before the creation time`, async () => {
      const request = fullRequest(type, freshNumber);
      const placed = await postCall(harness, request.body);
      expect(placed.status, placed.text).toBe(202);
      const { callId, createdAt } = placed.body as { callId: string; createdAt: string };

      const response = await getCallById(harness, callId.replace('^', '%5E'), { live: 'true' });

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ callId, type, status: 'placed', createdAt, receipts: [] });
      expect(response.body.detail).toMatchObject({
        ...request.parties,
        state: '200000',
        duration: 22,
        gmtCreate: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      });
      const queries = requestsOf('QueryCallDetailByCallId');
      expect(queries).toHaveLength(1);
      expect(Object.keys(queries[0]!.params).sort()).toEqual(['CallId', 'ProdId', 'QueryDate']);
      expect(queries[0]!.params).toMatchObject({ CallId: callId, ProdId: PROD_IDS[type] });
      expect(queries[0]!.params.QueryDate).toMatch(/^\d{13}$/);
      const queryDate = Number(queries[0]!.params.QueryDate);
      expect(queryDate).toBeLessThanOrEqual(Date.parse(createdAt));
      expect(queryDate, 'the 24 h window from QueryDate must contain the call').toBeGreaterThan(Date.parse(createdAt) - DAY_MS);
    });
  });

  describe('?live=true for a click-to-dial call (Alibaba publishes no ProdId for it)', () => {
    it('answers 400 naming query.prodId without asking Alibaba', async () => {
      const { callId } = await place('clickToDial');

      const response = await getCallById(harness, callId, { live: 'true' });

      expectValidationProblem(response, 400, 'query.prodId');
      expect(requestsOf('QueryCallDetailByCallId')).toHaveLength(0);
    });

    it('answers the detail, both legs included, when prodId is given', async () => {
      const request = fullRequest('clickToDial', freshNumber);
      const placed = await postCall(harness, request.body);
      const callId = placed.body.callId as string;

      const response = await getCallById(harness, callId, { live: 'true', prodId: '11000000300009' });

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ callId, type: 'clickToDial', status: 'placed' });
      expect(response.body.detail).toMatchObject({
        caller: request.body.callerNumber,
        callee: request.body.calledNumber,
        bRingTime: expect.any(String),
      });
      expect(requestsOf('QueryCallDetailByCallId')[0]!.params).toMatchObject({ CallId: callId, ProdId: '11000000300009' });
    });
  });

  describe('?live=true for a call this service did not place', () => {
    /** Places a call directly in the sandbox with our own V1 signer, bypassing the bundle. */
    async function placeElsewhere(): Promise<{ callId: string; placedAt: number }> {
      const placedAt = Date.now();
      const body = signRpcV1({
        method: 'POST',
        action: 'SingleCallByTts',
        version: '2017-05-25',
        params: { CalledNumber: freshNumber(), TtsCode: 'TTS_123456789', CalledShowNumber: '057188889999' },
        credentials: { accessKeyId: process.env.ALIYUN_ACCESS_KEY_ID!, accessKeySecret: process.env.ALIYUN_ACCESS_KEY_SECRET! },
      });
      const answer = await fetch(`${harness.sandbox.url}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const envelope = (await answer.json()) as { Code: string; CallId: string };
      expect(envelope.Code).toBe('OK');
      return { callId: envelope.CallId, placedAt };
    }

    it('answers 200 with type null and the detail when prodId and queryDate are given', async () => {
      const { callId, placedAt } = await placeElsewhere();
      const queryDate = String(placedAt - 60_000);

      const response = await getCallById(harness, callId.replace('^', '%5E'), { live: 'true', prodId: PROD_IDS.tts, queryDate });

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ callId, type: null, receipts: [] });
      expect(response.body.detail).toMatchObject({ calleeShowNumber: '057188889999', state: '200000' });
      expect(requestsOf('QueryCallDetailByCallId')[0]!.params).toEqual({ CallId: callId, ProdId: PROD_IDS.tts, QueryDate: queryDate });
    });

    it('answers 200 with type null and detail null for an id Alibaba does not know either', async () => {
      const response = await getCallById(harness, '116012354148^102813781234', {
        live: 'true',
        prodId: PROD_IDS.voice,
        queryDate: String(Date.now() - 3_600_000),
      });

      expect(response.status, response.text).toBe(200);
      expect(response.body).toMatchObject({ callId: '116012354148^102813781234', type: null, detail: null });
      expect(requestsOf('QueryCallDetailByCallId')).toHaveLength(1);
    });

    it('answers 400 naming query.queryDate when only prodId is given', async () => {
      const response = await getCallById(harness, '116012354148^102813781234', { live: 'true', prodId: PROD_IDS.voice });

      expectValidationProblem(response, 400, 'query.queryDate');
      expect(harness.sandbox.control.requests()).toHaveLength(0);
    });

    it('answers 404 when neither prodId nor queryDate is given', async () => {
      const response = await getCallById(harness, '116012354148^102813781234', { live: 'true' });

      expectProblem(response, 404, 'NOT_FOUND');
      expect(harness.sandbox.control.requests()).toHaveLength(0);
    });
  });

  it('retries a live query that Alibaba failed transiently (a query is safe to repeat)', async () => {
    const { callId } = await place('tts');
    harness.sandbox.control.addFault({ action: 'QueryCallDetailByCallId', error: { code: 'InternalError' } });

    const response = await getCallById(harness, callId, { live: 'true' });

    expect(response.status, response.text).toBe(200);
    expect(response.body.detail).not.toBeNull();
    expect(requestsOf('QueryCallDetailByCallId')).toHaveLength(2);
  });
});
