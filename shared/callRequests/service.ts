/**
 * Call requests' operations (docs/call-requests.md): create, read, cancel. Every change is written
 * through writes.ts; placing an attempt and reacting to its outcome are in attempts.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PlacementDependencies } from '../calls/placement.ts';
import { IdempotencyConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { runAttempt } from './attempts.ts';
import { isFinalRequestStatus, viewOf, type CallRequest, type CallRequestStatus, type CallRequestView } from './model.ts';
import { scheduleNameOf } from './ports.ts';
import { createCallRequestSchema, parseCallRequest } from './schemas.ts';
import { nextAttemptAt } from './timing.ts';
import { armQuietly, countStatus, mutate, withDue, type CallRequestDependencies } from './writes.ts';

export type { CallRequestDependencies } from './writes.ts';

/** What the functions that place attempts need besides: the call-placing dependencies. */
export interface CallRequestPlacementDependencies extends CallRequestDependencies {
  placement: PlacementDependencies;
  /** A request id derived from an idempotency key: the same key, the same id; unguessable without the bundle's key. */
  requestIdFor: (idempotencyKey: string) => Promise<string>;
}

/** A fresh request id: URL-safe, 128 random bits. */
export function randomRequestId(): string {
  return `cr_${randomBytes(16).toString('base64url')}`;
}

/** The fingerprint of a body: the same Idempotency-Key with a different body is a conflict (422). */
export function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(createCallRequestSchema.parse(body))).digest('base64url');
}

/**
 * Creates a call request, or returns the one its idempotency key already created. The first attempt
 * is placed at once when it is due now, so a request for "now" is as fast as POST /calls; a later
 * one is armed in the scheduler. Throws ValidationError (400) for a body that is invalid or leaves
 * no time for an attempt, IdempotencyConflictError (422) for a key reused with another body.
 */
export async function createCallRequest(
  body: unknown,
  options: { idempotencyKey?: string; deadline: number; fieldPrefix?: string },
  deps: CallRequestPlacementDependencies,
): Promise<{ view: CallRequestView; created: boolean }> {
  const now = (deps.now ?? Date.now)();
  const plan = parseCallRequest(body, now, options.fieldPrefix);
  const first = nextAttemptAt(plan, now);
  if (first === undefined) {
    const field = options.fieldPrefix ? `${options.fieldPrefix}.notAfter` : 'notAfter';
    throw new ValidationError([{ path: field, message: 'leaves no time inside the window for an attempt' }]);
  }
  const requestId = options.idempotencyKey === undefined ? randomRequestId() : await deps.requestIdFor(options.idempotencyKey);
  const request: CallRequest = withDue({
    ...plan,
    requestId,
    status: 'scheduled',
    attempts: [],
    currentAttempt: 1,
    nextAttemptAt: first,
    ...(first > now ? { scheduleName: scheduleNameOf({ requestId, attempt: 1, at: first }) } : {}),
    fingerprint: fingerprintOf(body),
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  const stored = await deps.requests.create(request);
  if (!stored.created) {
    if (stored.existing.fingerprint !== request.fingerprint) throw new IdempotencyConflictError();
    return { view: viewOf(stored.existing), created: false };
  }
  countStatus(deps, 'scheduled');
  deps.logger.info('call request created', { requestId, type: plan.call.type, nextAttemptAt: new Date(first).toISOString(), until: plan.until, maxAttempts: plan.redial.maxAttempts });
  if (request.scheduleName === undefined) {
    // Due now: the first attempt is placed here (attempts.ts), like a POST /calls.
    const after = await runAttempt(request, { attempt: 1, at: first }, deps, { deadline: options.deadline });
    return { view: viewOf(after), created: true };
  }
  await armQuietly(request, deps);
  return { view: viewOf(request), created: true };
}

/** The request, or NotFoundError. */
export async function getCallRequest(requestId: string, deps: Pick<CallRequestDependencies, 'requests'>): Promise<CallRequestView> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new NotFoundError(`Call request ${requestId}`);
  return viewOf(request);
}

/**
 * Cancels a request that has not ended: no further attempt is placed (its pending schedule is
 * removed), and a click-to-dial attempt in progress is cancelled at Alibaba too. `cancelled` is
 * false when the request had already ended.
 */
export async function cancelCallRequest(
  requestId: string,
  deps: CallRequestDependencies & { cancelCall?: (callId: string) => Promise<{ cancelled: boolean }> },
): Promise<{ requestId: string; cancelled: boolean; status: CallRequestStatus }> {
  let cancelled = false;
  const after = await mutate(requestId, deps, (current) => {
    if (isFinalRequestStatus(current.status)) return undefined;
    cancelled = true;
    return { ...current, status: 'cancelled', nextAttemptAt: undefined, scheduleName: undefined, reason: 'cancelled' };
  });
  if (!after) throw new NotFoundError(`Call request ${requestId}`);
  if (cancelled) {
    const ongoing = after.attempts.find((attempt) => attempt.attempt === after.currentAttempt && attempt.callId !== undefined);
    if (ongoing?.callId && after.call.type === 'clickToDial' && deps.cancelCall) {
      try {
        await deps.cancelCall(ongoing.callId);
      } catch (error) {
        deps.logger.warn('call request cancelled; its click-to-dial call could not be cancelled at Alibaba', { requestId, callId: ongoing.callId, error });
      }
    }
    deps.logger.info('call request cancelled', { requestId });
  }
  return { requestId, cancelled, status: after.status };
}

/** JSON with object keys in order: the same content always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
