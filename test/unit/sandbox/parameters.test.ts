/**
 * Wire-parameter validation of every dyvmsapi action (docs/alibaba/actions.md), answered with the gateway codes
 * (`Missing<Param>`, `InvalidParameter`) or the product's `isv.*` codes, all HTTP 400 (docs/alibaba/rpc.md#http-status-codes).
 */
import { describe, expect, it } from 'vitest';
import { callV1, controlRequest, expectAlibabaError, useSandbox, type RpcAnswer } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIparamTests', accessKeySecret: 'param-tests-secret' };

/** One valid request per action; each case below changes one thing. */
const VALID: Record<string, Record<string, string>> = {
  SingleCallByTts: { CalledNumber: '13800138000', TtsCode: 'TTS_123456789', TtsParam: '{"code":"1234"}' },
  SingleCallByVoice: { CalledNumber: '13800138000', VoiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
  IvrCall: {
    CalledNumber: '13800138000',
    CalledShowNumber: '057100000000',
    StartCode: 'TTS_10001',
    'MenuKeyMap.1.Key': '1',
    'MenuKeyMap.1.Code': 'TTS_20001',
  },
  ClickToDial: {
    CallerShowNumber: '057100000001',
    CallerNumber: '13800138001',
    CalledShowNumber: '057100000000',
    CalledNumber: '13800138000',
  },
  SmartCall: { CalledNumber: '13800138000', CalledShowNumber: '057100000000', VoiceCode: 'a.wav,$name$' },
  CancelCall: { CallId: '116012354148^102813781234' },
  QueryCallDetailByCallId: { CallId: '116012354148^102813781234', ProdId: '11010000138001', QueryDate: '1705276800000' },
};

const sandbox = useSandbox({ keys: [KEY], flowControl: false });

function call(action: string, changes: Record<string, string | undefined> = {}): Promise<RpcAnswer> {
  const params: Record<string, string> = { ...VALID[action] };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete params[name];
    else params[name] = value;
  }
  return callV1(sandbox, { action, params, credentials: KEY });
}

describe.each(Object.keys(VALID))('%s', (action) => {
  it('accepts the valid request', async () => {
    const answer = await call(action);

    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.Code).toBe('OK');
  });
});

describe('required parameters (gateway: Missing<Param>)', () => {
  it.each([
    ['SingleCallByTts', 'CalledNumber'],
    ['SingleCallByTts', 'TtsCode'],
    ['SingleCallByVoice', 'VoiceCode'],
    ['IvrCall', 'CalledShowNumber'],
    ['IvrCall', 'StartCode'],
    ['ClickToDial', 'CallerShowNumber'],
    ['ClickToDial', 'CallerNumber'],
    ['SmartCall', 'VoiceCode'],
    ['CancelCall', 'CallId'],
    ['QueryCallDetailByCallId', 'ProdId'],
    ['QueryCallDetailByCallId', 'QueryDate'],
  ])('%s without %s', async (action, param) => {
    const answer = await call(action, { [param]: undefined });

    expectAlibabaError(answer, `Missing${param}`, 400);
    expect(answer.body.Message).toBe(`${param} is mandatory for this action.`);
  });

  it('treats an empty value as missing', async () => {
    expectAlibabaError(await call('SingleCallByTts', { CalledNumber: '' }), 'MissingCalledNumber', 400);
  });
});

describe('wire types (gateway: InvalidParameter)', () => {
  it.each([
    ['SingleCallByTts', 'PlayTimes', 'two'],
    ['SingleCallByTts', 'Volume', '1.5'],
    ['SingleCallByTts', 'Speed', '99999999999'], // beyond a 32-bit Integer
    ['ClickToDial', 'RecordFlag', 'yes'],
    ['SmartCall', 'EnableITN', '1'],
    ['SmartCall', 'NoiseThreshold', 'loud'],
    ['QueryCallDetailByCallId', 'QueryDate', '2024-01-15'],
    ['QueryCallDetailByCallId', 'ProdId', '1101000013800100000000'], // beyond a 64-bit Long
  ])('%s %s=%s', async (action, param, value) => {
    const answer = await call(action, { [param]: value });

    expectAlibabaError(answer, 'InvalidParameter', 400);
    expect(answer.body.Message).toContain(param);
  });

  it('reports the gateway problem before any isv.* problem', async () => {
    const answer = await call('SingleCallByTts', { CalledNumber: 'abc', PlayTimes: 'x' });

    expectAlibabaError(answer, 'InvalidParameter', 400);
  });
});

