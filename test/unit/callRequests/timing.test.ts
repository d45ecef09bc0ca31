/**
 * When a call request's attempt may be placed (shared/callRequests/timing.ts,
 * docs/call-requests.md#when-attempts-are-placed): windows in China time and other IANA zones,
 * windows past midnight, days of the week (a window past midnight belongs to the day it opens),
 * daylight-saving changes, and the notAfter cut-off.
 *
 * Expected instants are written out by hand in UTC (checked against the zones' published rules), not
 * computed with the code under test; the properties check the results against a wall-clock reading of
 * their own (Intl), independent of timing.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isInWindow, nextAttemptAt, nextInWindow, weekdayAt, zonedInstant } from '#shared/callRequests/timing';
import { WEEKDAYS, type CallRequestPlan, type Weekday } from '#shared/callRequests/schemas';

type Window = NonNullable<CallRequestPlan['window']>;

const at = (text: string): number => Date.parse(text);
const MINUTE = 60_000;
const DAY = 86_400_000;
const shanghai = (from: string, to: string, days?: Weekday[]): Window => ({ from, to, timeZone: 'Asia/Shanghai', ...(days ? { days } : {}) });
const zone = (timeZone: string, from: string, to: string, days?: Weekday[]): Window => ({ from, to, timeZone, ...(days ? { days } : {}) });
const next = (window: Window, t: string): string | undefined => {
  const found = nextInWindow(window, at(t));
  return found === undefined ? undefined : new Date(found).toISOString();
};

describe('nextInWindow: China time (Asia/Shanghai, UTC+8 all year)', () => {
  // 2026-12-06 is a Sunday; 09:00-20:00 China time is 01:00-12:00 UTC.
  const daytime = shanghai('09:00', '20:00');

  it.each([
    ['Sunday 22:00: the next morning at 09:00', '2026-12-06T14:00:00.000Z', '2026-12-07T01:00:00.000Z'],
    ['just after midnight: the same morning', '2026-12-06T16:30:00.000Z', '2026-12-07T01:00:00.000Z'],
    ['inside: at once, to the millisecond', '2026-12-07T03:15:27.123Z', '2026-12-07T03:15:27.123Z'],
    ['at 09:00 exactly (from is inclusive): at once', '2026-12-07T01:00:00.000Z', '2026-12-07T01:00:00.000Z'],
    ['a millisecond before 20:00: at once', '2026-12-07T11:59:59.999Z', '2026-12-07T11:59:59.999Z'],
    ['at 20:00 exactly (to is exclusive): the next morning', '2026-12-07T12:00:00.000Z', '2026-12-08T01:00:00.000Z'],
  ])('%s', (_name, t, expected) => {
    expect(next(daytime, t)).toBe(expected);
  });

  it.each([
    ['23:00: at once', '2026-12-07T15:00:00.000Z', '2026-12-07T15:00:00.000Z'],
    ['03:00, the window opened yesterday: at once', '2026-12-07T19:00:00.000Z', '2026-12-07T19:00:00.000Z'],
    ['06:00 (closed): 22:00 that evening', '2026-12-07T22:00:00.000Z', '2026-12-08T14:00:00.000Z'],
    ['noon: 22:00 that evening', '2026-12-07T04:00:00.000Z', '2026-12-07T14:00:00.000Z'],
  ])('a window past midnight, 22:00-06:00 — %s', (_name, t, expected) => {
    expect(next(shanghai('22:00', '06:00'), t)).toBe(expected);
  });

  it('the days of the week are China days', () => {
    const weekdays = shanghai('09:00', '20:00', ['mon', 'wed']);

    // Monday 20:00 → Wednesday 09:00; Saturday 10:00 → Monday 09:00.
    expect(next(weekdays, '2026-12-07T12:00:00.000Z')).toBe('2026-12-09T01:00:00.000Z');
    expect(next(weekdays, '2026-12-05T02:00:00.000Z')).toBe('2026-12-07T01:00:00.000Z');
    // Sunday 07:00 China time is still Saturday in UTC: Sunday is not allowed, Monday is.
    expect(next(weekdays, '2026-12-05T23:00:00.000Z')).toBe('2026-12-07T01:00:00.000Z');
  });

  it('a window on one day only, just closed, opens a week later', () => {
    expect(next(shanghai('09:00', '20:00', ['sun']), '2026-12-06T12:00:00.000Z')).toBe('2026-12-13T01:00:00.000Z');
  });

  describe('a window past midnight belongs to the day it opens (Fridays 22:00-06:00)', () => {
    const fridayNights = shanghai('22:00', '06:00', ['fri']);

    it.each([
      ["Saturday 03:00, inside Friday's window: at once", '2026-12-04T19:00:00.000Z', '2026-12-04T19:00:00.000Z'],
      ['Saturday 07:00: next Friday 22:00', '2026-12-04T23:00:00.000Z', '2026-12-11T14:00:00.000Z'],
      ["Friday 03:00, inside Thursday's window, which is not allowed: Friday 22:00", '2026-12-03T19:00:00.000Z', '2026-12-04T14:00:00.000Z'],
      ['Saturday 22:30: next Friday 22:00', '2026-12-05T14:30:00.000Z', '2026-12-11T14:00:00.000Z'],
    ])('%s', (_name, t, expected) => {
      expect(next(fridayNights, t)).toBe(expected);
    });
  });
});

describe('nextInWindow: other zones', () => {
  it.each([
    ['America/New_York in winter (UTC-5)', zone('America/New_York', '09:00', '17:00'), '2026-12-07T12:00:00.000Z', '2026-12-07T14:00:00.000Z'],
    ['Europe/London in summer (UTC+1)', zone('Europe/London', '09:00', '17:00'), '2026-07-01T06:00:00.000Z', '2026-07-01T08:00:00.000Z'],
    ['Europe/London in winter (UTC)', zone('Europe/London', '09:00', '17:00'), '2026-12-07T06:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    ['Asia/Kolkata (UTC+5:30)', zone('Asia/Kolkata', '09:00', '18:00'), '2026-12-07T00:00:00.000Z', '2026-12-07T03:30:00.000Z'],
    ['Asia/Kathmandu (UTC+5:45)', zone('Asia/Kathmandu', '09:00', '18:00'), '2026-12-07T00:00:00.000Z', '2026-12-07T03:15:00.000Z'],
    ['UTC', zone('UTC', '09:00', '18:00'), '2026-12-07T00:00:00.000Z', '2026-12-07T09:00:00.000Z'],
    // Already Monday 01:00 in Auckland (UTC+13 in December) while Sunday in UTC.
    ['Pacific/Auckland, days counted there', zone('Pacific/Auckland', '09:00', '17:00', ['mon']), '2026-12-06T12:00:00.000Z', '2026-12-06T20:00:00.000Z'],
  ])('%s', (_name, window, t, expected) => {
    expect(next(window, t)).toBe(expected);
  });

  it('weekdayAt reads the weekday in the zone', () => {
    expect(weekdayAt(at('2026-12-06T12:00:00Z'), 'Pacific/Auckland')).toBe('mon');
    expect(weekdayAt(at('2026-12-06T12:00:00Z'), 'America/New_York')).toBe('sun');
    expect(weekdayAt(at('2026-12-06T16:00:00Z'), 'Asia/Shanghai')).toBe('mon');
  });
});

describe('nextInWindow: daylight-saving changes', () => {
  // America/New_York: 2026-03-08 02:00 EST → 03:00 EDT; 2026-11-01 02:00 EDT → 01:00 EST.
  // Europe/London: 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT.
  // Australia/Sydney: 2026-04-05 03:00 AEDT → 02:00 AEST; 2026-10-04 02:00 AEST → 03:00 AEDT.

  it('a daytime window follows the clock across the change (New York, spring and autumn)', () => {
    const office = zone('America/New_York', '09:00', '17:00');

    // Saturday 18:00 EST → Sunday 09:00 EDT (13:00 UTC, no longer 14:00).
    expect(next(office, '2026-03-07T23:00:00.000Z')).toBe('2026-03-08T13:00:00.000Z');
    // Sunday 00:00 EDT → 09:00 EST that day (14:00 UTC).
    expect(next(office, '2026-11-01T04:00:00.000Z')).toBe('2026-11-01T14:00:00.000Z');
  });

  it('a daytime window follows the clock across the change (London, spring)', () => {
    expect(next(zone('Europe/London', '09:00', '17:00'), '2026-03-28T18:00:00.000Z')).toBe('2026-03-29T08:00:00.000Z');
  });

  it.each([
    // 02:00 EST → 03:00 EDT (07:00 UTC).
    ['New York', zone('America/New_York', '02:30', '05:00'), '2026-03-08T05:00:00.000Z', '2026-03-08T07:00:00.000Z'],
    // 01:00 GMT → 02:00 BST (01:00 UTC).
    ['London', zone('Europe/London', '01:30', '04:00'), '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z'],
    // 02:00 AEST → 03:00 AEDT (16:00 UTC).
    ['Sydney', zone('Australia/Sydney', '02:30', '05:00'), '2026-10-03T14:00:00.000Z', '2026-10-03T16:00:00.000Z'],
  ])('%s: an opening time the clock skips opens the window when the clock jumps over it (02:30 → 03:00)', (_name, window, t, expected) => {
    expect(next(window, t)).toBe(expected);
  });

  it('a closing time the clock skips closes the window when the clock jumps over it', () => {
    const early = zone('America/New_York', '01:00', '02:30');

    // 01:59 EST is inside; at 03:00 EDT, which the clock shows next, it has closed: next day 01:00 EST.
    expect(next(early, '2026-03-08T06:59:00.000Z')).toBe('2026-03-08T06:59:00.000Z');
    expect(next(early, '2026-03-08T07:00:00.000Z')).toBe('2026-03-09T05:00:00.000Z');
  });

  it('a window the clock skips entirely does not open that day', () => {
    // 02:10-02:40 never happens on 2026-03-08 in New York: the next one is on the 9th (EDT).
    expect(next(zone('America/New_York', '02:10', '02:40'), '2026-03-08T05:00:00.000Z')).toBe('2026-03-09T06:10:00.000Z');
  });

  it.each([
    ['New York (west of Greenwich): 01:30 EDT, not 01:30 EST', zone('America/New_York', '01:30', '04:00'), '2026-11-01T04:00:00.000Z', '2026-11-01T05:30:00.000Z'],
    ['London (Greenwich): 01:30 BST, not 01:30 GMT', zone('Europe/London', '01:30', '04:00'), '2026-10-24T23:00:00.000Z', '2026-10-25T00:30:00.000Z'],
    ['Sydney (east of Greenwich): 02:30 AEDT, not 02:30 AEST', zone('Australia/Sydney', '02:30', '05:00'), '2026-04-04T13:00:00.000Z', '2026-04-04T15:30:00.000Z'],
  ])('%s: an opening time the clock shows twice is taken the first time', (_name, window, t, expected) => {
    expect(next(window, t)).toBe(expected);
  });

  it('zonedInstant: a skipped wall time is the moment of the jump', () => {
    expect(zonedInstant({ year: 2026, month: 3, day: 8 }, 2, 30, 'America/New_York')).toBe(at('2026-03-08T07:00:00Z'));
    expect(zonedInstant({ year: 2026, month: 3, day: 29 }, 2, 15, 'Europe/Berlin')).toBe(at('2026-03-29T01:00:00Z'));
    // Lord Howe Island moves its clock by half an hour: 02:00 → 02:30 (15:00 UTC).
    expect(zonedInstant({ year: 2026, month: 10, day: 4 }, 2, 10, 'Australia/Lord_Howe')).toBe(at('2026-10-03T15:30:00Z'));
  });

  it('zonedInstant: a repeated wall time is its first occurrence, in every hemisphere', () => {
    expect(zonedInstant({ year: 2026, month: 10, day: 25 }, 1, 30, 'Europe/London')).toBe(at('2026-10-25T00:30:00Z'));
    expect(zonedInstant({ year: 2026, month: 10, day: 25 }, 2, 30, 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
    expect(zonedInstant({ year: 2026, month: 11, day: 1 }, 1, 30, 'America/New_York')).toBe(at('2026-11-01T05:30:00Z'));
    expect(zonedInstant({ year: 2026, month: 4, day: 5 }, 2, 30, 'Australia/Sydney')).toBe(at('2026-04-04T15:30:00Z'));
  });

  it('a window past midnight spans the change: it closes at 06:00 on the new clock', () => {
    const nights = zone('America/New_York', '22:00', '06:00');

    // Sunday 05:30 EDT, in Saturday's window: at once; at 06:00 EDT (10:00 UTC) it has closed.
    expect(next(nights, '2026-03-08T09:30:00.000Z')).toBe('2026-03-08T09:30:00.000Z');
    expect(next(nights, '2026-03-08T10:00:00.000Z')).toBe('2026-03-09T02:00:00.000Z');
  });
});

describe('nextAttemptAt', () => {
  const plan = { notBefore: at('2026-12-06T00:00:00Z'), notAfter: at('2026-12-08T00:00:00Z') };

  it('without a window: the later of from and notBefore', () => {
    expect(nextAttemptAt(plan, at('2026-12-05T00:00:00Z'))).toBe(plan.notBefore);
    expect(nextAttemptAt(plan, at('2026-12-06T10:00:00Z'))).toBe(at('2026-12-06T10:00:00Z'));
  });

  it('with a window: its next opening at or after notBefore', () => {
    // notBefore is 08:00 China time: the window opens at 09:00.
    expect(nextAttemptAt({ ...plan, window: shanghai('09:00', '20:00') }, at('2026-12-05T00:00:00Z'))).toBe(at('2026-12-06T01:00:00Z'));
  });

  it('notAfter is the last moment an attempt may be placed', () => {
    expect(nextAttemptAt(plan, plan.notAfter)).toBe(plan.notAfter);
    expect(nextAttemptAt(plan, plan.notAfter + 1)).toBeUndefined();
  });

  it('none when the window next opens after notAfter', () => {
    // notAfter is Tuesday 08:00 China time; Monday's window has closed at 20:00.
    expect(nextAttemptAt({ ...plan, window: shanghai('09:00', '20:00') }, at('2026-12-07T12:00:00Z'))).toBeUndefined();
    // ... and a window on Thursdays only never opens in time.
    expect(nextAttemptAt({ ...plan, window: shanghai('09:00', '20:00', ['thu']) }, plan.notBefore)).toBeUndefined();
  });
});

describe('isInWindow', () => {
  it('no window is always open; a window is open from `from` until before `to`', () => {
    expect(isInWindow(undefined, at('2026-12-06T20:00:00Z'))).toBe(true);
    expect(isInWindow(shanghai('09:00', '20:00'), at('2026-12-07T01:00:00Z'))).toBe(true);
    expect(isInWindow(shanghai('09:00', '20:00'), at('2026-12-07T12:00:00Z'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, against a wall-clock reading of their own.

const FIXED_OFFSET_ZONES = ['Asia/Shanghai', 'UTC', 'Asia/Kolkata', 'Asia/Kathmandu'] as const;
const DST_ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Pacific/Auckland'] as const;
const WEEKDAY_OF: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

const readers = new Map<string, Intl.DateTimeFormat>();
/** The wall clock of `t` in `timeZone`: minute of the day, seconds and milliseconds past it, weekday. */
function wallClock(t: number, timeZone: string): { minute: number; rest: number; weekday: Weekday } {
  let reader = readers.get(timeZone);
  if (!reader) {
    reader = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
    readers.set(timeZone, reader);
  }
  const parts = Object.fromEntries(reader.formatToParts(t).map((part) => [part.type, part.value]));
  return { minute: Number(parts.hour) * 60 + Number(parts.minute), rest: Number(parts.second) * 1000 + (t % 1000), weekday: WEEKDAY_OF[parts.weekday!]! };
}

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
const previousDay = (day: Weekday): Weekday => WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;

