/**
 * The receipts Alibaba sends for a placed call (docs/alibaba/receipts.md#message-types, docs/alibaba/receipts.md#receipt-fields, docs/alibaba/receipts.md#status-codes), in the order it sends
 * them, written from its scripted timeline (callDetail.ts) so they agree with
 * QueryCallDetailByCallId:
 *
 * 1. VoiceCallReport states: `200101` (dialling); single calls `200201` when the callee's phone
 *    rings; ClickToDial `200102` (A leg connected, dialling B); `200103` (in call) when answered;
 *    IvrCall with a MenuKeyMap, when answered: `300000` with `dtmf` = the key the number presses
 *    (the first menu key, unless sandbox/testNumbers.ts says otherwise).
 * 2. The final VoiceReport.
 * 3. A VoiceRecordReport when RecordFlag=true (ClickToDial, SmartCall) and the call connected.
 *
 * Numbers follow docs/alibaba/receipts.md#body-encoding's leniency on purpose: `duration` and `a_duration` are strings,
 * `b_duration` and the recording's `duration` numbers. `out_id` is absent when no OutId was sent.
 */
import { chinaTime } from '../chinaTime.ts';
import type { VoiceMessageType } from '../dybase/product.ts';
import { CALL_OUTCOMES, keyPressFor } from '../testNumbers.ts';
import { callParties, callTimeline, CANCELLED_STATE, KEY_PRESS_AFTER_ANSWER_MS, type CallTimeline } from './callDetail.ts';
import type { SandboxCall } from './calls.ts';

export type Receipt = Record<string, string | number>;

export interface PlannedReceipt {
  messageType: VoiceMessageType;
  receipt: Receipt;
  /** The VoiceReport: once it is sent the call has ended. */
  final?: true;
}

/** docs/alibaba/receipts.md#status-codes intermediate states. */
export const CALL_STATES = {
  dialling: '200101',
  aLegConnected: '200102',
  inCall: '200103',
  ringing: '200201',
  keyPress: '300000',
} as const;

/** docs/alibaba/receipts.md#receipt-fields `voice_type`: ASR calls are `asr`. */
const VOICE_TYPES: Readonly<Record<SandboxCall['action'], string>> = {
  SingleCallByTts: 'voice',
  SingleCallByVoice: 'voice',
  IvrCall: 'voice',
  ClickToDial: 'voice',
  SmartCall: 'asr',
};

/** docs/alibaba/receipts.md#message-types: recordings are kept 7 days; the URL is signed for that long. */
const RECORDING_VALID_MS = 7 * 24 * 60 * 60_000;

const CANCELLED_MESSAGE = '呼叫已取消';

/** Every receipt the call sends over its life, in order. */
export function receiptsFor(call: Readonly<SandboxCall>): PlannedReceipt[] {
  const timeline = callTimeline(call);
  const state = (statusCode: string, at: number, extra: Receipt = {}): PlannedReceipt => ({
    messageType: 'VoiceCallReport',
    receipt: { ...head(call), status_code: statusCode, ...extra, status_time: chinaTime(at) },
  });

  const receipts = [state(CALL_STATES.dialling, timeline.originateAt)];
  if (timeline.twoLeg) receipts.push(state(CALL_STATES.aLegConnected, timeline.twoLeg.aAnswerAt));
  else if (timeline.ringAt !== undefined) receipts.push(state(CALL_STATES.ringing, timeline.ringAt));
  if (timeline.answerAt !== undefined) {
    receipts.push(state(CALL_STATES.inCall, timeline.answerAt, { smart_status_code: 'ANSWERED' }));
    const key = pressedKey(call);
    if (key !== undefined) {
      receipts.push(state(CALL_STATES.keyPress, timeline.answerAt + KEY_PRESS_AFTER_ANSWER_MS, { smart_status_code: 'ANSWERED', dtmf: key }));
    }
  }
  receipts.push({ messageType: 'VoiceReport', receipt: voiceReport(call, timeline), final: true });
  if (isRecorded(call) && timeline.answerAt !== undefined) {
    receipts.push({ messageType: 'VoiceRecordReport', receipt: recordReport(call, timeline) });
  }
  return receipts;
}

/**
 * The final VoiceReport of a cancelled ClickToDial: state `9996` / smart code `CANCEL`, as
 * QueryCallDetailByCallId shows it (callDetail.ts CANCELLED_STATE), nothing connected.
 */
export function cancelledReport(call: Readonly<SandboxCall>): PlannedReceipt {
  const parties = callParties(call);
  return {
    messageType: 'VoiceReport',
    final: true,
    receipt: {
      ...head(call),
      status_code: CANCELLED_STATE.state,
      smart_status_code: CANCELLED_STATE.stateDesc,
      status_msg: CANCELLED_MESSAGE,
      caller: parties.caller,
      callee: parties.callee,
      caller_show_num: parties.callerShowNumber,
      callee_show_num: parties.calleeShowNumber,
      originate_time: chinaTime(call.createdAt),
      ring_time: '',
      start_time: '',
      end_time: '',
      duration: '0',
      a_duration: '0',
      b_duration: 0,
      hangup_direction: '机器',
      voice_type: VOICE_TYPES[call.action],
      toll_type: 'UNKNOWN',
    },
  };
}

