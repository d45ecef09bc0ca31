/**
 * POST /calls bodies (docs/http-api.md) against every parameter limit of docs/alibaba/actions.md, as seen by a
 * caller: which bodies are accepted, and for refused ones which field is named and with what message
 * (shared/validation.ts turns zod issues into { path, message }).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { getCallQuerySchema } from '#shared/calls/getCallQuery';
import {
  CALL_TYPES,
  TEMPLATE_PARAMS_MAX_CHARS,
  callIdSchema,
  clickToDialCallSchema,
  idempotencyKeySchema,
  ivrCallSchema,
  placeCallRequestSchema,
  smartCallSchema,
  ttsCallSchema,
  voiceCallSchema,
  type CallType,
  type PlaceCallRequest,
} from '#shared/calls/schemas';
import { toWireParams } from '#shared/calls/wire';
import { ValidationError, type FieldIssue } from '#shared/errors';
import { parseOrThrow } from '#shared/validation';
import { patternWork } from '../../support/patterns.ts';
import { MAXIMAL, MENU_WIRE_NAME, MINIMAL, REQUIRED_FIELDS, WIRE_NAME, bodyOf } from './requests.ts';

/** Parses like the placeCall handler does (no path prefix). */
function parse(body: unknown): PlaceCallRequest {
  return parseOrThrow(placeCallRequestSchema, body);
}

