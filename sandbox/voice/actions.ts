/** The dyvmsapi actions the sandbox serves (docs/alibaba/actions.md). */
import { businessError } from '../rpc/errors.ts';
import { validatedAction, type ActionParamRules } from '../rpc/params.ts';
import type { ActionContext, RpcAction } from '../rpc/registry.ts';
import { scriptFor } from '../testNumbers.ts';
import {
  CANCEL_CALL,
  CLICK_TO_DIAL,
  IVR_CALL,
  QUERY_CALL_DETAIL_BY_CALL_ID,
  SINGLE_CALL_BY_TTS,
  SINGLE_CALL_BY_VOICE,
  SMART_CALL,
} from './actionParams.ts';
import { callDetail } from './callDetail.ts';
import type { SandboxCall, SandboxCalls } from './calls.ts';
import type { FlowControl } from './flowControl.ts';
import type { CallLifecycle } from './lifecycle.ts';
import { DYVMSAPI, PRODUCT_IDS, type CallAction } from './product.ts';

export interface VoiceState {
  calls: SandboxCalls;
  flowControl: FlowControl;
  /** Plays each accepted call's receipts. */
  lifecycle: CallLifecycle;
}

/** docs/alibaba/actions.md#querycalldetailbycallid: the service searches the 24 h window starting at QueryDate. */
const QUERY_WINDOW_MS = 24 * 60 * 60_000;

export function voiceActions(state: VoiceState): RpcAction[] {
  return [
    voiceAction('SingleCallByTts', SINGLE_CALL_BY_TTS, placeCall('SingleCallByTts', state)),
    voiceAction('SingleCallByVoice', SINGLE_CALL_BY_VOICE, placeCall('SingleCallByVoice', state)),
    voiceAction('IvrCall', IVR_CALL, placeCall('IvrCall', state)),
    voiceAction('ClickToDial', CLICK_TO_DIAL, placeCall('ClickToDial', state)),
    voiceAction('SmartCall', SMART_CALL, placeCall('SmartCall', state)),
    voiceAction('CancelCall', CANCEL_CALL, ({ params }) => {
      const cancelled = state.calls.cancel(params.CallId!);
      if (cancelled) state.lifecycle.cancel(state.calls.get(params.CallId!)!);
      // docs/alibaba/actions.md#cancelcall: Status is a Boolean.
      return { Status: cancelled };
    }),
    voiceAction('QueryCallDetailByCallId', QUERY_CALL_DETAIL_BY_CALL_ID, ({ params }) => {
      const call = state.calls.get(params.CallId!);
      if (!call || !isFoundBy(call, params.ProdId!, Number(params.QueryDate))) return {};
      // docs/alibaba/actions.md#querycalldetailbycallid: Data is a JSON string, parsed again by the client.
      return { Data: JSON.stringify(callDetail(call)) };
    }),
  ];
}

function voiceAction(
  name: string,
  rules: ActionParamRules,
  handle: (context: ActionContext) => Record<string, unknown>,
): RpcAction {
  return validatedAction(DYVMSAPI, name, rules, handle);
}

/**
 * Scripted failure, else flow control, else a new CallId (docs/alibaba/actions.md: accepted, not yet connected)
 * whose receipts start playing.
 */
function placeCall(action: CallAction, state: VoiceState): (context: ActionContext) => Record<string, unknown> {
  return ({ params, now }) => {
    const calledNumber = params.CalledNumber!;
    const script = scriptFor(calledNumber);
    if ('failure' in script) {
      throw businessError(script.failure.code, script.failure.message, script.failure.httpStatus);
    }
    // Alibaba's platform dials both legs of a click-to-dial call (docs/flow-control.md#which-numbers-count).
    const dialled = action === 'ClickToDial' ? [params.CallerNumber!, calledNumber] : [calledNumber];
    state.flowControl.check(dialled, now);
    state.flowControl.record(dialled, now);
    const sequence = 1 + state.calls.list().filter((earlier) => earlier.params.CalledNumber === calledNumber).length;
    const call = state.calls.create({ action, params, createdAt: now, outcome: script.outcome, sequence });
    state.lifecycle.start(call);
    return { CallId: call.callId };
  };
}

/**
 * Alibaba answers OK without Data when the call is not found under this product and day
 * (docs/alibaba/actions.md#querycalldetailbycallid: CallId "must match ProdId and be within the queried day").
 */
function isFoundBy(call: Readonly<SandboxCall>, prodId: string, queryDate: number): boolean {
  const expected = PRODUCT_IDS[call.action];
  if (expected !== undefined && BigInt(prodId) !== BigInt(expected)) return false;
  return call.createdAt >= queryDate && call.createdAt < queryDate + QUERY_WINDOW_MS;
}
