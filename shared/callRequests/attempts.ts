/**
 * Placing a call request's attempt (docs/call-requests.md#how-a-request-moves) when its schedule
 * fires, or at once when the request is due on creation. What comes of it afterwards (its call's
 * outcome, key presses, the sweep of what is overdue) is progress.ts's.
 *
 * Every attempt goes through the flow-control guard (placeAndRecordCall), and is placed at most
 * once however often its schedule fires: its idempotency key is the request id and the attempt
 * number.
 */
import { FLOW_CONTROL_CODE } from '../alibaba/classify.ts';
import { idempotencyKeys, logPlacedCall, placeCallOnce } from '../calls/placement.ts';
import { cancelCall } from '../calls/service.ts';
import { AlibabaError, FlowControlError, IdempotencyInProgressError, ValidationError } from '../errors.ts';
import type { CallRequest } from './model.ts';
import type { ArmedAttempt } from './ports.ts';
import type { CallRequestPlacementDependencies } from './service.ts';
import { nextAttemptAt } from './timing.ts';
import { recordProgress } from './progress.ts';
import { mutate } from './writes.ts';

/**
 * An attempt that failed for a reason that may pass (Alibaba unavailable, our account or store) is
 * tried again this much later, doubling with each failure of the same attempt up to
 * MAX_RETRY_AFTER_FAILURE_MS: a passing outage costs a minute, while an account that stays broken
 * (no balance, a revoked key) is not asked every minute until notAfter.
 */
export const RETRY_AFTER_FAILURE_MS = 60_000;
export const MAX_RETRY_AFTER_FAILURE_MS = 3_600_000;

/** The wait before trying an attempt again after its `failures`-th failure (1-based). */
export function retryDelayAfterFailure(failures: number): number {
  return Math.min(MAX_RETRY_AFTER_FAILURE_MS, RETRY_AFTER_FAILURE_MS * 2 ** Math.max(0, failures - 1));
}

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
        { known: start, ...(start.scheduleName ? { firedSchedule: start.scheduleName } : {}) },
      )) ?? start
    );
  }

  const key = idempotencyKeys.callRequestAttempt(requestId, armed.attempt);
  // What is known already: the request as read (its first write needs no read), and the schedule
  // that fired this attempt, which deletes itself.
  const known = { known: start, ...(start.scheduleName ? { firedSchedule: start.scheduleName } : {}) };
  try {
    const startedAt = Date.now();
    const result = await placeCallOnce(start.call, key, { ...deps.placement, logger }, { deadline: options.deadline, callRequest: { requestId, attempt: armed.attempt } });
    if (result.outcome === 'placed') {
      const { call } = result;
      logPlacedCall(logger, result, startedAt);
      const after = (await recordProgress(requestId, armed.attempt, { callId: call.callId, placedAt: call.createdAt, status: 'placed' }, deps, known)) ?? start;
      await cancelIfCancelledMeanwhile(after, call.callId, deps, options.deadline);
      return after;
    }
    logger.error('call request attempt outcome unknown: counted as failed, since the call may or may not exist', { code: result.failure.code });
    return (await recordProgress(requestId, armed.attempt, { status: 'unknown' }, deps, known)) ?? start;
  } catch (error) {
    return (await settleFailedAttempt(start, armed, error, deps, now)) ?? start;
  }
}

/**
 * A request cancelled while its attempt was on its way to Alibaba (docs/call-requests.md#cancelling):
 * the cancel found no CallId to cancel then, so a click-to-dial call, which CancelCall can still
 * stop, is cancelled here, now that it has one. Other calls play to their end, as after any cancel.
 */
async function cancelIfCancelledMeanwhile(request: CallRequest, callId: string, deps: CallRequestPlacementDependencies, deadline: number): Promise<void> {
  if (request.status !== 'cancelled' || request.call.type !== 'clickToDial') return;
  const logger = deps.logger.child({ requestId: request.requestId, callId });
  try {
    const { cancelled } = await cancelCall(callId, { ...deps.placement, logger }, { deadline });
    logger.info('call request was cancelled while its click-to-dial attempt was being placed; the call is cancelled', { cancelled });
  } catch (error) {
    logger.warn('call request was cancelled while its click-to-dial attempt was being placed; the call could not be cancelled at Alibaba', { error });
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
    // Alibaba unavailable, our account or our store failing: the same attempt again, later each time.
    const code = error instanceof AlibabaError ? error.code : error instanceof Error ? error.name : 'Error';
    // An account error needs an operator (docs/alibaba/errors.md#retry-classes): an error, not a warning.
    const log = error instanceof AlibabaError && error.kind === 'account' ? logger.error.bind(logger) : logger.warn.bind(logger);
    log('call request attempt not placed; it will be tried again', { code, error });
    change = (current) => {
      const failures = (current.failedTries ?? 0) + 1;
      const next = nextAttemptAt(current, now + retryDelayAfterFailure(failures));
      return next === undefined
        ? { ...current, status: 'expired', nextAttemptAt: undefined, failedTries: failures, reason: `the attempt failed (${code}) and there is no time left to try again` }
        : { ...current, status: 'scheduled', nextAttemptAt: next, failedTries: failures, reason: `try ${failures} of attempt ${current.currentAttempt} failed (${code}); trying again` };
    };
  }
  // The schedule that fired this attempt deletes itself; the request as read saves a read.
  return mutate(start.requestId, deps, (current) => (isCurrent(current, armed) ? change(current) : undefined), {
    known: start,
    ...(start.scheduleName ? { firedSchedule: start.scheduleName } : {}),
  });
}