describe('limits (isv.INVALID_PARAMETERS)', () => {
  it.each([
    ['SingleCallByTts', 'PlayTimes', '0'],
    ['SingleCallByTts', 'PlayTimes', '4'],
    ['SingleCallByTts', 'Volume', '101'],
    ['SingleCallByTts', 'Volume', '-1'],
    ['SingleCallByTts', 'Speed', '501'],
    ['SingleCallByVoice', 'Speed', '-501'],
    ['SingleCallByVoice', 'Volume', '101'],
    ['IvrCall', 'PlayTimes', '4'],
    ['SingleCallByTts', 'OutId', 'order-0123456789'], // 16 bytes
    ['SingleCallByTts', 'OutId', '订单订单订单'], // 6 characters, 18 bytes
    ['SingleCallByTts', 'OutId', ''],
    ['SmartCall', 'Volume', '5'],
    ['SmartCall', 'Volume', '-5'],
    ['SmartCall', 'MuteTime', '999'],
    ['SmartCall', 'MuteTime', '20001'],
    ['SmartCall', 'PauseTime', '299'],
    ['SmartCall', 'PauseTime', '1201'],
    ['SmartCall', 'SessionTimeout', '3601'],
    ['SmartCall', 'TtsVolume', '101'],
    ['SmartCall', 'TtsSpeed', '201'],
    ['SmartCall', 'TtsSpeed', '-201'],
    ['SmartCall', 'StreamAsr', '2'],
    ['SmartCall', 'AsrBaseId', 'english_8k'],
    ['SingleCallByTts', 'TtsParam', 'code=1234'],
    ['SingleCallByTts', 'TtsParam', '["1234"]'],
    ['SingleCallByTts', 'TtsParam', '{"code":{"nested":"1"}}'],
    ['IvrCall', 'StartTtsParams', '{'],
    ['SmartCall', 'VoiceCodeParam', 'null'],
    ['IvrCall', 'ByeCode', 'bye.wav'], // StartCode is a TTS template (docs/alibaba/actions.md#ivrcall: same kind)
  ])('%s %s=%s', async (action, param, value) => {
    expectAlibabaError(await call(action, { [param]: value }), 'isv.INVALID_PARAMETERS', 400);
  });

  it.each([
    ['SingleCallByTts', { PlayTimes: '1', Volume: '0', Speed: '-500', OutId: 'order-012345678' }],
    ['SingleCallByVoice', { PlayTimes: '3', Volume: '100', Speed: '500', OutId: 'x' }],
    ['SmartCall', { Volume: '-4', MuteTime: '1000', PauseTime: '1200', SessionTimeout: '3600', StreamAsr: '1' }],
    ['SmartCall', { Volume: '4', MuteTime: '20000', PauseTime: '300', TtsVolume: '100', TtsSpeed: '-200' }],
    ['SmartCall', { AsrBaseId: 'dialect_customer_service_8k', RecordFlag: 'TRUE', NoiseThreshold: '0.5' }],
    ['IvrCall', { ByeCode: 'TTS_10002', Timeout: '3000', 'MenuKeyMap.2.Key': '#', 'MenuKeyMap.2.Code': 'b.wav' }],
  ])('%s accepts the edges %j', async (action, changes) => {
    const answer = await call(action, changes);

    expect(answer.status, answer.text).toBe(200);
  });
});

describe('MenuKeyMap flattening (docs/alibaba/rpc.md#common-parameters, docs/alibaba/actions.md#ivrcall)', () => {
  it.each([
    ['a gap (1 and 3)', { 'MenuKeyMap.3.Key': '3', 'MenuKeyMap.3.Code': 'TTS_3' }],
    ['no entry 1', { 'MenuKeyMap.1.Key': undefined, 'MenuKeyMap.1.Code': undefined, 'MenuKeyMap.2.Key': '2', 'MenuKeyMap.2.Code': 'TTS_2' }],
    ['an entry without Code', { 'MenuKeyMap.1.Code': undefined }],
    ['an entry without Key', { 'MenuKeyMap.1.Key': undefined }],
    ['index 0', { 'MenuKeyMap.0.Key': '0', 'MenuKeyMap.0.Code': 'TTS_0' }],
    ['an unflattened JSON list', { MenuKeyMap: '[{"Key":"1","Code":"TTS_1"}]' }],
    ['the same key twice', { 'MenuKeyMap.2.Key': '1', 'MenuKeyMap.2.Code': 'TTS_2' }],
    ['a key that is not on a keypad', { 'MenuKeyMap.1.Key': '10' }],
    ['TtsParams that are not JSON', { 'MenuKeyMap.1.TtsParams': 'x=1' }],
  ])('refuses %s', async (_label, changes) => {
    expectAlibabaError(await call('IvrCall', changes), 'isv.INVALID_PARAMETERS', 400);
  });
});

