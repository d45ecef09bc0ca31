import { OUTCOME_UNKNOWN_CODES } from './errors.js';

/**
 * How an operation may be retried, decided by what a repeat could do:
 * - `read`: a GET, or a request whose repeat changes nothing (cancelling a call request: a repeat
 *   finds it ended and answers with its status).
 * - `keyed`: sent with an Idempotency-Key (placements, new call requests): the API answers a repeat
 *   with the first outcome and places nothing twice, so it may be repeated after any failure but
 *   one whose outcome it reports as unknown.
 * - `once`: anything else (cancelling a call): repeated only after a 429, which proves nothing was done.
 */
export type RetryKind = 'read' | 'keyed' | 'once';

export interface RetryOptions {
  /** Attempts per operation, the first included. Default 3; 1 turns retrying off. */
  maxAttempts?: number;
  /** The longest Retry-After (seconds) waited for; a longer one is thrown to the caller at once. Default 10. */
  maxRetryAfterSeconds?: number;
  /** Base of the exponential backoff after a 5xx or a network failure, with full jitter. Default 200 ms. */
  baseDelayMs?: number;
  /** Upper bound of one backoff. Default 2,000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 3,
  maxRetryAfterSeconds: 10,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
};

/** What went wrong with one attempt: an error answer, or no answer at all. */
export type AttemptFailure =
  | { kind: 'answer'; status: number; code: string; retryAfterSeconds: number | undefined }
  | { kind: 'network' };

/**
 * The wait (ms) before the next attempt, or `undefined` when the failure goes to the caller:
 * - 429: after Retry-After (1 s when absent), when it is within maxRetryAfterSeconds; any kind;
 * - 409 IDEMPOTENCY_CONFLICT with Retry-After, `keyed` only: the first request with the key is still
 *   running, and the retry gets its outcome;
 * - 5xx and network failures: `read` and `keyed` only, with backoff (or Retry-After if longer);
 *   never a 504 whose outcome is unknown (RequestOutcomeUnknown);
 * - anything else (4xx): never.
 */
export function retryDelayMs(
  failure: AttemptFailure,
  kind: RetryKind,
  attempt: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= options.maxAttempts) return undefined;
  const backoff = () => Math.round(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)));
  const afterRetryAfter = (seconds: number) => (seconds <= options.maxRetryAfterSeconds ? seconds * 1000 : undefined);

  if (failure.kind === 'network') return kind === 'once' ? undefined : backoff();
  const { status, code, retryAfterSeconds } = failure;
  if (status === 429) return afterRetryAfter(retryAfterSeconds ?? 1);
  if (status === 409 && code === 'IDEMPOTENCY_CONFLICT' && kind === 'keyed' && retryAfterSeconds !== undefined) {
    return afterRetryAfter(retryAfterSeconds);
  }
  if (status >= 500 && kind !== 'once') {
    if (status === 504 && OUTCOME_UNKNOWN_CODES.has(code)) return undefined;
    if (retryAfterSeconds === undefined) return backoff();
    const wait = afterRetryAfter(retryAfterSeconds);
    return wait === undefined ? undefined : Math.max(wait, backoff());
  }
  return undefined;
}

/**
 * Retry-After in seconds: delay-seconds, or an HTTP date (RFC 9110 §10.2.3) counted from `now`.
 * Unreadable values count as absent.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date names its day and month: a bare number of another form is no date.
  const date = /[A-Za-z]/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
