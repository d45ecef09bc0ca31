import { randomBytes } from 'node:crypto';
import type { CallOptions, VoiceApi, CallDetail } from '../alibaba/voiceApi.ts';
import { CHINA_OFFSET_MS } from '../chinaTime.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CallRecord, CallStore, StoredCall } from '../store/callStore.ts';
import type { CallType, PlaceCallRequest } from './schemas.ts';
import { ACTION_BY_CALL_TYPE, PROD_ID_BY_CALL_TYPE, toWireParams } from './wire.ts';

/** What the call operations need; built once per container by `shared/runtime.ts`. */
export interface CallsDependencies {
  voice: VoiceApi;
  store: CallStore;
  logger: Logger;
  now?: () => Date;
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
 * Places one call of any type and records it. Alibaba accepting the request means the call was
 * placed, so a failure to record it afterwards is logged, not returned: answering 5xx would invite a
 * retry that places a second call, and the receipts still arrive and are stored by CallId.
 */
export async function placeCall(request: PlaceCallRequest, deps: CallsDependencies, options: CallOptions = {}): Promise<PlacedCall> {
  const outId = request.outId ?? generateOutId();
  const { callId, requestId } = await deps.voice.placeCall(
    ACTION_BY_CALL_TYPE[request.type],
    toWireParams({ ...request, outId }),
    options,
  );
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
  };
  try {
    await deps.store.putPlacedCall(record);
  } catch (error) {
    deps.logger.error('call placed but not recorded', { callId, outId, alibabaRequestId: requestId, error });
  }
  return { callId, type: request.type, outId, requestId, status: 'placed', createdAt };
}

/** spec §3.5: cancels a click-to-dial call; a cancelled call's status becomes `cancelled`. */
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
  const stored = await deps.store.getCall(callId);
  if (!query.live) {
    if (!stored) throw new NotFoundError(`Call ${callId}`);
    return stored;
  }
  const prodId = query.prodId ?? stored?.prodId;
  const queryDate = query.queryDate ?? (stored ? chinaDayStart(stored.createdAt) : undefined);
  if (!stored && query.prodId === undefined && query.queryDate === undefined) throw new NotFoundError(`Call ${callId}`);
  if (!stored && (prodId === undefined || queryDate === undefined)) {
    const missing = prodId === undefined ? 'prodId' : 'queryDate';
    throw new ValidationError([{ path: `query.${missing}`, message: 'is required with live=true for a call this service did not place' }]);
  }
  if (prodId === undefined) {
    throw new ValidationError([
      { path: 'query.prodId', message: 'is required for click-to-dial calls: Alibaba publishes no ProdId for ClickToDial' },
    ]);
  }
  const { detail } = await deps.voice.queryCallDetail({ callId, prodId, queryDate: queryDate! }, options);
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


/**
 * QueryDate (spec §3.7) is epoch ms and Alibaba searches the day from there; the documented example is
 * midnight China time. Midnight (UTC+8) of the call's day covers the call under either reading.
 */
export function chinaDayStart(iso: string): number {
  const chinaMs = Date.parse(iso) + CHINA_OFFSET_MS;
  return chinaMs - (chinaMs % 86_400_000) - CHINA_OFFSET_MS;
}

/** 15 characters (spec §3: OutId ≤ 15 bytes): `av` and 13 base-32 characters, about 65 random bits. */
export function generateOutId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(13);
  let id = 'av';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}
