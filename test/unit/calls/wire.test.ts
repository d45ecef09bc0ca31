/**
 * From a validated POST /calls body to Alibaba's action parameters (docs/alibaba/rpc.md#common-parameters): PascalCase names,
 * numbers as decimal strings, booleans as true/false, JSON-object parameters serialised, MenuKeyMap
 * flattened with 1-based indexes. The expected values are the signing vectors of docs/alibaba/signatures.md, copied verbatim.
 */
import { describe, expect, it } from 'vitest';
import { CALL_TYPES, type PlaceCallRequest } from '#shared/calls/schemas';
import { ACTION_BY_CALL_TYPE, PROD_ID_BY_CALL_TYPE, toWireParams } from '#shared/calls/wire';
import { signRpcV1 } from '#shared/signing/index';
import { parseOrThrow } from '#shared/validation';
import { placeCallRequestSchema } from '#shared/calls/schemas';
import { MAXIMAL, bodyOf } from './requests.ts';

type WithOutId = PlaceCallRequest & { outId: string };

/** The spec vectors' fixed signing inputs (docs/alibaba/signatures.md#rpc-signature-v1). */
const SIGNING = {
  credentials: { accessKeyId: 'testid', accessKeySecret: 'testsecret' },
  nonce: '1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  timestamp: '2024-01-15T08:30:00Z',
  version: '2017-05-25',
} as const;

describe('toWireParams reproduces the documented vectors', () => {
  describe('Vector B: IvrCall with a flattened MenuKeyMap (docs/alibaba/signatures.md#rpc-signature-v1)', () => {
    // The HTTP API body a caller would send for Vector B's call.
    const body = {
      type: 'ivr',
      calledNumber: '13800138000',
      calledShowNumber: '057100000000',
      startCode: 'TTS_10001',
      startTtsParams: { name: 'Li' },
      playTimes: 3,
      timeout: 3000,
      byeCode: 'TTS_10002',
      outId: 'ivr-1',
      menuKeyMap: [
        { key: '1', code: 'TTS_20001', ttsParams: { x: '1' } },
        { key: '2', code: 'a1b2c3.wav' },
      ],
    };
    // Vector B's action parameters, minus RegionId (a common parameter the RPC client adds, docs/alibaba/rpc.md#common-parameters).
    const vectorB = {
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      StartCode: 'TTS_10001',
      StartTtsParams: '{"name":"Li"}',
      PlayTimes: '3',
      Timeout: '3000',
      ByeCode: 'TTS_10002',
      OutId: 'ivr-1',
      'MenuKeyMap.1.Key': '1',
      'MenuKeyMap.1.Code': 'TTS_20001',
      'MenuKeyMap.1.TtsParams': '{"x":"1"}',
      'MenuKeyMap.2.Key': '2',
      'MenuKeyMap.2.Code': 'a1b2c3.wav',
    };

    it('yields exactly the vector\'s action parameters from the validated body', () => {
      // arrange
      const request = parseOrThrow(placeCallRequestSchema, body) as WithOutId;
      // act
      const params = toWireParams(request);
      // assert
      expect(params).toEqual(vectorB);
    });

    it('signs, with the documented RegionId, to the vector\'s POST signature QiJIYXVcFfXQAza0tivgFP67qOc=', () => {
      const request = parseOrThrow(placeCallRequestSchema, body) as WithOutId;
      const signed = signRpcV1({
        method: 'POST',
        action: ACTION_BY_CALL_TYPE.ivr,
        params: { RegionId: 'cn-hangzhou', ...toWireParams(request) },
        ...SIGNING,
      });
      expect(signed.endsWith('&Signature=QiJIYXVcFfXQAza0tivgFP67qOc%3D')).toBe(true);
    });
  });

  describe('Vector A: SingleCallByTts (docs/alibaba/signatures.md#rpc-signature-v1)', () => {
    const body = {
      type: 'tts',
      calledNumber: '13800138000',
      calledShowNumber: '057100000000',
      ttsCode: 'TTS_123456789',
      ttsParam: { code: '1234', name: '张三 *~!' },
      playTimes: 2,
      speed: 0,
      volume: 100,
      outId: 'order-001',
    };

    it('yields the vector\'s action parameters, Speed=0 included (zero is a value, not an absence)', () => {
      const request = parseOrThrow(placeCallRequestSchema, body) as WithOutId;
      expect(toWireParams(request)).toEqual({
        CalledNumber: '13800138000',
        CalledShowNumber: '057100000000',
        TtsCode: 'TTS_123456789',
        TtsParam: '{"code":"1234","name":"张三 *~!"}',
        PlayTimes: '2',
        Speed: '0',
        Volume: '100',
        OutId: 'order-001',
      });
    });

    it('signs to the vector\'s GET signature BJrK083ACWg7AGnRv9Sh6WDsfms= and POST signature LLZElbeCmdr9Sxz1q0sc+yMdJs0=', () => {
      const request = parseOrThrow(placeCallRequestSchema, body) as WithOutId;
      const params = { RegionId: 'cn-hangzhou', ...toWireParams(request) };
      const action = ACTION_BY_CALL_TYPE.tts;
      expect(signRpcV1({ method: 'GET', action, params, ...SIGNING })).toMatch(/&Signature=BJrK083ACWg7AGnRv9Sh6WDsfms%3D$/);
      expect(signRpcV1({ method: 'POST', action, params, ...SIGNING })).toMatch(/&Signature=LLZElbeCmdr9Sxz1q0sc%2ByMdJs0%3D$/);
    });
  });
});

