/**
 * `?live=true` near China midnight (shared/calls/queryDate.ts, and getCall in
 * shared/calls/service.ts): Alibaba files a call under its own start time, which can fall on the
 * other side of midnight from the `createdAt` we recorded, so the neighbouring day is asked when the
 * first finds nothing.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallDetail, CallOptions, VoiceApi } from '#shared/alibaba/voiceApi';
import { chinaDayStart, QUERY_DATE_MARGIN_MS, queryDatesFor } from '#shared/calls/queryDate';
import { getCall, type CallsDependencies } from '#shared/calls/service';
import { AlibabaError } from '#shared/errors';
import { createLogger } from '#shared/logger';
import type { StoredCall } from '#shared/calls/callStore';

const DAY_MS = 86_400_000;
/** 2024-01-15 00:00 China time (UTC+8). */
const JAN_15 = Date.parse('2024-01-15T00:00:00+08:00');
const JAN_14 = JAN_15 - DAY_MS;
const JAN_16 = JAN_15 + DAY_MS;
const CALL_ID = '116012354148^102813781234';
const DETAIL: CallDetail = { state: '200000', duration: 12, gmtCreate: '2024-01-14 23:59:58' };

describe('chinaDayStart: midnight (UTC+8) of the day an instant falls on in China, as epoch ms', () => {
  it.each([
    ['2024-01-15T08:30:00Z', '2024-01-14T16:00:00.000Z', 'afternoon in China'],
    ['2024-01-14T16:00:00.000Z', '2024-01-14T16:00:00.000Z', 'exactly China midnight'],
    ['2024-01-14T16:00:01Z', '2024-01-14T16:00:00.000Z', 'just after China midnight (still the 14th in UTC)'],
    ['2024-01-14T15:59:59.999Z', '2024-01-13T16:00:00.000Z', 'just before China midnight'],
    ['2024-01-15T15:59:59Z', '2024-01-14T16:00:00.000Z', 'last second of the China day'],
    ['2024-01-15T00:30:00+08:00', '2024-01-14T16:00:00.000Z', 'an offset timestamp'],
    ['2022-12-21T03:00:00Z', '2022-12-20T16:00:00.000Z', 'the docs/alibaba/actions.md#querycalldetailbycallid example day (1671552000000)'],
    ['2024-03-01T01:00:00+08:00', '2024-02-29T16:00:00.000Z', 'leap day boundary'],
  ])('%s -> %s (%s)', (iso, expected) => {
    expect(chinaDayStart(iso)).toBe(Date.parse(expected));
  });

  it('gives the docs/alibaba/actions.md#querycalldetailbycallid example QueryDate 1671552000000 for a call on 2022-12-21 China time', () => {
    expect(chinaDayStart('2022-12-21T10:00:00+08:00')).toBe(1_671_552_000_000);
  });

  it('property: the result is a China midnight at or before the instant, less than a day before it', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const start = chinaDayStart(new Date(ms).toISOString());
        expect(start).toBeLessThanOrEqual(ms);
        expect(ms - start).toBeLessThan(86_400_000);
        expect(new Date(start + 8 * 3_600_000).toISOString()).toMatch(/T00:00:00\.000Z$/);
      }),
    );
  });
});

describe('queryDatesFor: the China days to ask, in order', () => {
  it.each([
    ['the middle of the day', '2024-01-15T14:00:00+08:00', [JAN_15]],
    ['exactly midnight', '2024-01-15T00:00:00+08:00', [JAN_15, JAN_14]],
    ['two seconds after midnight', '2024-01-15T00:00:02+08:00', [JAN_15, JAN_14]],
    ['just inside the margin after midnight', '2024-01-15T00:04:59.999+08:00', [JAN_15, JAN_14]],
    ['the margin after midnight', '2024-01-15T00:05:00+08:00', [JAN_15]],
    ['the margin before midnight', '2024-01-15T23:55:00+08:00', [JAN_15, JAN_16]],
    ['one millisecond before midnight', '2024-01-15T23:59:59.999+08:00', [JAN_15, JAN_16]],
    ['just outside the margin before midnight', '2024-01-15T23:54:59.999+08:00', [JAN_15]],
    ['a UTC timestamp right after China midnight', '2024-01-14T16:00:01.000Z', [JAN_15, JAN_14]],
  ])('%s (%s)', (_name, createdAt, expected) => {
    expect(queryDatesFor(createdAt)).toEqual(expected);
  });

  it('property: the call\'s own China day first; a neighbour only within the margin of the midnight it borders', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const iso = new Date(ms).toISOString();
        const dates = queryDatesFor(iso);
        const day = chinaDayStart(iso);
        expect(dates[0]).toBe(day);
        expect(dates.length).toBeLessThanOrEqual(2);
        const neighbour = dates[1];
        if (ms - day < QUERY_DATE_MARGIN_MS) expect(neighbour).toBe(day - DAY_MS);
        else if (day + DAY_MS - ms <= QUERY_DATE_MARGIN_MS) expect(neighbour).toBe(day + DAY_MS);
        else expect(neighbour).toBeUndefined();
      }),
    );
  });
});

