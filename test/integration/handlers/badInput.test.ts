/**
 * Malformed and invalid requests (docs/http-api.md#errors: malformed or invalid request -> 400, plus 413
 * and 415): every one is refused with `application/problem+json`, `code: VALIDATION_FAILED` and an
 * `errors[]` entry naming the field, and none of them reaches Alibaba (the sandbox sees nothing).
 * Limits are docs/alibaba/actions.md's, probed just outside (refused) and just inside (placed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelCallById,
  expectValidationProblem,
  getCallById,
  invoke,
  postCall,
  startHandlers,
  type Harness,
  type HttpResponse,
} from './harness.ts';

let harness: Harness;

beforeAll(async () => {
  // Flow control off: the accepted-boundary cases call the same numbers many times.
  harness = await startHandlers({ flowControl: false });
});
afterAll(async () => {
  await harness?.stop();
});
beforeEach(() => {
  harness.sandbox.control.reset();
});

const CALLED = '13800138000';
const SHOW = '057100000000';

/** The smallest valid body of each type: only README.md's required fields. */
const VALID = {
  tts: { type: 'tts', calledNumber: CALLED, ttsCode: 'TTS_123456789' },
  voice: { type: 'voice', calledNumber: CALLED, voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
  ivr: { type: 'ivr', calledNumber: CALLED, calledShowNumber: SHOW, startCode: 'TTS_10001' },
  clickToDial: { type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: '13900139000', calledShowNumber: SHOW, calledNumber: CALLED },
  smart: { type: 'smart', calledNumber: CALLED, calledShowNumber: SHOW, voiceCode: '2d4c.wav,$name$' },
} as const;
type TypeName = keyof typeof VALID;

const REQUIRED: Record<TypeName, string[]> = {
  tts: ['calledNumber', 'ttsCode'],
  voice: ['calledNumber', 'voiceCode'],
  ivr: ['calledNumber', 'calledShowNumber', 'startCode'],
  clickToDial: ['callerShowNumber', 'callerNumber', 'calledShowNumber', 'calledNumber'],
  smart: ['calledNumber', 'calledShowNumber', 'voiceCode'],
};

/** VALID[type] with `changes` applied; an `undefined` value removes the field. */
function bodyOf(type: TypeName, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { ...VALID[type] };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) delete body[field];
    else body[field] = value;
  }
  return body;
}

/** Template variables whose JSON text is exactly `length` characters: {"v":"xxx..."} */
function variablesOfLength(length: number): Record<string, string> {
  const value = { v: 'x'.repeat(length - '{"v":""}'.length) };
  expect(JSON.stringify(value)).toHaveLength(length);
  return value;
}

function menu(count: number): Array<{ key: string; code: string }> {
  return ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'].slice(0, count).map((key) => ({ key, code: `TTS_2000${key.charCodeAt(0)}` }));
}

function expectSandboxUntouched(): void {
  expect(harness.sandbox.control.requests(), 'an invalid request must never reach Alibaba').toHaveLength(0);
}

async function expectRefused(response: HttpResponse, status: number, path: string): Promise<void> {
  expectValidationProblem(response, status, path);
  expectSandboxUntouched();
}

function postRaw(text: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, base64 = false) {
  return invoke(harness.placeCall, { method: 'POST', route: '/calls', headers, ...(text !== undefined ? { body: text } : {}), base64 });
}

