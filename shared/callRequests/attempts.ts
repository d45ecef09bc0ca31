/**
 * A call request's attempts (docs/call-requests.md#how-a-request-moves): placing one when its
 * schedule fires (or at once, when the request is due on creation), taking in its outcome from the
 * receipts (through the calls table's stream, functions/processCallChanges.ts), and the sweep that
 * finds what is overdue: a schedule that never fired, an outcome that never came.
 *
 * Every attempt goes through the flow-control guard (placeAndRecordCall), and is placed at most
 * once however often its schedule fires: its idempotency key is the request id and the attempt
 * number.
 */
import { FLOW_CONTROL_CODE } from '../alibaba/classify.ts';
import { idempotencyKeys, placeCallOnce } from '../calls/placement.ts';
import { isFinalStatus } from '../calls/status.ts';
import { AlibabaError, FlowControlError, IdempotencyInProgressError, ValidationError } from '../errors.ts';
import { acknowledges, afterAttemptOutcome, attemptStatusMoves, isFinalRequestStatus, type Attempt, type AttemptStatus, type CallRequest } from './model.ts';
import type { ArmedAttempt } from './ports.ts';
import type { CallRequestPlacementDependencies } from './service.ts';
import { nextAttemptAt } from './timing.ts';
import { mutate, type CallRequestDependencies } from './writes.ts';

/** An attempt that failed for a reason that may pass (Alibaba unavailable, our store) is tried again this much later. */
export const RETRY_AFTER_FAILURE_MS = 60_000;
/** A schedule this late is taken as lost and armed again by the sweeper (EventBridge Scheduler fires within a minute). */
export const OVERDUE_GRACE_MS = 2 * 60_000;
/** Requests the sweeper takes on in one run. */
export const SWEEP_BATCH = 100;

/**
 * Places the attempt `armed` names, if it is still the request's next one (a schedule that fires
 * late, twice, or for a time the request has moved away from changes nothing), and records what
 * came of it. Resolves the request as it then is.
 */
export async function runAttempt(
  start: CallRequest,
  armed: Omit<ArmedAttempt, 'requestId'>,
  deps: CallRequestPlacementDependencies,
  options: { deadline: number },
): Promise<CallRequest> {
  const now = (deps.now ?? Date.now)();
  const { requestId } = start;
  const logger = deps.logger.child({ requestId, attempt: armed.attempt });
  if (!isCurrent(start, armed)) {
    logger.info('call request attempt fired but is no longer due; nothing to do', { status: start.status, currentAttempt: start.currentAttempt });
    return start;
  }
  // Fired late: the window may have closed, or notAfter passed, meanwhile.
  const allowedAt = nextAttemptAt(start, now);
  if (allowedAt === undefined || allowedAt > now + 1_000) {
    return (
      (await mutate(requestId, deps, (current) =>
        isCurrent(current, armed)
          ? allowedAt === undefined
            ? { ...current, status: 'expired', nextAttemptAt: undefined, reason: 'no time for the attempt before notAfter' }
            : { ...current, status: 'scheduled', nextAttemptAt: allowedAt }
          : undefined,
      )) ?? start
    );
  }

  const key = idempotencyKeys.callRequestAttempt(requestId, armed.attempt);
  try {
    const result = await placeCallOnce(start.call, key, { ...deps.placement, logger }, { deadline: options.deadline, callRequest: { requestId, attempt: armed.attempt } });
    if (result.outcome === 'placed') {
      const { call } = result;
      logger.info('call request attempt placed', { callId: call.callId, replayed: result.replayed });
      return (await recordProgress(requestId, armed.attempt, { callId: call.callId, placedAt: call.createdAt, status: 'placed' }, deps)) ?? start;
    }
    logger.error('call request attempt outcome unknown: counted as failed, since the call may or may not exist', { code: result.failure.code });
    return (await recordProgress(requestId, armed.attempt, { status: 'unknown' }, deps)) ?? start;
  } catch (error) {
    return (await settleFailedAttempt(start, armed, error, deps, now)) ?? start;
  }
}

