/**
 * What the call-request domain needs from the outside: a store for the requests (the DynamoDB
 * adapter is shared/store/callRequestStore.ts) and a scheduler that fires an attempt at its time
 * (Amazon EventBridge Scheduler: shared/scheduling/eventBridgeScheduler.ts; locally its stand-in).
 */
import type { CallRequest } from './model.ts';

export interface CallRequestStore {
  /** Stores a new request; when one with its id exists already, resolves that one instead. */
  create(request: CallRequest): Promise<{ created: true } | { created: false; existing: CallRequest }>;
  get(requestId: string): Promise<CallRequest | undefined>;
  /** Replaces the request if its stored version is still `expectedVersion`; false when it changed meanwhile. */
  replace(request: CallRequest, expectedVersion: number): Promise<boolean>;
  /** Up to `limit` requests whose `dueAt` is before `before` (the sweeper's work list). */
  due(before: number, limit: number): Promise<CallRequest[]>;
}

/** One armed attempt: which request, which attempt, for when. Also the scheduled target's input. */
export interface ArmedAttempt {
  requestId: string;
  attempt: number;
  /** Epoch ms the attempt is due. */
  at: number;
}

export interface AttemptScheduler {
  /**
   * Arms a one-time schedule that fires `armed` at its time. Idempotent: arming the same attempt for
   * the same time again (a retry, the sweeper) creates nothing new.
   */
  arm(armed: ArmedAttempt, name: string): Promise<void>;
  /** Removes a schedule that has not fired yet; a schedule that is gone already is fine. */
  disarm(name: string): Promise<void>;
}

/**
 * The name of the schedule of one attempt at one time: deterministic, so arming twice is
 * idempotent and the sweeper can re-arm what the store says without knowing whether it exists.
 * EventBridge Scheduler names: 1-64 characters of [0-9A-Za-z-_.].
 *
 * `rearmedAtVersion` names the same attempt and time armed again from inside the firing of its
 * own schedule (writes.ts `mutate`): that schedule still exists until its invocation ends
 * (ActionAfterCompletion DELETE), so a create under its name would meet it (ConflictException,
 * taken as already armed) and the attempt would be deleted with it.
 */
export function scheduleNameOf(armed: ArmedAttempt, rearmedAtVersion?: number): string {
  const name = `${armed.requestId}-a${armed.attempt}-${Math.floor(armed.at / 1000)}`;
  return rearmedAtVersion === undefined ? name : `${name}-v${rearmedAtVersion}`;
}