describe('toWireParams value encoding (docs/alibaba/rpc.md#common-parameters)', () => {
  it.each([
    [true, 'true'],
    [false, 'false'],
  ])('sends the boolean %s as "%s"', (flag, expected) => {
    const params = toWireParams(bodyOf('clickToDial', { recordFlag: flag, asrFlag: flag, outId: 'o' }) as WithOutId);
    expect(params).toMatchObject({ RecordFlag: expected, AsrFlag: expected });
  });

  it.each([
    ['volume', 0, 'Volume', '0'],
    ['volume', 100, 'Volume', '100'],
    ['speed', -500, 'Speed', '-500'],
    ['playTimes', 3, 'PlayTimes', '3'],
  ])('sends the number %s=%d as the decimal string %s="%s"', (field, value, name, expected) => {
    const params = toWireParams(bodyOf('voice', { [field]: value, outId: 'o' }) as WithOutId);
    expect(params[name]).toBe(expected);
  });

  it('sends large and fractional numbers as plain decimals (no exponent)', () => {
    const params = toWireParams(bodyOf('smart', { muteTime: 20000, noiseThreshold: 0.25, outId: 'o' }) as WithOutId);
    expect(params).toMatchObject({ MuteTime: '20000', NoiseThreshold: '0.25' });
    expect(toWireParams(bodyOf('ivr', { timeout: 3_600_000, outId: 'o' }) as WithOutId).Timeout).toBe('3600000');
  });

  it.each([
    ['tts', 'ttsParam', 'TtsParam'],
    ['ivr', 'startTtsParams', 'StartTtsParams'],
    ['ivr', 'byeTtsParams', 'ByeTtsParams'],
    ['smart', 'voiceCodeParam', 'VoiceCodeParam'],
  ] as const)('serialises the JSON-object parameter %s.%s into %s', (type, field, name) => {
    const value = { name: 'Li', amount: 12, paid: true };
    const params = toWireParams(bodyOf(type, { [field]: value, outId: 'o' }) as WithOutId);
    expect(params[name]).toBe('{"name":"Li","amount":12,"paid":true}');
    expect(JSON.parse(params[name]!)).toEqual(value);
  });

  it('serialises each menu entry\'s ttsParams separately', () => {
    const params = toWireParams(
      bodyOf('ivr', {
        outId: 'o',
        menuKeyMap: [
          { key: '*', code: 'TTS_1', ttsParams: { a: '1' } },
          { key: '#', code: 'TTS_2', ttsParams: { b: 2 } },
        ],
      }) as WithOutId,
    );
    expect(params).toMatchObject({
      'MenuKeyMap.1.Key': '*',
      'MenuKeyMap.1.TtsParams': '{"a":"1"}',
      'MenuKeyMap.2.Key': '#',
      'MenuKeyMap.2.TtsParams': '{"b":2}',
    });
    expect(params).not.toHaveProperty('MenuKeyMap');
    expect(params).not.toHaveProperty('MenuKeyMap.0.Key');
  });
});