/** Whether `armed` is the request's next attempt, still waiting to be placed. */
function isCurrent(request: CallRequest, armed: Omit<ArmedAttempt, 'requestId'>): boolean {
  return (
    (request.status === 'scheduled' || request.status === 'waiting') &&
    request.currentAttempt === armed.attempt &&
    request.nextAttemptAt !== undefined &&
    Math.floor(request.nextAttemptAt / 1000) === Math.floor(armed.at / 1000)
  );
}

/** An attempt that could not be placed: waits for its window, ends the request, or is tried again. */
async function settleFailedAttempt(
  start: CallRequest,
  armed: Omit<ArmedAttempt, 'requestId'>,
  error: unknown,
  deps: CallRequestPlacementDependencies,
  now: number,
): Promise<CallRequest | undefined> {
  const logger = deps.logger.child({ requestId: start.requestId, attempt: armed.attempt });
  if (error instanceof IdempotencyInProgressError) {
    // Another firing of the same attempt is placing it right now: it records the outcome.
    logger.info('call request attempt already being placed by another invocation');
    return start;
  }
  let change: (current: CallRequest) => CallRequest;
  if (error instanceof FlowControlError || (error instanceof AlibabaError && error.code === FLOW_CONTROL_CODE)) {
    // docs/flow-control.md: the attempt waits for the number's window; it is not an attempt yet.
    const retryAt = error instanceof FlowControlError ? error.retryAt : now + (error.details.retryAfterSeconds ?? 60) * 1000;
    change = (current) => {
      const next = nextAttemptAt(current, retryAt);
      return next === undefined
        ? { ...current, status: 'expired', nextAttemptAt: undefined, reason: `flow control: the number is free again only after notAfter (${new Date(retryAt).toISOString()})` }
        : { ...current, status: 'waiting', nextAttemptAt: next, reason: `flow control (${error instanceof FlowControlError ? error.limit : error.code}) until ${new Date(retryAt).toISOString()}` };
    };
  } else if ((error instanceof AlibabaError && error.kind === 'rejected') || error instanceof ValidationError) {
    // Alibaba refuses the content or the number: no retry can help.
    const code = error instanceof AlibabaError ? error.code : 'VALIDATION_FAILED';
    change = (current) => ({ ...current, status: 'refused', nextAttemptAt: undefined, reason: `${code}: ${error.message}`.slice(0, 500) });
  } else {
    // Alibaba unavailable, our account or our store failing: the same attempt, a minute later.
    const code = error instanceof AlibabaError ? error.code : error instanceof Error ? error.name : 'Error';
    logger.warn('call request attempt not placed; it will be tried again', { code, error });
    change = (current) => {
      const next = nextAttemptAt(current, now + RETRY_AFTER_FAILURE_MS);
      return next === undefined
        ? { ...current, status: 'expired', nextAttemptAt: undefined, reason: `the attempt failed (${code}) and there is no time left to try again` }
        : { ...current, status: 'scheduled', nextAttemptAt: next, reason: `the last try failed (${code}); trying again` };
    };
  }
  return mutate(start.requestId, deps, (current) => (isCurrent(current, armed) ? change(current) : undefined));
}

/**
 * What is known of an attempt: placed with a CallId, its call's status moved, keys were pressed, or
 * its outcome is unknown. Called when an attempt was placed, and from the calls table's stream for
 * every status change of a call placed for a request and every key press reported for it. Moves
 * the request on: in progress once placed, succeeded, redialled, exhausted or expired once the
 * outcome is in, succeeded at once when an acknowledging key is pressed.
 */
