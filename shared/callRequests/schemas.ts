/**
 * POST /call-requests bodies (docs/call-requests.md#the-request): a POST /calls body under `call`,
 * when it may be placed (`notBefore`, `notAfter`, `window`), how often (`redial`), and what counts
 * as reaching the person (`until`, `acknowledgeKeys`). Unknown fields are rejected. Like
 * shared/calls/schemas.ts, these schemas are the single source for validation and for OpenAPI.
 *
 * The rules that tie fields together (acknowledgement only for IVR calls with a menu, redial `on`
 * only with `answered`, notBefore before notAfter, ...) are checked by parseCallRequest, after the
 * shapes, so that each refusal names the field it is about.
 */
import * as z from 'zod/mini';
import { ValidationError, type FieldIssue } from '../errors.ts';
import { parseOrThrow } from '../validation.ts';
import { placeCallRequestSchema, type PlaceCallRequest } from '../calls/schemas.ts';

/** The default time zone of a window: China time, where the called numbers are (docs/alibaba/actions.md). */
export const DEFAULT_WINDOW_TIME_ZONE = 'Asia/Shanghai';
/** How far ahead a request may be planned: the requests are kept (and expire by TTL) from there. */
export const MAX_PLANNING_DAYS = 30;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const REDIAL_OUTCOMES = ['no-answer', 'busy', 'failed'] as const;
export type RedialOutcome = (typeof REDIAL_OUTCOMES)[number];
export const UNTIL = ['answered', 'acknowledged'] as const;

const isoInstant = (description: string) =>
  z.string().check(
    z.maxLength(40, 'must be at most 40 characters'),
    z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/, 'must be an ISO 8601 time with a time zone, e.g. 2026-12-07T09:00:00+08:00'),
    z.refine((value) => Number.isFinite(Date.parse(value)), { message: 'must be a valid time' }),
    z.describe(description),
  );

const clockTime = (description: string) =>
  z.string().check(z.regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day HH:MM (00:00-23:59)'), z.describe(description));

const timeZoneSchema = z.string().check(
  z.maxLength(64, 'must be at most 64 characters'),
  z.refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }),
  z.describe(`IANA time zone of from/to (default ${DEFAULT_WINDOW_TIME_ZONE}).`),
);

export const callWindowSchema = z.strictObject({
  from: clockTime('Start of the window, local time (inclusive).'),
  to: clockTime('End of the window, local time (exclusive); earlier than from means the window runs past midnight.'),
  timeZone: z.optional(timeZoneSchema),
  days: z.optional(
    z.array(z.enum(WEEKDAYS)).check(
      z.minLength(1, 'must name at least one day when given'),
      z.maxLength(7, 'must have at most 7 entries'),
      z.refine((days) => new Set(days).size === days.length, { message: 'must not name a day twice' }),
      z.describe('Days of the week the window opens on (the day it opens, for a window past midnight); every day when omitted.'),
    ),
  ),
});

export const redialSchema = z.strictObject({
  on: z.optional(
    z.array(z.enum(REDIAL_OUTCOMES)).check(
      z.minLength(1, 'must name at least one outcome when given'),
      z.maxLength(3, 'must have at most 3 entries'),
      z.refine((outcomes) => new Set(outcomes).size === outcomes.length, { message: 'must not name an outcome twice' }),
      z.describe('With until "answered": the outcomes of an attempt that are dialled again (no-answer, busy, failed).'),
    ),
  ),
  maxAttempts: z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(5, 'must be at most 5'), z.describe('Attempts in all, the first included (1-5).')),
  intervalSeconds: z.int().check(
    z.minimum(60, 'must be at least 60'),
    z.maximum(86_400, 'must be at most 86400'),
    z.describe('Seconds from an attempt\'s outcome to the next attempt, at least (60-86400).'),
  ),
});