/** Whether the wall clock at `t` is inside the window (a window past midnight counted on the day it opened). */
function insideByWallClock(window: Window, t: number): boolean {
  const { minute, weekday } = wallClock(t, window.timeZone);
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  const allowed = (day: Weekday) => window.days === undefined || window.days.includes(day);
  if (from < to) return minute >= from && minute < to && allowed(weekday);
  return (minute >= from && allowed(weekday)) || (minute < to && allowed(previousDay(weekday)));
}

const clockTime = fc.integer({ min: 0, max: 1439 }).map((minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
const windowIn = (zones: readonly string[]) =>
  fc
    .record({
      from: clockTime,
      to: clockTime,
      timeZone: fc.constantFrom(...zones),
      days: fc.option(fc.subarray([...WEEKDAYS], { minLength: 1 }), { nil: undefined }),
    })
    .filter((window) => window.from !== window.to)
    .map((window): Window => (window.days === undefined ? { from: window.from, to: window.to, timeZone: window.timeZone } : (window as Window)));
const instant = fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') });

describe('nextInWindow: properties', () => {
  it('in any zone: never before the time asked, within eight days, inside the window, and the same from anywhere before it', () => {
    fc.assert(
      fc.property(windowIn([...FIXED_OFFSET_ZONES, ...DST_ZONES]), instant, (window, t) => {
        const found = nextInWindow(window, t);
        expect(found).toBeDefined();
        const r = found!;
        expect(r).toBeGreaterThanOrEqual(t);
        expect(r - t).toBeLessThan(8 * DAY);
        expect(nextInWindow(window, r)).toBe(r);
        for (let k = 1; k < 10; k++) expect(nextInWindow(window, t + Math.floor(((r - t) * k) / 10))).toBe(r);
      }),
      { numRuns: 150 },
    );
  });

  /** The wall-clock oracle: `t` itself when it is inside, else the first minute the window opens. */
  const checkAgainstWallClock = (window: Window, t: number): void => {
    const r = nextInWindow(window, t)!;
    expect(insideByWallClock(window, r), `${new Date(r).toISOString()} inside ${JSON.stringify(window)}`).toBe(true);
    if (insideByWallClock(window, t)) {
      expect(r).toBe(t);
      return;
    }
    // Not before `from`: it opens at `from` exactly, and the minute before was still outside.
    expect(wallClock(r, window.timeZone)).toMatchObject({ minute: minutesOf(window.from), rest: 0 });
    if (r - MINUTE >= t) expect(insideByWallClock(window, r - MINUTE)).toBe(false);
  };

  it('in a zone without daylight saving: the result agrees with the wall clock', () => {
    fc.assert(fc.property(windowIn(FIXED_OFFSET_ZONES), instant, checkAgainstWallClock), { numRuns: 300 });
  });

  it('in a zone with daylight saving, away from its changes: the result agrees with the wall clock', () => {
    const offset = (t: number, timeZone: string) => new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).format(t).split(' ').at(-1);
    fc.assert(
      fc.property(windowIn(DST_ZONES), instant, (window, t) => {
        fc.pre(offset(t - DAY, window.timeZone) === offset(t + 9 * DAY, window.timeZone));
        checkAgainstWallClock(window, t);
      }),
      { numRuns: 300 },
    );
  });
});
