/**
 * POST /call-requests bodies (shared/callRequests/schemas.ts, docs/call-requests.md#the-request):
 * every invalid field and every invalid combination of fields is one ValidationError naming exactly
 * the field it is about, and a valid body comes back with every default filled in.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_TIME_ZONE, MAX_PLANNING_DAYS, parseCallRequest } from '#shared/callRequests/schemas';
import { ValidationError, type FieldIssue } from '#shared/errors';
import { MINIMAL } from '../calls/requests.ts';

const NOW = Date.parse('2026-12-06T02:00:00.000Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const TTS = MINIMAL.tts;
const IVR = {
  ...MINIMAL.ivr,
  menuKeyMap: [
    { key: '1', code: 'TTS_20001' },
    { key: '2', code: 'TTS_20002' },
  ],
};

/** The issues parseCallRequest throws for `body` (fails when it does not throw a ValidationError). */
function issuesOf(body: unknown, prefix?: string): FieldIssue[] {
  try {
    parseCallRequest(body, NOW, prefix);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  return expect.fail(`expected a ValidationError for ${JSON.stringify(body)}`);
}

/** The paths named by the issues of `body`. */
const pathsOf = (body: unknown, prefix?: string): string[] => issuesOf(body, prefix).map((issue) => issue.path);

describe('parseCallRequest: defaults', () => {
  it('fills in every default: now, 30 days, one attempt, until answered, no window', () => {
    expect(parseCallRequest({ call: TTS }, NOW)).toEqual({
      call: TTS,
      notBefore: NOW,
      notAfter: NOW + MAX_PLANNING_DAYS * DAY,
      redial: { on: [], maxAttempts: 1, intervalSeconds: 60 },
      until: 'answered',
    });
  });

  it('a window without a time zone is in China time; its days are kept as given', () => {
    const plan = parseCallRequest({ call: TTS, window: { from: '09:00', to: '20:00', days: ['sat', 'mon'] } }, NOW);

    expect(plan.window).toEqual({ from: '09:00', to: '20:00', timeZone: DEFAULT_WINDOW_TIME_ZONE, days: ['sat', 'mon'] });
    expect(DEFAULT_WINDOW_TIME_ZONE).toBe('Asia/Shanghai');
  });

  it('notAfter defaults to 30 days after notBefore, not after now', () => {
    const notBefore = NOW + 2 * DAY;

    expect(parseCallRequest({ call: TTS, notBefore: iso(notBefore) }, NOW)).toMatchObject({ notBefore, notAfter: notBefore + MAX_PLANNING_DAYS * DAY });
  });

  it('a notBefore in the past means now', () => {
    expect(parseCallRequest({ call: TTS, notBefore: iso(NOW - DAY) }, NOW).notBefore).toBe(NOW);
  });

  it('reads times with any offset', () => {
    const plan = parseCallRequest({ call: TTS, notBefore: '2026-12-07T09:00:00+08:00', notAfter: '2026-12-07T20:00+08:00' }, NOW);

    expect([iso(plan.notBefore), iso(plan.notAfter)]).toEqual(['2026-12-07T01:00:00.000Z', '2026-12-07T12:00:00.000Z']);
  });

  it('keeps the redial policy and acknowledgement as given', () => {
    expect(parseCallRequest({ call: TTS, redial: { on: ['no-answer', 'busy'], maxAttempts: 3, intervalSeconds: 120 } }, NOW).redial).toEqual({
      on: ['no-answer', 'busy'],
      maxAttempts: 3,
      intervalSeconds: 120,
    });
    const acknowledged = parseCallRequest({ call: IVR, until: 'acknowledged', acknowledgeKeys: ['1'], redial: { maxAttempts: 5, intervalSeconds: 60 } }, NOW);
    expect(acknowledged).toMatchObject({ until: 'acknowledged', acknowledgeKeys: ['1'], redial: { on: [], maxAttempts: 5, intervalSeconds: 60 } });
  });

  it('one attempt needs no redial outcomes', () => {
    expect(parseCallRequest({ call: TTS, redial: { maxAttempts: 1, intervalSeconds: 60 } }, NOW).redial).toEqual({ on: [], maxAttempts: 1, intervalSeconds: 60 });
  });
});

describe('parseCallRequest: each refusal names its field', () => {
  it.each<[string, Record<string, unknown>, string]>([
    // Cross-field rules.
    ['until acknowledged on a call that is not IVR', { call: TTS, until: 'acknowledged', acknowledgeKeys: ['1'] }, 'until'],
    ['until acknowledged without acknowledgeKeys', { call: IVR, until: 'acknowledged' }, 'acknowledgeKeys'],
    ['an acknowledge key that is not in the menu', { call: IVR, until: 'acknowledged', acknowledgeKeys: ['1', '9'] }, 'acknowledgeKeys.1'],
    ['acknowledgeKeys for an IVR call without a menu', { call: MINIMAL.ivr, until: 'acknowledged', acknowledgeKeys: ['1'] }, 'acknowledgeKeys.0'],
    ['acknowledgeKeys with until answered', { call: IVR, acknowledgeKeys: ['1'] }, 'acknowledgeKeys'],
    ['acknowledgeKeys with until left out', { call: IVR, until: 'answered', acknowledgeKeys: ['1'] }, 'acknowledgeKeys'],
    ['redial.on with until acknowledged', { call: IVR, until: 'acknowledged', acknowledgeKeys: ['1'], redial: { on: ['no-answer'], maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on'],
    ['maxAttempts over 1 without redial.on', { call: TTS, redial: { maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on'],
    ['notBefore more than 30 days ahead', { call: TTS, notBefore: iso(NOW + 31 * DAY) }, 'notBefore'],
    ['notAfter in the past', { call: TTS, notAfter: iso(NOW - 1_000) }, 'notAfter'],
    ['notAfter now', { call: TTS, notAfter: iso(NOW) }, 'notAfter'],
    ['notAfter before notBefore', { call: TTS, notBefore: iso(NOW + DAY), notAfter: iso(NOW + DAY / 2) }, 'notAfter'],
    ['notAfter equal to notBefore', { call: TTS, notBefore: iso(NOW + DAY), notAfter: iso(NOW + DAY) }, 'notAfter'],
    ['notAfter more than 30 days after notBefore', { call: TTS, notBefore: iso(NOW + DAY), notAfter: iso(NOW + 31 * DAY + 1_000) }, 'notAfter'],
    ['a window that opens when it closes', { call: TTS, window: { from: '09:00', to: '09:00' } }, 'window.to'],
    // Field shapes.
    ['a window time zone that does not exist', { call: TTS, window: { from: '09:00', to: '20:00', timeZone: 'Asia/Atlantis' } }, 'window.timeZone'],
    ['a UTC offset instead of a zone', { call: TTS, window: { from: '09:00', to: '20:00', timeZone: '+08:00' } }, 'window.timeZone'],
    ['a window day named twice', { call: TTS, window: { from: '09:00', to: '20:00', days: ['mon', 'tue', 'mon'] } }, 'window.days'],
    ['no window days at all', { call: TTS, window: { from: '09:00', to: '20:00', days: [] } }, 'window.days'],
    ['a day that is not a weekday', { call: TTS, window: { from: '09:00', to: '20:00', days: ['monday'] } }, 'window.days.0'],
    ['an hour past 23', { call: TTS, window: { from: '24:00', to: '20:00' } }, 'window.from'],
    ['a time without minutes', { call: TTS, window: { from: '09:00', to: '9' } }, 'window.to'],
    ['a window without from', { call: TTS, window: { to: '20:00' } }, 'window.from'],
    ['an unknown window field', { call: TTS, window: { from: '09:00', to: '20:00', zone: 'UTC' } }, 'window.zone'],
    ['an acknowledge key named twice', { call: IVR, until: 'acknowledged', acknowledgeKeys: ['1', '1'] }, 'acknowledgeKeys'],
    ['an acknowledge key that is not one keypad key', { call: IVR, until: 'acknowledged', acknowledgeKeys: ['12'] }, 'acknowledgeKeys.0'],
    ['no acknowledge keys', { call: IVR, until: 'acknowledged', acknowledgeKeys: [] }, 'acknowledgeKeys'],
    ['a redial outcome named twice', { call: TTS, redial: { on: ['busy', 'busy'], maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on'],
    ['a redial outcome that is not one', { call: TTS, redial: { on: ['completed'], maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on.0'],
    ['no redial outcomes', { call: TTS, redial: { on: [], maxAttempts: 2, intervalSeconds: 60 } }, 'redial.on'],
    ['no attempt at all', { call: TTS, redial: { maxAttempts: 0, intervalSeconds: 60 } }, 'redial.maxAttempts'],
    ['six attempts', { call: TTS, redial: { on: ['busy'], maxAttempts: 6, intervalSeconds: 60 } }, 'redial.maxAttempts'],
    ['a fraction of an attempt', { call: TTS, redial: { on: ['busy'], maxAttempts: 1.5, intervalSeconds: 60 } }, 'redial.maxAttempts'],
    ['an interval under a minute', { call: TTS, redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 59 } }, 'redial.intervalSeconds'],
    ['an interval over a day', { call: TTS, redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 86_401 } }, 'redial.intervalSeconds'],
    ['a redial without its interval', { call: TTS, redial: { on: ['busy'], maxAttempts: 2 } }, 'redial.intervalSeconds'],
    ['an unknown redial field', { call: TTS, redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 60, backoff: 2 } }, 'redial.backoff'],
    ['an until that is not one', { call: TTS, until: 'heard' }, 'until'],
    ['a time without a zone', { call: TTS, notBefore: '2026-12-07T09:00:00' }, 'notBefore'],
    ['a date that does not exist', { call: TTS, notAfter: '2026-02-30T09:00:00Z' }, 'notAfter'],
    ['a time that is not text', { call: TTS, notAfter: NOW + DAY }, 'notAfter'],
    ['an unknown field', { call: TTS, priority: 'high' }, 'priority'],
    ['no call', { notBefore: iso(NOW + DAY) }, 'call'],
    // The call is a POST /calls body, validated by the same schemas, its fields under `call.`.
    ['a bad number in the call', { call: { ...TTS, calledNumber: '12' } }, 'call.calledNumber'],
    ['a call field that is missing', { call: { type: 'tts', calledNumber: '13800138000' } }, 'call.ttsCode'],
    ['an unknown call field', { call: { ...TTS, retries: 3 } }, 'call.retries'],
    ['an unknown call type', { call: { ...TTS, type: 'sms' } }, 'call.type'],
    ['a bad IVR menu', { call: { ...IVR, menuKeyMap: [{ key: '11', code: 'TTS_1' }] } }, 'call.menuKeyMap.0.key'],
  ])('%s: %s', (_name, body, path) => {
    expect(pathsOf(body)).toEqual([path]);
  });

  it('names every offending field of one body at once', () => {
    const body = { call: TTS, until: 'acknowledged', notAfter: iso(NOW - 1), window: { from: '10:00', to: '10:00' } };

    expect(pathsOf(body).sort()).toEqual(['acknowledgeKeys', 'notAfter', 'until', 'window.to']);
  });

  it('every refusal has a message saying what is wrong', () => {
    for (const issue of issuesOf({ call: IVR, until: 'acknowledged', acknowledgeKeys: ['7'], redial: { on: ['busy'], maxAttempts: 2, intervalSeconds: 60 } })) {
      expect(issue.message.length, issue.path).toBeGreaterThan(10);
    }
    expect(issuesOf({ call: IVR, until: 'acknowledged', acknowledgeKeys: ['7'] })[0]!.message).toContain('1, 2');
  });

  it('a notAfter exactly 30 days after notBefore is fine; a millisecond more is not', () => {
    const notBefore = NOW + DAY;

    expect(parseCallRequest({ call: TTS, notBefore: iso(notBefore), notAfter: iso(notBefore + MAX_PLANNING_DAYS * DAY) }, NOW).notAfter).toBe(notBefore + MAX_PLANNING_DAYS * DAY);
    expect(pathsOf({ call: TTS, notBefore: iso(notBefore), notAfter: iso(notBefore + MAX_PLANNING_DAYS * DAY + 1) })).toEqual(['notAfter']);
  });

  it('a notBefore exactly 30 days ahead is fine', () => {
    expect(parseCallRequest({ call: TTS, notBefore: iso(NOW + MAX_PLANNING_DAYS * DAY) }, NOW).notBefore).toBe(NOW + MAX_PLANNING_DAYS * DAY);
  });

  it('a body that is not an object is refused as the body', () => {
    expect(pathsOf([TTS])).toEqual(['body']);
    expect(pathsOf('call')).toEqual(['body']);
  });

  it('names fields under a prefix (an event detail), cross-field rules included', () => {
    expect(pathsOf({ call: { ...TTS, calledNumber: '12' } }, 'detail')).toEqual(['detail.call.calledNumber']);
    expect(pathsOf({ call: TTS, until: 'acknowledged', acknowledgeKeys: ['1'] }, 'detail')).toEqual(['detail.until']);
    expect(pathsOf({ call: TTS, window: { from: '08:00', to: '08:00' } }, 'detail')).toEqual(['detail.window.to']);
  });
});
