/**
 * The one way a call request changes (shared/callRequests/writes.ts `mutate`): a write conditional
 * on the version read, read and applied again when another writer got there first, and the
 * scheduler brought in line afterwards — the new next attempt armed, a schedule no longer wanted
 * removed — without ever failing the change because the scheduler did (docs/call-requests.md#nothing-is-stuck).
 */
import { describe, expect, it } from 'vitest';
import { OUTCOME_OVERDUE_MS } from '#shared/callRequests/model';
import { scheduleNameOf } from '#shared/callRequests/ports';
import { mutate, withDue } from '#shared/callRequests/writes';
import { memoryPorts, scheduledRequest } from './memoryPorts.ts';

const T = Date.parse('2026-12-07T02:00:00.000Z');
const ID = 'cr_writes_000000000000000';

async function setup(overrides: Parameters<typeof scheduledRequest>[2] = {}) {
  const ports = memoryPorts(T);
  const request = scheduledRequest(ID, T + 60_000, { scheduleName: scheduleNameOf({ requestId: ID, attempt: 1, at: T + 60_000 }), ...overrides });
  await ports.requests.create(request);
  ports.scheduler.armed.set(request.scheduleName!, { requestId: ID, attempt: 1, at: T + 60_000 });
  return { ...ports, request };
}

describe('mutate', () => {
  it('writes the change as the next version, stamped now', async () => {
    const { deps, requests } = await setup();

    const after = await mutate(ID, deps, (current) => ({ ...current, reason: 'noted' }));

    expect(after).toMatchObject({ version: 2, updatedAt: T, reason: 'noted' });
    expect(requests.requests.get(ID)).toMatchObject({ version: 2, reason: 'noted' });
  });

  it('a change that returns nothing writes nothing', async () => {
    const { deps, requests, request } = await setup();

    expect(await mutate(ID, deps, () => undefined)).toEqual(request);
    expect(requests.writes).toBe(0);
  });

  it('an unknown request is undefined, and nothing is applied', async () => {
    const { deps } = await setup();
    let applied = false;

    expect(
      await mutate('cr_unknown_0000000000000', deps, (current) => {
        applied = true;
        return current;
      }),
    ).toBeUndefined();
    expect(applied).toBe(false);
  });

  it('when another writer got there first, reads again and applies the change to what it wrote', async () => {
    const { deps, requests } = await setup();
    requests.conflicts = 2;
    const seen: number[] = [];

    const after = await mutate(ID, deps, (current) => {
      seen.push(current.version);
      return { ...current, status: 'cancelled', nextAttemptAt: undefined };
    });

    expect(seen).toEqual([1, 2, 3]);
    expect(after).toMatchObject({ status: 'cancelled', version: 4, reason: 'changed by another writer' });
  });

  it('gives up loudly when the request keeps changing', async () => {
    const { deps, requests } = await setup();
    requests.conflicts = 100;

    await expect(mutate(ID, deps, (current) => ({ ...current, reason: 'x' }))).rejects.toThrow(/kept changing/);
  });

  it('a new time for the next attempt arms a new schedule and removes the old one', async () => {
    const { deps, scheduler, request } = await setup();

    const after = await mutate(ID, deps, (current) => ({ ...current, nextAttemptAt: T + 120_000 }));

    const name = scheduleNameOf({ requestId: ID, attempt: 1, at: T + 120_000 });
    expect(after).toMatchObject({ scheduleName: name, dueAt: T + 120_000 });
    expect([...scheduler.armed]).toEqual([[name, { requestId: ID, attempt: 1, at: T + 120_000 }]]);
    expect(scheduler.disarmed).toEqual([request.scheduleName]);
  });

  it('the same time again arms nothing new', async () => {
    const { deps, scheduler, request } = await setup();

    await mutate(ID, deps, (current) => ({ ...current, reason: 'still due at the same time' }));

    expect([...scheduler.armed.keys()]).toEqual([request.scheduleName]);
    expect(scheduler.disarmed).toEqual([]);
  });

  it('the same attempt and second armed again from inside its own firing gets a name of its own, and the firing schedule is left to delete itself', async () => {
    const { deps, scheduler, request } = await setup();
    // The firing schedule still exists until its invocation ends (ActionAfterCompletion DELETE):
    // arming its own name again would meet it, and the attempt would be deleted with it.
    const after = await mutate(ID, deps, (current) => ({ ...current, status: 'waiting', reason: 'not yet' }), { firedSchedule: request.scheduleName! });

    const rearmed = scheduleNameOf({ requestId: ID, attempt: 1, at: T + 60_000 }, 2);
    expect(rearmed).not.toBe(request.scheduleName);
    expect(rearmed).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(after).toMatchObject({ status: 'waiting', nextAttemptAt: T + 60_000, scheduleName: rearmed });
    expect(scheduler.armed.get(rearmed)).toEqual({ requestId: ID, attempt: 1, at: T + 60_000 });
    expect(scheduler.disarmed).toEqual([]);
  });

  it('an end removes the pending schedule and keeps no next attempt or due time', async () => {
    const { deps, scheduler, request, requests } = await setup();

    const after = await mutate(ID, deps, (current) => ({ ...current, status: 'cancelled' }));

    expect(scheduler.armed.size).toBe(0);
    expect(scheduler.disarmed).toEqual([request.scheduleName]);
    expect(after).not.toHaveProperty('scheduleName');
    expect(requests.requests.get(ID)).not.toHaveProperty('nextAttemptAt');
    expect(requests.requests.get(ID)).not.toHaveProperty('dueAt');
  });

  it('a schedule that cannot be created does not fail the change: it is logged, counted, and left to the sweeper', async () => {
    const { deps, scheduler, metrics, logs, requests } = await setup();
    scheduler.failArm = 1;

    const after = await mutate(ID, deps, (current) => ({ ...current, nextAttemptAt: T + 180_000 }));

    expect(after).toMatchObject({ nextAttemptAt: T + 180_000, dueAt: T + 180_000 });
    expect(requests.requests.get(ID)).toMatchObject({ version: 2, dueAt: T + 180_000 });
    expect(metrics.points).toContainEqual({ name: 'ScheduleFailures', value: 1 });
    expect(logs.find((entry) => entry.level === 'ERROR')).toMatchObject({ message: expect.stringContaining('sweeper'), requestId: ID });
  });

  it('a schedule that cannot be removed does not fail the change either (it fires and is ignored)', async () => {
    const { deps, scheduler, logs } = await setup();
    scheduler.failDisarm = 1;

    await expect(mutate(ID, deps, (current) => ({ ...current, status: 'cancelled' }))).resolves.toMatchObject({ status: 'cancelled' });
    expect(logs.find((entry) => entry.level === 'WARN')).toMatchObject({ message: expect.stringContaining('ignored') });
  });

  it('counts each change of status (CallRequestStatus by Status), and only changes', async () => {
    const { deps, metrics } = await setup();

    await mutate(ID, deps, (current) => ({ ...current, reason: 'same status' }));
    await mutate(ID, deps, (current) => ({ ...current, status: 'waiting', nextAttemptAt: T + 90_000 }));

    expect(metrics.points.filter((point) => point.name === 'CallRequestStatus')).toEqual([{ name: 'CallRequestStatus', value: 1, dimensions: { Status: 'waiting' } }]);
  });
});

