/**
 * The same POST /calls and GET ?live=true contract as placeCall.test.ts, with the bundle configured
 * for ACS3-HMAC-SHA256 (ALIYUN_SIGNATURE_VERSION=v3, docs/alibaba/signatures.md#rpc-signature-v3). A separate file because handlers
 * read their configuration once per cold start.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CALL_TYPE_NAMES, encodingRequest, fullRequest } from './fullRequests.ts';
import { PROD_IDS, expectProblem, freshNumber, getCallById, postCall, startHandlers, type Harness } from './harness.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHandlers({ signatureVersion: 'v3' });
});
afterAll(async () => {
  await harness?.stop();
});
beforeEach(() => {
  harness.sandbox.control.reset();
});

describe('POST /calls signed with V3 (ALIYUN_SIGNATURE_VERSION=v3)', () => {
  it.each(CALL_TYPE_NAMES)('places a full-featured %s call: 202, and Alibaba received exactly the docs/alibaba/actions.md wire parameters', async (type) => {
    const request = fullRequest(type, freshNumber);

    const response = await postCall(harness, request.body);

    expect(response.status, response.text).toBe(202);
    const [seen] = harness.sandbox.control.requests();
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(seen).toMatchObject({ action: request.action, signatureVersion: 'v3', ignoredParams: [] });
    expect(seen!.params).toEqual(request.wire);
    expect(response.body).toEqual({
      callId: harness.sandbox.control.calls()[0]!.callId,
      type,
      outId: request.body.outId,
      requestId: seen!.requestId,
      status: 'placed',
      createdAt: expect.any(String),
    });
    expect(response.headers.location).toBe(`/calls/${encodeURIComponent(response.body.callId)}`);
  });

  it('signs and sends text that needs percent-encoding unchanged: punctuation in outId, Chinese and emoji in ttsParam', async () => {
    const { body, wire } = encodingRequest(freshNumber());

    const response = await postCall(harness, body);

    expect(response.status, response.text).toBe(202);
    expect(response.body.outId).toBe(body.outId);
    expect(harness.sandbox.control.requests()[0]).toMatchObject({ signatureVersion: 'v3' });
    expect(harness.sandbox.control.requests()[0]!.params).toEqual(wire);
  });

  it('maps an Alibaba refusal the same way: 422 isv.MOBILE_NUMBER_ILLEGAL', async () => {
    const response = await postCall(harness, { ...fullRequest('ivr', freshNumber).body, calledNumber: '13900000001' });

    expectProblem(response, 422, 'isv.MOBILE_NUMBER_ILLEGAL');
    expect(harness.sandbox.control.requests()[0]?.signatureVersion).toBe('v3');
  });

  it('queries the live detail with V3 too (GET ?live=true)', async () => {
    const request = fullRequest('smart', freshNumber);
    const placed = await postCall(harness, request.body);
    expect(placed.status, placed.text).toBe(202);

    const read = await getCallById(harness, placed.body.callId, { live: 'true' });

    expect(read.status, read.text).toBe(200);
    expect(read.body.detail).toMatchObject(request.parties);
    const query = harness.sandbox.control.requests().find((seen) => seen.action === 'QueryCallDetailByCallId');
    expect(query).toMatchObject({ signatureVersion: 'v3', params: { CallId: placed.body.callId, ProdId: PROD_IDS.smart } });
  });
});
