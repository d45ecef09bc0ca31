/**
 * What comes of an attempt (shared/callRequests/progress.ts, docs/call-requests.md#how-a-request-moves
 * and #nothing-is-stuck): news of its call — placed, its status, keys pressed — in any order and any
 * number of times, and the sweep that re-arms what is overdue and settles outcomes that never came.
 * Over in-memory ports; the stream and the real store: test/integration/call-requests/.
 */
import { describe, expect, it } from 'vitest';
import { OUTCOME_OVERDUE_MS, type AttemptStatus, type CallRequest } from '#shared/callRequests/model';
import { scheduleNameOf } from '#shared/callRequests/ports';
import { OVERDUE_GRACE_MS, recordProgress, SWEEP_BATCH, sweepCallRequests, type OutcomeQuery } from '#shared/callRequests/progress';
import { memoryPorts, scheduledRequest } from './memoryPorts.ts';
import { MINIMAL } from '../calls/requests.ts';

const T = Date.parse('2026-12-07T02:00:00.000Z');
const ID = 'cr_progress_0000000000000';
const PLACED_AT = new Date(T).toISOString();
const INTERVAL_MS = 300_000;

/** Ports with one request whose first attempt was just due (status scheduled, no schedule: placed at once). */
async function setup(overrides: Partial<CallRequest> = {}) {
  const ports = memoryPorts(T);
  await ports.requests.create(scheduledRequest(ID, T, overrides));
  const stored = () => ports.requests.requests.get(ID)!;
  return { ...ports, stored };
}

describe('recordProgress', () => {
  it('the attempt placed: in progress, with its CallId and time', async () => {
    const { deps, stored } = await setup();

    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);

    expect(stored()).toMatchObject({ status: 'in-progress', currentAttempt: 1, attempts: [{ attempt: 1, callId: '1^1', placedAt: PLACED_AT, status: 'placed' }], dueAt: T + OUTCOME_OVERDUE_MS });
    expect(stored()).not.toHaveProperty('nextAttemptAt');
  });

  it('answered: succeeded', async () => {
    const { deps, stored } = await setup();
    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);

    for (const status of ['ringing', 'in-progress', 'completed'] as const) await recordProgress(ID, 1, { callId: '1^1', status }, deps);

    expect(stored()).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, status: 'completed' }] });
    expect(stored()).not.toHaveProperty('dueAt');
  });

  it('not answered, with attempts left: the next attempt is armed one interval after the outcome', async () => {
    const { deps, stored, scheduler, clock } = await setup();
    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);
    clock.now = T + 40_000;

    await recordProgress(ID, 1, { callId: '1^1', status: 'no-answer' }, deps);

    const next = T + 40_000 + INTERVAL_MS;
    expect(stored()).toMatchObject({ status: 'scheduled', currentAttempt: 2, nextAttemptAt: next, dueAt: next });
    expect([...scheduler.armed]).toEqual([[scheduleNameOf({ requestId: ID, attempt: 2, at: next }), { requestId: ID, attempt: 2, at: next }]]);
  });

  it('the same news twice writes once', async () => {
    const { deps, requests } = await setup();

    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);
    await recordProgress(ID, 1, { callId: '1^1', status: 'ringing' }, deps);
    const writes = requests.writes;
    await recordProgress(ID, 1, { callId: '1^1', status: 'ringing' }, deps);
    await recordProgress(ID, 1, { callId: '1^1', status: 'placed' }, deps);

    expect(requests.writes).toBe(writes);
  });

  it("the outcome arriving before the attempt's own record of its placement still ends the request, and the late record does not reopen it", async () => {
    const { deps, stored } = await setup();

    await recordProgress(ID, 1, { callId: '1^1', status: 'completed' }, deps);
    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);

    expect(stored()).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, callId: '1^1', placedAt: PLACED_AT, status: 'completed' }] });
  });

  it('news of an earlier attempt is kept on it but moves nothing', async () => {
    const { deps, stored } = await setup();
    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);
    await recordProgress(ID, 1, { callId: '1^1', status: 'busy' }, deps);
    expect(stored()).toMatchObject({ status: 'scheduled', currentAttempt: 2 });

    // A late receipt of attempt 1 (its status cannot move backwards or sideways anyway), and a key press.
    await recordProgress(ID, 1, { callId: '1^1', status: 'completed', dtmf: '1' }, deps);

    expect(stored()).toMatchObject({ status: 'scheduled', currentAttempt: 2, attempts: [{ attempt: 1, status: 'busy', dtmf: '1' }] });
  });

  it('news after the request ended is kept on its attempt, and the request stays ended', async () => {
    const { deps, stored } = await setup({ status: 'cancelled', nextAttemptAt: undefined, dueAt: undefined });

    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'cancelled' }, deps);

    expect(stored()).toMatchObject({ status: 'cancelled', attempts: [{ attempt: 1, callId: '1^1', status: 'cancelled' }] });
  });

  describe('until acknowledged', () => {
    const acknowledged = { call: { ...MINIMAL.ivr, menuKeyMap: [{ key: '1', code: 'TTS_1' }, { key: '2', code: 'TTS_2' }] }, until: 'acknowledged' as const, acknowledgeKeys: ['1'], redial: { on: [], maxAttempts: 3, intervalSeconds: 300 } };

    it('an acknowledging key succeeds at once, before the call has even ended', async () => {
      const { deps, stored } = await setup(acknowledged);
      await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);

      await recordProgress(ID, 1, { callId: '1^1', dtmf: '1' }, deps);

      expect(stored()).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, status: 'placed', dtmf: '1' }] });
    });

    it('another key is kept but acknowledges nothing; the answered call is then dialled again', async () => {
      const { deps, stored } = await setup(acknowledged);
      await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);

      await recordProgress(ID, 1, { callId: '1^1', dtmf: '2' }, deps);
      expect(stored()).toMatchObject({ status: 'in-progress', attempts: [{ dtmf: '2' }] });
      // The VoiceReport repeats the key: kept once.
      await recordProgress(ID, 1, { callId: '1^1', status: 'completed', dtmf: '2' }, deps);

      expect(stored()).toMatchObject({ status: 'scheduled', currentAttempt: 2, attempts: [{ attempt: 1, status: 'completed', dtmf: '2' }] });
    });
  });

  it('an unknown request is undefined', async () => {
    const { deps } = await setup();

    expect(await recordProgress('cr_nobody_00000000000000', 1, { status: 'completed' }, deps)).toBeUndefined();
  });
});

