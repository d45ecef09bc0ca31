/**
 * The one retry loop (shared/retry.ts): full-jitter backoff bounds, attempt limits, retryable versus
 * final failures, and the deadline rule every client relies on.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullJitterDelay, hasAttemptsLeft, retryWithBackoff, type AttemptResult } from '#shared/retry';

const NO_WAIT = { baseMs: 0, capMs: 0 };

describe('fullJitterDelay', () => {
  it('is uniform in [0, min(cap, base * 2^(retry-1)))', () => {
    const policy = { baseMs: 100, capMs: 1_000 };
    expect(fullJitterDelay(policy, 1, () => 0.999)).toBeCloseTo(99.9);
    expect(fullJitterDelay(policy, 3, () => 0.5)).toBe(200);
    expect(fullJitterDelay(policy, 4, () => 0.5)).toBe(400);
    // Capped from the fifth retry on (100 * 2^4 = 1,600 > 1,000).
    expect(fullJitterDelay(policy, 5, () => 0.5)).toBe(500);
    expect(fullJitterDelay(policy, 9, () => 1)).toBe(1_000);
    expect(fullJitterDelay(policy, 2, () => 0)).toBe(0);
  });
});

describe('retryWithBackoff', () => {
  it('returns the first success and makes no further attempt', async () => {
    const seen: number[] = [];
    const value = await retryWithBackoff(
      async (n): Promise<AttemptResult<string, Error>> => {
        seen.push(n);
        return n < 2 ? { ok: false, error: new Error(`attempt ${n}`), retryable: true } : { ok: true, value: 'done' };
      },
      { maxAttempts: 5, backoff: NO_WAIT, deadlineError: () => new Error('deadline') },
    );
    expect(value).toBe('done');
    expect(seen).toEqual([1, 2]);
  });

  it('throws a failure that is not retryable at once', async () => {
    let attempts = 0;
    const final = new Error('final');
    await expect(
      retryWithBackoff(
        async (): Promise<AttemptResult<never, Error>> => {
          attempts += 1;
          return { ok: false, error: final, retryable: false };
        },
        { maxAttempts: 5, backoff: NO_WAIT, deadlineError: () => new Error('deadline') },
      ),
    ).rejects.toBe(final);
    expect(attempts).toBe(1);
  });

  it('throws the last retryable failure when the attempts run out', async () => {
    const errors: Error[] = [];
    const promise = retryWithBackoff(
      async (n): Promise<AttemptResult<never, Error>> => {
        const error = new Error(`attempt ${n}`);
        errors.push(error);
        return { ok: false, error, retryable: true };
      },
      { maxAttempts: 3, backoff: NO_WAIT, deadlineError: () => new Error('deadline') },
    );
    await expect(promise).rejects.toThrow('attempt 3');
    expect(errors).toHaveLength(3);
  });

  it('starts no attempt when the deadline leaves less than minAttemptMs, and says how many were made', async () => {
    let attempts = 0;
    const promise = retryWithBackoff(
      async (): Promise<AttemptResult<never, Error>> => {
        attempts += 1;
        return { ok: false, error: new Error('x'), retryable: true };
      },
      {
        maxAttempts: 5,
        backoff: NO_WAIT,
        deadline: Date.now() + 50,
        minAttemptMs: 100,
        deadlineError: (made, last) => new Error(`deadline after ${made}, last ${last?.message ?? 'none'}`),
      },
    );
    await expect(promise).rejects.toThrow('deadline after 0, last none');
    expect(attempts).toBe(0);
  });

  it('gives up at the deadline when the next wait would not leave room for an attempt', async () => {
    let attempts = 0;
    const promise = retryWithBackoff(
      async (): Promise<AttemptResult<never, Error>> => {
        attempts += 1;
        return { ok: false, error: new Error(`attempt ${attempts}`), retryable: true };
      },
      {
        maxAttempts: 5,
        // The wait before the second attempt is 10 s with random() = 1: past the 1 s deadline.
        backoff: { baseMs: 10_000, capMs: 10_000 },
        random: () => 1,
        deadline: Date.now() + 1_000,
        minAttemptMs: 10,
        deadlineError: (made, last) => new Error(`deadline after ${made}, last ${last?.message ?? 'none'}`),
      },
    );
    await expect(promise).rejects.toThrow('deadline after 1, last attempt 1');
    expect(attempts).toBe(1);
  });

  it('waits the jittered backoff between attempts', async () => {
    const times: number[] = [];
    await retryWithBackoff(
      async (n): Promise<AttemptResult<null, Error>> => {
        times.push(Date.now());
        return n === 1 ? { ok: false, error: new Error('again'), retryable: true } : { ok: true, value: null };
      },
      { maxAttempts: 2, backoff: { baseMs: 60, capMs: 60 }, random: () => 1, deadlineError: () => new Error('deadline') },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(55);
  });
});

describe('retryWithBackoff: the waits and the deadline, exactly', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('sleeps base * 2^(n-1) before retry n (full jitter at its top), and not before the first attempt', async () => {
    const sleeps: (number | undefined)[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      sleeps.push(ms);
      return realSetTimeout(callback, 0);
    }) as typeof setTimeout);
    await retryWithBackoff(
      async (n): Promise<AttemptResult<null, Error>> => (n < 4 ? { ok: false, error: new Error('again'), retryable: true } : { ok: true, value: null }),
      { maxAttempts: 4, backoff: { baseMs: 10, capMs: 1_000 }, random: () => 1, deadlineError: () => new Error('deadline') },
    );
    expect(sleeps).toEqual([10, 20, 40]);
  });

  it('starts an attempt that exactly fits before the deadline', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00.000Z'));
    let attempts = 0;
    const value = await retryWithBackoff(
      async (): Promise<AttemptResult<string, Error>> => {
        attempts += 1;
        return { ok: true, value: 'done' };
      },
      { maxAttempts: 1, backoff: NO_WAIT, deadline: Date.now() + 100, minAttemptMs: 100, deadlineError: () => new Error('deadline') },
    );
    expect(value).toBe('done');
    expect(attempts).toBe(1);
  });
});

describe('hasAttemptsLeft', () => {
  it('is true while the attempt made is below the limit', () => {
    expect(hasAttemptsLeft(1, 3)).toBe(true);
    expect(hasAttemptsLeft(2, 3)).toBe(true);
    expect(hasAttemptsLeft(3, 3)).toBe(false);
    expect(hasAttemptsLeft(1, 0)).toBe(false);
  });
});