/** Answers QueryCallDetailByCallId like Alibaba: the detail only for the day the call is filed under. */
class FakeVoice {
  readonly queries: { queryDate: number; options: CallOptions }[] = [];
  constructor(
    private readonly filedUnder: number | undefined,
    private readonly failWith?: Error,
  ) {}

  async queryCallDetail(query: { callId: string; prodId: string; queryDate: number }, options: CallOptions = {}) {
    this.queries.push({ queryDate: query.queryDate, options });
    if (this.failWith) throw this.failWith;
    return { requestId: `REQ-${this.queries.length}`, detail: query.queryDate === this.filedUnder ? DETAIL : null };
  }
}

function storedCall(createdAt: string): StoredCall {
  return {
    callId: CALL_ID,
    type: 'tts',
    outId: 'av0123456789abc',
    prodId: '11010000138001',
    requestId: 'REQ-PLACE',
    status: 'placed',
    createdAt,
    updatedAt: createdAt,
    receipts: [],
  };
}

function depsWith(voice: FakeVoice, call: StoredCall | undefined): CallsDependencies {
  return {
    voice: voice as unknown as VoiceApi,
    store: {
      putPlacedCall: async () => undefined,
      getCall: async () => call,
      advanceStatus: async () => false,
    },
    logger: createLogger({}, { write: () => undefined }),
  };
}

describe('getCall with live=true near China midnight', () => {
  let call: StoredCall;

  beforeEach(() => {
    // Recorded two seconds after midnight; Alibaba received it two seconds before.
    call = storedCall('2024-01-14T16:00:02.000Z');
  });

  it('finds a call Alibaba filed under the day before: the second query, with the same deadline', async () => {
    // arrange
    const voice = new FakeVoice(JAN_14);
    // act
    const view = await getCall(CALL_ID, { live: true }, depsWith(voice, call), { deadline: 1_234 });
    // assert
    expect(view.detail).toEqual(DETAIL);
    expect(voice.queries).toEqual([
      { queryDate: JAN_15, options: { deadline: 1_234 } },
      { queryDate: JAN_14, options: { deadline: 1_234 } },
    ]);
  });

  it('asks once when the call is found under its own day', async () => {
    const voice = new FakeVoice(JAN_15);
    const view = await getCall(CALL_ID, { live: true }, depsWith(voice, call));
    expect(view.detail).toEqual(DETAIL);
    expect(voice.queries.map((query) => query.queryDate)).toEqual([JAN_15]);
  });

  it('answers detail null when neither day knows the call', async () => {
    const voice = new FakeVoice(undefined);
    const view = await getCall(CALL_ID, { live: true }, depsWith(voice, call));
    expect(view.detail).toBeNull();
    expect(voice.queries.map((query) => query.queryDate)).toEqual([JAN_15, JAN_14]);
  });

  it('asks the next day for a call recorded just before midnight', async () => {
    const voice = new FakeVoice(JAN_16);
    const view = await getCall(CALL_ID, { live: true }, depsWith(voice, storedCall('2024-01-15T15:59:59.000Z')));
    expect(view.detail).toEqual(DETAIL);
    expect(voice.queries.map((query) => query.queryDate)).toEqual([JAN_15, JAN_16]);
  });

  it('stops at an error answer: no second query', async () => {
    const throttled = new AlibabaError('throttled', 'Throttling.User', 'Request was denied due to user flow control.');
    const voice = new FakeVoice(JAN_14, throttled);
    await expect(getCall(CALL_ID, { live: true }, depsWith(voice, call))).rejects.toBe(throttled);
    expect(voice.queries).toHaveLength(1);
  });

  it('keeps a queryDate given by the caller as the only day asked', async () => {
    const voice = new FakeVoice(JAN_14);
    const view = await getCall(CALL_ID, { live: true, queryDate: JAN_15 }, depsWith(voice, call));
    expect(view.detail).toBeNull();
    expect(voice.queries.map((query) => query.queryDate)).toEqual([JAN_15]);
  });

  it('asks once for a call recorded in the middle of the day, even when Alibaba has nothing', async () => {
    const voice = new FakeVoice(undefined);
    await getCall(CALL_ID, { live: true }, depsWith(voice, storedCall('2024-01-15T04:00:00.000Z')));
    expect(voice.queries.map((query) => query.queryDate)).toEqual([JAN_15]);
  });
});