describe('sweepCallRequests', () => {
  const noQuery: OutcomeQuery = async () => expect.fail('Alibaba was asked about a request that needed no answer');

  it('re-arms a scheduled request whose schedule never fired, a minute from now, under a new schedule', async () => {
    const { deps, stored, scheduler, clock } = await setup({ scheduleName: scheduleNameOf({ requestId: ID, attempt: 1, at: T }) });
    clock.now = T + OVERDUE_GRACE_MS + 1;

    expect(await sweepCallRequests({ ...deps, queryOutcome: noQuery })).toEqual({ rearmed: 1, settled: 0 });

    const at = clock.now + 60_000;
    expect(stored()).toMatchObject({ status: 'scheduled', nextAttemptAt: at, scheduleName: scheduleNameOf({ requestId: ID, attempt: 1, at }) });
    expect(scheduler.armed.get(scheduleNameOf({ requestId: ID, attempt: 1, at }))).toEqual({ requestId: ID, attempt: 1, at });
  });

  it('leaves a request that is late by less than the grace alone (Scheduler fires within a minute)', async () => {
    const { deps, stored, clock } = await setup();
    clock.now = T + OVERDUE_GRACE_MS - 1;

    expect(await sweepCallRequests({ ...deps, queryOutcome: noQuery })).toEqual({ rearmed: 0, settled: 0 });
    expect(stored().version).toBe(1);
  });

  it('an overdue request with no time left before notAfter expires', async () => {
    const { deps, stored, clock } = await setup({ notAfter: T + OVERDUE_GRACE_MS + 30_000 });
    clock.now = T + OVERDUE_GRACE_MS + 1;

    await sweepCallRequests({ ...deps, queryOutcome: noQuery });

    expect(stored()).toMatchObject({ status: 'expired' });
    expect(stored()).not.toHaveProperty('dueAt');
  });

  it.each<[AttemptStatus | undefined, string]>([
    ['completed', 'succeeded'],
    ['no-answer', 'scheduled'],
    ['busy', 'scheduled'],
    // Alibaba knows nothing of the call: unknown, counted as failed, which this request does not redial.
    [undefined, 'exhausted'],
  ])("settles an attempt whose outcome never came with Alibaba's call detail: %s → %s", async (detail, expected) => {
    const { deps, stored, clock } = await setup();
    await recordProgress(ID, 1, { callId: '1^1', placedAt: PLACED_AT, status: 'placed' }, deps);
    clock.now = T + OUTCOME_OVERDUE_MS + OVERDUE_GRACE_MS + 1;
    const asked: string[] = [];

    const result = await sweepCallRequests({
      ...deps,
      queryOutcome: async (attempt) => {
        asked.push(attempt.callId);
        return detail;
      },
    });

    expect(result).toEqual({ rearmed: 0, settled: 1 });
    expect(asked).toEqual(['1^1']);
    expect(stored()).toMatchObject({ status: expected, attempts: [{ attempt: 1, status: detail ?? 'unknown' }] });
  });

  it('an attempt in progress with no CallId is settled unknown without asking Alibaba', async () => {
    const { deps, stored, clock } = await setup({ status: 'in-progress', nextAttemptAt: undefined, dueAt: T + OUTCOME_OVERDUE_MS, redial: { on: ['failed'], maxAttempts: 2, intervalSeconds: 300 } });
    clock.now = T + OUTCOME_OVERDUE_MS + OVERDUE_GRACE_MS + 1;

    await sweepCallRequests({ ...deps, queryOutcome: noQuery });

    expect(stored()).toMatchObject({ status: 'scheduled', currentAttempt: 2, attempts: [{ attempt: 1, status: 'unknown' }] });
  });

  it('works through more than one batch, each request once, and goes on past one that fails', async () => {
    const ports = memoryPorts(T);
    const total = SWEEP_BATCH + 30;
    for (let index = 0; index < total; index++) {
      const requestId = `cr_batch_${String(index).padStart(16, '0')}`;
      const inProgress = index % 2 === 0;
      await ports.requests.create(
        scheduledRequest(requestId, T, inProgress ? { status: 'in-progress', nextAttemptAt: undefined, dueAt: T, attempts: [{ attempt: 1, callId: `1^${index}`, placedAt: PLACED_AT, status: 'ringing' }] } : {}),
      );
    }
    ports.clock.now = T + OVERDUE_GRACE_MS + 1;
    let failures = 0;
    const asked = new Map<string, number>();

    const result = await sweepCallRequests({
      ...ports.deps,
      queryOutcome: async (attempt) => {
        asked.set(attempt.callId, (asked.get(attempt.callId) ?? 0) + 1);
        if (attempt.callId === '1^0') {
          failures += 1;
          throw new Error('Alibaba unavailable');
        }
        // Still ringing, says Alibaba: stays due, and must not be asked about twice in one run.
        return attempt.callId === '1^2' ? 'ringing' : 'completed';
      },
    });

    expect(failures).toBe(1);
    expect(asked.size).toBe(total / 2);
    expect([...asked.values()].every((times) => times === 1)).toBe(true);
    expect(result).toEqual({ rearmed: total / 2, settled: total / 2 - 1 });
    const statuses = [...ports.requests.requests.values()].map((request) => request.status);
    expect(statuses.filter((status) => status === 'succeeded')).toHaveLength(total / 2 - 2);
    expect(ports.logs.some((entry) => entry.level === 'ERROR' && String(entry.message).includes('next sweep'))).toBe(true);
  });

  it('stops at its deadline, which is in real time whatever clock it reasons with', async () => {
    const { deps, clock, stored } = await setup();
    clock.now = T + OVERDUE_GRACE_MS + 1;

    expect(await sweepCallRequests({ ...deps, queryOutcome: noQuery, deadline: Date.now() - 1 })).toEqual({ rearmed: 0, settled: 0 });
    expect(stored().version).toBe(1);
    // A clock set ahead of the deadline (tests, a replay) does not stop it.
    expect(await sweepCallRequests({ ...deps, queryOutcome: noQuery, deadline: Date.now() + 10_000 })).toEqual({ rearmed: 1, settled: 0 });
  });
});
