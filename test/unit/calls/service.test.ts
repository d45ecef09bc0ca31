/**
 * The call operations (shared/calls/service.ts) over in-memory fakes of the Voice API and the call
 * store: what is sent to Alibaba, what is recorded, and what the caller gets back.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallDetail, CallOptions, VoiceApi } from '#shared/alibaba/voiceApi';
import { CALL_TYPES, placeCallRequestSchema, type CallType } from '#shared/calls/schemas';
import { cancelCall, generateOutId, getCall, placeAndRecordCall, type CallsDependencies } from '#shared/calls/service';
import { AlibabaError, NotFoundError, ValidationError } from '#shared/errors';
import type { Logger } from '#shared/logger';
import type { CallRecord, CallStore, StoredCall } from '#shared/calls/callStore';
import type { CallStatus } from '#shared/calls/status';
import { MINIMAL } from './requests.ts';

const CALL_ID = '116012354148^102813781234';
const ALIBABA_REQUEST_ID = '762104B0-1111-2222-3333-444455556666';
const NOW = new Date('2024-01-15T08:30:00.000Z');
/** 2024-01-15 00:00 in China (UTC+8) = 2024-01-14T16:00:00Z. */
const CHINA_DAY_OF_NOW = Date.UTC(2024, 0, 14, 16, 0, 0);

// ------------------------------------------------------------------------------------- fakes

interface VoiceCall {
  method: 'initiateCall' | 'cancelCall' | 'queryCallDetail';
  args: unknown[];
}

class FakeVoice {
  readonly calls: VoiceCall[] = [];
  placeAnswer: () => Promise<{ callId: string; requestId: string }> = async () => ({ callId: CALL_ID, requestId: ALIBABA_REQUEST_ID });
  cancelAnswer: () => Promise<{ cancelled: boolean; requestId: string }> = async () => ({ cancelled: true, requestId: 'REQ-CANCEL' });
  detail: CallDetail | null = { state: '200000', duration: 12, callee: '13800138000' };

  async initiateCall(action: string, params: Readonly<Record<string, string>>, options: CallOptions = {}) {
    this.calls.push({ method: 'initiateCall', args: [action, params, options] });
    return this.placeAnswer();
  }

  async cancelCall(callId: string, options: CallOptions = {}) {
    this.calls.push({ method: 'cancelCall', args: [callId, options] });
    return this.cancelAnswer();
  }

  async queryCallDetail(query: { callId: string; prodId: string; queryDate: number }, options: CallOptions = {}) {
    this.calls.push({ method: 'queryCallDetail', args: [query, options] });
    return { requestId: 'REQ-QUERY', detail: this.detail };
  }

  callsOf(method: VoiceCall['method']) {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }
}

class FakeStore implements CallStore {
  readonly calls = new Map<string, StoredCall>();
  readonly advanced: [callId: string, status: CallStatus, at: string][] = [];
  failPuts: Error | undefined;

  async putPlacedCall(call: CallRecord) {
    if (this.failPuts) throw this.failPuts;
    this.calls.set(call.callId, { ...call, receipts: [] });
  }

  async getCall(callId: string) {
    return this.calls.get(callId);
  }

  async advanceStatus(callId: string, status: CallStatus, at: string) {
    this.advanced.push([callId, status, at]);
    const call = this.calls.get(callId);
    if (!call) return false;
    call.status = status;
    call.updatedAt = at;
    return true;
  }
}

