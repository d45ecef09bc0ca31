/**
 * The events this bundle publishes on EventBridge (docs/events.md), derived from the calls
 * table's DynamoDB stream (NEW_AND_OLD_IMAGES):
 *
 *   receipt item INSERTed (pk CALL#<callId>, sk RECEIPT#...)            → `Voice Call Receipt`
 *   call item (sk CALL) INSERTed, or MODIFYed with a different `status` → `Voice Call Status Changed`
 *   call request (sk REQUEST) INSERTed, or MODIFYed with a new `status` → `Voice Call Request Changed`
 *
 * Everything else is not an event: invalid bodies (INVALID#), rejected requests (REJECTED#), a
 * redelivered receipt overwriting its own item (MODIFY), a call item updated without a status
 * change, and TTL expiry (REMOVE). Delivery is at least once: consumers dedupe on `detail.dedupeKey`.
 */
import type { AttributeValue as StoreAttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { CallType } from '../calls/schemas.ts';
import type { CallRequestStatus } from '../callRequests/model.ts';
import type { CallStatus } from '../calls/status.ts';
import { unmarshallItem } from '../store/items.ts';
import { TTL_ATTRIBUTE, parseKey } from '../store/keys.ts';
import { nonEmptyText } from '../text.ts';

/** EventBridge `source` of every event this bundle publishes. */
export const EVENT_SOURCE = 'aliyun-voice';
export const RECEIPT_DETAIL_TYPE = 'Voice Call Receipt';
export const STATUS_CHANGED_DETAIL_TYPE = 'Voice Call Status Changed';
export const REQUEST_CHANGED_DETAIL_TYPE = 'Voice Call Request Changed';

/**
 * EventBridge counts an entry's Time (14 bytes), Source, DetailType and Detail against the 256 KB
 * PutEvents limit ("Calculating Amazon EventBridge PutEvents event entry size"). A Detail above this
 * leaves room for the rest; a receipt that large (Alibaba's MNS bodies are at most 64 KB, so only a
 * corrupt one) is published without `raw`, flagged `rawOmitted`, rather than never.
 */
export const MAX_DETAIL_BYTES = 255 * 1024;

/** `detail` of `Voice Call Receipt`: the stored receipt as GET /calls/{callId} lists it. */
export interface ReceiptEventDetail {
  /** Stable across redeliveries of this event: `receipt:<callId>:<messageType>#<naturalKey>`. */
  dedupeKey: string;
  callId: string;
  messageType: string;
  /** Alibaba's identity of the receipt within the call (docs/alibaba/receipts.md#receipt-fields). */
  naturalKey?: string;
  outId?: string;
  statusCode?: string;
  smartStatusCode?: string;
  /** The call status this receipt implies, when it implies one. */
  status?: CallStatus;
  statusTime?: string;
  duration?: number;
  /** MNS MessageId of the message that carried it. */
  messageId?: string;
  receivedAt?: string;
  storedAt?: string;
  /** Alibaba's decoded receipt object, exactly as received (caller/callee numbers included). */
  raw?: Record<string, unknown>;
  /** Set when `raw` was left out to keep the event within EventBridge's size limit. */
  rawOmitted?: true;
  [field: string]: unknown;
}

/** `detail` of `Voice Call Status Changed`. */
export interface StatusChangedEventDetail {
  /** Stable across redeliveries: `status:<callId>:<status>` (a call reaches each status at most once). */
  dedupeKey: string;
  callId: string;
  /** Null for a call placed elsewhere, known only from its receipts. */
  type: CallType | null;
  outId: string | null;
  /** Null when this is the call's first status (the call item was created). */
  previousStatus: CallStatus | null;
  status: CallStatus;
  updatedAt: string | null;
}

/** `detail` of `Voice Call Request Changed` (docs/call-requests.md#events). */
export interface RequestChangedEventDetail {
  /** Stable across redeliveries: `request:<requestId>:<version>` (each write of a request has its own version). */
  dedupeKey: string;
  requestId: string;
  status: CallRequestStatus;
  /** Null when the request was just created. */
  previousStatus: CallRequestStatus | null;
  /** The attempt that is next or under way. */
  attempt: number;
  /** The CallId of that attempt, once placed; else of the last attempt placed; null before any. */
  callId: string | null;
  nextAttemptAt: string | null;
  reason?: string;
}

export type CallEvent =
  | { detailType: typeof RECEIPT_DETAIL_TYPE; detail: ReceiptEventDetail; time?: Date }
  | { detailType: typeof STATUS_CHANGED_DETAIL_TYPE; detail: StatusChangedEventDetail; time?: Date }
  | { detailType: typeof REQUEST_CHANGED_DETAIL_TYPE; detail: RequestChangedEventDetail; time?: Date };

/**
 * The event a stream record stands for, or undefined when it stands for none. Throws only when a
 * record of ours cannot be read (an image DynamoDB would never produce): the caller reports it.
 *
 * @example callEventFromRecord({ eventName: 'INSERT', dynamodb: { Keys, NewImage } })
 *   // { detailType: 'Voice Call Receipt', detail: { dedupeKey: 'receipt:1^2:VoiceReport#1^2', callId: '1^2', ... } }
 */
export function callEventFromRecord(record: DynamoDBRecord): CallEvent | undefined {
  const key = parseKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
  if (key.kind === 'request' && (record.eventName === 'INSERT' || record.eventName === 'MODIFY')) {
    return requestChangedEvent(key.requestId, record);
  }
  if (key.kind === 'receipt') {
    // A receipt is new only once: a redelivery rewrites the same item (MODIFY), TTL removes it (REMOVE).
    if (record.eventName !== 'INSERT') return undefined;
    const detail = receiptDetail(key.callId, key.typeAndKey, image(record.dynamodb?.NewImage));
    return { detailType: RECEIPT_DETAIL_TYPE, detail, time: eventTime(detail.storedAt, record) };
  }

  if (key.kind === 'call' && (record.eventName === 'INSERT' || record.eventName === 'MODIFY')) {
    const { callId } = key;
    const item = image(record.dynamodb?.NewImage);
    const status = nonEmptyText(item.status) as CallStatus | undefined;
    if (status === undefined) return undefined;
    const previousStatus = record.eventName === 'MODIFY' ? ((nonEmptyText(image(record.dynamodb?.OldImage).status) as CallStatus | undefined) ?? null) : null;
    if (previousStatus === status) return undefined;
    const detail: StatusChangedEventDetail = {
      dedupeKey: `status:${callId}:${status}`,
      callId,
      type: (nonEmptyText(item.type) as CallType | undefined) ?? null,
      outId: nonEmptyText(item.outId) ?? null,
      previousStatus,
      status,
      updatedAt: nonEmptyText(item.updatedAt) ?? null,
    };
    return { detailType: STATUS_CHANGED_DETAIL_TYPE, detail, time: eventTime(detail.updatedAt, record) };
  }
  return undefined;
}

/**
 * What a log entry says about a published event: the call it is about and what changed, never the
 * receipt's `raw` body (it holds the numbers). The fields the "one call's story" query shows
 * (docs/operations.md#one-calls-story).
 *
 * @example eventLogFields(receiptEvent)
 *   // { detailType: 'Voice Call Receipt', callId: '1^2', outId: 'order-7', messageType: 'VoiceCallReport', statusCode: '200101', status: 'ringing' }
 */
export function eventLogFields(event: CallEvent): Record<string, unknown> {
  if (event.detailType === RECEIPT_DETAIL_TYPE) {
    const { callId, outId, messageType, statusCode, status } = event.detail;
    return { detailType: event.detailType, callId, outId, messageType, statusCode, status };
  }
  if (event.detailType === REQUEST_CHANGED_DETAIL_TYPE) {
    const { requestId, callId, attempt, previousStatus, status, nextAttemptAt } = event.detail;
    return { detailType: event.detailType, requestId, callId, attempt, previousStatus, status, nextAttemptAt };
  }
  const { callId, outId, type, previousStatus, status } = event.detail;
  return { detailType: event.detailType, callId, outId, type, previousStatus, status };
}

/** A call request's change of status, or undefined when its status did not change. */
function requestChangedEvent(requestId: string, record: DynamoDBRecord): CallEvent | undefined {
  const item = image(record.dynamodb?.NewImage);
  const status = nonEmptyText(item.status) as CallRequestStatus | undefined;
  if (status === undefined) return undefined;
  const previousStatus = record.eventName === 'MODIFY' ? ((nonEmptyText(image(record.dynamodb?.OldImage).status) as CallRequestStatus | undefined) ?? null) : null;
  if (previousStatus === status) return undefined;
  const attempts = Array.isArray(item.attempts) ? (item.attempts as Array<{ attempt?: unknown; callId?: unknown }>) : [];
  const attempt = typeof item.currentAttempt === 'number' ? item.currentAttempt : 1;
  const placed = attempts.filter((entry) => typeof entry.callId === 'string');
  const callId = (placed.find((entry) => entry.attempt === attempt) ?? placed.at(-1))?.callId;
  const detail: RequestChangedEventDetail = {
    dedupeKey: `request:${requestId}:${String(item.version)}`,
    requestId,
    status,
    previousStatus,
    attempt,
    callId: typeof callId === 'string' ? callId : null,
    nextAttemptAt: typeof item.nextAttemptAt === 'number' ? new Date(item.nextAttemptAt).toISOString() : null,
    ...(nonEmptyText(item.reason) ? { reason: nonEmptyText(item.reason)! } : {}),
  };
  return { detailType: REQUEST_CHANGED_DETAIL_TYPE, detail, time: eventTime(typeof item.updatedAt === 'number' ? new Date(item.updatedAt).toISOString() : undefined, record) };
}

/**
 * The event's Detail as JSON, within MAX_DETAIL_BYTES when it can be: an oversized receipt loses its
 * `raw` (consumers read it from GET /calls/{callId}). Returns the JSON as it is otherwise; the
 * publisher refuses an entry still over the limit.
 */
export function detailJson(event: CallEvent): string {
  const json = JSON.stringify(event.detail);
  if (Buffer.byteLength(json) <= MAX_DETAIL_BYTES || event.detailType !== RECEIPT_DETAIL_TYPE || event.detail.raw === undefined) return json;
  const { raw: _raw, ...rest } = event.detail;
  return JSON.stringify({ ...rest, rawOmitted: true });
}

/** The receipt item without its keys and TTL: the fields GET /calls/{callId} lists, plus dedupeKey. */
function receiptDetail(callId: string, typeAndKey: string, item: Record<string, unknown>): ReceiptEventDetail {
  const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, ...receipt } = item;
  return {
    ...receipt,
    dedupeKey: `receipt:${callId}:${typeAndKey}`,
    callId,
    messageType: nonEmptyText(receipt.messageType) ?? typeAndKey.split('#')[0]!,
  };
}

/** A stream image as plain values, read as the stores read their items (store/items.ts). */
function image(attributes: Record<string, AttributeValue> | undefined): Record<string, unknown> {
  if (!attributes) return {};
  return unmarshallItem(attributes as Record<string, StoreAttributeValue>);
}

/**
 * The event's `time`: when the change was stored (the item's own `storedAt` / `updatedAt`, the same
 * on every redelivery), else DynamoDB's ApproximateCreationDateTime (epoch seconds), else unset
 * (EventBridge then uses the time it received the event).
 */
function eventTime(itemTime: unknown, record: DynamoDBRecord): Date | undefined {
  const stored = typeof itemTime === 'string' ? Date.parse(itemTime) : Number.NaN;
  if (Number.isFinite(stored)) return new Date(stored);
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
}
