/**
 * The one way a call request changes (`mutate`): read, apply, write conditional on the version read
 * (again when another writer got there first), then bring the scheduler in line with what was
 * written: arm the new next attempt, remove a schedule no longer wanted.
 */
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import type { Logger } from '../logger.ts';
import { isFinalRequestStatus, OUTCOME_OVERDUE_MS, type CallRequest, type CallRequestStatus } from './model.ts';
import { scheduleNameOf, type AttemptScheduler, type CallRequestStore } from './ports.ts';

export interface CallRequestDependencies {
  requests: CallRequestStore;
  scheduler: AttemptScheduler;
  logger: Logger;
  /** Where `CallRequestStatus` is counted; the process-wide EMF recorder unless given. */
  metrics?: MetricsRecorder;
  now?: () => number;
}

export interface MutateOptions {
  /** The request as the caller has just read it: the first round writes on it without reading again. */
  known?: CallRequest;
  /** The schedule whose firing is being handled: it deletes itself once fired, so it is not disarmed. */
  firedSchedule?: string;
}

/** How many times a change is re-read and re-applied when another writer got there first. */
const MAX_MUTATIONS = 8;

/**
 * Applies `change` to the stored request and writes it, conditional on the version it read; when
 * another writer got there first, reads again and re-applies. `change` returns undefined to leave
 * the request as it is. After the write the scheduler follows: the new next attempt is armed, a
 * schedule no longer wanted is removed. Resolves the request as stored (undefined when unknown).
 */
export async function mutate(
  requestId: string,
  deps: CallRequestDependencies,
  change: (current: CallRequest) => CallRequest | undefined,
  options: MutateOptions = {},
): Promise<CallRequest | undefined> {
  const now = deps.now ?? Date.now;
  for (let round = 1; round <= MAX_MUTATIONS; round++) {
    // The request as the caller last read it saves a read; if it has changed since, the conditional
    // write fails and the next round reads it.
    const current = round === 1 && options.known?.requestId === requestId ? options.known : await deps.requests.get(requestId);
    if (!current) return undefined;
    const changed = change(current);
    if (!changed) return current;
    const next = withDue({ ...changed, version: current.version + 1, updatedAt: now() });
    if (next.status === 'scheduled' || next.status === 'waiting') {
      const armed = { requestId, attempt: next.currentAttempt, at: next.nextAttemptAt! };
      next.scheduleName = scheduleNameOf(armed);
      // Re-armed for the very second of the schedule firing now: a name of its own (ports.ts).
      if (next.scheduleName === options.firedSchedule) next.scheduleName = scheduleNameOf(armed, next.version);
    } else {
      delete next.scheduleName;
    }
    if (!(await deps.requests.replace(next, current.version))) continue;
    if (next.status !== current.status) {
      countStatus(deps, next.status);
      deps.logger.info('call request changed', { requestId, status: next.status, previousStatus: current.status, attempt: next.currentAttempt, reason: next.reason });
    }
    // A schedule that has just fired deletes itself (ActionAfterCompletion DELETE): no call for it.
    if (current.scheduleName && current.scheduleName !== next.scheduleName && current.scheduleName !== options.firedSchedule) await disarmQuietly(current.scheduleName, deps);
    if (next.scheduleName && next.scheduleName !== current.scheduleName) await armQuietly(next, deps);
    return next;
  }
  throw new Error(`call request ${requestId} kept changing under ${MAX_MUTATIONS} attempts to update it`);
}

/** The sweeper's due time for a request in this state (model.ts `dueAt`). */
export function withDue(request: CallRequest): CallRequest {
  const next = { ...request };
  if (request.status === 'scheduled' || request.status === 'waiting') next.dueAt = request.nextAttemptAt;
  else if (request.status === 'in-progress') {
    const placedAt = request.attempts.find((attempt) => attempt.attempt === request.currentAttempt)?.placedAt;
    next.dueAt = (placedAt ? Date.parse(placedAt) : request.updatedAt) + OUTCOME_OVERDUE_MS;
  } else delete next.dueAt;
  if (isFinalRequestStatus(request.status)) delete next.nextAttemptAt;
  return next;
}

/**
 * Arms the request's next attempt. A failure is logged and counted, not thrown: the request is
 * stored with its due time, and the sweeper (progress.ts) re-arms what is overdue, so nothing is
 * ever stuck, and the caller still gets the request it asked for.
 */
export async function armQuietly(request: CallRequest, deps: CallRequestDependencies): Promise<void> {
  if (!request.scheduleName || request.nextAttemptAt === undefined) return;
  try {
    await deps.scheduler.arm({ requestId: request.requestId, attempt: request.currentAttempt, at: request.nextAttemptAt }, request.scheduleName);
  } catch (error) {
    (deps.metrics ?? defaultMetrics).record('ScheduleFailures', 1);
    deps.logger.error('the next attempt of a call request could not be scheduled; the sweeper will schedule it again', {
      requestId: request.requestId,
      attempt: request.currentAttempt,
      error,
    });
  }
}

export async function disarmQuietly(name: string, deps: CallRequestDependencies): Promise<void> {
  try {
    await deps.scheduler.disarm(name);
  } catch (error) {
    // A schedule left behind fires into a request that has moved on: attempts.ts ignores it.
    deps.logger.warn('a schedule no longer needed could not be removed; it will fire and be ignored', { schedule: name, error });
  }
}

export function countStatus(deps: CallRequestDependencies, status: CallRequestStatus): void {
  (deps.metrics ?? defaultMetrics).record('CallRequestStatus', 1, { Status: status });
}