describe('toWireParams names (docs/alibaba/actions.md parameter names are case-sensitive)', () => {
  it('maps enableITN to EnableITN (the acronym keeps its capitals)', () => {
    const params = toWireParams(bodyOf('smart', { enableITN: true, outId: 'o' }) as WithOutId);
    expect(params.EnableITN).toBe('true');
    expect(Object.keys(params)).not.toContain('EnableItn');
  });

  it('maps every SmartCall field of the maximal body to its docs/alibaba/actions.md#smartcall name', () => {
    const params = toWireParams(MAXIMAL.smart as WithOutId);
    expect(Object.keys(params).sort()).toEqual(
      [
        'CalledNumber',
        'CalledShowNumber',
        'VoiceCode',
        'VoiceCodeParam',
        'Volume',
        'Speed',
        'RecordFlag',
        'AsrModelId',
        'AsrBaseId',
        'MuteTime',
        'PauseTime',
        'SessionTimeout',
        'ActionCodeBreak',
        'ActionCodeTimeBreak',
        'DynamicId',
        'EarlyMediaAsr',
        'EnableITN',
        'StreamAsr',
        'TtsConf',
        'TtsStyle',
        'TtsVolume',
        'TtsSpeed',
        'BackgroundFileCode',
        'BackgroundSpeed',
        'BackgroundVolume',
        'NoiseThreshold',
        'OutId',
      ].sort(),
    );
  });

  it('maps every ClickToDial field of the maximal body to its docs/alibaba/actions.md#clicktodial name', () => {
    expect(toWireParams(MAXIMAL.clickToDial as WithOutId)).toEqual({
      CallerShowNumber: '057100000001',
      CallerNumber: '13900139000',
      CalledShowNumber: '057100000000',
      CalledNumber: '13800138000',
      RecordFlag: 'true',
      AsrFlag: 'false',
      AsrModelId: 'asr-model-1',
      SessionTimeout: '600',
      OutId: 'c2d-1',
    });
  });

  it.each(CALL_TYPES)('never sends the body\'s "type" (the action says it) for a %s call', (type) => {
    const params = toWireParams(MAXIMAL[type] as WithOutId);
    expect(Object.keys(params).some((name) => name.toLowerCase() === 'type')).toBe(false);
  });
});

describe('toWireParams omits what is not given', () => {
  it('leaves out fields whose value is undefined, at the top level and inside menu entries', () => {
    const request = {
      type: 'ivr',
      calledNumber: '13800138000',
      calledShowNumber: '057100000000',
      startCode: 'TTS_10001',
      startTtsParams: undefined,
      playTimes: undefined,
      outId: 'o',
      menuKeyMap: [{ key: '1', code: 'TTS_1', ttsParams: undefined }],
    } as unknown as WithOutId;
    expect(toWireParams(request)).toEqual({
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      StartCode: 'TTS_10001',
      OutId: 'o',
      'MenuKeyMap.1.Key': '1',
      'MenuKeyMap.1.Code': 'TTS_1',
    });
  });

  it('sends only the required fields and OutId for a minimal body', () => {
    expect(toWireParams(bodyOf('voice', { outId: 'o' }) as WithOutId)).toEqual({
      CalledNumber: '13800138000',
      VoiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav',
      OutId: 'o',
    });
  });

  it('does not modify the request it is given', () => {
    const request = structuredClone(MAXIMAL.ivr) as WithOutId;
    toWireParams(request);
    expect(request).toEqual(MAXIMAL.ivr);
  });
});

describe('ACTION_BY_CALL_TYPE (docs/http-api.md#post-calls)', () => {
  it.each([
    ['tts', 'SingleCallByTts'],
    ['voice', 'SingleCallByVoice'],
    ['ivr', 'IvrCall'],
    ['clickToDial', 'ClickToDial'],
    ['smart', 'SmartCall'],
  ] as const)('places a %s call with %s', (type, action) => {
    expect(ACTION_BY_CALL_TYPE[type]).toBe(action);
  });

  it('covers exactly the five call types', () => {
    expect(CALL_TYPES).toEqual(['tts', 'voice', 'ivr', 'clickToDial', 'smart']);
    expect(Object.keys(ACTION_BY_CALL_TYPE).sort()).toEqual(['clickToDial', 'ivr', 'smart', 'tts', 'voice']);
  });
});

describe('PROD_ID_BY_CALL_TYPE (docs/alibaba/actions.md#querycalldetailbycallid QueryCallDetailByCallId ProdId)', () => {
  it.each([
    ['tts', '11010000138001', 'voice verification code / TTS notification'],
    ['voice', '11000000300006', 'voice notification'],
    ['ivr', '11000000300005', 'IVR'],
    ['smart', '11030000180001', 'intelligent outbound'],
  ] as const)('queries %s calls with ProdId %s (%s)', (type, prodId, _product) => {
    expect(PROD_ID_BY_CALL_TYPE[type]).toBe(prodId);
  });

  it('has no ProdId for clickToDial (docs/alibaba/actions.md#querycalldetailbycallid: unverified), so live queries need one given', () => {
    expect(PROD_ID_BY_CALL_TYPE.clickToDial).toBeUndefined();
  });

  it('never uses the SIP call ProdId 11000000300009 (no call type places SIP calls)', () => {
    expect(Object.values(PROD_ID_BY_CALL_TYPE)).not.toContain('11000000300009');
  });
});