interface LogEntry {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(entries: LogEntry[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void entries.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => recordingLogger(entries) };
}

let voice: FakeVoice;
let store: FakeStore;
let logs: LogEntry[];
let deps: CallsDependencies;

beforeEach(() => {
  voice = new FakeVoice();
  store = new FakeStore();
  logs = [];
  deps = { voice: voice as unknown as VoiceApi, store, logger: recordingLogger(logs), now: () => NOW };
});

function storedCall(type: CallType, overrides: Partial<StoredCall> = {}): StoredCall {
  const prodIds: Record<CallType, string | undefined> = {
    tts: '11010000138001',
    voice: '11000000300006',
    ivr: '11000000300005',
    clickToDial: undefined,
    smart: '11030000180001',
  };
  const call: StoredCall = {
    callId: CALL_ID,
    type,
    outId: 'order-001',
    requestId: ALIBABA_REQUEST_ID,
    status: 'placed',
    createdAt: '2024-01-15T08:30:00.000Z',
    updatedAt: '2024-01-15T08:30:00.000Z',
    receipts: [{ messageType: 'VoiceReport', receivedAt: '2024-01-15T08:31:00.000Z', status_code: '200000' }],
    ...overrides,
  };
  if (prodIds[type] !== undefined && !('prodId' in overrides)) call.prodId = prodIds[type];
  return call;
}

// ------------------------------------------------------------------------------------- placeCall

describe('placeAndRecordCall', () => {
  const expectations: [CallType, string, string | undefined, Record<string, string>][] = [
    ['tts', 'SingleCallByTts', '11010000138001', { CalledNumber: '13800138000', TtsCode: 'TTS_123456789' }],
    ['voice', 'SingleCallByVoice', '11000000300006', { CalledNumber: '13800138000', VoiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' }],
    ['ivr', 'IvrCall', '11000000300005', { CalledNumber: '13800138000', CalledShowNumber: '057100000000', StartCode: 'TTS_10001' }],
    [
      'clickToDial',
      'ClickToDial',
      undefined,
      { CallerShowNumber: '057100000001', CallerNumber: '13900139000', CalledShowNumber: '057100000000', CalledNumber: '13800138000' },
    ],
    ['smart', 'SmartCall', '11030000180001', { CalledNumber: '13800138000', CalledShowNumber: '057100000000', VoiceCode: '2d4c.wav,$name$' }],
  ];

  it('has an expectation for every call type', () => {
    expect(expectations.map(([type]) => type).sort()).toEqual(['clickToDial', 'ivr', 'smart', 'tts', 'voice']);
  });

  describe.each(expectations)('a %s call', (type, action, prodId, wireParams) => {
    it(`is placed with ${action} and the body's wire parameters plus OutId`, async () => {
      // arrange
      const request = { ...MINIMAL[type], outId: 'mine-1' };
      // act
      await placeAndRecordCall(request, deps, { deadline: 1_700_000_000_000 });
      // assert
      expect(voice.callsOf('initiateCall')).toEqual([[action, { ...wireParams, OutId: 'mine-1' }, { deadline: 1_700_000_000_000 }]]);
    });

    it(`is recorded as placed with ProdId ${prodId ?? '(none)'} and the injected clock`, async () => {
      await placeAndRecordCall({ ...MINIMAL[type], outId: 'mine-1' }, deps);
      const record = await store.getCall(CALL_ID);
      expect(record).toEqual({
        callId: CALL_ID,
        type,
        outId: 'mine-1',
        prodId,
        requestId: ALIBABA_REQUEST_ID,
        status: 'placed',
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
        receipts: [],
      });
    });

    it('answers with the placed call (202 body of README.md)', async () => {
      const placed = await placeAndRecordCall({ ...MINIMAL[type], outId: 'mine-1' }, deps);
      expect(placed).toEqual({
        callId: CALL_ID,
        type,
        outId: 'mine-1',
        requestId: ALIBABA_REQUEST_ID,
        status: 'placed',
        createdAt: '2024-01-15T08:30:00.000Z',
      });
    });
  });

  it('generates a 15-character OutId when the body has none, and uses the same one on the wire, in the record and in the answer', async () => {
    // act
    const placed = await placeAndRecordCall(MINIMAL.tts, deps);
    // assert
    expect(placed.outId).toHaveLength(15);
    expect(placed.outId).toMatch(/^[\x21-\x7E]{15}$/);
    const [[, params]] = voice.callsOf('initiateCall') as [[string, Record<string, string>]];
    expect(params.OutId).toBe(placed.outId);
    expect((await store.getCall(CALL_ID))?.outId).toBe(placed.outId);
  });

  it('generates a new OutId for every call', async () => {
    const first = await placeAndRecordCall(MINIMAL.voice, deps);
    const second = await placeAndRecordCall(MINIMAL.voice, deps);
    expect(first.outId).not.toBe(second.outId);
  });

  it('sends every optional field of a maximal body', async () => {
    const request = placeCallRequestSchema.parse({
      ...MINIMAL.ivr,
      menuKeyMap: [{ key: '1', code: 'TTS_20001', ttsParams: { x: '1' } }],
      playTimes: 2,
    });
    await placeAndRecordCall(request, deps);
    const [[, params]] = voice.callsOf('initiateCall') as [[string, Record<string, string>]];
    expect(params).toMatchObject({ 'MenuKeyMap.1.Key': '1', 'MenuKeyMap.1.TtsParams': '{"x":"1"}', PlayTimes: '2' });
  });

  it('still returns the placed call when recording it fails, and logs an error naming the call', async () => {
    // arrange
    store.failPuts = new Error('ProvisionedThroughputExceededException');
    // act
    const placed = await placeAndRecordCall({ ...MINIMAL.tts, outId: 'keep-me' }, deps);
    // assert
    expect(placed).toMatchObject({ callId: CALL_ID, outId: 'keep-me', status: 'placed' });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'error',
      fields: { callId: CALL_ID, outId: 'keep-me', alibabaRequestId: ALIBABA_REQUEST_ID, error: store.failPuts },
    });
  });

  it('logs nothing when the call is placed and recorded', async () => {
    await placeAndRecordCall(MINIMAL.tts, deps);
    expect(logs).toEqual([]);
  });

  it('records nothing and passes the error on when Alibaba refuses the call', async () => {
    const refusal = new AlibabaError('rejected', 'isv.MOBILE_NUMBER_ILLEGAL', 'bad number', { requestId: 'R' });
    voice.placeAnswer = () => Promise.reject(refusal);
    await expect(placeAndRecordCall(MINIMAL.tts, deps)).rejects.toBe(refusal);
    expect(store.calls.size).toBe(0);
  });

  it('logs one "call not placed" entry per refusal: the number(s) it was for, the outcome, Alibaba\'s code and RequestId', async () => {
    // arrange
    voice.placeAnswer = () => Promise.reject(new AlibabaError('throttled', 'isv.BUSINESS_LIMIT_CONTROL', 'flow control', { requestId: 'R-1' }));
    // act
    await expect(placeAndRecordCall({ ...MINIMAL.clickToDial, outId: 'order-9' }, deps)).rejects.toThrow('flow control');
    // assert: the numbers go in fields the logger masks (callerNumber, calledNumber)
    expect(logs).toEqual([
      {
        level: 'info',
        message: 'call not placed',
        fields: {
          type: 'clickToDial',
          outId: 'order-9',
          outcome: 'throttled',
          code: 'isv.BUSINESS_LIMIT_CONTROL',
          alibabaRequestId: 'R-1',
          calledNumber: MINIMAL.clickToDial.calledNumber,
          callerNumber: (MINIMAL.clickToDial as { callerNumber: string }).callerNumber,
          durationMs: expect.any(Number),
        },
      },
    ]);
  });

  it('names a failure that is not Alibaba\'s by its error name', async () => {
    voice.placeAnswer = () => Promise.reject(new TypeError('bug'));
    await expect(placeAndRecordCall(MINIMAL.tts, deps)).rejects.toThrow('bug');
    expect(logs).toEqual([{ level: 'info', message: 'call not placed', fields: expect.objectContaining({ outcome: 'failed', code: 'TypeError', calledNumber: MINIMAL.tts.calledNumber }) }]);
    expect(logs[0]!.fields).not.toHaveProperty('callerNumber');
  });
});

// ------------------------------------------------------------------------------------- cancelCall

describe('cancelCall', () => {
  it('marks a cancelled call as cancelled, at the injected time', async () => {
    // arrange
    store.calls.set(CALL_ID, storedCall('clickToDial'));
    // act
    const result = await cancelCall(CALL_ID, deps, { deadline: 123 });
    // assert
    expect(result).toEqual({ callId: CALL_ID, cancelled: true, requestId: 'REQ-CANCEL' });
    expect(voice.callsOf('cancelCall')).toEqual([[CALL_ID, { deadline: 123 }]]);
    expect(store.advanced).toEqual([[CALL_ID, 'cancelled', NOW.toISOString()]]);
    expect(store.calls.get(CALL_ID)?.status).toBe('cancelled');
  });

  it('leaves the status alone when Alibaba did not cancel (already connected or finished)', async () => {
    store.calls.set(CALL_ID, storedCall('clickToDial', { status: 'in-progress' }));
    voice.cancelAnswer = async () => ({ cancelled: false, requestId: 'REQ-NO' });
    const result = await cancelCall(CALL_ID, deps);
    expect(result).toEqual({ callId: CALL_ID, cancelled: false, requestId: 'REQ-NO' });
    expect(store.advanced).toEqual([]);
    expect(store.calls.get(CALL_ID)?.status).toBe('in-progress');
  });

  it('passes Alibaba failures on without touching the store', async () => {
    const failure = new AlibabaError('transient', 'ServiceUnavailable', 'down');
    voice.cancelAnswer = () => Promise.reject(failure);
    await expect(cancelCall(CALL_ID, deps)).rejects.toBe(failure);
    expect(store.advanced).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------- getCall

describe('getCall without live', () => {
  it('answers the stored call with its receipts, without asking Alibaba', async () => {
    const call = storedCall('tts');
    store.calls.set(CALL_ID, call);
    await expect(getCall(CALL_ID, { live: false }, deps)).resolves.toEqual(call);
    expect(voice.calls).toEqual([]);
  });

  it('is a NotFoundError (404) for an unknown call, even with prodId and queryDate', async () => {
    await expect(getCall(CALL_ID, { live: false, prodId: '11010000138001', queryDate: 1 }, deps)).rejects.toBeInstanceOf(NotFoundError);
    expect(voice.calls).toEqual([]);
  });
});

describe('getCall with live=true', () => {
  it.each(['tts', 'voice', 'ivr', 'smart'] as const)(
    'queries a stored %s call with its stored ProdId and the China day of its creation',
    async (type) => {
      // arrange
      const call = storedCall(type, { createdAt: '2024-01-15T08:30:00.000Z' });
      store.calls.set(CALL_ID, call);
      // act
      const view = await getCall(CALL_ID, { live: true }, deps, { deadline: 99 });
      // assert
      expect(voice.callsOf('queryCallDetail')).toEqual([[{ callId: CALL_ID, prodId: call.prodId, queryDate: CHINA_DAY_OF_NOW }, { deadline: 99 }]]);
      expect(view).toEqual({ ...call, detail: voice.detail });
    },
  );

  it('uses the stored ProdId as written, not the current table (a stored call keeps its own)', async () => {
    store.calls.set(CALL_ID, storedCall('tts', { prodId: '99999999999999' }));
    await getCall(CALL_ID, { live: true }, deps);
    expect(voice.callsOf('queryCallDetail')[0]?.[0]).toMatchObject({ prodId: '99999999999999' });
  });

  it('lets prodId and queryDate from the query override the stored ones', async () => {
    store.calls.set(CALL_ID, storedCall('tts'));
    await getCall(CALL_ID, { live: true, prodId: '11000000300009', queryDate: 1_671_552_000_000 }, deps);
    expect(voice.callsOf('queryCallDetail')[0]?.[0]).toEqual({ callId: CALL_ID, prodId: '11000000300009', queryDate: 1_671_552_000_000 });
  });

  it('refuses a stored clickToDial call without prodId: ValidationError naming query.prodId, no Alibaba request', async () => {
    // arrange
    store.calls.set(CALL_ID, storedCall('clickToDial'));
    // act
    const error = await getCall(CALL_ID, { live: true }, deps).catch((caught: unknown) => caught);
    // assert
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).issues).toEqual([{ path: 'query.prodId', message: expect.stringMatching(/required/) }]);
    expect(voice.calls).toEqual([]);
  });

  it('queries a stored clickToDial call when prodId is given, with the stored day', async () => {
    store.calls.set(CALL_ID, storedCall('clickToDial', { createdAt: '2024-01-14T16:00:00.000Z' }));
    await getCall(CALL_ID, { live: true, prodId: '11000000300010' }, deps);
    expect(voice.callsOf('queryCallDetail')[0]?.[0]).toEqual({ callId: CALL_ID, prodId: '11000000300010', queryDate: CHINA_DAY_OF_NOW });
  });

  it('answers a call placed elsewhere when prodId and queryDate are given, with null bundle fields and the detail', async () => {
    const view = await getCall(CALL_ID, { live: true, prodId: '11010000138001', queryDate: 1_671_552_000_000 }, deps);
    expect(voice.callsOf('queryCallDetail')[0]?.[0]).toEqual({ callId: CALL_ID, prodId: '11010000138001', queryDate: 1_671_552_000_000 });
    expect(view).toEqual({
      callId: CALL_ID,
      type: null,
      outId: null,
      status: null,
      createdAt: null,
      updatedAt: null,
      receipts: [],
      detail: voice.detail,
    });
  });

  it('is a NotFoundError for an unknown call given neither prodId nor queryDate, without asking Alibaba', async () => {
    await expect(getCall(CALL_ID, { live: true }, deps)).rejects.toBeInstanceOf(NotFoundError);
    expect(voice.calls).toEqual([]);
  });

  it.each([
    ['only prodId', { prodId: '11010000138001' }, 'query.queryDate'],
    ['only queryDate', { queryDate: 1_671_552_000_000 }, 'query.prodId'],
  ])('for an unknown call given %s, names the missing parameter without asking Alibaba', async (_name, extra, missing) => {
    const failure = await getCall(CALL_ID, { live: true, ...extra }, deps).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).issues.map((issue) => issue.path)).toEqual([missing]);
    expect(voice.calls).toEqual([]);
  });

  it('passes a null detail (Alibaba has no data) through as null', async () => {
    store.calls.set(CALL_ID, storedCall('voice'));
    voice.detail = null;
    await expect(getCall(CALL_ID, { live: true }, deps)).resolves.toMatchObject({ detail: null });
  });
});

// ------------------------------------------------------------------------------------- generateOutId

describe('generateOutId', () => {
  const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

  it('is 15 characters (docs/alibaba/actions.md: OutId at most 15 bytes): "av" and 13 base-32 characters', () => {
    for (let i = 0; i < 100; i++) expect(generateOutId()).toMatch(/^av[a-z2-7]{13}$/);
  });

  it('is always accepted as a caller-supplied outId', () => {
    const outId = generateOutId();
    expect(() => placeCallRequestSchema.parse({ ...MINIMAL.tts, outId })).not.toThrow();
  });

  it('does not repeat over 10,000 ids', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => generateOutId()));
    expect(ids.size).toBe(10_000);
  });

  it('uses the whole 32-character alphabet in every random position', () => {
    const ids = Array.from({ length: 10_000 }, () => generateOutId());
    for (let position = 2; position < 15; position++) {
      const seen = new Set(ids.map((id) => id[position]));
      expect([...seen].sort().join('')).toBe([...ALPHABET].sort().join(''));
    }
  });
});
