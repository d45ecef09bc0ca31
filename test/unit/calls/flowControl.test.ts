/**
 * The flow-control guard's rules (shared/calls/flowControl.ts, FLOW_CONTROL_LIMITS in
 * shared/flowControlLimits.ts): which window refuses, when a slot frees (exact to the second), which numbers a
 * request counts against. The store that applies them atomically is tested against DynamoDB Local
 * (test/integration/flow-control/).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialledNumbers, flowControlError, holdWindowLabel, refusalFor } from '#shared/calls/flowControl';
import { parseFlowControlLimits } from '#shared/flowControlLimits';

const ALIBABA = parseFlowControlLimits('1/60,5/3600,20/86400')!;
const T = Date.parse('2026-12-06T10:00:00.000Z');

describe('parseFlowControlLimits (FLOW_CONTROL_LIMITS)', () => {
  it("reads <count>/<seconds> windows, shortest first, and 'off'", () => {
    expect(parseFlowControlLimits('20/86400, 1/60 ,5/3600')).toEqual([
      { count: 1, seconds: 60, label: '1/60' },
      { count: 5, seconds: 3600, label: '5/3600' },
      { count: 20, seconds: 86400, label: '20/86400' },
    ]);
    expect(parseFlowControlLimits('off')).toBeUndefined();
    expect(parseFlowControlLimits('OFF')).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['1/60,', 'a trailing comma'],
    ['0/60', 'a zero count'],
    ['1/0', 'a zero window'],
    ['101/60', 'more than 100 placements'],
    ['1/604801', 'a window longer than a week'],
    ['1/60,2/60', 'two windows of one length'],
    ['1.5/60', 'a fraction'],
    ['1/60/2', 'three parts'],
    ['1/60,1/61,1/62,1/63,1/64,1/65,1/66,1/67,1/68', 'nine windows'],
  ])('refuses %j (%s)', (value) => {
    expect(() => parseFlowControlLimits(value)).toThrow();
  });
});

describe('refusalFor', () => {
  it('lets a number with no history be called', () => {
    expect(refusalFor({ recent: [] }, ALIBABA, T)).toBeUndefined();
  });

  it('refuses a second call within the minute, until exactly 60 s after the first (rounded up to the second)', () => {
    const first = T + 400;
    expect(refusalFor({ recent: [first] }, ALIBABA, T + 5_000)).toEqual({ retryAt: T + 61_000, freesAt: first + 60_000, window: '1/60' });
    // At 60 s the minute window has a slot again: the call fits.
    expect(refusalFor({ recent: [first] }, ALIBABA, first + 60_000)).toBeUndefined();
    expect(refusalFor({ recent: [first] }, ALIBABA, first + 59_999)).toEqual({ retryAt: T + 61_000, freesAt: first + 60_000, window: '1/60' });
  });

  it('names the hour window once five calls fell within the hour, and frees it an hour after the fifth most recent', () => {
    const recent = [T + 40 * 60_000, T + 30 * 60_000, T + 20 * 60_000, T + 10 * 60_000, T];
    const now = T + 45 * 60_000;
    expect(refusalFor({ recent }, ALIBABA, now)).toEqual({ retryAt: T + 3_600_000, freesAt: T + 3_600_000, window: '5/3600' });
    expect(refusalFor({ recent }, ALIBABA, T + 3_600_000)).toBeUndefined();
  });

  it('names the window that frees last when several refuse, and the day window after twenty calls', () => {
    const recent = Array.from({ length: 20 }, (_, index) => T + (19 - index) * 3_600_000);
    const now = T + 19 * 3_600_000 + 1_000;
    // The minute (1 s ago), the hour (1 within it: fine) and the day (20 within it) — the day frees last.
    expect(refusalFor({ recent }, ALIBABA, now)).toEqual({ retryAt: T + 86_400_000, freesAt: T + 86_400_000, window: '20/86400' });
  });

  it("holds a number until Alibaba's own refusal says, under the window it named", () => {
    expect(refusalFor({ recent: [], holdUntil: T + 3_600_000, holdWindow: '5/3600' }, ALIBABA, T)).toEqual({ retryAt: T + 3_600_000, freesAt: T + 3_600_000, window: '5/3600' });
    expect(refusalFor({ recent: [], holdUntil: T, holdWindow: '5/3600' }, ALIBABA, T)).toBeUndefined();
  });

  it('always says a moment in the future, on a whole second, when the windows free up (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 * 86_400_000 }), { maxLength: 25 }).map((offsets) => offsets.map((offset) => T + offset).sort((a, b) => b - a)),
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        (recent, offset) => {
          const now = T + offset;
          const refusal = refusalFor({ recent }, ALIBABA, now);
          if (!refusal) {
            // Fits: every window has fewer than `count` placements in its last `seconds`.
            for (const window of ALIBABA) expect(recent.filter((at) => at > now - window.seconds * 1000).length).toBeLessThan(window.count);
            return;
          }
          expect(refusal.retryAt).toBeGreaterThan(now);
          expect(refusal.retryAt % 1000).toBe(0);
          // The exact moment, then rounded up to its second; Retry-After counts from the exact one.
          expect(refusal.freesAt).toBeGreaterThan(now);
          expect(refusal.retryAt - refusal.freesAt).toBeGreaterThanOrEqual(0);
          expect(refusal.retryAt - refusal.freesAt).toBeLessThan(1000);
          expect(refusalFor({ recent }, ALIBABA, refusal.freesAt)).toBeUndefined();
          // At retryAt the placement fits; a second earlier it does not (retryAt is the first whole second it fits).
          expect(refusalFor({ recent }, ALIBABA, refusal.retryAt)).toBeUndefined();
          expect(refusalFor({ recent }, ALIBABA, refusal.retryAt - 1000)).toBeDefined();
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('flowControlError', () => {
  it('counts Retry-After from the exact moment: a window freeing 59.95 s from now waits 60 s, while retryAt is the next whole second', () => {
    const placedAt = T + 900;
    const refusal = refusalFor({ recent: [placedAt] }, ALIBABA, placedAt + 50)!;
    const error = flowControlError(refusal, placedAt + 50);
    expect(error.retryAt).toBe(T + 61_000);
    expect(error.retryAfterSeconds).toBe(60);
  });

  it('waits at most the window, and long enough: after that many whole seconds the number can be called (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 59_999 }), (fraction, elapsed) => {
        const placedAt = T + fraction;
        const now = placedAt + elapsed;
        const error = flowControlError(refusalFor({ recent: [placedAt] }, ALIBABA, now)!, now);
        expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
        expect(refusalFor({ recent: [placedAt] }, ALIBABA, now + error.retryAfterSeconds * 1000)).toBeUndefined();
      }),
    );
  });
});

describe('dialledNumbers', () => {
  it('counts the called number, and both legs of a click-to-dial call', () => {
    expect(dialledNumbers({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1' })).toEqual(['13800138000']);
    expect(
      dialledNumbers({ type: 'clickToDial', callerShowNumber: '057100000001', callerNumber: '13800138003', calledShowNumber: '057100000002', calledNumber: '13800138004' }),
    ).toEqual(['13800138003', '13800138004']);
  });
});

describe('holdWindowLabel', () => {
  it("names Alibaba's window as the configured window of that length, else by Alibaba's permits", () => {
    expect(holdWindowLabel(ALIBABA, 3600, 5)).toBe('5/3600');
    expect(holdWindowLabel(parseFlowControlLimits('3/60'), 3600, 5)).toBe('5/3600');
    expect(holdWindowLabel(parseFlowControlLimits('3/60'), 86_400, undefined)).toBe('1/86400');
  });
});
