/**
 * The rules that move a call request (shared/callRequests/model.ts, docs/call-requests.md#how-a-request-moves):
 * what an attempt's outcome leads to for every outcome × `until` × attempts left × time left before
 * notAfter, which key presses acknowledge, how an attempt's status may move, and what GET shows.
 */
import { describe, expect, it } from 'vitest';
import { acknowledges, afterAttemptOutcome, attemptStatusMoves, CALL_REQUEST_STATUSES, isFinalRequestStatus, viewOf, type AttemptStatus, type CallRequest } from '#shared/callRequests/model';
import { CALL_STATUSES } from '#shared/calls/status';
import { MINIMAL } from '../calls/requests.ts';

const NOW = Date.parse('2026-12-07T02:00:00.000Z');
const INTERVAL_SECONDS = 120;

/** A request whose attempt `made` (of `maxAttempts`) just ended. */
function request(overrides: Partial<CallRequest> & { made?: number } = {}): CallRequest {
  const { made = 1, ...rest } = overrides;
  return {
    requestId: 'cr_AAAAAAAAAAAAAAAAAAAAAA',
    call: MINIMAL.ivr,
    notBefore: NOW - 3_600_000,
    notAfter: NOW + 86_400_000,
    redial: { on: ['no-answer', 'failed'], maxAttempts: 3, intervalSeconds: INTERVAL_SECONDS },
    until: 'answered',
    status: 'in-progress',
    attempts: Array.from({ length: made }, (_, index) => ({ attempt: index + 1, callId: `1^${index + 1}`, placedAt: new Date(NOW - 60_000).toISOString(), status: 'placed' as const })),
    currentAttempt: made,
    fingerprint: 'f',
    createdAt: NOW - 3_600_000,
    updatedAt: NOW - 60_000,
    version: 3,
    ...rest,
  };
}

type Situation = 'attempts and time left' | 'no time left before notAfter' | 'no attempts left';
const SITUATIONS: Record<Situation, Partial<CallRequest> & { made?: number }> = {
  'attempts and time left': { made: 1 },
  // The next attempt would be at NOW + 120 s, after notAfter.
  'no time left before notAfter': { made: 1, notAfter: NOW + INTERVAL_SECONDS * 1000 - 1 },
  'no attempts left': { made: 3 },
};

/** What the request becomes when an attempt is dialled again in each situation. */
const REDIALLED: Record<Situation, string> = {
  'attempts and time left': 'scheduled',
  'no time left before notAfter': 'expired',
  'no attempts left': 'exhausted',
};
const always = (status: string): Record<Situation, string> => ({ 'attempts and time left': status, 'no time left before notAfter': status, 'no attempts left': status });

describe('afterAttemptOutcome', () => {
  // until answered, redial.on = no-answer and failed (busy is not dialled again).
  const ANSWERED: Record<Exclude<AttemptStatus, 'placed' | 'ringing' | 'in-progress'>, Record<Situation, string>> = {
    completed: always('succeeded'),
    'no-answer': REDIALLED,
    failed: REDIALLED,
    // Alibaba's answer never came: counted as failed.
    unknown: REDIALLED,
    busy: always('exhausted'),
    cancelled: always('cancelled'),
  };
  // until acknowledged: every outcome without the key is dialled again, an answered call too.
  const ACKNOWLEDGED: typeof ANSWERED = {
    completed: REDIALLED,
    'no-answer': REDIALLED,
    failed: REDIALLED,
    unknown: REDIALLED,
    busy: REDIALLED,
    cancelled: always('cancelled'),
  };

  const cases = (['answered', 'acknowledged'] as const).flatMap((until) =>
    Object.entries(until === 'answered' ? ANSWERED : ACKNOWLEDGED).flatMap(([outcome, bySituation]) =>
      (Object.keys(SITUATIONS) as Situation[]).map((situation) => [until, outcome as AttemptStatus, situation, bySituation[situation]] as const),
    ),
  );

  it.each(cases)('until %s, attempt ended %s, %s → %s', (until, outcome, situation, expected) => {
    const current = request({ ...SITUATIONS[situation], until, ...(until === 'acknowledged' ? { redial: { on: [], maxAttempts: 3, intervalSeconds: INTERVAL_SECONDS }, acknowledgeKeys: ['1'] } : {}) });

    const decided = afterAttemptOutcome(current, outcome, NOW);

    expect(decided.status).toBe(expected);
    if (expected === 'scheduled') {
      expect(decided.nextAttemptAt).toBe(NOW + INTERVAL_SECONDS * 1000);
      expect(decided.next).toBe(NOW + INTERVAL_SECONDS * 1000);
      expect(decided.reason).toBeUndefined();
    } else {
      expect(decided.nextAttemptAt).toBeUndefined();
      expect(decided.next).toBeUndefined();
    }
    if (expected !== 'scheduled' && expected !== 'succeeded') expect(decided.reason).toMatch(/\w{3}/);
  });

  it('says why a request was exhausted', () => {
    expect(afterAttemptOutcome(request({ made: 3 }), 'no-answer', NOW).reason).toBe('all 3 attempts were made');
    expect(afterAttemptOutcome(request(), 'busy', NOW).reason).toBe('attempt 1 ended busy, which is not redialled');
  });

  it('a single attempt that is not answered exhausts the request', () => {
    expect(afterAttemptOutcome(request({ redial: { on: [], maxAttempts: 1, intervalSeconds: 60 } }), 'no-answer', NOW).status).toBe('exhausted');
  });

  it('the next attempt waits for the window to open after the interval', () => {
    // NOW + 120 s is 10:02 China time; the window opens at 14:00.
    const decided = afterAttemptOutcome(request({ window: { from: '14:00', to: '18:00', timeZone: 'Asia/Shanghai' } }), 'no-answer', NOW);

    expect(decided).toMatchObject({ status: 'scheduled', nextAttemptAt: Date.parse('2026-12-07T06:00:00.000Z') });
  });

  it('expires when the window next opens after notAfter', () => {
    const decided = afterAttemptOutcome(request({ window: { from: '14:00', to: '18:00', timeZone: 'Asia/Shanghai' }, notAfter: Date.parse('2026-12-07T05:59:59.000Z') }), 'no-answer', NOW);

    expect(decided).toMatchObject({ status: 'expired', nextAttemptAt: undefined });
  });
});