describe('POST /calls: the request envelope', () => {
  it.each([
    ['truncated JSON', '{"type":"tts",'],
    ['JSON followed by garbage', '{"type":"tts"} trailing'],
    ['single-quoted pseudo-JSON', "{'type':'tts'}"],
    ['an empty body', ''],
    ['only whitespace', '   \n'],
  ])('refuses %s with 400 naming body', async (_case, text) => {
    await expectRefused(await postRaw(text), 400, 'body');
  });

  it('refuses a missing body with 400 naming body', async () => {
    await expectRefused(await postRaw(undefined), 400, 'body');
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type at all', {}],
  ])('refuses a JSON text sent as %s with 415 naming header.content-type', async (_case, headers) => {
    await expectRefused(await postRaw(JSON.stringify(VALID.tts), headers), 415, 'header.content-type');
  });

  it('accepts application/json with a charset parameter', async () => {
    const response = await postRaw(JSON.stringify(VALID.tts), { 'content-type': 'application/json; charset=utf-8' });

    expect(response.status, response.text).toBe(202);
  });

  it.each([
    ['arrays nested 4,000 deep', `{"type":"tts","x":${'['.repeat(4_000)}${']'.repeat(4_000)}}`],
    ['objects nested 33 deep', `{"type":"tts","x":${'{"a":'.repeat(33)}0${'}'.repeat(33)}}`],
  ])('refuses a body of %s with 400 naming body, not a 500', async (_case, text) => {
    const response = await postRaw(text);

    await expectRefused(response, 400, 'body');
    expect(response.body.errors).toEqual([{ path: 'body', message: 'must not nest arrays and objects more than 32 deep' }]);
  });

  it('refuses a Content-Type header of 10,000 characters with 415', async () => {
    await expectRefused(await postRaw(JSON.stringify(VALID.tts), { 'content-type': `application/json${'+a'.repeat(5_000)}` }), 415, 'header.content-type');
  });

  it('refuses a body over 16 KiB with 413 naming body', async () => {
    const text = JSON.stringify({ ...VALID.tts, padding: 'x'.repeat(16 * 1024) });

    await expectRefused(await postRaw(text), 413, 'body');
  });

  it('reads a body of exactly 16 KiB (then refuses its unknown field with 400, not 413)', async () => {
    const skeleton = JSON.stringify({ ...VALID.tts, padding: '' });
    const text = JSON.stringify({ ...VALID.tts, padding: 'x'.repeat(16 * 1024 - skeleton.length) });
    expect(Buffer.byteLength(text)).toBe(16 * 1024);

    await expectRefused(await postRaw(text), 400, 'padding');
  });

  it('accepts a valid Base64-encoded body (API Gateway may encode bodies) and places the call', async () => {
    const response = await postRaw(JSON.stringify(VALID.tts), { 'content-type': 'application/json' }, true);

    expect(response.status, response.text).toBe(202);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(harness.sandbox.control.requests()[0]!.params).toMatchObject({ CalledNumber: CALLED, TtsCode: 'TTS_123456789' });
  });

  it('refuses a Base64-encoded body that is not JSON with 400 naming body', async () => {
    await expectRefused(await postRaw('{"type":', { 'content-type': 'application/json' }, true), 400, 'body');
  });

  it.each([
    ['a template variable value', String.raw`{"type":"tts","calledNumber":"13800138000","ttsCode":"TTS_123456789","ttsParam":{"name":"\ud800"}}`, 'ttsParam.name'],
    ['a phone number', String.raw`{"type":"tts","calledNumber":"1380013800\udc00","ttsCode":"TTS_123456789"}`, 'calledNumber'],
    ['a field name', String.raw`{"type":"tts","calledNumber":"13800138000","ttsCode":"TTS_123456789","ttsParam":{"\ud83d":"x"}}`, 'ttsParam.\ud83d'],
  ])('refuses a JSON lone surrogate escape ("\\ud800") in %s with 400 naming it', async (_case, text, path) => {
    await expectRefused(await postRaw(text), 400, path);
  });

  it.each([
    ['null', null],
    ['an array', [VALID.tts]],
    ['a string', 'tts'],
    ['a number', 42],
  ])('refuses a JSON body that is %s with 400 VALIDATION_FAILED', async (_case, value) => {
    const response = await postRaw(JSON.stringify(value));

    expect(response.status, response.text).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors.length).toBeGreaterThan(0);
    expectSandboxUntouched();
  });
});

