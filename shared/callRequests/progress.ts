/**
 * What comes of a call request's attempt (docs/call-requests.md#how-a-request-moves): its call
 * placed, its call's status moving, keys pressed during it — news that arrives when the attempt is
 * placed (attempts.ts) and through the calls table's stream (functions/processCallChanges.ts) — and
 * the sweep that finds what is overdue: a schedule that never fired, an outcome that never came.
 */
import { isFinalStatus } from '../calls/status.ts';
import { acknowledges, afterAttemptOutcome, attemptStatusMoves, isFinalRequestStatus, type Attempt, type AttemptStatus, type CallRequest } from './model.ts';
import { nextAttemptAt } from './timing.ts';
import { mutate, type CallRequestDependencies, type MutateOptions } from './writes.ts';

/** A schedule this late is taken as lost and armed again by the sweeper (EventBridge Scheduler fires within a minute). */
export const OVERDUE_GRACE_MS = 2 * 60_000;
/** Requests the sweeper takes on in one run. */
export const SWEEP_BATCH = 100;

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
  options: MutateOptions = {},
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
    // Placed: the tries that failed before are over (attempts.ts backs off on them).
    const recorded: CallRequest = { ...current, attempts, ...(progress.callId !== undefined ? { failedTries: undefined } : {}) };
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
        ...(decided.status === 'scheduled' ? { currentAttempt: attemptNumber + 1, failedTries: undefined } : {}),
      };
    }
    if (current.status !== 'in-progress') return { ...recorded, status: 'in-progress', nextAttemptAt: undefined, reason: undefined };
    return attemptChanged ? recorded : undefined;
  }, options);
}

/** What the sweeper asks Alibaba for an attempt whose outcome never came (QueryCallDetailByCallId). */
export type OutcomeQuery = (attempt: Attempt & { callId: string }, request: CallRequest) => Promise<AttemptStatus | undefined>;

/**
 * The sweep (every few minutes): requests whose next attempt is overdue, because its schedule was
 * lost or never created, are armed again a minute from now (or expire when notAfter leaves no
 * time); an attempt whose outcome is overdue (no final receipt within OUTCOME_OVERDUE_MS) is
 * settled with what Alibaba says of the call. Takes batches of SWEEP_BATCH until none is left or
 * `deadline` nears, each request at most once per run. Resolves how many it re-armed and settled.
 */
export async function sweepCallRequests(
  deps: CallRequestDependencies & { queryOutcome: OutcomeQuery; deadline?: number },
): Promise<{ rearmed: number; settled: number }> {
  const now = (deps.now ?? Date.now)();
  const seen = new Set<string>();
  let rearmed = 0;
  let settled = 0;
  for (;;) {
    const batch = await deps.requests.due(now - OVERDUE_GRACE_MS, SWEEP_BATCH);
    const fresh = batch.filter((request) => !seen.has(request.requestId));
    for (const request of fresh) {
      // The deadline is the invocation's, in real time (a Lambda's remaining time), not on the clock
      // the sweep reasons with (`now`, which a caller may set): compared with Date.now().
      if (deps.deadline !== undefined && Date.now() > deps.deadline) return { rearmed, settled };
      seen.add(request.requestId);
      const outcome = await sweepOne(request, now, deps);
      if (outcome === 'rearmed') rearmed += 1;
      if (outcome === 'settled') settled += 1;
    }
    // A batch that was not full was the last; one with nothing new holds only what stays due (an
    // attempt Alibaba still reports ringing).
    if (batch.length < SWEEP_BATCH || fresh.length === 0) return { rearmed, settled };
  }
}

async function sweepOne(request: CallRequest, now: number, deps: CallRequestDependencies & { queryOutcome: OutcomeQuery }): Promise<'rearmed' | 'settled' | 'none'> {
  const logger = deps.logger.child({ requestId: request.requestId });
  try {
    if (request.status === 'scheduled' || request.status === 'waiting') {
      // A new time, hence a new schedule name: armed by mutate. The old schedule, if it ever fires,
      // is no longer current and changes nothing.
      const moved = await mutate(request.requestId, deps, (current) => {
        if (current.version !== request.version) return undefined;
        const next = nextAttemptAt(current, now + 60_000);
        return next === undefined
          ? { ...current, status: 'expired', nextAttemptAt: undefined, reason: 'the attempt was overdue and there is no time left for it before notAfter' }
          : { ...current, nextAttemptAt: next };
      });
      if (!moved || moved.version === request.version) return 'none';
      logger.warn('call request attempt was overdue; scheduled again', {
        attempt: request.currentAttempt,
        wasDueAt: new Date(request.nextAttemptAt ?? 0).toISOString(),
        status: moved.status,
      });
      return 'rearmed';
    }
    if (request.status === 'in-progress') {
      const attempt = request.attempts.find((candidate) => candidate.attempt === request.currentAttempt);
      const status = attempt?.callId ? ((await deps.queryOutcome({ ...attempt, callId: attempt.callId }, request)) ?? 'unknown') : 'unknown';
      logger.warn("call request attempt had no outcome in time; settled from Alibaba's call detail", { attempt: request.currentAttempt, callId: attempt?.callId, status });
      await recordProgress(request.requestId, request.currentAttempt, { status }, deps);
      return 'settled';
    }
  } catch (error) {
    logger.error('call request could not be swept; the next sweep tries again', { error });
  }
  return 'none';
}