/** The field issues of a body that must be refused; fails the test if it is accepted. */
function issuesOf(body: unknown): FieldIssue[] {
  try {
    parse(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    return (error as ValidationError).issues;
  }
  return expect.fail(`expected ${JSON.stringify(body)} to be refused`);
}

const SCHEMA_BY_TYPE = {
  tts: ttsCallSchema,
  voice: voiceCallSchema,
  ivr: ivrCallSchema,
  clickToDial: clickToDialCallSchema,
  smart: smartCallSchema,
} as const;

describe('POST /calls body: the five call types', () => {
  describe.each(CALL_TYPES)('type "%s"', (type) => {
    it('accepts the minimal body (only the required fields) unchanged', () => {
      // arrange
      const body = structuredClone(MINIMAL[type]);
      // act
      const parsed = parse(body);
      // assert
      expect(parsed).toEqual(MINIMAL[type]);
    });

    it('accepts the maximal body (every docs/alibaba/actions.md parameter) unchanged', () => {
      const parsed = parse(structuredClone(MAXIMAL[type]));
      expect(parsed).toEqual(MAXIMAL[type]);
    });

    it('has a maximal test body that names every field the schema knows', () => {
      expect(Object.keys(MAXIMAL[type]).sort()).toEqual(Object.keys(SCHEMA_BY_TYPE[type].shape).sort());
    });

    it.each(REQUIRED_FIELDS[type])('refuses a body without %s, naming the field as "is required"', (field) => {
      const issues = issuesOf(bodyOf(type, { [field]: undefined }));
      expect(issues).toEqual([{ path: field, message: 'is required' }]);
    });

    it('refuses an unknown top-level field, naming it', () => {
      const issues = issuesOf(bodyOf(type, { callbackUrl: 'x' }));
      expect(issues).toEqual([{ path: 'callbackUrl', message: 'is not a known field' }]);
    });

    it('refuses a field of another call type (strict per type)', () => {
      const foreign = type === 'tts' ? { voiceCode: 'a.wav' } : { ttsCode: 'TTS_1' };
      const [field] = Object.keys(foreign);
      expect(issuesOf(bodyOf(type, foreign))).toEqual([{ path: field, message: 'is not a known field' }]);
    });

    it('refuses Alibaba-style PascalCase names (fields are camelCase)', () => {
      expect(issuesOf(bodyOf(type, { OutId: 'x' }))).toEqual([{ path: 'OutId', message: 'is not a known field' }]);
    });
  });

  it.each([
    ['a missing type', { calledNumber: '13800138000', ttsCode: 'TTS_1' }],
    ['an unknown type', { type: 'sms', calledNumber: '13800138000' }],
    ['a type of the wrong case', { type: 'TTS', calledNumber: '13800138000', ttsCode: 'TTS_1' }],
  ])('refuses %s, listing the allowed types', (_name, body) => {
    expect(issuesOf(body)).toEqual([
      { path: 'type', message: 'must be one of: "tts", "voice", "ivr", "clickToDial", "smart"' },
    ]);
  });

  it.each([
    ['a string', 'call me'],
    ['an array', [MINIMAL.tts]],
    ['null', null],
    ['a number', 42],
  ])('refuses a body that is %s, naming the body', (_name, body) => {
    expect(issuesOf(body)).toEqual([{ path: 'body', message: 'must be an object' }]);
  });
});

describe('integer limits of docs/alibaba/actions.md (both edges)', () => {
  const limits: [type: CallType, field: string, min: number, max: number, source: string][] = [
    ['tts', 'playTimes', 1, 3, 'docs/alibaba/actions.md#singlecallbytts PlayTimes 1-3'],
    ['tts', 'volume', 0, 100, 'docs/alibaba/actions.md#singlecallbytts Volume 0-100'],
    ['tts', 'speed', -500, 500, 'docs/alibaba/actions.md#singlecallbytts Speed -500..500'],
    ['voice', 'playTimes', 1, 3, 'docs/alibaba/actions.md#singlecallbyvoice PlayTimes 1-3'],
    ['voice', 'volume', 0, 100, 'docs/alibaba/actions.md#singlecallbyvoice Volume 0-100'],
    ['voice', 'speed', -500, 500, 'docs/alibaba/actions.md#singlecallbyvoice Speed -500..500'],
    ['ivr', 'playTimes', 1, 3, 'docs/alibaba/actions.md#ivrcall PlayTimes 1-3'],
    ['ivr', 'timeout', 1, 3_600_000, 'docs/alibaba/actions.md#ivrcall Timeout in ms (no published range: an hour at most)'],
    ['clickToDial', 'sessionTimeout', 1, 3600, 'docs/alibaba/actions.md#clicktodial SessionTimeout (seconds, capped like docs/alibaba/actions.md#smartcall)'],
    ['smart', 'volume', -4, 4, 'docs/alibaba/actions.md#smartcall Volume -4..4'],
    ['smart', 'speed', -500, 500, 'docs/alibaba/actions.md#smartcall Speed (not available, passed through)'],
    ['smart', 'muteTime', 1000, 20000, 'docs/alibaba/actions.md#smartcall MuteTime 1000-20000'],
    ['smart', 'pauseTime', 300, 1200, 'docs/alibaba/actions.md#smartcall PauseTime 300-1200'],
    ['smart', 'sessionTimeout', 1, 3600, 'docs/alibaba/actions.md#smartcall SessionTimeout max 3600'],
    ['smart', 'ttsVolume', 0, 100, 'docs/alibaba/actions.md#smartcall TtsVolume 0-100'],
    ['smart', 'ttsSpeed', -200, 200, 'docs/alibaba/actions.md#smartcall TtsSpeed -200..200'],
    ['smart', 'streamAsr', 0, 1, 'docs/alibaba/actions.md#smartcall StreamAsr 0/1'],
    ['smart', 'actionCodeTimeBreak', 0, 60_000, 'docs/alibaba/actions.md#smartcall ActionCodeTimeBreak (ms, 0 disables)'],
    ['smart', 'backgroundSpeed', -500, 500, 'docs/alibaba/actions.md#smartcall BackgroundSpeed (not available)'],
    ['smart', 'backgroundVolume', -4, 4, 'docs/alibaba/actions.md#smartcall BackgroundVolume (not available)'],
  ];

  describe.each(limits)('%s.%s from %i to %i (%s)', (type, field, min, max) => {
    it.each([min, max])('accepts %i', (value) => {
      expect(parse(bodyOf(type, { [field]: value }))).toMatchObject({ [field]: value });
    });

    it(`refuses ${min - 1} with "must be at least ${min}"`, () => {
      expect(issuesOf(bodyOf(type, { [field]: min - 1 }))).toEqual([{ path: field, message: `must be at least ${min}` }]);
    });

    it(`refuses ${max + 1} with "must be at most ${max}"`, () => {
      expect(issuesOf(bodyOf(type, { [field]: max + 1 }))).toEqual([{ path: field, message: `must be at most ${max}` }]);
    });

    it('refuses a fraction with "must be an integer"', () => {
      expect(issuesOf(bodyOf(type, { [field]: min + 0.5 }))).toEqual([{ path: field, message: 'must be an integer' }]);
    });

    it('refuses a numeric string (numbers are JSON numbers, not strings)', () => {
      expect(issuesOf(bodyOf(type, { [field]: String(min) }))).toEqual([{ path: field, message: 'must be a number' }]);
    });
  });

  it.each([
    [0, true],
    [1, true],
    [-0.01, false],
    [1.01, false],
  ])('smart.noiseThreshold (undocumented, 0-1) %d accepted: %s', (value, accepted) => {
    const body = bodyOf('smart', { noiseThreshold: value });
    if (accepted) expect(parse(body)).toMatchObject({ noiseThreshold: value });
    else expect(issuesOf(body)).toEqual([{ path: 'noiseThreshold', message: value < 0 ? 'must be at least 0' : 'must be at most 1' }]);
  });
});

describe('OutId: 1-15 printable ASCII characters (docs/alibaba/actions.md: 1-15 bytes)', () => {
  const message = 'must be 1 to 15 printable ASCII characters (Alibaba allows 1-15 bytes)';

  describe.each(CALL_TYPES)('on a "%s" call', (type) => {
    it.each([
      ['one character', 'a'],
      ['15 characters', 'abcdefghij12345'],
      ['the lowest printable character "!"', '!'],
      ['the highest printable character "~"', '~'],
      ['punctuation', 'order-001_#/.:'],
    ])('accepts %s', (_name, outId) => {
      expect(parse(bodyOf(type, { outId }))).toMatchObject({ outId });
    });

    it.each([
      ['an empty string', ''],
      ['16 characters', 'abcdefghij123456'],
      ['a space (0x20)', 'order 1'],
      ['DEL (0x7F)', 'order\x7f'],
      ['a newline', 'order\n'],
      ['a non-ASCII letter (2 bytes in UTF-8)', 'café'],
      ['CJK (3 bytes each)', '订单一'],
    ])('refuses %s', (_name, outId) => {
      expect(issuesOf(bodyOf(type, { outId }))).toEqual([{ path: 'outId', message }]);
    });

    it('refuses a number', () => {
      expect(issuesOf(bodyOf(type, { outId: 12345 }))).toEqual([{ path: 'outId', message: 'must be a string' }]);
    });
  });
});

describe('phone numbers (docs/alibaba/actions.md#singlecallbytts: one number; digits only)', () => {
  const numberFields: [CallType, string][] = [
    ['tts', 'calledNumber'],
    ['tts', 'calledShowNumber'],
    ['voice', 'calledNumber'],
    ['ivr', 'calledShowNumber'],
    ['clickToDial', 'callerNumber'],
    ['clickToDial', 'callerShowNumber'],
    ['smart', 'calledNumber'],
  ];

  describe.each(numberFields)('%s.%s', (type, field) => {
    it.each(['12345', '1'.repeat(20), '13800138000', '057100000000'])('accepts %s', (value) => {
      expect(parse(bodyOf(type, { [field]: value }))).toMatchObject({ [field]: value });
    });

    it.each([
      ['4 digits', '1234'],
      ['21 digits', '1'.repeat(21)],
      ['a + prefix', '+8613800138000'],
      ['separators', '138-0013-8000'],
      ['two numbers', '13800138000,13900139000'],
    ])('refuses %s', (_name, value) => {
      expect(issuesOf(bodyOf(type, { [field]: value }))).toEqual([{ path: field, message: 'must be 5 to 20 digits' }]);
    });

    it('refuses a JSON number with "must be a string"', () => {
      expect(issuesOf(bodyOf(type, { [field]: 13800138000 }))).toEqual([{ path: field, message: 'must be a string' }]);
    });
  });
});

describe('template and voice codes', () => {
  it.each(['TTS_1', 'TTS_123456789'])('tts.ttsCode accepts the approved-template form %s', (ttsCode) => {
    expect(parse(bodyOf('tts', { ttsCode }))).toMatchObject({ ttsCode });
  });

  it.each([
    ['TTS_10001', 'bye.wav'],
    ['start.wav', 'TTS_10002'],
  ])('ivr.byeCode must be of the kind of startCode (%s, %s)', (startCode, byeCode) => {
    expect(issuesOf(bodyOf('ivr', { startCode, byeCode }))).toEqual([
      { path: 'byeCode', message: 'must be of the same kind as startCode: both TTS template ids (TTS_...) or both voice file ids' },
    ]);
  });

  it.each([
    ['TTS_10001', 'TTS_10002'],
    ['start.wav', 'bye.wav'],
  ])('ivr.byeCode of the kind of startCode is accepted (%s, %s)', (startCode, byeCode) => {
    expect(parse(bodyOf('ivr', { startCode, byeCode }))).toMatchObject({ startCode, byeCode });
  });

  it.each(['SMS_123', 'TTS_', 'tts_123', 'TTS_12a', ''])('tts.ttsCode refuses %j', (ttsCode) => {
    expect(issuesOf(bodyOf('tts', { ttsCode }))).toEqual([
      { path: 'ttsCode', message: 'must be an approved TTS template id like TTS_123456789' },
    ]);
  });

  const codeLengths: [CallType, string, number][] = [
    ['voice', 'voiceCode', 128],
    ['ivr', 'startCode', 128],
    ['ivr', 'byeCode', 128],
    ['smart', 'voiceCode', 1024],
    ['smart', 'asrModelId', 64],
    ['smart', 'ttsStyle', 32],
    ['smart', 'dynamicId', 128],
    ['clickToDial', 'asrModelId', 64],
  ];

  describe.each(codeLengths)('%s.%s (1 to %i characters)', (type, field, max) => {
    // A closing prompt is of the kind of the opening one: voice files here, like the values.
    const kindOfStart = field === 'byeCode' ? { startCode: 'start.wav' } : {};

    it('accepts the longest allowed value', () => {
      expect(parse(bodyOf(type, { ...kindOfStart, [field]: 'a'.repeat(max) }))).toMatchObject({ [field]: 'a'.repeat(max) });
    });

    it('refuses one character more', () => {
      expect(issuesOf(bodyOf(type, { ...kindOfStart, [field]: 'a'.repeat(max + 1) }))).toEqual([
        { path: field, message: `must be at most ${max} characters` },
      ]);
    });

    it('refuses an empty string', () => {
      expect(issuesOf(bodyOf(type, { ...kindOfStart, [field]: '' }))).toEqual([{ path: field, message: 'must not be empty' }]);
    });
  });

  it.each(['customer_service_8k', 'dialect_customer_service_8k'])('smart.asrBaseId accepts %s (docs/alibaba/actions.md#smartcall)', (asrBaseId) => {
    expect(parse(bodyOf('smart', { asrBaseId }))).toMatchObject({ asrBaseId });
  });

  it.each(['customer_service_16k', 'CUSTOMER_SERVICE_8K', ''])('smart.asrBaseId refuses %j, listing the two base models', (asrBaseId) => {
    expect(issuesOf(bodyOf('smart', { asrBaseId }))).toEqual([
      { path: 'asrBaseId', message: 'must be one of: "customer_service_8k", "dialect_customer_service_8k"' },
    ]);
  });
});

describe('boolean parameters are JSON booleans', () => {
  const flags: [CallType, string][] = [
    ['clickToDial', 'recordFlag'],
    ['clickToDial', 'asrFlag'],
    ['smart', 'recordFlag'],
    ['smart', 'actionCodeBreak'],
    ['smart', 'earlyMediaAsr'],
    ['smart', 'enableITN'],
    ['smart', 'ttsConf'],
  ];

  it.each(flags)('%s.%s accepts true and false', (type, field) => {
    expect(parse(bodyOf(type, { [field]: true }))).toMatchObject({ [field]: true });
    expect(parse(bodyOf(type, { [field]: false }))).toMatchObject({ [field]: false });
  });

  it.each(flags)('%s.%s refuses the string "true"', (type, field) => {
    expect(issuesOf(bodyOf(type, { [field]: 'true' }))).toEqual([{ path: field, message: 'must be a boolean' }]);
  });

  it('smart.streamAsr is an integer 0/1, not a boolean (docs/alibaba/actions.md#smartcall)', () => {
    expect(issuesOf(bodyOf('smart', { streamAsr: true }))).toEqual([{ path: 'streamAsr', message: 'must be a number' }]);
  });
});

/** Every parameter Alibaba takes as a JSON string, given here as an object (README.md). */
const TEMPLATE_PARAM_SLOTS: [name: string, path: string, put: (params: unknown) => Record<string, unknown>][] = [
  ['tts.ttsParam', 'ttsParam', (ttsParam) => bodyOf('tts', { ttsParam })],
  ['ivr.startTtsParams', 'startTtsParams', (startTtsParams) => bodyOf('ivr', { startTtsParams })],
  ['ivr.byeTtsParams', 'byeTtsParams', (byeTtsParams) => bodyOf('ivr', { byeCode: 'TTS_2', byeTtsParams })],
  [
    'ivr.menuKeyMap[].ttsParams',
    'menuKeyMap.0.ttsParams',
    (ttsParams) => bodyOf('ivr', { menuKeyMap: [{ key: '1', code: 'TTS_3', ttsParams }] }),
  ],
  ['smart.voiceCodeParam', 'voiceCodeParam', (voiceCodeParam) => bodyOf('smart', { voiceCodeParam })],
];

/** A one-variable object whose JSON text is exactly `length` characters: {"v":"xxx…"} is 8 + n. */
function paramsOfJsonLength(length: number): Record<string, string> {
  const params = { v: 'x'.repeat(length - 8) };
  expect(JSON.stringify(params)).toHaveLength(length);
  return params;
}

describe('template variables (TtsParam and friends: JSON under 250 characters, no URLs — docs/alibaba/actions.md#singlecallbytts, docs/alibaba/errors.md#voice-business-codes)', () => {
  const tooLong = 'must serialise to at most 249 characters of JSON (Alibaba allows under 250)';
  const noUrls = 'must not contain URLs (Alibaba rejects them: isv.PARAM_NOT_SUPPORT_URL)';

  describe.each(TEMPLATE_PARAM_SLOTS)('%s', (_name, path, put) => {
    it('accepts string, number and boolean values', () => {
      const params = { name: 'Li', amount: 12, paid: false };
      expect(() => parse(put(params))).not.toThrow();
    });

    it('accepts JSON text of exactly 249 characters', () => {
      expect(() => parse(put(paramsOfJsonLength(249)))).not.toThrow();
    });

    it('refuses JSON text of 250 characters', () => {
      expect(issuesOf(put(paramsOfJsonLength(250)))).toEqual([{ path, message: tooLong }]);
    });

    it.each(['www.example.com', 'see http://example.com', 'HTTPS://EXAMPLE.COM', 'ftp://files'])('refuses a URL value %j', (url) => {
      expect(issuesOf(put({ link: url }))).toContainEqual({ path, message: noUrls });
    });

    it('refuses a nested object value, naming the variable', () => {
      expect(issuesOf(put({ name: { first: 'Li' } }))).toEqual([{ path: `${path}.name`, message: 'does not match any allowed shape' }]);
    });

    it.each([
      ['a JSON string', '{"name":"Li"}'],
      ['an array', ['Li']],
    ])('refuses %s instead of an object', (_name, value) => {
      expect(issuesOf(put(value))).toEqual([{ path, message: 'must be a record' }]);
    });
  });

  it('counts characters of the serialised JSON, escapes included', () => {
    // 6 quotes inside the value become 12 characters of JSON: 8 + 229 + 12 = 249 -> accepted; a 7th quote
    // adds 2 characters (251) -> refused, although the value itself is only 236 characters long.
    const value = `${'x'.repeat(229)}""""""`;
    expect(JSON.stringify({ v: value })).toHaveLength(249);
    expect(() => parse(bodyOf('tts', { ttsParam: { v: value } }))).not.toThrow();
    expect(issuesOf(bodyOf('tts', { ttsParam: { v: `${value}"` } }))).toEqual([{ path: 'ttsParam', message: tooLong }]);
  });
});

describe('SmartCall content must avoid @ = : " $ { } ^ * ￥ (docs/alibaba/actions.md#smartcall)', () => {
  const message = 'values must not contain any of @ = : " $ { } ^ * ￥ (not supported by SmartCall)';

  it.each(['@', '=', ':', '"', '$', '{', '}', '^', '*', '￥'])('refuses %s inside a voiceCodeParam value', (character) => {
    expect(issuesOf(bodyOf('smart', { voiceCodeParam: { name: `Li${character}Lei` } }))).toContainEqual({
      path: 'voiceCodeParam',
      message,
    });
  });

  it.each(['@', '=', ':', '$', '^', '*', '￥'])('still accepts %s in a tts ttsParam value (only SmartCall forbids it)', (character) => {
    expect(() => parse(bodyOf('tts', { ttsParam: { name: `Li${character}Lei` } }))).not.toThrow();
  });

  it('accepts ordinary text, digits, the half-width yuan sign ¥ and Chinese in voiceCodeParam', () => {
    expect(() => parse(bodyOf('smart', { voiceCodeParam: { name: '李雷', amount: '¥12.50', code: 1234 } }))).not.toThrow();
  });

  it('accepts $variables$ in voiceCode itself (that is how the playlist names them)', () => {
    expect(parse(bodyOf('smart', { voiceCode: 'a.wav,$name$,$amount$' }))).toMatchObject({ voiceCode: 'a.wav,$name$,$amount$' });
  });
});

describe('IVR menu (docs/alibaba/actions.md#ivrcall MenuKeyMap)', () => {
  const KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
  const menu = (...keys: string[]) => keys.map((key, index) => ({ key, code: `TTS_${20000 + index}` }));

  it.each(KEYS)('accepts the keypad key %s', (key) => {
    expect(parse(bodyOf('ivr', { menuKeyMap: menu(key) }))).toMatchObject({ menuKeyMap: menu(key) });
  });

  it('accepts all 12 keypad keys once each', () => {
    expect(parse(bodyOf('ivr', { menuKeyMap: menu(...KEYS) }))).toMatchObject({ menuKeyMap: menu(...KEYS) });
  });

  it.each(['10', 'a', 'A', '', ' ', '+', '１'])('refuses %j as a key, naming the entry', (key) => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: [...menu('1'), { key, code: 'TTS_1' }] }))).toEqual([
      { path: 'menuKeyMap.1.key', message: 'must be one keypad key: 0-9, * or #' },
    ]);
  });

  it('refuses a key given as a number', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: [{ key: 1, code: 'TTS_1' }] }))).toEqual([
      { path: 'menuKeyMap.0.key', message: 'must be a string' },
    ]);
  });

  it('refuses the same key twice', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: menu('1', '2', '1') }))).toEqual([
      { path: 'menuKeyMap', message: 'must not list the same key twice' },
    ]);
  });

  it('refuses 13 entries', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: menu(...KEYS, '1') }))).toContainEqual({
      path: 'menuKeyMap',
      message: 'must have at most 12 entries',
    });
  });

  it('refuses an empty menu', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: [] }))).toEqual([
      { path: 'menuKeyMap', message: 'must have at least one entry when given' },
    ]);
  });

  it('refuses an entry without code, naming the entry', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: [...menu('1'), { key: '2' }] }))).toEqual([
      { path: 'menuKeyMap.1.code', message: 'is required' },
    ]);
  });

  it('refuses an unknown field inside an entry, naming it', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: [{ key: '1', code: 'TTS_1', Code: 'x' }] }))).toEqual([
      { path: 'menuKeyMap.0.Code', message: 'is not a known field' },
    ]);
  });

  it('refuses a menu given as an object instead of a list', () => {
    expect(issuesOf(bodyOf('ivr', { menuKeyMap: { 1: 'TTS_1' } }))).toEqual([{ path: 'menuKeyMap', message: 'must be an array' }]);
  });
});