describe('POST /calls: fields', () => {
  it.each([
    ['an unknown top-level field', bodyOf('tts', { colour: 'red' }), 'colour'],
    ['a PascalCase Alibaba name instead of the camelCase one', bodyOf('tts', { CalledShowNumber: SHOW }), 'CalledShowNumber'],
    ['an unknown field inside a menuKeyMap entry', bodyOf('ivr', { menuKeyMap: [{ key: '1', code: 'TTS_20001', voice: 'x' }] }), 'menuKeyMap.0.voice'],
    ['an unknown type', bodyOf('tts', { type: 'video' }), 'type'],
    ['a type in the wrong case', bodyOf('tts', { type: 'TTS' }), 'type'],
    ['no type', bodyOf('tts', { type: undefined }), 'type'],
    ['a field of another type (voiceCode on tts)', bodyOf('tts', { voiceCode: 'a.wav' }), 'voiceCode'],
  ])('refuses %s with 400 naming it', async (_case, body, path) => {
    await expectRefused(await postCall(harness, body), 400, path);
  });

  describe.each(Object.keys(REQUIRED) as TypeName[])('required fields of %s', (type) => {
    it.each(REQUIRED[type])(`refuses a ${type} call without %s with 400 naming it`, async (field) => {
      await expectRefused(await postCall(harness, bodyOf(type, { [field]: undefined })), 400, field);
    });
  });
});

