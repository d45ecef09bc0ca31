/**
 * The one retry loop of the bundle: every client that retries (the Alibaba RPC client, the MNS
 * client, the receipt writer, the EventBridge publisher, the secret reads) runs its attempts through
 * `retryWithBackoff`, so the backoff formula, the attempt limit and the deadline rule exist once.
 *
 * Backoff is exponential with "full jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): before retry n the wait is uniform in [0, min(cap, base * 2^(n-1))], which spreads the
 * retries of many clients that failed together instead of sending them again in step.
 */

/** The backoff between attempts. */
export interface BackoffPolicy {
  /** The upper bound of the first wait, doubled for each further retry. */
  baseMs: number;
  /** No single wait is longer. */
  capMs: number;
}

/**
 * The wait before retry `retry` (1 = the wait between the first and the second attempt).
 *
 * @example fullJitterDelay({ baseMs: 100, capMs: 1_000 }, 3) // uniform in [0, 400)
 */
export function fullJitterDelay(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  return random() * Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1));
}

/** What one attempt came to: a value, or an error and whether trying again may help. */
export type AttemptResult<T, E> = { ok: true; value: T } | { ok: false; error: E; retryable: boolean };

export interface RetryOptions<E> {
  /** Attempts in all, the first included (at least 1). */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Absolute epoch ms: no attempt and no wait goes past it. Default: none. */
  deadline?: number;
  /** An attempt with less time than this before the deadline is not started: it could not finish. */
  minAttemptMs?: number;
  /**
   * The error to fail with when the deadline leaves no room for the next attempt (with its wait):
   * `attempts` were made, `last` is the last one's error (undefined when none was made).
   */
  deadlineError: (attempts: number, last: E | undefined) => E;
  /** Test seam for the jitter. */
  random?: () => number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of attempts, or the deadline leaves no
 * room for another; resolves with the value or rejects with the error that ended it.
 *
 * @example
 * const body = await retryWithBackoff(async (n) => {
 *   const answer = await send();
 *   return answer.ok ? { ok: true, value: answer.body } : { ok: false, error: answer.error, retryable: answer.status >= 500 };
 * }, { maxAttempts: 3, backoff: { baseMs: 100, capMs: 1_000 }, deadline, deadlineError: (n, last) => last ?? new Error('no time') });
 */
export async function retryWithBackoff<T, E>(attempt: (attemptNumber: number) => Promise<AttemptResult<T, E>>, options: RetryOptions<E>): Promise<T> {
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const minAttemptMs = options.minAttemptMs ?? 0;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts));
  let last: E | undefined;
  for (let attemptNumber = 1; ; attemptNumber++) {
    const wait = attemptNumber === 1 ? 0 : fullJitterDelay(options.backoff, attemptNumber - 1, options.random);
    if (Date.now() + wait + minAttemptMs > deadline) throw options.deadlineError(attemptNumber - 1, last);
    if (wait > 0) await sleep(wait);
    const result = await attempt(attemptNumber);
    if (result.ok) return result.value;
    if (!result.retryable || attemptNumber >= maxAttempts) throw result.error;
    last = result.error;
  }
}

/** Whether another attempt would be made after `attemptNumber` failed with a retryable error. */
export function hasAttemptsLeft(attemptNumber: number, maxAttempts: number): boolean {
  return attemptNumber < Math.max(1, Math.floor(maxAttempts));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
