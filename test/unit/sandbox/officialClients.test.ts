/**
 * Fidelity: Alibaba's own clients, unchanged, work against the sandbox. If one of these fails,
 * the sandbox (not the client) differs from Alibaba's gateway.
 */
import { describe, expect, it } from 'vitest';
import { CALL_ID_PATTERN, openApiClient, popCoreClient, useSandbox } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIofficialClients', accessKeySecret: 'official-clients-secret' };
/** An STS key pair: only accepted with its token (docs/alibaba/rpc.md#common-parameters SecurityToken, docs/alibaba/signatures.md#rpc-signature-v3 x-acs-security-token). */
const STS_KEY = { accessKeyId: 'STS.officialClients', accessKeySecret: 'sts-secret', securityToken: 'CAISsandboxToken+/=' };

const TTS_PARAMS = {
  CalledNumber: '13800138000',
  CalledShowNumber: '057100000000',
  TtsCode: 'TTS_123456789',
  // Characters that percent-encoding gets wrong most easily (docs/alibaba/signatures.md#rpc-signature-v1).
  TtsParam: JSON.stringify({ code: '1234', name: '张三 *~!' }),
  PlayTimes: 2,
  Volume: 100,
  Speed: 0,
  OutId: 'order-001',
};
const TTS_WIRE_PARAMS = { ...TTS_PARAMS, PlayTimes: '2', Volume: '100', Speed: '0' };

// Flow control off: these tests call the same number many times on purpose.
const sandbox = useSandbox({ keys: [KEY, STS_KEY], flowControl: false });

describe('@alicloud/pop-core RPCClient (signature V1)', () => {
  it.each(['GET', 'POST'] as const)('places SingleCallByTts with %s', async (method) => {
    const client = popCoreClient(sandbox, KEY);

    const body = await client.request('SingleCallByTts', { ...TTS_PARAMS, RegionId: 'cn-hangzhou' }, { method });

    expect(body).toMatchObject({ Code: 'OK', Message: 'OK' });
    expect(body.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    const [request] = sandbox.control.requests();
    expect(request).toMatchObject({ action: 'SingleCallByTts', method, signatureVersion: 'v1', securityToken: false });
    expect(request!.params).toEqual(TTS_WIRE_PARAMS);
  });

  it('signs with STS credentials (SecurityToken as a signed parameter)', async () => {
    const client = popCoreClient(sandbox, STS_KEY);

    const body = await client.request('SingleCallByTts', TTS_PARAMS, { method: 'POST' });

    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]).toMatchObject({ accessKeyId: STS_KEY.accessKeyId, securityToken: true });
  });

  it('surfaces the sandbox error code as a pop-core error', async () => {
    const client = popCoreClient(sandbox, { ...KEY, accessKeySecret: 'wrong' });

    await expect(client.request('SingleCallByTts', TTS_PARAMS, { method: 'POST' })).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });
});

describe('@alicloud/openapi-client callApi (signature V3, the default)', () => {
  it('places SingleCallByTts', async () => {
    const call = openApiClient(sandbox, KEY);

    const { statusCode, body } = await call({ action: 'SingleCallByTts', query: TTS_PARAMS });

    expect(statusCode).toBe(200);
    expect(body).toMatchObject({ Code: 'OK', Message: 'OK' });
    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    const [request] = sandbox.control.requests();
    expect(request).toMatchObject({ action: 'SingleCallByTts', method: 'POST', signatureVersion: 'v3' });
    expect(request!.params).toEqual(TTS_WIRE_PARAMS);
  });

  it('places IvrCall with a MenuKeyMap, flattened as MenuKeyMap.N.Field', async () => {
    const call = openApiClient(sandbox, KEY);
    const query = {
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      StartCode: 'TTS_10001',
      StartTtsParams: JSON.stringify({ name: 'Li' }),
      MenuKeyMap: [
        { Key: '1', Code: 'TTS_20001', TtsParams: JSON.stringify({ x: '1' }) },
        { Key: '2', Code: 'TTS_20002' },
      ],
      ByeCode: 'TTS_10002',
      PlayTimes: 3,
      Timeout: 3000,
      OutId: 'ivr-1',
    };

    const { body } = await call({ action: 'IvrCall', query });

    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]!.params).toEqual({
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      StartCode: 'TTS_10001',
      StartTtsParams: '{"name":"Li"}',
      'MenuKeyMap.1.Key': '1',
      'MenuKeyMap.1.Code': 'TTS_20001',
      'MenuKeyMap.1.TtsParams': '{"x":"1"}',
      'MenuKeyMap.2.Key': '2',
      'MenuKeyMap.2.Code': 'TTS_20002',
      ByeCode: 'TTS_10002',
      PlayTimes: '3',
      Timeout: '3000',
      OutId: 'ivr-1',
    });
  });

  it('queries the call it placed with QueryCallDetailByCallId', async () => {
    const call = openApiClient(sandbox, KEY);
    const placed = await call({ action: 'SingleCallByTts', query: TTS_PARAMS });

    const { body } = await call({
      action: 'QueryCallDetailByCallId',
      query: { CallId: placed.body.CallId, ProdId: 11010000138001, QueryDate: Date.now() - 60_000 },
    });

    expect(body.Code).toBe('OK');
    expect(typeof body.Data).toBe('string');
    expect(JSON.parse(body.Data as string)).toMatchObject({
      callee: '13800138000',
      calleeShowNumber: '057100000000',
      state: '200000',
      duration: 22,
    });
  });

  it('signs with STS credentials (x-acs-security-token, x-acs-accesskey-id)', async () => {
    const call = openApiClient(sandbox, STS_KEY);

    const { body } = await call({ action: 'SingleCallByTts', query: TTS_PARAMS });

    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]).toMatchObject({
      accessKeyId: STS_KEY.accessKeyId,
      securityToken: true,
      signatureVersion: 'v3',
    });
  });

  it('surfaces Alibaba error envelopes as openapi-client errors', async () => {
    const call = openApiClient(sandbox, KEY);

    await expect(call({ action: 'SingleCallByTts', query: { ...TTS_PARAMS, PlayTimes: 4 } })).rejects.toMatchObject({
      code: 'isv.INVALID_PARAMETERS',
      data: { statusCode: 400, HostId: 'dyvmsapi.aliyuncs.com' },
    });
  });
});

describe("@alicloud/openapi-client with signatureAlgorithm 'v2' (signature V1)", () => {
  it('places SingleCallByTts', async () => {
    const call = openApiClient(sandbox, KEY, { signatureAlgorithm: 'v2' });

    const { body } = await call({ action: 'SingleCallByTts', query: TTS_PARAMS });

    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    const [request] = sandbox.control.requests();
    expect(request).toMatchObject({ signatureVersion: 'v1', method: 'POST' });
    expect(request!.params).toEqual(TTS_WIRE_PARAMS);
  });

  it('signs with STS credentials', async () => {
    const call = openApiClient(sandbox, STS_KEY, { signatureAlgorithm: 'v2' });

    const { body } = await call({ action: 'SingleCallByTts', query: TTS_PARAMS });

    expect(body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]).toMatchObject({ securityToken: true, signatureVersion: 'v1' });
  });
});
