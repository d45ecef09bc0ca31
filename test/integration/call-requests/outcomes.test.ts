/**
 * Outcomes move requests (docs/call-requests.md#how-a-request-moves, #until-acknowledged, #events):
 * each attempt's receipts go from the sandbox's queues through the poller into the table, the
 * table's stream through processCallChanges, which applies the call's status, hands the outcome and
 * any key press to the request, and publishes `Voice Call Request Changed` for each change of the
 * request's status. The sandbox's test numbers script the outcomes: 13900000012 never answers,
 * 13900000011 is busy, 13900000020 answers an IVR call pressing no key, 13900000021 presses the
 * menu's second key, 13900000022 presses the first key only from its third call (sandbox/README.md).
 * Redials are fired by running the stand-in's clock to their schedule (harness.ts).
 */
import { describe, expect, it } from 'vitest';
import { createRequest, fire, freshNumber, fromNow, pendingSchedule, readRequest, requestEvents, sandboxCallsTo, schedulesOf, useCallRequestBundle } from './harness.ts';

const bundle = useCallRequestBundle();

const tts = (calledNumber: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_100001' });
const ivr = (calledNumber: string) => ({
  type: 'ivr',
  calledNumber,
  calledShowNumber: '057100000000',
  startCode: 'TTS_200001',
  menuKeyMap: [
    { key: '1', code: 'TTS_200002' },
    { key: '2', code: 'TTS_200003' },
  ],
});
/** Each change of status the bus received for the request: [previousStatus, status, attempt]. */
const statusChanges = (requestId: string) => requestEvents(bundle, requestId).map((event) => [event.detail.previousStatus, event.detail.status, event.detail.attempt]);

describe('until answered', () => {
  it('an answered call succeeds the request; each change is published once, with its dedupeKey', async () => {
    const number = freshNumber();
    const view = await createRequest(bundle, { call: tts(number) });

    await bundle.settle();

    const [call] = sandboxCallsTo(bundle, number);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, callId: call!.callId, status: 'completed' }], nextAttemptAt: null });
    expect(statusChanges(view.requestId)).toEqual([
      [null, 'scheduled', 1],
      ['scheduled', 'in-progress', 1],
      ['in-progress', 'succeeded', 1],
    ]);
    const details = requestEvents(bundle, view.requestId).map((event) => event.detail);
    expect(details.at(-1)).toEqual({
      dedupeKey: expect.stringMatching(new RegExp(`^request:${view.requestId}:\\d+$`)),
      requestId: view.requestId,
      status: 'succeeded',
      previousStatus: 'in-progress',
      attempt: 1,
      callId: call!.callId,
      nextAttemptAt: null,
    });
    expect(new Set(details.map((detail) => detail.dedupeKey)).size).toBe(details.length);
    expect(requestEvents(bundle, view.requestId).every((event) => event.source === 'aliyun-voice')).toBe(true);
  });

  it('not answered, with attempts left: the next attempt is armed no sooner than the interval after the outcome, then exhausted', async () => {
    const view = await createRequest(bundle, { call: tts('13900000012'), redial: { on: ['no-answer'], maxAttempts: 2, intervalSeconds: 120 } });
    const beforeOutcome = Date.now();

    await bundle.settle();

    const afterOutcome = Date.now();
    const waiting = await readRequest(bundle, view.requestId);
    expect(waiting).toMatchObject({ status: 'scheduled', attempts: [{ attempt: 1, status: 'no-answer' }] });
    const next = Date.parse(waiting.nextAttemptAt);
    expect(next).toBeGreaterThanOrEqual(beforeOutcome + 120_000);
    expect(next).toBeLessThanOrEqual(afterOutcome + 120_000);
    const schedule = pendingSchedule(bundle, view.requestId);
    expect(schedule.armed).toEqual({ requestId: view.requestId, attempt: 2, at: next });
    expect(Date.parse(schedule.dueAt)).toBeGreaterThanOrEqual(next);
    expect(requestEvents(bundle, view.requestId).at(-1)!.detail).toMatchObject({ status: 'scheduled', previousStatus: 'in-progress', attempt: 2, nextAttemptAt: waiting.nextAttemptAt });

    await fire(bundle, view.requestId);
    await bundle.settle();

    const calls = sandboxCallsTo(bundle, '13900000012');
    expect(calls).toHaveLength(2);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({
      status: 'exhausted',
      reason: 'all 2 attempts were made',
      nextAttemptAt: null,
      attempts: [
        { attempt: 1, callId: calls[0]!.callId, status: 'no-answer' },
        { attempt: 2, callId: calls[1]!.callId, status: 'no-answer' },
      ],
    });
    expect(statusChanges(view.requestId)).toEqual([
      [null, 'scheduled', 1],
      ['scheduled', 'in-progress', 1],
      ['in-progress', 'scheduled', 2],
      ['scheduled', 'in-progress', 2],
      ['in-progress', 'exhausted', 2],
    ]);
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('an outcome that is not redialled exhausts the request at once', async () => {
    const view = await createRequest(bundle, { call: tts('13900000011'), redial: { on: ['no-answer'], maxAttempts: 3, intervalSeconds: 60 } });

    await bundle.settle();

    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'exhausted', attempts: [{ attempt: 1, status: 'busy' }], reason: expect.stringContaining('busy') });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('no time for another attempt before notAfter: expired', async () => {
    const view = await createRequest(bundle, { call: tts('13900000012'), notAfter: fromNow(30_000), redial: { on: ['no-answer'], maxAttempts: 3, intervalSeconds: 60 } });

    await bundle.settle();

    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'expired', attempts: [{ attempt: 1, status: 'no-answer' }], nextAttemptAt: null });
    expect(statusChanges(view.requestId).at(-1)).toEqual(['in-progress', 'expired', 1]);
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });
});

