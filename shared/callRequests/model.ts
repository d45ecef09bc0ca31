/**
 * A call request (docs/call-requests.md): one intent to reach a person, placed when allowed and
 * dialled again until it succeeds. This module holds its vocabulary and the pure rules that move it
 * between statuses; service.ts and attempts.ts apply them through the store and the scheduler.
 *
 *   scheduled ──attempt placed──▶ in-progress ──outcome──▶ succeeded | scheduled (redial) | exhausted
 *       ▲  │                                                  (expired when the next attempt would
 *       │  └─flow control──▶ waiting ──window opens──┐        fall after notAfter)
 *       └────────────────────────────────────────────┘
 *   any status but a final one ──cancel──▶ cancelled;  Alibaba refuses the content ──▶ refused
 */
import { isFinalStatus, movesForward, type CallStatus } from '../calls/status.ts';
import type { CallRequestPlan, RedialOutcome } from './schemas.ts';
import { nextAttemptAt } from './timing.ts';

export const CALL_REQUEST_STATUSES = ['scheduled', 'waiting', 'in-progress', 'succeeded', 'exhausted', 'expired', 'cancelled', 'refused'] as const;
export type CallRequestStatus = (typeof CALL_REQUEST_STATUSES)[number];

const FINAL: ReadonlySet<CallRequestStatus> = new Set(['succeeded', 'exhausted', 'expired', 'cancelled', 'refused']);

/** Whether the request is over: no attempt will be placed any more. */
export function isFinalRequestStatus(status: CallRequestStatus): boolean {
  return FINAL.has(status);
}

/** An attempt's call status, or `unknown` when Alibaba's answer to it never came. */
export type AttemptStatus = CallStatus | 'unknown';

export interface Attempt {
  /** 1-based. */
  attempt: number;
  /** Alibaba's CallId, once placed. */
  callId?: string;
  /** ISO 8601, when it was placed. */
  placedAt?: string;
  status: AttemptStatus;
  /** The keys the callee pressed, as Alibaba reported them. */
  dtmf?: string;
}

/** A call request as it is kept. Times are epoch ms. */
export interface CallRequest extends CallRequestPlan {
  requestId: string;
  status: CallRequestStatus;
  attempts: Attempt[];
  /** The number of the attempt that is next, or under way. */
  currentAttempt: number;
  /** When the next attempt is due (scheduled, waiting); undefined otherwise. */
  nextAttemptAt?: number;
  /**
   * When the sweeper (progress.ts) should look at the request if nothing else moved it: the next
   * attempt's time, or, while an attempt is in progress, when its outcome is overdue.
   */
  dueAt?: number;
  /** The EventBridge Scheduler schedule armed for the next attempt, if any. */
  scheduleName?: string;
  /** Why it ended (or why the last attempt was not placed). */
  reason?: string;
  /** How often the current attempt failed for a passing reason (attempts.ts backs off with each); cleared once it is placed. */
  failedTries?: number;
  /** A digest of the body it was created from: the same Idempotency-Key with another body is a conflict. */
  fingerprint: string;
  createdAt: number;
  updatedAt: number;
  /** Optimistic concurrency: every write is conditional on the version it read. */
  version: number;
}

/** How long an attempt's outcome may take before the sweeper asks Alibaba (QueryCallDetailByCallId). */
export const OUTCOME_OVERDUE_MS = 30 * 60_000;

/** What a redial policy calls an attempt's final call status. */
function redialOutcomeOf(status: AttemptStatus): RedialOutcome | 'answered' | 'cancelled' {
  switch (status) {
    case 'completed':
      return 'answered';
    case 'busy':
    case 'no-answer':
      return status;
    case 'cancelled':
      return 'cancelled';
    default:
      // failed, unknown (Alibaba's answer never came), or a status that is not final.
      return 'failed';
  }
}

/** The request's next state after its current attempt ended with `status` (a final call status, or unknown). */
export function afterAttemptOutcome(request: CallRequest, status: AttemptStatus, now: number): Pick<CallRequest, 'status' | 'nextAttemptAt' | 'reason'> & { next?: number } {
  const outcome = redialOutcomeOf(status);
  if (request.until === 'answered' && outcome === 'answered') return { status: 'succeeded', nextAttemptAt: undefined, reason: undefined };
  if (outcome === 'cancelled') return { status: 'cancelled', nextAttemptAt: undefined, reason: 'the call was cancelled' };
  const redial = request.until === 'acknowledged' || request.redial.on.includes(outcome as RedialOutcome);
  if (!redial) return { status: 'exhausted', nextAttemptAt: undefined, reason: `attempt ${request.currentAttempt} ended ${status}, which is not redialled` };
  if (request.attempts.length >= request.redial.maxAttempts) {
    return { status: 'exhausted', nextAttemptAt: undefined, reason: `all ${request.redial.maxAttempts} attempts were made` };
  }
  const next = nextAttemptAt(request, now + request.redial.intervalSeconds * 1000);
  if (next === undefined) return { status: 'expired', nextAttemptAt: undefined, reason: 'no time for another attempt before notAfter' };
  return { status: 'scheduled', nextAttemptAt: next, reason: undefined, next };
}

/** Whether a key press acknowledges the request (until acknowledged, any of its keys among those pressed). */
export function acknowledges(request: CallRequest, dtmf: string): boolean {
  return request.until === 'acknowledged' && [...dtmf].some((key) => request.acknowledgeKeys?.includes(key));
}

/** Whether an attempt's status may move to `next` (the call statuses only ever move forward; unknown is final). */
export function attemptStatusMoves(current: AttemptStatus, next: AttemptStatus): boolean {
  if (current === 'unknown') return false;
  if (next === 'unknown') return !isFinalStatus(current);
  return movesForward(current, next);
}

/** The request as GET /call-requests/{requestId} shows it (docs/call-requests.md#reading-a-request). */
export interface CallRequestView {
  requestId: string;
  status: CallRequestStatus;
  call: CallRequestPlan['call'];
  notBefore: string;
  notAfter: string;
  window: NonNullable<CallRequestPlan['window']> | null;
  redial: CallRequestPlan['redial'];
  until: CallRequestPlan['until'];
  acknowledgeKeys: string[] | null;
  attempts: Attempt[];
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  reason?: string;
}

export function viewOf(request: CallRequest): CallRequestView {
  return {
    requestId: request.requestId,
    status: request.status,
    call: request.call,
    notBefore: iso(request.notBefore),
    notAfter: iso(request.notAfter),
    window: request.window ?? null,
    redial: request.redial,
    until: request.until,
    acknowledgeKeys: request.acknowledgeKeys ?? null,
    attempts: request.attempts,
    nextAttemptAt: request.nextAttemptAt === undefined ? null : iso(request.nextAttemptAt),
    createdAt: iso(request.createdAt),
    updatedAt: iso(request.updatedAt),
    ...(request.reason ? { reason: request.reason } : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