/** [case, body, path]: each value just outside docs/alibaba/actions.md's range, or of the wrong JSON type. */
const OUT_OF_RANGE: Array<[string, Record<string, unknown>, string]> = [
  // docs/alibaba/actions.md#singlecallbytts / docs/alibaba/actions.md#singlecallbyvoice / docs/alibaba/actions.md#ivrcall: PlayTimes 1-3, Volume 0-100, Speed -500..500.
  ['tts playTimes 0', bodyOf('tts', { playTimes: 0 }), 'playTimes'],
  ['tts playTimes 4', bodyOf('tts', { playTimes: 4 }), 'playTimes'],
  ['voice playTimes 0', bodyOf('voice', { playTimes: 0 }), 'playTimes'],
  ['voice playTimes 4', bodyOf('voice', { playTimes: 4 }), 'playTimes'],
  ['ivr playTimes 0', bodyOf('ivr', { playTimes: 0 }), 'playTimes'],
  ['ivr playTimes 4', bodyOf('ivr', { playTimes: 4 }), 'playTimes'],
  ['tts volume -1', bodyOf('tts', { volume: -1 }), 'volume'],
  ['tts volume 101', bodyOf('tts', { volume: 101 }), 'volume'],
  ['voice volume -1', bodyOf('voice', { volume: -1 }), 'volume'],
  ['voice volume 101', bodyOf('voice', { volume: 101 }), 'volume'],
  ['tts speed -501', bodyOf('tts', { speed: -501 }), 'speed'],
  ['tts speed 501', bodyOf('tts', { speed: 501 }), 'speed'],
  ['voice speed -501', bodyOf('voice', { speed: -501 }), 'speed'],
  ['voice speed 501', bodyOf('voice', { speed: 501 }), 'speed'],
  // docs/alibaba/actions.md: OutId 1-15 bytes (ASCII, so bytes = characters).
  ['outId of 16 characters', bodyOf('tts', { outId: 'abcdefghijklmnop' }), 'outId'],
  ['outId with non-ASCII characters (5 characters, 15 bytes)', bodyOf('voice', { outId: '订单号一二' }), 'outId'],
  ['outId with one non-ASCII character', bodyOf('tts', { outId: 'order-é' }), 'outId'],
  ['an empty outId', bodyOf('ivr', { outId: '' }), 'outId'],
  ['clickToDial outId of 16 characters', bodyOf('clickToDial', { outId: 'x'.repeat(16) }), 'outId'],
  ['smart outId of 16 characters', bodyOf('smart', { outId: 'x'.repeat(16) }), 'outId'],
  // docs/alibaba/actions.md#singlecallbytts: TtsParam under 250 characters, no URLs, a JSON object.
  ['ttsParam of 250 characters', bodyOf('tts', { ttsParam: variablesOfLength(250) }), 'ttsParam'],
  ['ttsParam of 400 characters', bodyOf('tts', { ttsParam: variablesOfLength(400) }), 'ttsParam'],
  ['ttsParam with an https URL', bodyOf('tts', { ttsParam: { link: 'see https://example.cn/pay' } }), 'ttsParam'],
  ['ttsParam with a www. address', bodyOf('tts', { ttsParam: { link: 'www.example.cn' } }), 'ttsParam'],
  ['ttsParam given as a JSON string', bodyOf('tts', { ttsParam: '{"code":"1234"}' }), 'ttsParam'],
  ['ttsParam with a nested object', bodyOf('tts', { ttsParam: { code: { digits: '1234' } } }), 'ttsParam.code'],
  ['ttsParam as an array', bodyOf('tts', { ttsParam: ['1234'] }), 'ttsParam'],
  ['a ttsCode that is not a TTS template', bodyOf('tts', { ttsCode: 'SMS_123456' }), 'ttsCode'],
  // docs/alibaba/actions.md#ivrcall: IVR template variables and the key menu.
  ['startTtsParams with a URL', bodyOf('ivr', { startTtsParams: { link: 'http://example.cn' } }), 'startTtsParams'],
  ['byeTtsParams of 250 characters', bodyOf('ivr', { byeCode: 'TTS_30001', byeTtsParams: variablesOfLength(250) }), 'byeTtsParams'],
  ['menuKeyMap ttsParams of 250 characters', bodyOf('ivr', { menuKeyMap: [{ key: '1', code: 'TTS_1' }, { key: '2', code: 'TTS_2', ttsParams: variablesOfLength(250) }] }), 'menuKeyMap.1.ttsParams'],
  ['duplicate menu keys', bodyOf('ivr', { menuKeyMap: [{ key: '1', code: 'TTS_20001' }, { key: '1', code: 'TTS_20002' }] }), 'menuKeyMap'],
  ['a menu key of two digits', bodyOf('ivr', { menuKeyMap: [{ key: '10', code: 'TTS_20001' }] }), 'menuKeyMap.0.key'],
  ['a menu key that is not a keypad key', bodyOf('ivr', { menuKeyMap: [{ key: 'A', code: 'TTS_20001' }] }), 'menuKeyMap.0.key'],
  ['a menu entry without code', bodyOf('ivr', { menuKeyMap: [{ key: '1' }] }), 'menuKeyMap.0.code'],
  ['an empty menuKeyMap', bodyOf('ivr', { menuKeyMap: [] }), 'menuKeyMap'],
  ['a menuKeyMap of 13 entries (12 keypad keys)', bodyOf('ivr', { menuKeyMap: [...menu(12), { key: '1', code: 'TTS_9' }] }), 'menuKeyMap'],
  ['menuKeyMap as an object', bodyOf('ivr', { menuKeyMap: { 1: 'TTS_20001' } }), 'menuKeyMap'],
  ['ivr timeout 0 ms', bodyOf('ivr', { timeout: 0 }), 'timeout'],
  // docs/alibaba/actions.md#clicktodial / docs/alibaba/actions.md#smartcall: SessionTimeout (max 3,600 s).
  ['clickToDial sessionTimeout 3601', bodyOf('clickToDial', { sessionTimeout: 3601 }), 'sessionTimeout'],
  ['clickToDial sessionTimeout 0', bodyOf('clickToDial', { sessionTimeout: 0 }), 'sessionTimeout'],
  ['smart sessionTimeout 3601', bodyOf('smart', { sessionTimeout: 3601 }), 'sessionTimeout'],
  // docs/alibaba/actions.md#smartcall SmartCall.
  ['smart volume -5', bodyOf('smart', { volume: -5 }), 'volume'],
  ['smart volume 5', bodyOf('smart', { volume: 5 }), 'volume'],
  ['smart muteTime 999', bodyOf('smart', { muteTime: 999 }), 'muteTime'],
  ['smart muteTime 20001', bodyOf('smart', { muteTime: 20001 }), 'muteTime'],
  ['smart pauseTime 299', bodyOf('smart', { pauseTime: 299 }), 'pauseTime'],
  ['smart pauseTime 1201', bodyOf('smart', { pauseTime: 1201 }), 'pauseTime'],
  ['smart ttsVolume -1', bodyOf('smart', { ttsVolume: -1 }), 'ttsVolume'],
  ['smart ttsVolume 101', bodyOf('smart', { ttsVolume: 101 }), 'ttsVolume'],
  ['smart ttsSpeed -201', bodyOf('smart', { ttsSpeed: -201 }), 'ttsSpeed'],
  ['smart ttsSpeed 201', bodyOf('smart', { ttsSpeed: 201 }), 'ttsSpeed'],
  ['smart streamAsr 2', bodyOf('smart', { streamAsr: 2 }), 'streamAsr'],
  ['smart streamAsr -1', bodyOf('smart', { streamAsr: -1 }), 'streamAsr'],
  ['smart asrBaseId other', bodyOf('smart', { asrBaseId: 'other' }), 'asrBaseId'],
  ['smart voiceCodeParam with a character SmartCall does not support ($)', bodyOf('smart', { voiceCodeParam: { name: '$boss$' } }), 'voiceCodeParam'],
  ['smart voiceCodeParam with a URL', bodyOf('smart', { voiceCodeParam: { name: 'https://example.cn' } }), 'voiceCodeParam'],
  // Wrong JSON types.
  ['a string for an integer (playTimes "2")', bodyOf('tts', { playTimes: '2' }), 'playTimes'],
  ['a float for an integer (playTimes 2.5)', bodyOf('tts', { playTimes: 2.5 }), 'playTimes'],
  ['a float for an integer (smart muteTime 1000.5)', bodyOf('smart', { muteTime: 1000.5 }), 'muteTime'],
  ['null for an optional integer (volume)', bodyOf('voice', { volume: null }), 'volume'],
  ['a number for a phone number', bodyOf('tts', { calledNumber: 13800138000 }), 'calledNumber'],
  ['a number for the caller number', bodyOf('clickToDial', { callerNumber: 13900139000 }), 'callerNumber'],
  ['a string for a boolean (recordFlag "true")', bodyOf('clickToDial', { recordFlag: 'true' }), 'recordFlag'],
  ['a number for outId', bodyOf('tts', { outId: 12345 }), 'outId'],
  ['a phone number with a + prefix', bodyOf('tts', { calledNumber: '+8613800138000' }), 'calledNumber'],
  ['a phone number with spaces', bodyOf('ivr', { calledShowNumber: '0571 0000 0000' }), 'calledShowNumber'],
  ['a phone number of 4 digits', bodyOf('smart', { calledNumber: '1234' }), 'calledNumber'],
  ['a phone number of 21 digits', bodyOf('voice', { calledNumber: '1'.repeat(21) }), 'calledNumber'],
];