describe('until acknowledged', () => {
  it('the callee pressing an acknowledging key succeeds the request', async () => {
    const view = await createRequest(bundle, { call: ivr('13900000021'), until: 'acknowledged', acknowledgeKeys: ['2'], redial: { maxAttempts: 3, intervalSeconds: 60 } });

    await bundle.settle();

    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'succeeded', attempts: [{ attempt: 1, status: 'completed', dtmf: '2' }] });
    expect(sandboxCallsTo(bundle, '13900000021')).toHaveLength(1);
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });

  it('another key is no acknowledgement: the answered call is not enough', async () => {
    const view = await createRequest(bundle, { call: ivr('13900000021'), until: 'acknowledged', acknowledgeKeys: ['1'] });

    await bundle.settle();

    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'exhausted', attempts: [{ attempt: 1, status: 'completed', dtmf: '2' }] });
  });

  it('answered without a key press, the call is made again', async () => {
    const view = await createRequest(bundle, { call: ivr('13900000020'), until: 'acknowledged', acknowledgeKeys: ['1'], redial: { maxAttempts: 2, intervalSeconds: 60 } });

    await bundle.settle();
    expect(await readRequest(bundle, view.requestId)).toMatchObject({ status: 'scheduled', attempts: [{ attempt: 1, status: 'completed' }] });
    await fire(bundle, view.requestId);
    await bundle.settle();

    const after = await readRequest(bundle, view.requestId);
    expect(after).toMatchObject({ status: 'exhausted', attempts: [{ attempt: 1, status: 'completed' }, { attempt: 2, status: 'completed' }] });
    expect(after.attempts.some((attempt: { dtmf?: string }) => attempt.dtmf !== undefined)).toBe(false);
  });

  it('the number that presses the key only from its third call: succeeded on attempt 3', async () => {
    const number = '13900000022';
    const view = await createRequest(bundle, { call: ivr(number), until: 'acknowledged', acknowledgeKeys: ['1'], redial: { maxAttempts: 5, intervalSeconds: 300 } });

    await bundle.settle();
    for (const attempt of [2, 3]) {
      expect(pendingSchedule(bundle, view.requestId).armed.attempt).toBe(attempt);
      await fire(bundle, view.requestId);
      await bundle.settle();
    }

    const calls = sandboxCallsTo(bundle, number);
    expect(calls).toHaveLength(3);
    expect(await readRequest(bundle, view.requestId)).toMatchObject({
      status: 'succeeded',
      nextAttemptAt: null,
      attempts: [
        { attempt: 1, callId: calls[0]!.callId, status: 'completed' },
        { attempt: 2, callId: calls[1]!.callId, status: 'completed' },
        { attempt: 3, callId: calls[2]!.callId, status: 'completed', dtmf: '1' },
      ],
    });
    expect(statusChanges(view.requestId).at(-1)).toEqual(['in-progress', 'succeeded', 3]);
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
  });
});
