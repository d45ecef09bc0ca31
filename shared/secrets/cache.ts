/**
 * Secrets (the Alibaba key pair, the receipt push token) held in memory with a bounded lifetime:
 * read again after SECRET_CACHE_MS so a rotated value is picked up without a redeploy, the previous
 * value served for a while when a read fails, and a caller never waiting past its own deadline.
 * How a secret is read is awsSecretReader.ts's business; values are never logged.
 */
import type { RemoteSecretSource } from '../config.ts';
import { SecretReadError } from '../errors.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';

/** How long a fetched secret is trusted before it is read again, so a rotated value is picked up. */
export const SECRET_CACHE_MS = 5 * 60_000;
/**
 * How long past SECRET_CACHE_MS a value is still served when reading it again fails: a short SSM
 * or Secrets Manager outage (or throttling) must not fail every request, but a revoked secret must
 * not live on forever either.
 */
export const SECRET_STALE_MS = 15 * 60_000;
/** After a failed refresh, the stale value is served without a new read for this long. */
export const SECRET_RETRY_AFTER_FAILURE_MS = 10_000;
/** What a caller can bound: `deadline` is absolute epoch ms (the request's own deadline). */
export interface SecretRequestOptions {
  deadline?: number;
}

/** Returns the secret's current text. */
export type SecretProvider = (options?: SecretRequestOptions) => Promise<string>;

export type SecretReader = (source: RemoteSecretSource) => Promise<string>;

/** Where a secret lives, for error messages and logs (never its value). */
export function describeSecretSource(source: RemoteSecretSource): string {
  return source.kind === 'ssm' ? `SSM parameter ${source.name}` : `secret ${source.secretId}`;
}

/**
 * A cached reader of one SSM SecureString or Secrets Manager secret:
 * - a value is served from memory for SECRET_CACHE_MS, then read again;
 * - concurrent callers share one in-flight read;
 * - a caller waits for a read at most until its `deadline`;
 * - when a read fails (or the deadline comes first) and a previous value is at most SECRET_STALE_MS
 *   past its cache lifetime, that value is served and a warning names the source. Without such a
 *   value the caller gets the error;
 * - after a failed read, nothing is read for SECRET_RETRY_AFTER_FAILURE_MS: callers meanwhile get
 *   the previous value, or else the same error, so an outage does not slow every request and
 *   requests for a secret that does not exist cannot exhaust the store's quota.
 */
export function createSecretProvider(
  source: RemoteSecretSource,
  read: SecretReader,
  options: { now?: () => number; logger?: Logger } = {},
): SecretProvider {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? defaultLogger;
  const where = describeSecretSource(source);
  let current: { value: string; readAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let retryAt = Number.NEGATIVE_INFINITY;
  /** The last read's error, until a read succeeds. */
  let lastFailure: { error: unknown } | undefined;

  /** The previous value while it may still stand in for a failed read. */
  const stale = (): string | undefined =>
    current && now() < current.readAt + SECRET_CACHE_MS + SECRET_STALE_MS ? current.value : undefined;

  /** Names the source and the value's age, never the value. */
  const warnStale = (message: string, error?: unknown): void => {
    logger.warn(message, {
      source: where,
      ageMs: now() - current!.readAt,
      servedUntil: new Date(current!.readAt + SECRET_CACHE_MS + SECRET_STALE_MS).toISOString(),
      ...(error === undefined ? {} : { error }),
    });
  };

  const refresh = (): Promise<string> => {
    const pending = Promise.resolve()
      .then(() => read(source))
      .then(
        (value) => {
          current = { value, readAt: now() };
          lastFailure = undefined;
          return value;
        },
        (error: unknown) => {
          retryAt = now() + SECRET_RETRY_AFTER_FAILURE_MS;
          lastFailure = { error };
          const previous = stale();
          if (previous === undefined) throw error;
          warnStale('reading a secret failed; serving the previous value', error);
          return previous;
        },
      )
      .finally(() => {
        if (inFlight === pending) inFlight = undefined;
      });
    inFlight = pending;
    return pending;
  };

  return (options = {}) => {
    if (current && now() < current.readAt + SECRET_CACHE_MS) return Promise.resolve(current.value);
    if (!inFlight && now() < retryAt) {
      // Shortly after a failed read, nothing is read again: the previous value while it may stand
      // in, else the same error. A missing secret (a stage that stores no push token) must not
      // cost a read per request.
      const previous = stale();
      if (previous !== undefined) return Promise.resolve(previous);
      if (lastFailure) return Promise.reject(lastFailure.error);
    }
    const pending = inFlight ?? refresh();
    return options.deadline === undefined ? pending : withDeadline(pending, options.deadline, now, () => {
      const fallback = stale();
      if (fallback !== undefined) {
        warnStale('reading a secret did not finish before the request deadline; serving the previous value');
        return fallback;
      }
      throw new SecretReadError(where, 'DeadlineExceeded', 'no value read before the request deadline');
    });
  };
}

/**
 * Waits for `pending` until `deadline`; then `onDeadline` decides. The read itself goes on (other
 * callers may share it) but is bounded by its own timeouts.
 */
function withDeadline(
  pending: Promise<string>,
  deadline: number,
  now: () => number,
  onDeadline: () => string,
): Promise<string> {
  // setTimeout fires at once for delays past 2^31-1 ms: a deadline that far away is no deadline.
  if (!Number.isFinite(deadline) || deadline - now() > MAX_TIMER_MS) return pending;
  return new Promise((resolve, reject) => {
    let done = false;
    const settle = (outcome: () => string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
    const timer = setTimeout(() => settle(onDeadline), Math.max(0, deadline - now()));
    pending.then(
      (value) => settle(() => value),
      (error: unknown) =>
        settle(() => {
          throw error;
        }),
    );
  });
}

const MAX_TIMER_MS = 2 ** 31 - 1;

