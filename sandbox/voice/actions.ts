/** The dyvmsapi actions the sandbox serves (spec §3.1-§3.7). */
import { businessError } from '../rpc/errors.ts';
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
import type { CallRecord, CallStore } from './calls.ts';
import type { FlowControl } from './flowControl.ts';
import { isKnownParam, validateParams, type ActionParamRules } from './params.ts';
import { DYVMSAPI, PRODUCT_IDS, type CallAction } from './product.ts';

export interface VoiceState {
  calls: CallStore;
  flowControl: FlowControl;
}

/** spec §3.7: the service searches the 24 h window starting at QueryDate. */
const QUERY_WINDOW_MS = 24 * 60 * 60_000;

export function voiceActions(state: VoiceState): RpcAction[] {
  return [
    voiceAction('SingleCallByTts', SINGLE_CALL_BY_TTS, placeCall('SingleCallByTts', state)),
    voiceAction('SingleCallByVoice', SINGLE_CALL_BY_VOICE, placeCall('SingleCallByVoice', state)),
    voiceAction('IvrCall', IVR_CALL, placeCall('IvrCall', state)),
    voiceAction('ClickToDial', CLICK_TO_DIAL, placeCall('ClickToDial', state)),
    voiceAction('SmartCall', SMART_CALL, placeCall('SmartCall', state)),
    // spec §3.5: Status is a Boolean.
    voiceAction('CancelCall', CANCEL_CALL, ({ params }) => ({ Status: state.calls.cancel(params.CallId!) })),
    voiceAction('QueryCallDetailByCallId', QUERY_CALL_DETAIL_BY_CALL_ID, ({ params }) => {
      const call = state.calls.get(params.CallId!);
      if (!call || !isFoundBy(call, params.ProdId!, Number(params.QueryDate))) return {};
      // spec §3.7: Data is a JSON string, parsed again by the client.
      return { Data: JSON.stringify(callDetail(call)) };
    }),
  ];
}

function voiceAction(
  name: string,
  rules: ActionParamRules,
  handle: (context: ActionContext) => Record<string, unknown>,
): RpcAction {
  return {
    name,
    product: DYVMSAPI,
    isKnownParam: (param) => isKnownParam(rules, param),
    handle(context) {
      validateParams(rules, context.params);
      return handle(context);
    },
  };
}

/** Scripted failure, else flow control, else a new CallId (spec §3: accepted, not yet connected). */
function placeCall(action: CallAction, state: VoiceState): (context: ActionContext) => Record<string, unknown> {
  return ({ params, now }) => {
    const calledNumber = params.CalledNumber!;
    const script = scriptFor(calledNumber);
    if ('failure' in script) {
      throw businessError(script.failure.code, script.failure.message, script.failure.httpStatus);
    }
    state.flowControl.check(calledNumber, now);
    state.flowControl.record(calledNumber, now);
    const call = state.calls.create({ action, params, createdAt: now, outcome: script.outcome });
    return { CallId: call.callId };
  };
}

/**
 * Alibaba answers OK without Data when the call is not found under this product and day
 * (spec §3.7: CallId "must match ProdId and be within the queried day").
 */
function isFoundBy(call: Readonly<CallRecord>, prodId: string, queryDate: number): boolean {
  const expected = PRODUCT_IDS[call.action];
  if (expected !== undefined && BigInt(prodId) !== BigInt(expected)) return false;
  return call.createdAt >= queryDate && call.createdAt < queryDate + QUERY_WINDOW_MS;
}