function head(call: Readonly<SandboxCall>): Receipt {
  return { call_id: call.callId, ...(call.params.OutId !== undefined ? { out_id: call.params.OutId } : {}) };
}

/** docs/alibaba/receipts.md#receipt-fields VoiceReport: single calls, or both legs of a ClickToDial (`a_*`, `b_*`). */
function voiceReport(call: Readonly<SandboxCall>, timeline: CallTimeline): Receipt {
  const outcome = CALL_OUTCOMES[call.outcome];
  const parties = callParties(call);
  const connected = timeline.answerAt !== undefined;
  const time = (at: number | undefined): string => (at !== undefined ? chinaTime(at) : '');
  const report: Receipt = {
    ...head(call),
    status_code: timeline.twoLeg ? outcome.twoLegStatusCode : outcome.statusCode,
    smart_status_code: outcome.smartStatusCode,
    status_msg: outcome.description,
    caller: parties.caller,
    callee: parties.callee,
  };
  if (timeline.twoLeg) {
    report.caller_show_num = parties.callerShowNumber;
    report.callee_show_num = parties.calleeShowNumber;
  }
  Object.assign(report, {
    originate_time: time(timeline.originateAt),
    ring_time: time(timeline.ringAt),
    start_time: time(timeline.answerAt),
    end_time: time(timeline.endAt),
    duration: String(connected ? outcome.durationSeconds : 0),
  });
  if (timeline.twoLeg) {
    const legs = timeline.twoLeg;
    Object.assign(report, {
      a_originate_time: time(timeline.originateAt),
      a_ring_time: time(legs.aRingAt),
      a_start_time: time(legs.aAnswerAt),
      a_end_time: time(legs.legsEndAt),
      a_duration: String(Math.round((legs.legsEndAt - legs.aAnswerAt) / 1000)),
      b_originate_time: time(legs.bOriginateAt),
      b_ring_time: time(timeline.ringAt),
      b_start_time: time(timeline.answerAt),
      b_end_time: time(legs.legsEndAt),
      b_duration: connected ? outcome.durationSeconds : 0,
    });
  }
  const key = connected ? pressedKey(call) : undefined;
  if (key !== undefined) report.dtmf = key;
  Object.assign(report, {
    hangup_direction: hangupDirection(call, connected),
    voice_type: VOICE_TYPES[call.action],
    toll_type: 'UNKNOWN',
  });
  return report;
}

/** docs/alibaba/receipts.md#receipt-fields VoiceRecordReport; `record_file` is a placeholder URL that resolves nowhere. */
function recordReport(call: Readonly<SandboxCall>, timeline: CallTimeline): Receipt {
  const outcome = CALL_OUTCOMES[call.outcome];
  const startAt = timeline.answerAt!;
  const endAt = timeline.endAt!;
  const expires = Math.floor((endAt + RECORDING_VALID_MS) / 1000);
  return {
    ...head(call),
    status_code: call.action === 'ClickToDial' ? outcome.twoLegStatusCode : outcome.statusCode,
    smart_status_code: outcome.smartStatusCode,
    start_time: chinaTime(startAt),
    end_time: chinaTime(endAt),
    duration: outcome.durationSeconds,
    record_file: `https://sandbox-recordings.invalid/${encodeURIComponent(call.callId)}.wav?Expires=${expires}&Signature=sandbox`,
    record_begin_time: chinaTime(startAt),
  };
}

/** docs/alibaba/receipts.md#receipt-fields: `用户` (user) / `机器` (machine); two-leg calls name the leg (`aleg`). */
function hangupDirection(call: Readonly<SandboxCall>, connected: boolean): string {
  if (call.action === 'ClickToDial') return connected ? 'aleg' : 'bleg';
  return connected || call.outcome === 'rejected' ? '用户' : '机器';
}

/** IvrCall with a MenuKeyMap: the callee presses its first key. */
function pressedKey(call: Readonly<SandboxCall>): string | undefined {
  if (call.action !== 'IvrCall') return undefined;
  const which = keyPressFor(call.params.CalledNumber!, call.sequence);
  return which === undefined ? undefined : call.params[which === 'first' ? 'MenuKeyMap.1.Key' : 'MenuKeyMap.2.Key'];
}

/** docs/alibaba/actions.md#clicktodial, docs/alibaba/actions.md#smartcall: only ClickToDial and SmartCall take RecordFlag. */
function isRecorded(call: Readonly<SandboxCall>): boolean {
  return (call.action === 'ClickToDial' || call.action === 'SmartCall') && /^true$/i.test(call.params.RecordFlag ?? '');
}
