/**
 * An attempt that cannot be placed (docs/call-requests.md#how-a-request-moves): Alibaba refusing the
 * content ends the request `refused` at once; a failure that may pass — Alibaba's own fault, or the
 * account's (no balance) — does not count as an attempt and is tried again, a minute later, then two,
 * then four (shared/callRequests/attempts.ts), so an account that stays broken is not asked every
 * minute for a month. The sandbox's test numbers answer each way (sandbox/README.md#test-numbers).
 */
import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_FAILURE_MS, retryDelayAfterFailure } from '#shared/callRequests/attempts';
import { createRequest, fire, pendingSchedule, readRequest, sandboxCallsTo, useCallRequestBundle } from './harness.ts';

const bundle = useCallRequestBundle();

const tts = (calledNumber: string) => ({ type: 'tts', calledNumber, ttsCode: 'TTS_123456789' });

/** What the sandbox answered to the requests for `calledNumber` (none is a placed call). */
function answersFor(calledNumber: string): string[] {
  return bundle.sandbox.control
    .requests()
    .filter((request) => request.action === 'SingleCallByTts' && request.params.CalledNumber === calledNumber)
    .map((request) => String(request.response?.code));
}

describe('retryDelayAfterFailure', () => {
  it('doubles from a minute with each failure of the same attempt, up to an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(retryDelayAfterFailure)).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
    expect(retryDelayAfterFailure(100)).toBe(MAX_RETRY_AFTER_FAILURE_MS);
  });
});

describe('an attempt Alibaba does not place', () => {
  it('ends the request refused when Alibaba refuses the number (isv.MOBILE_NUMBER_ILLEGAL): no retry can help', async () => {
    const view = await createRequest(bundle, { call: tts('13900000001'), redial: { on: ['failed'], maxAttempts: 3, intervalSeconds: 60 } });

    expect(view).toMatchObject({ status: 'refused', attempts: [], nextAttemptAt: null, reason: expect.stringMatching(/^isv\.MOBILE_NUMBER_ILLEGAL: /) });
    expect(answersFor('13900000001')).toEqual(['isv.MOBILE_NUMBER_ILLEGAL']);
  });

  it.each([
    ['Alibaba failing (isp.SYSTEM_ERROR)', '13900000005', 'isp.SYSTEM_ERROR'],
    ['the account out of balance (isv.AMOUNT_NOT_ENOUGH)', '13900000003', 'isv.AMOUNT_NOT_ENOUGH'],
  ])('tries again after %s, a minute later, then two, then four; no try counts as an attempt', async (_case, number, code) => {
    let before = Date.now();
    let view = await createRequest(bundle, { call: tts(number) });
    let after = Date.now();
    for (let failures = 1; failures <= 3; failures++) {
      expect(view).toMatchObject({ status: 'scheduled', attempts: [], reason: `try ${failures} of attempt 1 failed (${code}); trying again` });
      // The next try: the delay after this many failures, from the moment this one failed.
      const next = Date.parse(view.nextAttemptAt);
      expect(next).toBeGreaterThanOrEqual(before + retryDelayAfterFailure(failures));
      expect(next).toBeLessThanOrEqual(after + retryDelayAfterFailure(failures));
      expect(pendingSchedule(bundle, view.requestId).armed).toEqual({ requestId: view.requestId, attempt: 1, at: next });
      before = Date.now();
      await fire(bundle, view.requestId);
      view = await readRequest(bundle, view.requestId);
      after = Date.now();
    }
    expect(answersFor(number)).toEqual([code, code, code, code]);
    expect(view).toMatchObject({ status: 'scheduled', attempts: [], reason: `try 4 of attempt 1 failed (${code}); trying again` });
    expect(sandboxCallsTo(bundle, number)).toEqual([]);
  });
});