describe('template variables, numbers and template codes', () => {
  it('refuses TtsParam of 250 characters with isv.PARAM_LENGTH_LIMIT, accepts 249', async () => {
    const ofLength = (length: number): string => JSON.stringify({ text: '字'.repeat(length - 11) });
    expect(ofLength(250)).toHaveLength(250);

    expectAlibabaError(await call('SingleCallByTts', { TtsParam: ofLength(250) }), 'isv.PARAM_LENGTH_LIMIT', 400);
    expect((await call('SingleCallByTts', { TtsParam: ofLength(249) })).status).toBe(200);
  });

  it.each([
    ['SingleCallByTts', 'TtsParam', '{"link":"https://example.com/x"}'],
    ['SingleCallByTts', 'TtsParam', '{"link":"visit www.example"}'],
    ['SingleCallByTts', 'TtsParam', '{"link":"go to evil.cn now"}'],
    ['IvrCall', 'MenuKeyMap.1.TtsParams', '{"u":"http://a.b"}'],
    ['SmartCall', 'VoiceCodeParam', '{"name":"https://x.y"}'],
  ])('refuses a URL in %s %s with isv.PARAM_NOT_SUPPORT_URL', async (action, param, value) => {
    expectAlibabaError(await call(action, { [param]: value }), 'isv.PARAM_NOT_SUPPORT_URL', 400);
  });

  it.each([
    ['SingleCallByTts', 'CalledNumber', '1380013800a'],
    ['SingleCallByTts', 'CalledNumber', '1234'],
    ['SingleCallByTts', 'CalledNumber', '+8613800138000'],
    ['SingleCallByVoice', 'CalledNumber', '123456789012345678901'],
    ['ClickToDial', 'CallerNumber', '138 0013 8001'],
  ])('refuses %s %s=%s with isv.MOBILE_NUMBER_ILLEGAL', async (action, param, value) => {
    expectAlibabaError(await call(action, { [param]: value }), 'isv.MOBILE_NUMBER_ILLEGAL', 400);
  });

  it.each([
    ['SingleCallByTts', 'CalledShowNumber', '0571-0000000'],
    ['IvrCall', 'CalledShowNumber', 'ACME'],
    ['ClickToDial', 'CallerShowNumber', '12'],
  ])('refuses %s %s=%s with isv.DISPLAY_NUMBER_ILLEGAL', async (action, param, value) => {
    expectAlibabaError(await call(action, { [param]: value }), 'isv.DISPLAY_NUMBER_ILLEGAL', 400);
  });

  it.each(['TTS123', 'tts_123', 'SMS_123456', 'TTS_'])('refuses TtsCode=%s with isv.TTS_TEMPLATE_ILLEGAL', async (code) => {
    expectAlibabaError(await call('SingleCallByTts', { TtsCode: code }), 'isv.TTS_TEMPLATE_ILLEGAL', 400);
  });
});

describe('the request log', () => {
  it('ignores unknown parameters, as Alibaba does, but records them', async () => {
    const answer = await call('SingleCallByTts', { Foo: 'bar', 'MenuKeyMap.1.Key': '1' });

    expect(answer.status).toBe(200);
    const [request] = sandbox.control.requests();
    expect(request!.ignoredParams).toEqual(['Foo', 'MenuKeyMap.1.Key']);
  });

  it('shows the action parameters exactly as received, without common parameters, also over HTTP', async () => {
    const params = {
      CalledNumber: '13800138000',
      TtsCode: 'TTS_123456789',
      TtsParam: '{"code":"1234","name":"张三 *~!+&="}',
      PlayTimes: '02',
      OwnerId: '123',
    };
    await callV1(sandbox, { action: 'SingleCallByTts', params, method: 'GET', credentials: { ...KEY } });

    const { status, body } = await controlRequest(sandbox, 'GET', 'requests');

    expect(status).toBe(200);
    expect(body.requests).toEqual(sandbox.control.requests());
    expect(body.requests).toHaveLength(1);
    expect(body.requests[0]).toMatchObject({
      action: 'SingleCallByTts',
      method: 'GET',
      signatureVersion: 'v1',
      accessKeyId: KEY.accessKeyId,
      securityToken: false,
      params,
      ignoredParams: [],
      response: { httpStatus: 200, code: 'OK' },
    });
  });

  it('records the refusal of an invalid request', async () => {
    await call('SingleCallByTts', { PlayTimes: '9' });

    expect(sandbox.control.requests()[0]!.response).toEqual({ httpStatus: 400, code: 'isv.INVALID_PARAMETERS' });
  });
});