export async function recordProgress(
  requestId: string,
  attemptNumber: number,
  progress: { callId?: string; placedAt?: string; status?: AttemptStatus; dtmf?: string },
  deps: CallRequestDependencies,
): Promise<CallRequest | undefined> {
  const now = (deps.now ?? Date.now)();
  return mutate(requestId, deps, (current) => {
    const attempts = current.attempts.map((attempt) => ({ ...attempt }));
    let attempt = attempts.find((candidate) => candidate.attempt === attemptNumber);
    if (!attempt) {
      attempt = { attempt: attemptNumber, status: 'placed' };
      attempts.push(attempt);
      attempts.sort((a, b) => a.attempt - b.attempt);
    }
    const before = JSON.stringify(attempt);
    if (progress.callId !== undefined) attempt.callId = progress.callId;
    if (progress.placedAt !== undefined && attempt.placedAt === undefined) attempt.placedAt = progress.placedAt;
    if (progress.status !== undefined && attemptStatusMoves(attempt.status, progress.status)) attempt.status = progress.status;
    if (progress.dtmf && !(attempt.dtmf ?? '').includes(progress.dtmf)) attempt.dtmf = `${attempt.dtmf ?? ''}${progress.dtmf}`;
    const recorded: CallRequest = { ...current, attempts };
    const attemptChanged = JSON.stringify(attempt) !== before;

    // The request moves only on news of its current attempt, and not once it has ended.
    const ongoing = current.currentAttempt === attemptNumber && !isFinalRequestStatus(current.status);
    if (!ongoing) return attemptChanged ? recorded : undefined;
    if (progress.dtmf && acknowledges(current, progress.dtmf)) {
      return { ...recorded, status: 'succeeded', nextAttemptAt: undefined, reason: undefined };
    }
    if (attempt.status === 'unknown' || isFinalStatus(attempt.status as Exclude<AttemptStatus, 'unknown'>)) {
      const decided = afterAttemptOutcome(recorded, attempt.status, now);
      return {
        ...recorded,
        status: decided.status,
        nextAttemptAt: decided.nextAttemptAt,
        reason: decided.reason,
        ...(decided.status === 'scheduled' ? { currentAttempt: attemptNumber + 1 } : {}),
      };
    }
    if (current.status !== 'in-progress') return { ...recorded, status: 'in-progress', nextAttemptAt: undefined, reason: undefined };
    return attemptChanged ? recorded : undefined;
  });
}

/** What the sweeper asks Alibaba for an attempt whose outcome never came (QueryCallDetailByCallId). */
export type OutcomeQuery = (attempt: Attempt & { callId: string }, request: CallRequest) => Promise<AttemptStatus | undefined>;

/**
 * The sweep (every few minutes): requests whose next attempt is overdue, because its schedule was
 * lost or never created, are armed again a minute from now; an attempt whose outcome is overdue
 * (no final receipt within OUTCOME_OVERDUE_MS) is settled with what Alibaba says of the call.
 * Resolves how many requests it re-armed and settled.
 */
export async function sweepCallRequests(deps: CallRequestDependencies & { queryOutcome: OutcomeQuery }): Promise<{ rearmed: number; settled: number }> {
  const now = (deps.now ?? Date.now)();
  const due = await deps.requests.due(now - OVERDUE_GRACE_MS, SWEEP_BATCH);
  let rearmed = 0;
  let settled = 0;
  for (const request of due) {
    const logger = deps.logger.child({ requestId: request.requestId });
    try {
      if (request.status === 'scheduled' || request.status === 'waiting') {
        // A new time, hence a new schedule name: armed by mutate. The old schedule, if it ever
        // fires, is no longer current and changes nothing.
        const moved = await mutate(request.requestId, deps, (current) =>
          current.version === request.version ? { ...current, nextAttemptAt: nextAttemptAt(current, now + 60_000) ?? now + 60_000 } : undefined,
        );
        if (moved && moved.version !== request.version) {
          rearmed += 1;
          logger.warn('call request attempt was overdue; scheduled again', { attempt: request.currentAttempt, wasDueAt: new Date(request.nextAttemptAt ?? 0).toISOString() });
        }
      } else if (request.status === 'in-progress') {
        const attempt = request.attempts.find((candidate) => candidate.attempt === request.currentAttempt);
        const status = attempt?.callId ? ((await deps.queryOutcome({ ...attempt, callId: attempt.callId }, request)) ?? 'unknown') : 'unknown';
        logger.warn('call request attempt had no outcome in time; settled from Alibaba\'s call detail', { attempt: request.currentAttempt, callId: attempt?.callId, status });
        await recordProgress(request.requestId, request.currentAttempt, { status }, deps);
        settled += 1;
      }
    } catch (error) {
      logger.error('call request could not be swept; the next sweep tries again', { error });
    }
  }
  return { rearmed, settled };
}
