/**
 * Nothing is stuck (docs/call-requests.md#nothing-is-stuck): the sweep finds a request whose
 * schedule was lost and arms it again, and settles an attempt whose receipts never came with what
 * Alibaba's QueryCallDetailByCallId says of its call.
 *
 * The sweep acts only on what is overdue by minutes (a schedule two minutes late, an outcome half an
 * hour late). Rather than wait for that, these tests run the sweep as functions/sweepCallRequests.ts
 * does — sweepCallRequests over the composition root's store and scheduler, the outcome asked of the
 * sandbox through the calls' Alibaba client — with the clock it takes (`now`) set that far ahead.
 * This file's table holds only its own requests (harness.ts), so the sweep sees nothing else.
 */
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { createRequest, fire, freshNumber, fromNow, pendingSchedule, readRequest, sandboxCallsTo, schedulesOf, useCallRequestBundle } from './harness.ts';

const bundle = useCallRequestBundle();

const MINUTE = 60_000;
const tts = (calledNumber: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_100001' });

/** One sweep as functions/sweepCallRequests.ts runs it, with its clock `aheadMs` ahead. */
async function sweep(aheadMs: number): Promise<{ rearmed: number; settled: number }> {
  const [{ sweepCallRequests }, { attemptOutcomeFromAlibaba }, { callRequestDependencies }, { callsDependencies }] = await Promise.all([
    import('#shared/callRequests/progress'),
    import('#shared/callRequests/outcomes'),
    import('#shared/runtime/callRequests'),
    import('#shared/runtime/calls'),
  ]);
  const deadline = Date.now() + 20_000;
  return sweepCallRequests({
    ...callRequestDependencies(),
    now: () => Date.now() + aheadMs,
    deadline,
    queryOutcome: (attempt, request) => attemptOutcomeFromAlibaba(attempt, request, { voice: callsDependencies().voice, deadline }),
  });
}

/** Deletes a schedule behind the bundle's back, as if it had been lost. */
async function loseSchedule(name: string, groupName: string): Promise<void> {
  const response = await fetch(`${bundle.scheduler.url}/schedules/${encodeURIComponent(name)}?groupName=${groupName}`, { method: 'DELETE' });
  expect(response.status).toBe(200);
}

describe('the sweep', () => {
  it('the deployed function sweeps, and finds nothing overdue when nothing is', async () => {
    const { handler } = await import('../../../functions/sweepCallRequests.ts');

    expect(await handler({}, lambdaContext(30_000))).toEqual({ rearmed: 0, settled: 0 });
  });

  it('arms a request whose schedule was lost again, a minute from its clock; it is then placed when that schedule fires', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), notBefore: fromNow(1_000) });
    const lost = pendingSchedule(bundle, view.requestId);
    await loseSchedule(lost.name, lost.groupName);

    const aheadMs = 3 * MINUTE;
    const before = Date.now();
    expect(await sweep(aheadMs)).toEqual({ rearmed: 1, settled: 0 });

    const rearmed = await readRequest(bundle, view.requestId);
    const next = Date.parse(rearmed.nextAttemptAt);
    expect(rearmed.status).toBe('scheduled');
    expect(next).toBeGreaterThanOrEqual(before + aheadMs + MINUTE);
    expect(next).toBeLessThanOrEqual(Date.now() + aheadMs + MINUTE);
    const schedule = pendingSchedule(bundle, view.requestId);
    expect(schedule.name).not.toBe(lost.name);
    expect(schedule.armed).toEqual({ requestId: view.requestId, attempt: 1, at: next });
    // Swept again at once: nothing more to do.
    expect(await sweep(aheadMs)).toEqual({ rearmed: 0, settled: 0 });

    await fire(bundle, view.requestId);

    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1, callId: sandboxCallsTo(bundle, number)[0]!.callId }] });
    await bundle.settle();
  });

  it('a request whose schedule was lost until after its notAfter expires', async () => {
    const view = await createRequest(bundle, { call: tts(freshNumber()), notBefore: fromNow(1_000), notAfter: fromNow(2 * MINUTE) });
    const lost = pendingSchedule(bundle, view.requestId);
    await loseSchedule(lost.name, lost.groupName);

    expect(await sweep(3 * MINUTE)).toEqual({ rearmed: 1, settled: 0 });

    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'expired', nextAttemptAt: null, attempts: [] });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it("settles an attempt whose receipts never came with Alibaba's call detail (QueryCallDetailByCallId)", async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number) });
    const callId = view.attempts[0].callId as string;
    // The receipts are never polled: the outcome is overdue once half an hour has passed.
    expect(await sweep(10 * MINUTE)).toEqual({ rearmed: 0, settled: 0 });

    expect(await sweep(33 * MINUTE)).toEqual({ rearmed: 0, settled: 1 });

    const queried = bundle.sandbox.control.requests().filter((request) => request.action === 'QueryCallDetailByCallId');
    expect(queried.map((request) => [request.params.CallId, request.params.ProdId])).toContainEqual([callId, '11010000138001']);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, callId, status: 'completed' }] });
    // The receipts that come after all change nothing.
    await bundle.settle();
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, callId, status: 'completed' }] });
  });

  it('an attempt Alibaba knows nothing of is settled unknown, counted as failed, and dialled again', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number), redial: { on: ['failed'], maxAttempts: 2, intervalSeconds: 60 } });
    // The sandbox forgets the call (and its receipts): Alibaba has no record of it.
    bundle.sandbox.control.reset();

    expect(await sweep(33 * MINUTE)).toEqual({ rearmed: 0, settled: 1 });

    const after = await readRequest(bundle, view.requestId);
    expect(after).toMatchObject({ status: 'scheduled', attempts: [{ attempt: 1, status: 'unknown' }] });
    expect(pendingSchedule(bundle, view.requestId).armed.attempt).toBe(2);
    await fire(bundle, view.requestId);
    await bundle.settle();
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'succeeded', attempts: [{ status: 'unknown' }, { attempt: 2, status: 'completed' }] });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });
});