export const createCallRequestSchema = z.strictObject({
  call: placeCallRequestSchema,
  notBefore: z.optional(isoInstant('No attempt is placed before this time (default: now).')),
  notAfter: z.optional(isoInstant(`No attempt is placed after this time; the request then ends "expired" (default and at most ${MAX_PLANNING_DAYS} days after notBefore).`)),
  window: z.optional(callWindowSchema),
  redial: z.optional(redialSchema),
  until: z.optional(z.enum(UNTIL).check(z.describe('"answered" (default): an attempt whose call completes succeeds. "acknowledged": only a key of acknowledgeKeys pressed during the call succeeds (IVR calls).'))),
  acknowledgeKeys: z.optional(
    z.array(z.string().check(z.regex(/^[0-9*#]$/, 'must be one keypad key: 0-9, * or #'))).check(
      z.minLength(1, 'must name at least one key'),
      z.maxLength(12, 'must have at most 12 entries'),
      z.refine((keys) => new Set(keys).size === keys.length, { message: 'must not name a key twice' }),
      z.describe('With until "acknowledged": the keys of the IVR menu that acknowledge the call.'),
    ),
  ),
});

export type CreateCallRequestBody = z.infer<typeof createCallRequestSchema>;
export type CallWindow = z.infer<typeof callWindowSchema>;

/** A call request as the bundle keeps it: every default filled in, times as epoch ms. */
export interface CallRequestPlan {
  call: PlaceCallRequest;
  notBefore: number;
  notAfter: number;
  window?: { from: string; to: string; timeZone: string; days?: Weekday[] };
  redial: { on: RedialOutcome[]; maxAttempts: number; intervalSeconds: number };
  until: 'answered' | 'acknowledged';
  acknowledgeKeys?: string[];
}

/**
 * Validates a POST /call-requests body and fills in its defaults, or throws one ValidationError
 * naming every offending field (under `prefix`, e.g. `detail` for an event).
 *
 * @example parseCallRequest({ call: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1' } }, Date.now())
 *   // { call, notBefore: now, notAfter: now + 30 days, redial: { on: [], maxAttempts: 1, intervalSeconds: 60 }, until: 'answered' }
 */
export function parseCallRequest(body: unknown, now: number, prefix = ''): CallRequestPlan {
  const parsed = parseOrThrow(createCallRequestSchema, body, prefix);
  const at = (path: string) => (prefix ? `${prefix}.${path}` : path);
  const issues: FieldIssue[] = [];
  const notBefore = parsed.notBefore === undefined ? now : Math.max(now, Date.parse(parsed.notBefore));
  const latest = now + MAX_PLANNING_DAYS * 86_400_000;
  if (parsed.notBefore !== undefined && Date.parse(parsed.notBefore) > latest) {
    issues.push({ path: at('notBefore'), message: `must be at most ${MAX_PLANNING_DAYS} days from now` });
  }
  const notAfter = parsed.notAfter === undefined ? notBefore + MAX_PLANNING_DAYS * 86_400_000 : Date.parse(parsed.notAfter);
  if (parsed.notAfter !== undefined) {
    if (notAfter <= now) issues.push({ path: at('notAfter'), message: 'must be in the future' });
    else if (notAfter <= notBefore) issues.push({ path: at('notAfter'), message: 'must be after notBefore' });
    else if (notAfter > notBefore + MAX_PLANNING_DAYS * 86_400_000) issues.push({ path: at('notAfter'), message: `must be at most ${MAX_PLANNING_DAYS} days after notBefore` });
  }
  if (parsed.window && parsed.window.from === parsed.window.to) {
    issues.push({ path: at('window.to'), message: 'must differ from window.from (an empty window never opens)' });
  }

  const until = parsed.until ?? 'answered';
  if (until === 'acknowledged') {
    if (parsed.call.type !== 'ivr') issues.push({ path: at('until'), message: 'may be "acknowledged" only for an IVR call (call.type "ivr"): only it has keys to press' });
    if (parsed.acknowledgeKeys === undefined) issues.push({ path: at('acknowledgeKeys'), message: 'is required with until "acknowledged"' });
    else if (parsed.call.type === 'ivr') {
      const menu = new Set((parsed.call.menuKeyMap ?? []).map((entry) => entry.key));
      parsed.acknowledgeKeys.forEach((key, index) => {
        if (!menu.has(key)) issues.push({ path: at(`acknowledgeKeys.${index}`), message: `must be a key of call.menuKeyMap (${[...menu].join(', ') || 'it has none'})` });
      });
    }
    if (parsed.redial?.on !== undefined) {
      issues.push({ path: at('redial.on'), message: 'is not used with until "acknowledged": every attempt without an acknowledging key is dialled again while attempts remain' });
    }
  } else {
    if (parsed.acknowledgeKeys !== undefined) issues.push({ path: at('acknowledgeKeys'), message: 'is used only with until "acknowledged"' });
    if (parsed.redial && parsed.redial.maxAttempts > 1 && parsed.redial.on === undefined) {
      issues.push({ path: at('redial.on'), message: 'is required when redial.maxAttempts is over 1: the outcomes to dial again on' });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  return {
    call: parsed.call,
    notBefore,
    notAfter,
    ...(parsed.window
      ? {
          window: {
            from: parsed.window.from,
            to: parsed.window.to,
            timeZone: parsed.window.timeZone ?? DEFAULT_WINDOW_TIME_ZONE,
            ...(parsed.window.days ? { days: [...parsed.window.days] } : {}),
          },
        }
      : {}),
    redial: parsed.redial
      ? { on: [...(parsed.redial.on ?? [])], maxAttempts: parsed.redial.maxAttempts, intervalSeconds: parsed.redial.intervalSeconds }
      : { on: [], maxAttempts: 1, intervalSeconds: 60 },
    until,
    ...(parsed.acknowledgeKeys ? { acknowledgeKeys: [...parsed.acknowledgeKeys] } : {}),
  };
}

/** The fields of an SQS message or a Place Call event that make it a call request instead of one call. */
export const SCHEDULING_FIELDS = ['notBefore', 'notAfter', 'window', 'redial', 'until', 'acknowledgeKeys'] as const;

/** Whether an IANA zone name is one this runtime knows (Intl throws RangeError for others). */
function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Request ids: `cr_` and 22 characters of base64url (service.ts, runtime/callRequests.ts). */
export const requestIdSchema = z.string().check(
  z.regex(/^cr_[A-Za-z0-9_-]{22}$/, 'must be a call request id (cr_ and 22 characters of A-Z a-z 0-9 _ -)'),
  z.describe('The call request id returned by POST /call-requests, for example cr_3mF0Qb0d1yL2vJk8a9XkQw.'),
);

/** What a scheduled attempt carries as its input (ports.ts ArmedAttempt). */
export const armedAttemptSchema = z.strictObject({
  requestId: requestIdSchema,
  attempt: z.int().check(z.minimum(1), z.maximum(5)),
  at: z.int().check(z.minimum(0)),
});
