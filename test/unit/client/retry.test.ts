/**
 * The client's retry rules (client/src/retry.ts): what may be sent again after which failure, and
 * after how long. Each rule follows from what a repeat could do: a read changes nothing, a placement
 * with its Idempotency-Key places nothing twice, anything else is repeated only when the API proved
 * it did nothing (429).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, type AttemptFailure, type RetryKind } from '../../../client/src/retry.ts';

const answer = (status: number, code: string, retryAfterSeconds?: number): AttemptFailure => ({ kind: 'answer', status, code, retryAfterSeconds });
const network: AttemptFailure = { kind: 'network' };
/** The upper end of every jitter range, so the bound itself is what is compared. */
const highest = () => 0.999999;
const delay = (failure: AttemptFailure, kind: RetryKind, attempt = 1) => retryDelayMs(failure, kind, attempt, DEFAULT_RETRY, highest);

describe('retryDelayMs', () => {
  it.each<[string, AttemptFailure, Record<RetryKind, boolean>]>([
    ['429 with Retry-After', answer(429, 'isv.BUSINESS_LIMIT_CONTROL', 2), { read: true, keyed: true, once: true }],
    ['409 in progress with Retry-After', answer(409, 'IDEMPOTENCY_CONFLICT', 1), { read: false, keyed: true, once: false }],
    ['422 key reused with another body', answer(422, 'IDEMPOTENCY_CONFLICT'), { read: false, keyed: false, once: false }],
    ['500', answer(500, 'INTERNAL_ERROR'), { read: true, keyed: true, once: false }],
    ['502', answer(502, 'ALIBABA_UNREACHABLE'), { read: true, keyed: true, once: false }],
    ['503', answer(503, 'STORE_UNAVAILABLE'), { read: true, keyed: true, once: false }],
    ['504 ALIBABA_TIMEOUT (nothing placed)', answer(504, 'ALIBABA_TIMEOUT'), { read: true, keyed: true, once: false }],
    ['504 RequestOutcomeUnknown', answer(504, 'RequestOutcomeUnknown'), { read: false, keyed: false, once: false }],
    ['504 MissingCallId (outcome unknown too)', answer(504, 'MissingCallId'), { read: false, keyed: false, once: false }],
    ['a network failure', network, { read: true, keyed: true, once: false }],
    ['400', answer(400, 'VALIDATION_FAILED'), { read: false, keyed: false, once: false }],
    ['403 from API Gateway', answer(403, 'HTTP_403'), { read: false, keyed: false, once: false }],
    ['404', answer(404, 'NOT_FOUND'), { read: false, keyed: false, once: false }],
    ['422 from Alibaba', answer(422, 'isv.MOBILE_NUMBER_ILLEGAL'), { read: false, keyed: false, once: false }],
  ])('%s: retried for %j', (_name, failure, expected) => {
    const retried = Object.fromEntries((['read', 'keyed', 'once'] as const).map((kind) => [kind, delay(failure, kind) !== undefined]));
    expect(retried).toEqual(expected);
  });

  it('waits Retry-After seconds after a 429 (1 s when the header is missing)', () => {
    expect(delay(answer(429, 'Throttling.User', 3), 'keyed')).toBe(3000);
    expect(delay(answer(429, 'Throttling.User'), 'read')).toBe(1000);
    expect(delay(answer(429, 'Throttling.User', 0), 'once')).toBe(0);
  });

  it('hands a Retry-After longer than maxRetryAfterSeconds to the caller instead of waiting', () => {
    expect(delay(answer(429, 'FLOW_CONTROL', DEFAULT_RETRY.maxRetryAfterSeconds), 'keyed')).toBe(DEFAULT_RETRY.maxRetryAfterSeconds * 1000);
    expect(delay(answer(429, 'FLOW_CONTROL', DEFAULT_RETRY.maxRetryAfterSeconds + 1), 'keyed')).toBeUndefined();
    expect(delay(answer(503, 'STORE_UNAVAILABLE', 3600), 'read')).toBeUndefined();
  });

  it('backs off exponentially with full jitter, bounded by maxDelayMs, after 5xx and network failures', () => {
    const options = { ...DEFAULT_RETRY, maxAttempts: 10 };
    const bounds = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(network, 'read', attempt, options, highest));
    expect(bounds).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(retryDelayMs(network, 'read', 3, options, () => 0)).toBe(0);
    expect(retryDelayMs(answer(500, 'INTERNAL_ERROR'), 'keyed', 2, options, () => 0.5)).toBe(200);
  });

  it('waits the longer of the backoff and a 5xx answer\'s own Retry-After', () => {
    expect(delay(answer(503, 'STORE_UNAVAILABLE', 2), 'read')).toBe(2000);
  });

  it('stops at maxAttempts, the first attempt included', () => {
    expect(retryDelayMs(network, 'read', 2, { ...DEFAULT_RETRY, maxAttempts: 3 }, highest)).toBeDefined();
    expect(retryDelayMs(network, 'read', 3, { ...DEFAULT_RETRY, maxAttempts: 3 }, highest)).toBeUndefined();
    expect(retryDelayMs(answer(429, 'FLOW_CONTROL', 1), 'read', 1, { ...DEFAULT_RETRY, maxAttempts: 1 }, highest)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-24T15:41:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Tue, 24 Nov 2026 15:41:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 24 Nov 2026 15:40:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});