describe('acknowledges', () => {
  const onCall = request({ until: 'acknowledged', acknowledgeKeys: ['1', '#'], redial: { on: [], maxAttempts: 3, intervalSeconds: 60 } });

  it.each([
    ['1', true],
    ['#', true],
    // Several keys pressed: any acknowledging one counts.
    ['21', true],
    ['2', false],
    ['*', false],
    ['', false],
  ])('keys %j → %s', (dtmf, expected) => {
    expect(acknowledges(onCall, dtmf)).toBe(expected);
  });

  it('no key acknowledges a request until answered', () => {
    expect(acknowledges(request({ acknowledgeKeys: ['1'] }), '1')).toBe(false);
  });
});

describe('attemptStatusMoves', () => {
  const FINAL = ['completed', 'busy', 'no-answer', 'failed', 'cancelled'] as const;

  it('call statuses only move forward; a final one stays', () => {
    expect(attemptStatusMoves('placed', 'ringing')).toBe(true);
    expect(attemptStatusMoves('ringing', 'in-progress')).toBe(true);
    expect(attemptStatusMoves('in-progress', 'completed')).toBe(true);
    expect(attemptStatusMoves('placed', 'no-answer')).toBe(true);
    expect(attemptStatusMoves('ringing', 'placed')).toBe(false);
    expect(attemptStatusMoves('placed', 'placed')).toBe(false);
    for (const final of FINAL) for (const next of CALL_STATUSES) expect(attemptStatusMoves(final, next), `${final} → ${next}`).toBe(false);
  });

  it('unknown settles an attempt that is not over, and nothing moves it afterwards', () => {
    for (const status of ['placed', 'ringing', 'in-progress'] as const) expect(attemptStatusMoves(status, 'unknown')).toBe(true);
    for (const final of FINAL) expect(attemptStatusMoves(final, 'unknown')).toBe(false);
    for (const next of [...CALL_STATUSES, 'unknown'] as const) expect(attemptStatusMoves('unknown', next)).toBe(false);
  });
});

describe('statuses', () => {
  it('scheduled, waiting and in-progress go on; the other five are final', () => {
    expect(CALL_REQUEST_STATUSES.filter(isFinalRequestStatus)).toEqual(['succeeded', 'exhausted', 'expired', 'cancelled', 'refused']);
  });
});

describe('viewOf', () => {
  it('shows times as ISO 8601 and what is absent as null; keeps no internal fields', () => {
    const view = viewOf({ ...request(), status: 'scheduled', nextAttemptAt: NOW + 60_000, dueAt: NOW + 60_000, scheduleName: 'cr-x', reason: 'the last try failed' });

    expect(view).toEqual({
      requestId: 'cr_AAAAAAAAAAAAAAAAAAAAAA',
      status: 'scheduled',
      call: MINIMAL.ivr,
      notBefore: '2026-12-07T01:00:00.000Z',
      notAfter: '2026-12-08T02:00:00.000Z',
      window: null,
      redial: { on: ['no-answer', 'failed'], maxAttempts: 3, intervalSeconds: INTERVAL_SECONDS },
      until: 'answered',
      acknowledgeKeys: null,
      attempts: [{ attempt: 1, callId: '1^1', placedAt: '2026-12-07T01:59:00.000Z', status: 'placed' }],
      nextAttemptAt: '2026-12-07T02:01:00.000Z',
      createdAt: '2026-12-07T01:00:00.000Z',
      updatedAt: '2026-12-07T01:59:00.000Z',
      reason: 'the last try failed',
    });
    expect(viewOf(request()).nextAttemptAt).toBeNull();
    expect(viewOf(request())).not.toHaveProperty('reason');
  });
});
