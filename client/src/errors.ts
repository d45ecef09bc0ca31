import type { Problem } from './types.js';

/**
 * Codes of a 504 after which a placement may or may not have happened: the API answers every retry
 * with the same key the same way, and a retry without the key could place a second call. Never
 * retried; read the call (or its receipts) later instead.
 */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(['RequestOutcomeUnknown', 'MissingCallId']);

/** What the failed request was: the operation, how many attempts it took, and its idempotency key. */
export interface RequestFacts {
  operation: string;
  attempts: number;
  /** The Idempotency-Key a placement or new call request was sent with: send the same request again with it to stay safe. */
  idempotencyKey?: string;
}

/**
 * The API answered with an error status. Its problem+json body is `problem`; an answer that is not
 * problem+json (API Gateway's own 403 for a bad signature, 401 for a bad token, 429 for its
 * throttling, 5xx of its own) gets a problem made from it, `type` `about:blank` and code
 * `HTTP_<status>`.
 *
 * @example
 * try {
 *   await voice.placeCall(body);
 * } catch (error) {
 *   if (error instanceof VoiceApiError && error.code === 'VALIDATION_FAILED') console.log(error.problem.errors);
 *   else throw error;
 * }
 */
export class VoiceApiError extends Error {
  override readonly name = 'VoiceApiError';
  readonly status: number;
  /** The problem's stable code: VALIDATION_FAILED, NOT_FOUND, IDEMPOTENCY_CONFLICT, an Alibaba code, ... */
  readonly code: string;
  /** Retry-After in seconds (429, and 409 while the same key is still being processed). */
  readonly retryAfterSeconds: number | undefined;
  readonly problem: Problem;
  readonly operation: string;
  readonly attempts: number;
  readonly idempotencyKey: string | undefined;

  constructor(problem: Problem, retryAfterSeconds: number | undefined, facts: RequestFacts) {
    super(`${facts.operation}: ${problem.status} ${problem.code}: ${problem.detail}`);
    this.status = problem.status;
    this.code = problem.code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.problem = problem;
    this.operation = facts.operation;
    this.attempts = facts.attempts;
    this.idempotencyKey = facts.idempotencyKey;
  }

  /** A 504 whose call may have been placed (RequestOutcomeUnknown): find out before placing it again. */
  get outcomeUnknown(): boolean {
    return this.status === 504 && OUTCOME_UNKNOWN_CODES.has(this.code);
  }
}

/**
 * No answer came: the connection failed or the attempt timed out (`cause` says which), on every
 * attempt the retry rules allowed. For a placement the call may have been placed (for a new call
 * request, the request created); sending it again with `idempotencyKey` is safe.
 */
export class VoiceApiNetworkError extends Error {
  override readonly name = 'VoiceApiNetworkError';
  readonly operation: string;
  readonly attempts: number;
  readonly idempotencyKey: string | undefined;

  constructor(cause: unknown, facts: RequestFacts) {
    super(`${facts.operation}: no answer after ${facts.attempts} attempt(s): ${describeCause(cause)}`, { cause });
    this.operation = facts.operation;
    this.attempts = facts.attempts;
    this.idempotencyKey = facts.idempotencyKey;
  }
}

/** fetch wraps a socket error in `TypeError: fetch failed` with the real reason as its cause. */
function describeCause(cause: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = cause; current instanceof Error && parts.length < 3; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${current.message} (${code})` : current.message);
  }
  return parts.join(': ') || String(cause);
}