describe('POST /calls: docs/alibaba/actions.md limits, just outside the range, and wrong JSON types', () => {
  it.each(OUT_OF_RANGE)('refuses %s with 400 naming the field', async (_case, body, path) => {
    await expectRefused(await postCall(harness, body), 400, path);
  });
});

/** [case, body]: each value at the edge of docs/alibaba/actions.md's range, which must be placed. */
const AT_THE_EDGE: Array<[string, Record<string, unknown>]> = [
  ['tts playTimes 1, volume 0, speed -500', bodyOf('tts', { playTimes: 1, volume: 0, speed: -500 })],
  ['tts playTimes 3, volume 100, speed 500', bodyOf('tts', { playTimes: 3, volume: 100, speed: 500 })],
  ['an outId of 15 characters', bodyOf('voice', { outId: '!123456789abcd~' })],
  ['an outId of 1 character', bodyOf('voice', { outId: 'x' })],
  ['ttsParam of 249 characters', bodyOf('tts', { ttsParam: variablesOfLength(249) })],
  ['ivr with all 12 keypad keys', bodyOf('ivr', { menuKeyMap: menu(12) })],
  ['clickToDial sessionTimeout 1', bodyOf('clickToDial', { sessionTimeout: 1 })],
  ['smart volume -4, muteTime 1000, pauseTime 300, ttsVolume 0, ttsSpeed -200, streamAsr 0', bodyOf('smart', { volume: -4, muteTime: 1000, pauseTime: 300, ttsVolume: 0, ttsSpeed: -200, streamAsr: 0 })],
  ['smart volume 4, muteTime 20000, pauseTime 1200, ttsVolume 100, ttsSpeed 200, sessionTimeout 3600', bodyOf('smart', { volume: 4, muteTime: 20000, pauseTime: 1200, ttsVolume: 100, ttsSpeed: 200, sessionTimeout: 3600 })],
  ['smart asrBaseId customer_service_8k', bodyOf('smart', { asrBaseId: 'customer_service_8k' })],
];

