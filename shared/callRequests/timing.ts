/**
 * When a call request's next attempt may be placed (docs/call-requests.md#when-attempts-are-placed):
 * the latest of the redial interval, `notBefore`, the flow-control guard's `retryAt`, then the next
 * moment inside the request's window (a time of day in an IANA time zone, on some days of the
 * week). Pure functions on epoch ms; time zones through Intl, so daylight-saving changes are
 * followed: a wall time that does not exist that day (the clock jumped over it) is the moment of the
 * jump, and one that happens twice is taken the first time.
 */
import type { CallRequestPlan, Weekday } from './schemas.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const WEEKDAY_INDEX: Readonly<Record<string, Weekday>> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/**
 * The first instant at or after `from` when an attempt may be placed, or undefined when none comes
 * before `notAfter` (the request then expires).
 *
 * @example nextAttemptAt(plan /* window 09:00-20:00 Asia/Shanghai *\/, Date.parse('2026-12-06T14:00:00Z'))
 *   // Date.parse('2026-12-07T01:00:00Z'): 09:00 China time the next morning
 */
export function nextAttemptAt(plan: Pick<CallRequestPlan, 'notBefore' | 'notAfter' | 'window'>, from: number): number | undefined {
  const earliest = Math.max(from, plan.notBefore);
  const at = plan.window ? nextInWindow(plan.window, earliest) : earliest;
  return at !== undefined && at <= plan.notAfter ? at : undefined;
}

/** The first instant at or after `t` inside the window (within the coming eight days: a weekly window always opens in them). */
export function nextInWindow(window: NonNullable<CallRequestPlan['window']>, t: number): number | undefined {
  const [fromHour, fromMinute] = window.from.split(':').map(Number) as [number, number];
  const [toHour, toMinute] = window.to.split(':').map(Number) as [number, number];
  const overnight = toHour * 60 + toMinute <= fromHour * 60 + fromMinute;
  // Start one day back: an overnight window opened yesterday may still be open now.
  const today = localDate(t, window.timeZone);
  for (let offset = -1; offset <= 8; offset++) {
    const day = addDays(today, offset);
    if (window.days && !window.days.includes(weekdayOf(day))) continue;
    const opens = zonedInstant(day, fromHour, fromMinute, window.timeZone);
    const closes = zonedInstant(overnight ? addDays(day, 1) : day, toHour, toMinute, window.timeZone);
    // A window the clock skips entirely (both ends inside a spring-forward jump) does not open that day.
    if (closes <= opens) continue;
    if (t < opens) return opens;
    if (t < closes) return t;
  }
  return undefined;
}

/** Whether `t` is inside the window (or there is no window). */
export function isInWindow(window: CallRequestPlan['window'], t: number): boolean {
  return window === undefined || nextInWindow(window, t) === t;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock fields of instant `t` in `timeZone`. */
function wallClock(t: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: string } {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(t)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: parts.weekday!,
  };
}

function localDate(t: number, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(t, timeZone);
  return { year, month, day };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function weekdayOf(date: LocalDate): Weekday {
  return (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()]!;
}

/** The zone's offset from UTC at instant `t`, in ms (positive east of Greenwich). */
function offsetAt(t: number, timeZone: string): number {
  const wall = wallClock(t, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (t - (t % 1000));
}

/**
 * The instant a wall-clock time of `date` happens in `timeZone`. It is read with the zone's offset
 * from a day before and from a day after (the two sides of a clock change near it); a wall time
 * repeated by a clock change resolves to its first occurrence, one skipped to the moment of the jump
 * (docs/call-requests.md#when-attempts-are-placed).
 */
export function zonedInstant(date: LocalDate, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const offsetBefore = offsetAt(wall - DAY_MS, timeZone);
  const offsetAfter = offsetAt(wall + DAY_MS, timeZone);
  // Both readings, not one refined from a first guess: the first guess lands on the later
  // occurrence of a repeated time in zones at or east of Greenwich (Europe/London, Australia/Sydney).
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter((candidate) => {
    const seen = wallClock(candidate, timeZone);
    return seen.year === date.year && seen.month === date.month && seen.day === date.day && seen.hour === hour && seen.minute === minute;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  // Skipped by the clock (spring forward): the wall clock passes this time at the moment it jumps
  // over it, so that moment is the answer (02:30 on a night that jumps from 02:00 to 03:00 is 03:00,
  // docs/call-requests.md#when-attempts-are-placed). It lies between the two readings: the first
  // minute there that already has the later offset.
  let before = wall - offsetAfter;
  let after = wall - offsetBefore;
  while (after - before > MINUTE_MS) {
    const middle = before + Math.max(1, Math.floor((after - before) / 2 / MINUTE_MS)) * MINUTE_MS;
    if (offsetAt(middle, timeZone) === offsetAfter) after = middle;
    else before = middle;
  }
  return after;
}

/** The weekday of instant `t` in `timeZone`. */
export function weekdayAt(t: number, timeZone: string): Weekday {
  return WEEKDAY_INDEX[wallClock(t, timeZone).weekday]!;
}
