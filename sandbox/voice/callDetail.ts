/**
 * A placed call's scripted timeline, and QueryCallDetailByCallId's `Data` (docs/alibaba/actions.md#querycalldetailbycallid) read from it:
 * the call as it will have happened, scripted by its outcome (sandbox/testNumbers.ts). The
 * receipts lifecycle (receipts.ts) reports the same timeline, so both agree on every time.
 */
import { chinaTime } from '../chinaTime.ts';
import { CALL_OUTCOMES } from '../testNumbers.ts';
import type { SandboxCall } from './calls.ts';

/** From the request to the callee's phone ringing (ClickToDial: the A leg), and to an answer (ClickToDial: the B leg). */
export const RING_AFTER_MS = 2_000;
export const ANSWER_AFTER_MS = 8_000;
/** Two-leg calls: the A leg answers, then the B leg is dialled and rings. */
export const A_LEG_ANSWER_AFTER_MS = 4_000;
export const B_LEG_RING_AFTER_MS = 6_000;
/** How long an unconnected leg takes to fail (busy tone, ringing out, ...). */
export const UNCONNECTED_END_AFTER_MS = 5_000;
/** IvrCall: the callee presses a menu key this long after answering. */
export const KEY_PRESS_AFTER_ANSWER_MS = 3_000;

/**
 * A cancelled ClickToDial has no carrier code of its own; 9996 is docs/alibaba/receipts.md#status-codes's "call not
 * established or already ended (query/cancel)", and stateDesc carries the smart code CANCEL.
 */
export const CANCELLED_STATE = { state: '9996', stateDesc: 'CANCEL' } as const;

/** Epoch ms on the sandbox clock. */
export interface CallTimeline {
  /** The platform sends the call (ClickToDial: the A leg) to the carrier: the request time. */
  originateAt: number;
  /** The callee's phone rings (ClickToDial: the B leg); absent if it never rang. */
  ringAt?: number;
  /** The callee answers (ClickToDial: the B leg); absent if never connected. */
  answerAt?: number;
  /** The connected call ends; absent if never connected. */
  endAt?: number;
  /** ClickToDial only. The A leg always answers: outcomes script the B leg. */
  twoLeg?: {
    aRingAt: number;
    aAnswerAt: number;
    /** The B leg is dialled once the A leg answered. */
    bOriginateAt: number;
    /** Both legs end together: at the end of the call, or when the B leg fails. */
    legsEndAt: number;
  };
}

export function callTimeline(call: Readonly<SandboxCall>): CallTimeline {
  const outcome = CALL_OUTCOMES[call.outcome];
  const twoLeg = call.action === 'ClickToDial';
  const connected = outcome.durationSeconds > 0;
  const timeline: CallTimeline = { originateAt: call.createdAt };
  if (outcome.rings) timeline.ringAt = call.createdAt + (twoLeg ? B_LEG_RING_AFTER_MS : RING_AFTER_MS);
  if (connected) {
    timeline.answerAt = call.createdAt + ANSWER_AFTER_MS;
    timeline.endAt = timeline.answerAt + outcome.durationSeconds * 1000;
  }
  if (twoLeg) {
    timeline.twoLeg = {
      aRingAt: call.createdAt + RING_AFTER_MS,
      aAnswerAt: call.createdAt + A_LEG_ANSWER_AFTER_MS,
      bOriginateAt: call.createdAt + A_LEG_ANSWER_AFTER_MS,
      legsEndAt: timeline.endAt ?? call.createdAt + B_LEG_RING_AFTER_MS + UNCONNECTED_END_AFTER_MS,
    };
  }
  return timeline;
}

/** Who called whom: single calls come from the platform's number, two-leg calls from the A leg. */
export function callParties(call: Readonly<SandboxCall>): {
  caller: string;
  callee: string;
  callerShowNumber: string;
  calleeShowNumber: string;
} {
  const params = call.params;
  const twoLeg = call.action === 'ClickToDial';
  return {
    caller: (twoLeg ? params.CallerNumber : params.CalledShowNumber) ?? '',
    callee: params.CalledNumber ?? '',
    callerShowNumber: (twoLeg ? params.CallerShowNumber : params.CalledShowNumber) ?? '',
    calleeShowNumber: params.CalledShowNumber ?? '',
  };
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

export function callDetail(call: Readonly<SandboxCall>): CallDetail {
  const outcome = CALL_OUTCOMES[call.outcome];
  const timeline = callTimeline(call);
  const connected = timeline.answerAt !== undefined && timeline.endAt !== undefined && !call.cancelled;
  const state = call.cancelled
    ? CANCELLED_STATE
    : { state: timeline.twoLeg ? outcome.twoLegStatusCode : outcome.statusCode, stateDesc: outcome.description };

  const detail: CallDetail = {
    ...callParties(call),
    ...state,
    duration: connected ? outcome.durationSeconds : 0,
    startDate: connected ? chinaTime(timeline.answerAt!) : '',
    endDate: connected ? chinaTime(timeline.endAt!) : '',
    gmtCreate: chinaTime(call.createdAt),
  };
  if (timeline.twoLeg && !call.cancelled) {
    detail.aRingTime = chinaTime(timeline.twoLeg.aRingAt);
    detail.aEndTime = chinaTime(timeline.twoLeg.legsEndAt);
    detail.bRingTime = timeline.ringAt !== undefined ? chinaTime(timeline.ringAt) : '';
    detail.bEndTime = chinaTime(timeline.twoLeg.legsEndAt);
  }
  return detail;
}
