/**
 * A thousand call requests scheduled for the same second all fire, and each is placed exactly once
 * (docs/call-requests.md#the-engine): created through POST /call-requests, armed in the scheduler
 * stand-in, fired by it (25 invocations at a time, as `npm start` runs it) into attemptCallRequest,
 * placed at the sandbox, counted there. How fast they fire is `npm run bench`'s to say, not this
 * test's: nothing here is timed.
 *
 * Time: creating a thousand requests takes a while on a shared machine, and an attempt is placed only
 * once its notBefore has passed on the clock of the function that places it. So the requests are
 * all due at a whole minute ten minutes ahead, and once all are created this file's process clock (Date, faked with
 * vi.useFakeTimers and still advancing) jumps to that second: the stand-in, the functions and the
 * sandbox, all in this process, see the same time. Only Date is faked; timers run as usual.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLimited } from '#shared/concurrency';
import { createRequest, eventually, freshNumber, readRequest, sandboxCallsTo, useCallRequestBundle } from './harness.ts';

const bundle = useCallRequestBundle();

const COUNT = 1_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('a thousand requests for the same second', () => {
  it('all fire, and each is placed exactly once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, advanceTimeDelta: 5 });
    // A whole minute: what Scheduler is armed for (shared/scheduling/eventBridgeScheduler.ts).
    const due = Math.ceil((Date.now() + 10 * 60_000) / 60_000) * 60_000;
    const numbers = Array.from({ length: COUNT }, () => freshNumber());
    const views: Record<string, any>[] = new Array(COUNT);

    await runLimited(numbers, 25, async (calledNumber, index) => {
      views[index] = await createRequest(bundle, { call: { type: 'tts', calledNumber, ttsCode: 'TTS_100001' }, notBefore: new Date(due).toISOString() });
    });

    expect(views.every((view) => view.status === 'scheduled')).toBe(true);
    const armed = bundle.scheduler.schedules();
    expect(armed).toHaveLength(COUNT);
    expect(new Set(armed.map((schedule) => schedule.dueAt))).toEqual(new Set([new Date(due).toISOString().replace('.000Z', 'Z')]));
    expect(bundle.sandbox.control.calls()).toEqual([]);

    vi.setSystemTime(due);
    await eventually(() => bundle.scheduler.fired().length >= COUNT, 240_000, 'every schedule fired');

    const fired = bundle.scheduler.fired();
    expect(fired).toHaveLength(COUNT);
    expect(fired.filter((firing) => firing.outcome !== 'invoked')).toEqual([]);
    expect(new Set(fired.map((firing) => firing.name)).size).toBe(COUNT);
    // Fired again (a Scheduler retry, a redelivery), some of them: nothing more is placed.
    const inputs = armed.slice(0, 50).map((schedule) => JSON.parse(schedule.target.Input!) as unknown);
    await Promise.all(inputs.map((input) => bundle.handlers.attempt(input)));

    const calls = bundle.sandbox.control.calls();
    expect(calls).toHaveLength(COUNT);
    expect(new Set(calls.map((call) => call.params.CalledNumber))).toEqual(new Set(numbers));
    expect(bundle.scheduler.schedules()).toEqual([]);
    for (const index of [0, 1, 499, 998, 999]) {
      const [call] = sandboxCallsTo(bundle, numbers[index]!);
      expect(await readRequest(bundle, views[index]!.requestId)).toMatchObject({ status: 'in-progress', attempts: [{ attempt: 1, callId: call!.callId }] });
    }
  }, 360_000);
});