describe('POST /calls: docs/alibaba/actions.md limits, at the edge of the range', () => {
  it.each(AT_THE_EDGE)('places a call with %s', async (_case, body) => {
    const response = await postCall(harness, body);

    expect(response.status, response.text).toBe(202);
    expect(harness.sandbox.control.requests()).toHaveLength(1);
    expect(harness.sandbox.control.requests()[0]!.response).toMatchObject({ code: 'OK' });
  });
});

describe('path and query parameters', () => {
  const BAD_CALL_IDS: Array<[string, string]> = [
    ['a path traversal ../x', '../x'],
    ['an encoded path traversal ..%2Fx', '..%2Fx'],
    ['an id of 65 characters', '1'.repeat(65)],
    ['invalid percent-encoding %E0%A4%A', '%E0%A4%A'],
    ['a lone %', '116012354148%'],
    ['a space', '116012354148%20102813781234'],
    ['a quote', "116012354148'--"],
  ];

  it.each(BAD_CALL_IDS)('GET /calls/{callId} refuses %s with 400 naming path.callId', async (_case, callId) => {
    await expectRefused(await getCallById(harness, callId), 400, 'path.callId');
  });

  it.each(BAD_CALL_IDS)('POST /calls/{callId}/cancel refuses %s with 400 naming path.callId', async (_case, callId) => {
    await expectRefused(await cancelCallById(harness, callId), 400, 'path.callId');
  });

  it('accepts an id of 64 characters (then answers 404: this service does not know it)', async () => {
    const response = await getCallById(harness, '1'.repeat(64));

    expect(response.status, response.text).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  it.each([
    ['an unknown query parameter', { foo: 'bar' }, 'query.foo'],
    ['live=yes', { live: 'yes' }, 'query.live'],
    ['live=TRUE', { live: 'TRUE' }, 'query.live'],
    ['live=1', { live: '1' }, 'query.live'],
    ['a prodId that is not a number', { live: 'true', prodId: 'tts' }, 'query.prodId'],
    ['a queryDate that is not epoch milliseconds', { live: 'true', prodId: '11010000138001', queryDate: '2024-01-15' }, 'query.queryDate'],
    ['a queryDate in epoch seconds', { live: 'true', prodId: '11010000138001', queryDate: '1705276800' }, 'query.queryDate'],
  ])('GET /calls/{callId} refuses %s with 400 naming it', async (_case, query, path) => {
    await expectRefused(await getCallById(harness, '116012354148%5E102813781234', query), 400, path);
  });
});

/**
 * Generated malformed bodies sent through the POST /calls handler per run, by property. Together
 * they are the HTTP surface's fuzz budget: at least 1,000 per `npm test`, a few seconds in all.
 */
const MALFORMED_BODY_RUNS = {
  jsonValues: 300,
  objectsWithType: 300,
  wrongTypedRequiredField: 200,
  strings: 300,
} as const;

describe('POST /calls never fails with 5xx and never reaches Alibaba on arbitrary input (property)', () => {
  /** Any UTF-16 code unit, lone surrogates included. */
  const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  /** Bodies that went through the handler, per property: proves each ran its full budget. */
  const sent: Record<keyof typeof MALFORMED_BODY_RUNS, number> = { jsonValues: 0, objectsWithType: 0, wrongTypedRequiredField: 0, strings: 0 };

  async function expectClientError(response: HttpResponse): Promise<void> {
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(response.status, response.text).toBeLessThan(500);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.status).toBe(response.status);
    expect(Array.isArray(response.body.errors), response.text).toBe(true);
    expectSandboxUntouched();
  }

  it('sends at least 1,000 generated malformed bodies per run', () => {
    expect(Object.values(MALFORMED_BODY_RUNS).reduce((sum, runs) => sum + runs, 0)).toBeGreaterThanOrEqual(1_000);
  });

  it('arbitrary JSON values as the body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ stringUnit: anyCodeUnit }), async (value) => {
        sent.jsonValues += 1;
        await expectClientError(await postRaw(JSON.stringify(value)));
      }),
      { numRuns: MALFORMED_BODY_RUNS.jsonValues },
    );
    expect(sent.jsonValues).toBeGreaterThanOrEqual(MALFORMED_BODY_RUNS.jsonValues);
  });

  it('arbitrary objects with a valid type and arbitrary fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(VALID) as TypeName[])),
        fc.dictionary(fc.string({ unit: anyCodeUnit, maxLength: 12 }), fc.jsonValue({ maxDepth: 2, stringUnit: anyCodeUnit }), { maxKeys: 6 }),
        async (type, fields) => {
          sent.objectsWithType += 1;
          await expectClientError(await postRaw(JSON.stringify({ ...fields, type })));
        },
      ),
      { numRuns: MALFORMED_BODY_RUNS.objectsWithType },
    );
    expect(sent.objectsWithType).toBeGreaterThanOrEqual(MALFORMED_BODY_RUNS.objectsWithType);
  });

  it('a valid body whose required field has the wrong JSON type, with or without an arbitrary Idempotency-Key', async () => {
    /** Every required field is a string: any other JSON type is refused, naming the field. */
    const notAString = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
    );
    const typeAndField = fc.constantFrom(...(Object.keys(REQUIRED) as TypeName[])).chain((type) => fc.tuple(fc.constant(type), fc.constantFrom(...REQUIRED[type])));
    await fc.assert(
      fc.asyncProperty(typeAndField, notAString, fc.option(fc.string({ unit: anyCodeUnit, maxLength: 80 }), { nil: undefined }), async ([type, field], value, idempotencyKey) => {
        sent.wrongTypedRequiredField += 1;
        const headers: Record<string, string> = { 'content-type': 'application/json', ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) };
        const response = await postRaw(JSON.stringify(bodyOf(type, { [field]: value })), headers);

        await expectClientError(response);
        expect(response.status, response.text).toBe(400);
        expect((response.body.errors as Array<{ path: string }>).map((issue) => issue.path), response.text).toContain(field);
      }),
      { numRuns: MALFORMED_BODY_RUNS.wrongTypedRequiredField },
    );
    expect(sent.wrongTypedRequiredField).toBeGreaterThanOrEqual(MALFORMED_BODY_RUNS.wrongTypedRequiredField);
  });

  it('arbitrary strings as the body, plain or Base64-encoded, with or without an arbitrary Idempotency-Key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: anyCodeUnit, maxLength: 200 }),
        fc.boolean(),
        fc.option(fc.string({ unit: anyCodeUnit, maxLength: 80 }), { nil: undefined }),
        async (text, base64, idempotencyKey) => {
          sent.strings += 1;
          const headers: Record<string, string> = { 'content-type': 'application/json', ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) };
          await expectClientError(await postRaw(text, headers, base64));
        },
      ),
      { numRuns: MALFORMED_BODY_RUNS.strings },
    );
    expect(sent.strings).toBeGreaterThanOrEqual(MALFORMED_BODY_RUNS.strings);
  });

  it('arbitrary path segments for GET and cancel never fail with 5xx nor reach Alibaba', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: anyCodeUnit, minLength: 1, maxLength: 80 }), async (segment) => {
        for (const response of [await getCallById(harness, segment), await cancelCallById(harness, segment)]) {
          expect(response.status, response.text).toBeLessThan(500);
        }
        // A well-formed id may be looked up (404) or cancelled at Alibaba (answered false); anything else is refused first.
        for (const request of harness.sandbox.control.requests()) expect(request.action).toBe('CancelCall');
        harness.sandbox.control.reset();
      }),
      { numRuns: 300 },
    );
  });
});