describe('several problems at once', () => {
  it('reports every offending field, each with its own path', () => {
    const issues = issuesOf(bodyOf('tts', { playTimes: 4, volume: -1, outId: '', extra: true }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'playTimes', message: 'must be at most 3' },
        { path: 'volume', message: 'must be at least 0' },
        { path: 'outId', message: 'must be 1 to 15 printable ASCII characters (Alibaba allows 1-15 bytes)' },
        { path: 'extra', message: 'is not a known field' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: any body built from valid generators parses, and its wire form names exactly its fields.
// ---------------------------------------------------------------------------------------------------

const phone = fc.stringMatching(/^\d{5,20}$/);
const outIdArb = fc.stringMatching(/^[\x21-\x7E]{1,15}$/);
const codeArb = (max = 40) => fc.string({ minLength: 1, maxLength: max });
const int = (min: number, max: number) => fc.integer({ min, max });
/** Values free of URLs and of SmartCall's forbidden characters; JSON stays far below 249 characters. */
const templateParamsArb = fc.dictionary(
  fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,9}$/),
  fc.oneof(fc.stringMatching(/^[A-Za-z0-9 \u4e00-\u4e09]{0,20}$/), fc.integer(), fc.boolean()),
  { maxKeys: 4 },
);
const KEYPAD = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
const menuArb = fc.uniqueArray(
  fc.record({ key: fc.constantFrom(...KEYPAD), code: codeArb(), ttsParams: templateParamsArb }, { requiredKeys: ['key', 'code'] }),
  { selector: (entry) => entry.key, minLength: 1, maxLength: 12 },
);

const validRequestArb: fc.Arbitrary<PlaceCallRequest> = fc.oneof(
  fc.record(
    {
      type: fc.constant('tts' as const),
      calledNumber: phone,
      calledShowNumber: phone,
      ttsCode: fc.stringMatching(/^TTS_\d{1,20}$/),
      ttsParam: templateParamsArb,
      playTimes: int(1, 3),
      volume: int(0, 100),
      speed: int(-500, 500),
      outId: outIdArb,
    },
    { requiredKeys: ['type', 'calledNumber', 'ttsCode'] },
  ),
  fc.record(
    {
      type: fc.constant('voice' as const),
      calledNumber: phone,
      calledShowNumber: phone,
      voiceCode: codeArb(),
      playTimes: int(1, 3),
      volume: int(0, 100),
      speed: int(-500, 500),
      outId: outIdArb,
    },
    { requiredKeys: ['type', 'calledNumber', 'voiceCode'] },
  ),
  fc.record(
    {
      type: fc.constant('ivr' as const),
      calledNumber: phone,
      calledShowNumber: phone,
      startCode: codeArb().map((code) => `v${code}`),
      startTtsParams: templateParamsArb,
      menuKeyMap: menuArb,
      // Voice-file ids like startCode's: a closing prompt is of the kind of the opening one.
      byeCode: codeArb().map((code) => `v${code}`),
      byeTtsParams: templateParamsArb,
      playTimes: int(1, 3),
      timeout: int(1, 3_600_000),
      outId: outIdArb,
    },
    { requiredKeys: ['type', 'calledNumber', 'calledShowNumber', 'startCode'] },
  ),
  fc.record(
    {
      type: fc.constant('clickToDial' as const),
      callerShowNumber: phone,
      callerNumber: phone,
      calledShowNumber: phone,
      calledNumber: phone,
      recordFlag: fc.boolean(),
      asrFlag: fc.boolean(),
      asrModelId: codeArb(64),
      sessionTimeout: int(1, 3600),
      outId: outIdArb,
    },
    { requiredKeys: ['type', 'callerShowNumber', 'callerNumber', 'calledShowNumber', 'calledNumber'] },
  ),
  fc.record(
    {
      type: fc.constant('smart' as const),
      calledNumber: phone,
      calledShowNumber: phone,
      voiceCode: codeArb(200),
      voiceCodeParam: templateParamsArb,
      volume: int(-4, 4),
      speed: int(-500, 500),
      recordFlag: fc.boolean(),
      asrModelId: codeArb(64),
      asrBaseId: fc.constantFrom('customer_service_8k' as const, 'dialect_customer_service_8k' as const),
      muteTime: int(1000, 20000),
      pauseTime: int(300, 1200),
      sessionTimeout: int(1, 3600),
      actionCodeBreak: fc.boolean(),
      actionCodeTimeBreak: int(0, 60_000),
      dynamicId: codeArb(),
      earlyMediaAsr: fc.boolean(),
      enableITN: fc.boolean(),
      streamAsr: int(0, 1),
      ttsConf: fc.boolean(),
      ttsStyle: codeArb(32),
      ttsVolume: int(0, 100),
      ttsSpeed: int(-200, 200),
      backgroundFileCode: codeArb(),
      backgroundSpeed: int(-500, 500),
      backgroundVolume: int(-4, 4),
      noiseThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
      outId: outIdArb,
    },
    { requiredKeys: ['type', 'calledNumber', 'calledShowNumber', 'voiceCode'] },
  ),
);

/** The wire names a request must produce, from the hand-written spec table (not from wire.ts). */
function expectedWireNames(request: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const [field, value] of Object.entries(request)) {
    if (field === 'type') continue;
    if (field === 'menuKeyMap') {
      (value as Record<string, unknown>[]).forEach((entry, index) => {
        for (const entryField of Object.keys(entry)) names.push(`MenuKeyMap.${index + 1}.${MENU_WIRE_NAME[entryField]}`);
      });
      continue;
    }
    const name = WIRE_NAME[field];
    if (name === undefined) throw new Error(`no spec wire name for ${field}`);
    names.push(name);
  }
  return names.sort();
}

describe('property: valid bodies parse and map to exactly their wire parameters', () => {
  it('any body built from valid generators parses unchanged', () => {
    fc.assert(
      fc.property(validRequestArb, (request) => {
        expect(parse(structuredClone(request))).toEqual(request);
      }),
      { numRuns: 500 },
    );
  });

  it('toWireParams yields string values named exactly by the PascalCase forms of the given fields (MenuKeyMap flattened)', () => {
    fc.assert(
      fc.property(validRequestArb, (request) => {
        // arrange
        const parsed = parse(structuredClone(request));
        const withOutId = { ...parsed, outId: parsed.outId ?? 'generated-id' };
        // act
        const wire = toWireParams(withOutId);
        // assert
        expect(Object.keys(wire).sort()).toEqual(expectedWireNames(withOutId));
        for (const value of Object.values(wire)) expect(typeof value).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Bounded work (docs/security.md#input-limits): a value's length is checked before any pattern runs
// on it, the first failing check of a value stops its checks, and every string has a length limit.
// ---------------------------------------------------------------------------------------------------

/** The longest text a pattern of the request schemas may be run on: a template variable's whole JSON. */
const MAX_PATTERN_INPUT = TEMPLATE_PARAMS_MAX_CHARS;

/** Repeated units that make backtracking patterns slow: long runs of word characters, dashes and dots. */
const HOSTILE_UNITS = ['a', '1', 'a-', '-', 'a.', 'www', 'a:', 'a:/', 'ab.c', 'x_', '李'] as const;
const hostileText = (minLength: number, maxLength: number) =>
  fc
    .tuple(fc.constantFrom(...HOSTILE_UNITS), fc.integer({ min: minLength, max: maxLength }), fc.constantFrom('', 'www.', 'http://', '.com'))
    .map(([unit, length, suffix]) => unit.repeat(Math.ceil(length / unit.length)) + suffix);

/** The issues of a refused body, and the longest text a pattern saw while refusing it. */
function refusedWithWork(body: unknown): { issues: FieldIssue[]; longest: number; longestPattern: string | undefined } {
  const { result, longest, longestPattern } = patternWork(() => {
    try {
      parse(body);
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
    return undefined;
  });
  if (result === undefined) return expect.fail('expected the body to be refused');
  return { issues: result, longest, longestPattern };
}

/** Every string field of MAXIMAL[type], as [path, put(value)] (template variables' values included). */
function stringSlots(type: CallType): [string, (value: string) => unknown][] {
  const slots: [string, (value: string) => unknown][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string' && path[0] !== 'type') {
      slots.push([path.join('.'), (replacement) => setAt(structuredClone(MAXIMAL[type]), path, replacement)]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, Array.isArray(value) ? Number(key) : key]);
    }
  };
  walk(MAXIMAL[type], []);
  return slots;
}

function setAt(body: unknown, path: readonly (string | number)[], value: unknown): unknown {
  let target = body as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path.at(-1)!] = value;
  return body;
}

describe('bounded work: no pattern runs on an over-long value (docs/security.md#input-limits)', () => {
  describe.each(TEMPLATE_PARAM_SLOTS)('%s', (_name, path, put) => {
    it('refuses a 16,000-letter value for its length alone, without running a pattern on it', () => {
      const { issues, longest, longestPattern } = refusedWithWork(put({ v: 'a'.repeat(16_000) }));

      expect(issues).toEqual([{ path, message: 'must serialise to at most 249 characters of JSON (Alibaba allows under 250)' }]);
      expect(longest, `pattern ${longestPattern}`).toBeLessThanOrEqual(MAX_PATTERN_INPUT);
    });

    it('stops at the first failing check: an over-long URL is refused for its length only', () => {
      const { issues } = refusedWithWork(put({ link: `www.${'x'.repeat(300)}.com` }));

      expect(issues).toEqual([{ path, message: 'must serialise to at most 249 characters of JSON (Alibaba allows under 250)' }]);
    });
  });

  it('property: any body with one string replaced by a hostile text longer than any field allows is refused, and no pattern sees more than a template\'s JSON', () => {
    const slots = CALL_TYPES.flatMap((type) => stringSlots(type).map(([path, put]) => ({ type, path, put })));
    fc.assert(
      fc.property(fc.constantFrom(...slots), hostileText(1_025, 20_000), ({ path, put }, text) => {
        const { issues, longest, longestPattern } = refusedWithWork(put(text));

        expect(issues.length, path).toBeGreaterThan(0);
        expect(longest, `${path}: pattern ${longestPattern}`).toBeLessThanOrEqual(MAX_PATTERN_INPUT);
      }),
      { numRuns: 150, endOnFailure: true },
    );
  });
});

/** The JSON Schema of `schema`, walked: every string it can take, with the path to it. */
function stringSchemas(schema: z.ZodMiniType): { path: string; node: Record<string, unknown> }[] {
  const found: { path: string; node: Record<string, unknown> }[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.type === 'string') found.push({ path, node: record });
    for (const [key, child] of Object.entries(record)) walk(child, `${path}/${key}`);
  };
  walk(z.toJSONSchema(schema, { io: 'input' }), '#');
  return found;
}

describe('every string a request can carry has a length limit (docs/security.md#input-limits)', () => {
  it.each([
    ['the POST /calls body', placeCallRequestSchema],
    ['the Idempotency-Key header', idempotencyKeySchema],
    ['the {callId} path parameter', callIdSchema],
    ['the GET /calls/{callId} query', getCallQuerySchema],
  ] as const)('%s', (_name, schema) => {
    const strings = stringSchemas(schema);

    expect(strings.length).toBeGreaterThan(0);
    for (const { path, node } of strings) {
      const bounded = typeof node.maxLength === 'number' || Array.isArray(node.enum) || node.const !== undefined;
      expect(bounded, `${path} has no maxLength`).toBe(true);
    }
  });
});