describe('withDue', () => {
  it('scheduled and waiting are due at their next attempt', () => {
    expect(withDue(scheduledRequest(ID, T, { dueAt: undefined })).dueAt).toBe(T);
    expect(withDue(scheduledRequest(ID, T, { status: 'waiting', nextAttemptAt: T + 5_000 })).dueAt).toBe(T + 5_000);
  });

  it('in progress, an attempt is due when its outcome is overdue, counted from when it was placed', () => {
    const placedAt = new Date(T).toISOString();
    const inProgress = scheduledRequest(ID, T, { status: 'in-progress', nextAttemptAt: undefined, attempts: [{ attempt: 1, callId: '1^2', placedAt, status: 'placed' }] });

    expect(withDue(inProgress).dueAt).toBe(T + OUTCOME_OVERDUE_MS);
    // Not placed yet (no placedAt): from its last change.
    expect(withDue({ ...inProgress, attempts: [], updatedAt: T + 7 }).dueAt).toBe(T + 7 + OUTCOME_OVERDUE_MS);
  });

  it('an ended request is due never, and has no next attempt', () => {
    for (const status of ['succeeded', 'exhausted', 'expired', 'cancelled', 'refused'] as const) {
      const ended = withDue(scheduledRequest(ID, T, { status }));
      expect(ended, status).not.toHaveProperty('dueAt');
      expect(ended, status).not.toHaveProperty('nextAttemptAt');
    }
  });
});
