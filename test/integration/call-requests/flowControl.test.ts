/**
 * Every attempt passes the per-number flow-control guard (docs/call-requests.md#when-attempts-are-placed,
 * docs/flow-control.md): a request whose number the guard holds is `waiting`, its next attempt at
 * the moment the guard's window frees (retryAt), armed in the scheduler; Alibaba's own flow control
 * makes it wait as long as Alibaba says, or expire when that is after notAfter.
 *
 * The guard's window here is one call per two seconds (FLOW_CONTROL_LIMITS=1/2) rather than
 * Alibaba's minute, so that a waiting request is seen to be placed once its window frees: the guard
 * reads the real clock, so the test waits (two seconds) for retryAt to pass, then runs the
 * stand-in's clock to the schedule's minute (harness.ts `fire`).
 */
import { describe, expect, it } from 'vitest';
import {
  createRequest,
  fire,
  freshNumber,
  fromNow,
  itemsWithPrefix,
  pendingSchedule,
  readRequest,
  requestEvents,
  sandboxCallsTo,
  schedulesOf,
  storedRequests,
  useCallRequestBundle,
  waitUntil,
} from './harness.ts';

const bundle = useCallRequestBundle({ flowControlLimits: '1/2' });

const tts = (calledNumber: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_100001' });

describe('a number the guard holds', () => {
  it('a second request for it waits, its next attempt when the window frees; then it is placed, once, as is a third', async () => {
    const number = freshNumber();
    const first = await createRequest(bundle, { call: tts(number) });
    expect(first.status).toBe('in-progress');

    const [second, third] = await Promise.all([createRequest(bundle, { call: tts(number) }), createRequest(bundle, { call: tts(number) })]);

    // The guard's record of the first placement (this file's table holds only this number's).
    const [history] = await itemsWithPrefix(bundle, 'FLOW#');
    const retryAt = Math.ceil((Number(history!.r0) + 2_000) / 1000) * 1000;
    for (const waiting of [second, third]) {
      expect(waiting).toMatchObject({ status: 'waiting', attempts: [], nextAttemptAt: new Date(retryAt).toISOString(), reason: expect.stringContaining('1/2') });
      expect(pendingSchedule(bundle, waiting.requestId).armed).toEqual({ requestId: waiting.requestId, attempt: 1, at: retryAt });
    }
    expect(sandboxCallsTo(bundle, number)).toHaveLength(1);
    await bundle.settle();
    for (const waiting of [second, third]) {
      expect(requestEvents(bundle, waiting.requestId).slice(0, 2).map((event) => [event.detail.previousStatus, event.detail.status, event.detail.nextAttemptAt])).toEqual([
        [null, 'scheduled', expect.any(String)],
        ['scheduled', 'waiting', new Date(retryAt).toISOString()],
      ]);
    }

    // Both fire once the window frees; one is placed, the other waits for the window after it, then is placed.
    for (let round = 1; round <= 3; round++) {
      const waiting = (await Promise.all([second, third].map((request) => readRequest(bundle, request.requestId)))).filter((request) => request.status === 'waiting');
      if (waiting.length === 0) break;
      expect(waiting.length, `waiting after round ${round - 1}`).toBe(3 - round);
      await waitUntil(waiting[0]!.nextAttemptAt);
      await fire(bundle, waiting[0]!.requestId);
    }

    const calls = sandboxCallsTo(bundle, number);
    expect(calls).toHaveLength(3);
    const placedAt = calls.map((call) => Date.parse(call.createdAt)).sort((a, b) => a - b);
    for (let index = 1; index < placedAt.length; index++) expect(placedAt[index]! - placedAt[index - 1]!).toBeGreaterThanOrEqual(2_000 - 50);
    for (const request of [first, second, third]) expect((await readRequest(bundle, request.requestId)).attempts).toHaveLength(1);
    expect(schedulesOf(bundle, second.requestId)).toEqual([]);
    expect(schedulesOf(bundle, third.requestId)).toEqual([]);
  });
});

describe("Alibaba's own flow control", () => {
  it('makes the request wait as long as Alibaba says (a day for its daily window)', async () => {
    const before = Date.now();

    const view = await createRequest(bundle, { call: tts('13900000006') });

    expect(view).toMatchObject({ status: 'waiting', attempts: [], reason: expect.stringContaining('isv.BUSINESS_LIMIT_CONTROL') });
    const next = Date.parse(view.nextAttemptAt);
    expect(next).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1_000);
    expect(pendingSchedule(bundle, view.requestId).armed.at).toBe(next);
  });

  it('expires the request when the number is free again only after notAfter', async () => {
    const view = await createRequest(bundle, { call: tts('13900000006'), notAfter: fromNow(3_600_000) });

    expect(view).toMatchObject({ status: 'expired', nextAttemptAt: null, reason: expect.stringContaining('after notAfter') });
    expect(schedulesOf(bundle, view.requestId)).toEqual([]);
    expect((await storedRequests(bundle)).find((item) => item.requestId === view.requestId)).not.toHaveProperty('dueAt');
  });
});
