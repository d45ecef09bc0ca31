/**
 * QueryCallDetailByCallId's `Data` (spec §3.7): the call as it will have happened, scripted by its
 * outcome (sandbox/testNumbers.ts). The receipts lifecycle plays the same timeline.
 */
import { CALL_OUTCOMES } from '../testNumbers.ts';
import type { CallRecord } from './calls.ts';

/** Seconds from the request to the callee's phone ringing, and to an answer. */
export const RING_AFTER_MS = 2_000;
export const ANSWER_AFTER_MS = 8_000;
/** Two-leg calls: the B leg rings once the A leg answered. */
export const B_LEG_RING_AFTER_MS = 6_000;
/** How long an unconnected leg takes to fail (busy tone, ringing out, ...). */
export const UNCONNECTED_END_AFTER_MS = 5_000;

/**
 * A cancelled ClickToDial has no carrier code of its own; 9996 is spec §5.6's "call not
 * established or already ended (query/cancel)", and stateDesc carries the smart code CANCEL.
 */
export const CANCELLED_STATE = { state: '9996', stateDesc: 'CANCEL' } as const;

const CHINA_OFFSET_MS = 8 * 60 * 60_000;

/** `yyyy-MM-dd HH:mm:ss` in China time, UTC+8 (spec §3.7, §5.2). */
export function chinaTime(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export interface CallDetail {
  caller: string;
  callee: string;
  callerShowNumber: string;
  calleeShowNumber: string;
  state: string;
  stateDesc: string;
  duration: number;
  startDate: string;
  endDate: string;
  gmtCreate: string;
  aRingTime?: string;
  aEndTime?: string;
  bRingTime?: string;
  bEndTime?: string;
}

export function callDetail(call: Readonly<CallRecord>): CallDetail {
  const outcome = CALL_OUTCOMES[call.outcome];
  const params = call.params;
  const twoLeg = call.action === 'ClickToDial';
  const connected = outcome.durationSeconds > 0 && !call.cancelled;
  const answeredAt = call.createdAt + ANSWER_AFTER_MS;
  const endedAt = connected ? answeredAt + outcome.durationSeconds * 1000 : undefined;
  const state = call.cancelled
    ? CANCELLED_STATE
    : { state: twoLeg ? outcome.twoLegStatusCode : outcome.statusCode, stateDesc: outcome.description };

  const detail: CallDetail = {
    // Single calls come from the platform's number; two-leg calls from the A leg.
    caller: (twoLeg ? params.CallerNumber : params.CalledShowNumber) ?? '',
    callee: params.CalledNumber ?? '',
    callerShowNumber: (twoLeg ? params.CallerShowNumber : params.CalledShowNumber) ?? '',
    calleeShowNumber: params.CalledShowNumber ?? '',
    ...state,
    duration: connected ? outcome.durationSeconds : 0,
    startDate: connected ? chinaTime(answeredAt) : '',
    endDate: endedAt !== undefined ? chinaTime(endedAt) : '',
    gmtCreate: chinaTime(call.createdAt),
  };
  if (twoLeg && !call.cancelled) {
    const bRingAt = call.createdAt + B_LEG_RING_AFTER_MS;
    const legsEndAt = endedAt ?? bRingAt + UNCONNECTED_END_AFTER_MS;
    detail.aRingTime = chinaTime(call.createdAt + RING_AFTER_MS);
    detail.aEndTime = chinaTime(legsEndAt);
    detail.bRingTime = chinaTime(bRingAt);
    detail.bEndTime = chinaTime(legsEndAt);
  }
  return detail;
}
