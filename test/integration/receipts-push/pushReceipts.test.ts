/**
 * functions/pushReceipts.ts against DynamoDB Local: Alibaba's HTTP batch push (docs/alibaba/receipts.md#flow) stored
 * exactly like polled receipts, behind the URL's shared token.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_INVALID_RAW_CHARS, MAX_PUSH_BODY_BYTES } from '#shared/receipts/push';
import {
  callItemOf,
  getCallOf,
  callReport,
  expectAccepted,
  expectProblem,
  invalidItemsOfPush,
  itemsLeftBy,
  loadPushHandler,
  newCallId,
  push,
  receiptItemsOf,
  TEST_PUSH_TOKEN,
  voiceReport,
  type PushHandler,
} from './support.ts';

let handler: PushHandler;

beforeAll(async () => {
  handler = await loadPushHandler();
});

describe('POST /receipts/{messageType}: storing', () => {
  it('stores an array of VoiceReport receipts and answers 200 {"code":0}', async () => {
    const [answered, busy] = [newCallId(), newCallId()];
    const body = [voiceReport(answered), voiceReport(busy, { status_code: '200002', smart_status_code: 'USER_BUSY', duration: '0', start_time: '' })];

    const response = await push(handler, { messageType: 'VoiceReport', body });

    expectAccepted(response);
    const [first] = await receiptItemsOf(answered);
    expect(first).toMatchObject({
      sk: `RECEIPT#VoiceReport#${answered}`,
      messageType: 'VoiceReport',
      messageId: `push-${response.requestId}-0`,
      callId: answered,
      statusCode: '200000',
      status: 'completed',
      duration: 22,
      raw: body[0],
    });
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(first!.expiresAt).toBeGreaterThan(nowSeconds + 29 * 86_400);
    expect(first!.expiresAt).toBeLessThanOrEqual(nowSeconds + 30 * 86_400 + 5);
    expect(Date.now() - Date.parse(first!.receivedAt)).toBeLessThan(60_000);
    expect(await getCallOf(answered)).toMatchObject({ callId: answered, type: null, status: 'completed', outId: 'order-001' });
    expect(await getCallOf(busy)).toMatchObject({ status: 'busy' });
    // The route writes receipt items only: the call item's status is processCallChanges' projection.
    expect(await callItemOf(answered)).toBeUndefined();
    expect(await receiptItemsOf(busy)).toHaveLength(1);
  });

  it('moves the call status forward only, whatever order the pushes come in', async () => {
    const callId = newCallId();

    expectAccepted(await push(handler, { messageType: 'VoiceCallReport', body: [callReport(callId, '200101', '2024-01-15 16:30:01')] }));
    const ringing = await getCallOf(callId);
    expectAccepted(await push(handler, { messageType: 'VoiceReport', body: [voiceReport(callId)] }));
    const completed = await getCallOf(callId);
    // A late intermediate state: stored as a receipt, but the finished call stays finished.
    expectAccepted(await push(handler, { messageType: 'VoiceCallReport', body: [callReport(callId, '200103', '2024-01-15 16:30:09')] }));

    expect(ringing?.status).toBe('ringing');
    expect(completed?.status).toBe('completed');
    expect((await getCallOf(callId)).status).toBe('completed');
    expect((await receiptItemsOf(callId)).map((item) => item.sk).sort()).toEqual([
      `RECEIPT#VoiceCallReport#${callId}#200101#2024-01-15T16:30:01+08:00`,
      `RECEIPT#VoiceCallReport#${callId}#200103#2024-01-15T16:30:09+08:00`,
      `RECEIPT#VoiceReport#${callId}`,
    ]);
  });

  it('stores a receipt pushed twice (a redelivery) once', async () => {
    const callId = newCallId();
    const body = [callReport(callId, '300000', '2024-01-15 16:31:12', { dtmf: '1' }), voiceReport(callId)];

    expectAccepted(await push(handler, { messageType: 'VoiceCallReport', body }));
    expectAccepted(await push(handler, { messageType: 'VoiceCallReport', body }));
    expectAccepted(await push(handler, { messageType: 'VoiceReport', body: [voiceReport(callId)] }));
    expectAccepted(await push(handler, { messageType: 'VoiceReport', body: [voiceReport(callId)] }));

    // VoiceCallReport's natural key includes status code, time and key; VoiceReport's is the CallId.
    const receipts = await receiptItemsOf(callId);
    expect(receipts.map((item) => item.sk).sort()).toEqual([
      `RECEIPT#VoiceCallReport#${callId}#200000#`,
      `RECEIPT#VoiceCallReport#${callId}#300000#2024-01-15T16:31:12+08:00#1`,
      `RECEIPT#VoiceReport#${callId}`,
    ]);
  });

  it('takes a single object too (docs/alibaba/receipts.md#body-encoding) and duplicates inside one push as one item', async () => {
    const [single, doubled] = [newCallId(), newCallId()];

    expectAccepted(await push(handler, { messageType: 'VoiceReport', body: voiceReport(single) }));
    expectAccepted(await push(handler, { messageType: 'VoiceReport', body: [voiceReport(doubled), voiceReport(doubled)] }));

    expect(await receiptItemsOf(single)).toHaveLength(1);
    expect(await receiptItemsOf(doubled)).toHaveLength(1);
  });

  it.each([
    ['application/json; charset=utf-8', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['application/octet-stream', true],
  ])('is lenient about the content type: %s (Base64 from API Gateway: %s)', async (contentType, base64) => {
    const callId = newCallId();

    const response = await push(handler, {
      messageType: 'VoiceRecordReport',
      body: JSON.stringify([{ call_id: callId, status_code: '200000', record_file: 'https://example.invalid/r.wav', duration: 60 }]),
      headers: { 'content-type': contentType },
      base64,
    });

    expectAccepted(response);
    expect(await receiptItemsOf(callId)).toEqual([expect.objectContaining({ sk: `RECEIPT#VoiceRecordReport#${callId}`, recordFile: 'https://example.invalid/r.wav' })]);
  });

  it('logs what was unusable, never the token nor the body', async () => {
    const callId = newCallId();

    const result = await push(handler, { messageType: 'VoiceReport', body: [voiceReport(callId), { callee: '13800138000', note: 'no call id' }] });
    const output = result.log;

    expectAccepted(result);
    const [entry] = output.split('\n').filter((line) => line.includes('stored raw as invalid')).map((line) => JSON.parse(line));
    expect(entry).toMatchObject({
      level: 'WARN',
      messageType: 'VoiceReport',
      invalid: 1,
      reasons: [{ messageId: `push-${result.requestId}-1`, reason: 'call_id is missing or not a string' }],
    });
    expect(output).not.toContain(TEST_PUSH_TOKEN);
    expect(output).not.toContain('13800138000');
  });
});

describe('POST /receipts/{messageType}: the token', () => {
  const wrongTokens: Array<[string, string | null]> = [
    ['missing', null],
    ['empty', ''],
    ['wrong, same length', `${TEST_PUSH_TOKEN.slice(0, -1)}${TEST_PUSH_TOKEN.endsWith('x') ? 'y' : 'x'}`],
    ['a prefix', TEST_PUSH_TOKEN.slice(0, 16)],
    ['longer (the token plus one character)', `${TEST_PUSH_TOKEN}0`],
    ['of another case', TEST_PUSH_TOKEN.toUpperCase()],
    ['given twice (API Gateway joins them with a comma)', `${TEST_PUSH_TOKEN},${TEST_PUSH_TOKEN}`],
  ];

  it.each(wrongTokens)('refuses a %s token with 401 and stores nothing, body unread', async (_label, token) => {
    const callId = newCallId();
    // The body would be stored (as receipts, or raw as invalid) if it were read at all.
    const response = await push(handler, { messageType: 'VoiceReport', token, body: [voiceReport(callId), 'not a receipt'] });
    const output = response.log;

    expectProblem(response, 401, 'UNAUTHORIZED');
    expect(response.headers['www-authenticate']).toMatch(/^Token realm=/);
    expect(await itemsLeftBy(response, 'VoiceReport', [callId])).toEqual([]);
    expect(output).toContain('receipt push refused');
    expect(output).not.toContain(TEST_PUSH_TOKEN);
    if (token) expect(output).not.toContain(token);
    expect(response.text).not.toContain(TEST_PUSH_TOKEN);
  });

  it('checks the token before the message type: an unknown type with a wrong token is 401', async () => {
    const response = await push(handler, { messageType: 'SmsReport', token: 'not-the-token-but-long-enough', body: [] });

    expectProblem(response, 401, 'UNAUTHORIZED');
  });
});

describe('POST /receipts/{messageType}: the message type', () => {
  it.each(['SmsReport', 'voicereport', 'VoiceReport ', '%56oiceReport'])('refuses %j with 400 naming path.messageType, storing nothing', async (messageType) => {
    const callId = newCallId();

    const response = await push(handler, { messageType, body: [voiceReport(callId)] });

    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors).toEqual([{ path: 'path.messageType', message: 'must be one of: VoiceReport, VoiceCallReport, VoiceRecordReport' }]);
    expect(await receiptItemsOf(callId)).toEqual([]);
    expect(await invalidItemsOfPush(messageType, response.requestId)).toEqual([]);
  });
});

describe('POST /receipts/{messageType}: unusable bodies are stored raw and answered code 0', () => {
  const oversized = JSON.stringify([{ call_id: 'x^1', padding: 'p'.repeat(MAX_PUSH_BODY_BYTES) }]);
  const cases: Array<[label: string, body: string, reason: RegExp, base64?: boolean]> = [
    ['not JSON', 'call_id=1^2&status_code=200000', /neither Base64 nor JSON|not JSON/],
    ['an empty body', '', /empty body/],
    ['an empty array', '[]', /empty array/],
    ['an array of non-objects', '[1,"two",null]', /non-object at index 0/],
    ['a JSON string', '"200000"', /neither Base64 nor JSON/],
    ['truncated JSON', '[{"call_id":"1^2","status_code":"2000', /is not JSON/],
    ['oversized', oversized, new RegExp(`larger than the ${MAX_PUSH_BODY_BYTES}-byte limit.*cut to its first ${MAX_INVALID_RAW_CHARS}`)],
    // About 10 KB: used to overflow the stack in the push route and the receipt store (docs/security.md#input-limits).
    ['a receipt nested 4,500 deep', `[{"call_id":"1^2","x":${'['.repeat(4_500)}${']'.repeat(4_500)}}]`, /nests arrays and objects more than 32 deep/],
  ];

  it.each(cases)('%s', async (_label, body, reason) => {
    const response = await push(handler, { messageType: 'VoiceReport', body, headers: { 'content-type': 'application/json' } });

    expectAccepted(response);
    const [invalid, ...more] = await invalidItemsOfPush('VoiceReport', response.requestId);
    expect(more).toEqual([]);
    expect(invalid).toMatchObject({ pk: 'INVALID#VoiceReport', messageId: `push-${response.requestId}`, messageType: 'VoiceReport' });
    expect(invalid!.reason).toMatch(reason);
    expect(invalid!.rawBody).toBe(body.slice(0, MAX_INVALID_RAW_CHARS));
    expect(String(invalid!.sk)).toBe(`${invalid!.receivedAt}#push-${response.requestId}`);
  });

  it('a body that is not UTF-8', async () => {
    const bytes = Uint8Array.from([0x5b, 0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x5d]);

    const response = await push(handler, { messageType: 'VoiceReport', bytes, headers: { 'content-type': 'application/octet-stream' } });

    expectAccepted(response);
    const [invalid] = await invalidItemsOfPush('VoiceReport', response.requestId);
    expect(invalid).toMatchObject({ messageId: `push-${response.requestId}`, reason: 'body is not UTF-8', rawBody: '[{"\ufffd\ufffd"}]' });
  });

  it('keeps the usable receipts of a mixed array and stores each unusable entry on its own', async () => {
    const [good, alsoGood] = [newCallId(), newCallId()];
    const body = [voiceReport(good), { status_code: '200000' }, voiceReport(alsoGood), { call_id: '' }];

    const response = await push(handler, { messageType: 'VoiceReport', body });

    expectAccepted(response);
    expect(await receiptItemsOf(good)).toHaveLength(1);
    expect(await receiptItemsOf(alsoGood)).toHaveLength(1);
    const invalid = (await invalidItemsOfPush('VoiceReport', response.requestId)).sort((a, b) => String(a.messageId).localeCompare(String(b.messageId)));
    expect(invalid.map((item) => [item.messageId, JSON.parse(item.rawBody), item.reason])).toEqual([
      [`push-${response.requestId}-1`, body[1], 'call_id is missing or not a string'],
      [`push-${response.requestId}-3`, body[3], 'call_id is empty'],
    ]);
  });
});
