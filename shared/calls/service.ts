/**
 * The call operations (docs/http-api.md): place and record a call, cancel it, read it. Every
 * placement of the bundle goes through placeAndRecordCall, where the per-number flow-control guard
 * takes its slots (docs/flow-control.md); the guard's rules are flowControl.ts, the days a live
 * read asks Alibaba about queryDate.ts.
 */
import { randomBytes } from 'node:crypto';
import type { CallOptions, VoiceApi, CallDetail } from '../alibaba/voiceApi.ts';
import { errorName } from '../awsSdk.ts';
import { flowControlWindowOf, FLOW_CONTROL_CODE } from '../alibaba/classify.ts';
import type { FlowWindow } from '../flowControlLimits.ts';
import { AlibabaError, FlowControlError, NotFoundError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import type { CallRecord, CallStore, StoredCall } from './callStore.ts';
import { dialledNumbers, holdWindowLabel, type FlowControlStore, type FlowSlot } from './flowControl.ts';
import { queryDatesFor } from './queryDate.ts';
import type { CallType, PlaceCallRequest } from './schemas.ts';
import { ACTION_BY_CALL_TYPE, PROD_ID_BY_CALL_TYPE, toWireParams } from './wire.ts';

/** What the call operations need; built once per container by `shared/runtime/calls.ts`. */
export interface CallsDependencies {
  voice: VoiceApi;
  store: CallStore;
  logger: Logger;
  now?: () => Date;
  /** Where call outcomes are counted (`CallsPlaced`); the process-wide EMF recorder unless given. */
  metrics?: MetricsRecorder;
  /** The per-number flow-control guard (docs/flow-control.md); absent when FLOW_CONTROL_LIMITS is `off`. */
  flowControl?: { store: FlowControlStore; windows: readonly FlowWindow[] };
}

/** The `Outcome` dimension of `CallsPlaced`. */
export type PlacementOutcome = 'placed' | 'rejected' | 'throttled' | 'failed' | 'unknown';

/** The call request (and its attempt) a call is placed for: kept on the call, so its outcome finds its way back. */
export interface CallRequestTag {
  requestId: string;
  attempt: number;
}

export interface PlacedCall {
  callId: string;
  type: CallType;
  outId: string;
  requestId: string;
  status: 'placed';
  createdAt: string;
}

/**
 * Places one call of any type and records it. Every placement of the bundle comes through here, so
 * this is where the flow-control guard takes the numbers' slots before anything is sent: a number
 * whose window is full throws FlowControlError and nothing reaches Alibaba.
 *
 * Alibaba accepting the request means the call was placed, so a failure to record it afterwards is
 * logged, not returned: answering 5xx would invite a retry that places a second call, and the
 * receipts still arrive and are stored by CallId.
 */
export async function placeAndRecordCall(
  request: PlaceCallRequest,
  deps: CallsDependencies,
  options: CallOptions & { callRequest?: CallRequestTag } = {},
): Promise<PlacedCall> {
  const outId = request.outId ?? generateOutId();
  const metrics = deps.metrics ?? defaultMetrics;
  const slot = await takeFlowSlot(request, outId, deps, options);
  let answer: { callId: string; requestId: string };
  const startedAt = Date.now();
  try {
    answer = await deps.voice.initiateCall(ACTION_BY_CALL_TYPE[request.type], toWireParams({ ...request, outId }), { deadline: options.deadline });
  } catch (error) {
    const outcome = placementOutcome(error);
    metrics.record('CallsPlaced', 1, { CallType: request.type, Outcome: outcome });
    // One entry per refusal whatever the path (HTTP, SQS, EventBridge), naming the number it was for
    // (the logger masks it): the saved "refused numbers" query reads these (docs/operations.md).
    deps.logger.info('call not placed', {
      type: request.type,
      outId,
      outcome,
      code: error instanceof AlibabaError ? error.code : errorName(error),
      alibabaRequestId: error instanceof AlibabaError ? error.requestId : undefined,
      ...calledNumbers(request),
      durationMs: Date.now() - startedAt,
    });
    if (slot) await settleFlowSlot(slot, error, deps);
    throw error;
  }
  metrics.record('CallsPlaced', 1, { CallType: request.type, Outcome: 'placed' });
  const { callId, requestId } = answer;
  const createdAt = (deps.now?.() ?? new Date()).toISOString();
  const record: CallRecord = {
    callId,
    type: request.type,
    outId,
    prodId: PROD_ID_BY_CALL_TYPE[request.type],
    requestId,
    status: 'placed',
    createdAt,
    updatedAt: createdAt,
    ...(options.callRequest ? { callRequestId: options.callRequest.requestId, attempt: options.callRequest.attempt } : {}),
  };
  try {
    await deps.store.putPlacedCall(record);
  } catch (error) {
    deps.logger.error('call placed but not recorded', { callId, outId, alibabaRequestId: requestId, error });
  }
  return { callId, type: request.type, outId, requestId, status: 'placed', createdAt };
}

/** The numbers a request calls, under the field names the logger masks: click-to-dial calls two. */
function calledNumbers(request: PlaceCallRequest): { calledNumber: string; callerNumber?: string } {
  return request.type === 'clickToDial' ? { calledNumber: request.calledNumber, callerNumber: request.callerNumber } : { calledNumber: request.calledNumber };
}

/**
 * Takes the flow-control slot of every number the request dials (docs/flow-control.md), or throws
 * FlowControlError; counted (`FlowControlRefused` by window, `FlowControlWait` in seconds) and
 * logged, the number masked by the logger.
 */
async function takeFlowSlot(request: PlaceCallRequest, outId: string, deps: CallsDependencies, options: CallOptions): Promise<FlowSlot | undefined> {
  if (!deps.flowControl) return undefined;
  try {
    return await deps.flowControl.store.take(dialledNumbers(request), { deadline: options.deadline });
  } catch (error) {
    if (error instanceof FlowControlError) {
      const metrics = deps.metrics ?? defaultMetrics;
      metrics.record('FlowControlRefused', 1, { Window: error.limit });
      metrics.record('FlowControlWait', error.retryAfterSeconds);
      // The same entry as every other refusal (the saved "refused numbers" query, docs/operations.md).
      deps.logger.info('call not placed', {
        type: request.type,
        outId,
        outcome: 'flow-control',
        code: 'FLOW_CONTROL',
        ...calledNumbers(request),
        limit: error.limit,
        retryAt: new Date(error.retryAt).toISOString(),
        retryAfterSeconds: error.retryAfterSeconds,
      });
    }
    throw error;
  }
}

/**
 * What a failed placement does to its slot (docs/flow-control.md#counting-what-alibaba-counts).
 * Alibaba counts what it attempts, and so does the guard: Alibaba's own flow control holds the
 * numbers for the window its message names (the minute when it names none); a refusal of the
 * content, of our account, of the calling period or of the request rate (gateway throttling) proves
 * no call was attempted, so the slot is given back; anything else (an answer that may hide a placed
 * call) keeps the slot. A failure to update the guard is logged: the placement's own error is what
 * the caller needs.
 */
async function settleFlowSlot(slot: FlowSlot, error: unknown, deps: CallsDependencies): Promise<void> {
  const flowControl = deps.flowControl!;
  if (!(error instanceof AlibabaError)) return;
  try {
    if (error.code === FLOW_CONTROL_CODE) {
      const window = flowControlWindowOf(error.message);
      const seconds = window?.seconds ?? error.details.retryAfterSeconds ?? 60;
      const label = holdWindowLabel(flowControl.windows, seconds, window?.permits);
      await flowControl.store.hold(slot.numbers, Date.now() + seconds * 1000, label);
      deps.logger.warn('Alibaba refused a placement for flow control: the number is held', { limit: label, holdSeconds: seconds, alibabaRequestId: error.requestId });
    } else if (error.kind === 'rejected' || error.kind === 'account' || error.kind === 'throttled') {
      await flowControl.store.giveBack(slot);
    }
  } catch (settleError) {
    deps.logger.error('flow-control slot not settled after a failed placement', { code: error.code, error: settleError });
  }
}

/**
 * How a failed placement is counted: Alibaba refused the content (`rejected`) or throttled it;
 * `unknown` when the request may have placed a call without our knowing (docs/alibaba/errors.md#gateway-codes); anything
 * else (transient, account, a bug) `failed`.
 */
function placementOutcome(error: unknown): PlacementOutcome {
  if (!(error instanceof AlibabaError)) return 'failed';
  switch (error.kind) {
    case 'rejected':
      return 'rejected';
    case 'throttled':
      return 'throttled';
    case 'ambiguous':
      return 'unknown';
    default:
      return 'failed';
  }
}

/** docs/alibaba/actions.md#cancelcall: cancels a click-to-dial call; a cancelled call's status becomes `cancelled`. */
export async function cancelCall(callId: string, deps: CallsDependencies, options: CallOptions = {}) {
  const { cancelled, requestId } = await deps.voice.cancelCall(callId, options);
  if (cancelled) {
    try {
      await deps.store.advanceStatus(callId, 'cancelled', (deps.now?.() ?? new Date()).toISOString());
    } catch (error) {
      // Alibaba has cancelled: report that truthfully; a retry would only answer cancelled:false.
      deps.logger.error('call cancelled but status not recorded', { callId, alibabaRequestId: requestId, error });
    }
  }
  return { callId, cancelled, requestId };
}

export interface GetCallQuery {
  live: boolean;
  prodId?: string;
  queryDate?: number;
  /** The page of receipts after this cursor (a previous answer's nextReceiptsAfter). */
  receiptsAfter?: string;
}

export type CallView = (StoredCall | UnrecordedCall) & { detail?: CallDetail | null };

/** A call placed elsewhere, known only through a live query. */
interface UnrecordedCall {
  callId: string;
  type: null;
  outId: null;
  status: null;
  createdAt: null;
  updatedAt: null;
  receipts: [];
}

/**
 * The call as this bundle knows it; with `live`, also Alibaba's QueryCallDetailByCallId answer.
 * ProdId and QueryDate come from the stored call unless given (calls placed elsewhere).
 */
export async function getCall(callId: string, query: GetCallQuery, deps: CallsDependencies, options: CallOptions = {}): Promise<CallView> {
  const stored = await deps.store.getCall(callId, query.receiptsAfter === undefined ? {} : { receiptsAfter: query.receiptsAfter });
  if (!query.live) {
    if (!stored) throw new NotFoundError(`Call ${callId}`);
    return stored;
  }
  const prodId = query.prodId ?? stored?.prodId;
  // A given queryDate is the caller's choice; a derived one may need the neighbouring China day too.
  const queryDates = query.queryDate !== undefined ? [query.queryDate] : stored ? queryDatesFor(stored.createdAt) : [];
  if (!stored && query.prodId === undefined && query.queryDate === undefined) throw new NotFoundError(`Call ${callId}`);
  if (!stored && (prodId === undefined || queryDates.length === 0)) {
    const missing = prodId === undefined ? 'prodId' : 'queryDate';
    throw new ValidationError([{ path: `query.${missing}`, message: 'is required with live=true for a call this service did not place' }]);
  }
  if (prodId === undefined) {
    throw new ValidationError([
      { path: 'query.prodId', message: 'is required for click-to-dial calls: Alibaba publishes no ProdId for ClickToDial' },
    ]);
  }
  // docs/alibaba/actions.md#querycalldetailbycallid: a call outside the queried day is answered OK without Data (null), so the next
  // candidate day is asked only then; an error answer ends the search.
  let detail: CallDetail | null = null;
  for (const queryDate of queryDates) {
    ({ detail } = await deps.voice.queryCallDetail({ callId, prodId, queryDate }, options));
    if (detail !== null) break;
  }
  const base: StoredCall | UnrecordedCall = stored ?? {
    callId,
    type: null,
    outId: null,
    status: null,
    createdAt: null,
    updatedAt: null,
    receipts: [],
  };
  return { ...base, detail };
}

/** 15 characters (docs/alibaba/actions.md: OutId ≤ 15 bytes): `av` and 13 base-32 characters, about 65 random bits. */
export function generateOutId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(13);
  let id = 'av';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}
