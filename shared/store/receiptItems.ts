/**
 * What a receipt message becomes in the calls table (keys in keys.ts): one receipt item per
 * receipt, or one invalid item holding the raw body, and the checks that keep an item within what
 * DynamoDB accepts (docs/receipts.md#table-design).
 */
import type { NormalisedReceipt } from '../receipts/normalise.ts';
import type { ReceiptMessage } from '../receipts/receiptMessage.ts';
import { invalidReceiptKey, receiptKey, TTL_ATTRIBUTE, type ItemKey } from './keys.ts';

/** DynamoDB items are at most 400 KB; receipt content above this is stored as an invalid raw body instead. */
const MAX_ITEM_BYTES = 300 * 1024;
/** An invalid raw body is cut to this many characters (MNS bodies are at most 64 KB anyway). */
export const MAX_RAW_BODY_CHARS = 200_000;
/** DynamoDB nests documents at most 32 levels deep. */
const MAX_DEPTH = 30;

/** When an item was stored and when it expires (epoch seconds). */
export interface StoreStamp {
  storedAt: string;
  expiresAt: number;
}

/** An item to write: its key and its other attributes. */
export interface ItemRecord {
  key: ItemKey;
  record: Record<string, unknown>;
}

/** The receipt item of one receipt of `message`. */
export function receiptItem(message: ReceiptMessage, receipt: NormalisedReceipt, stamp: StoreStamp): ItemRecord {
  return { key: receiptKey(receipt.callId, receipt.messageType, receipt.naturalKey), record: receiptRecord(message, receipt, stamp) };
}

/** The receipt's own times (docs/alibaba/receipts.md#receipt-fields), as normalise.ts leaves them. */
const RECEIPT_TIME_FIELDS = ['statusTime', 'endTime', 'startTime', 'ringTime', 'originateTime', 'recordBeginTime'] as const;
/** An instant with its offset: what normalise.ts makes of Alibaba's China time (`+08:00`, docs/alibaba/receipts.md#body-encoding). Other text is not trusted as a time. */
const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * When the event a receipt reports happened, epoch ms: the latest of its times (a receipt is sent
 * after the last event it describes: `status_time` of an intermediate state, `end_time` of a
 * finished call, `originate_time` of one never connected). Undefined when it carries none.
 */
export function receiptEventTime(receipt: NormalisedReceipt): number | undefined {
  let latest: number | undefined;
  for (const field of RECEIPT_TIME_FIELDS) {
    const value = receipt[field];
    if (typeof value !== 'string' || !ZONED_INSTANT.test(value)) continue;
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && (latest === undefined || ms > latest)) latest = ms;
  }
  return latest;
}

/** The attributes of a receipt item (without keys): normalised fields, the raw object, provenance, TTL. */
export function receiptRecord(message: ReceiptMessage, receipt: NormalisedReceipt, stamp: StoreStamp): Record<string, unknown> {
  return {
    ...receipt,
    messageId: message.messageId,
    messageType: message.messageType,
    receivedAt: new Date(message.enqueueTime).toISOString(),
    storedAt: stamp.storedAt,
    [TTL_ATTRIBUTE]: stamp.expiresAt,
  };
}

/** The invalid item of a message: its raw body (or its receipts as JSON), the reason, TTL. */
export function invalidItem(message: ReceiptMessage, reason: string, stamp: StoreStamp): ItemRecord {
  const receivedAt = new Date(message.enqueueTime).toISOString();
  const rawBody = message.invalid?.rawBody ?? receiptsText(message);
  const truncated = rawBody.length > MAX_RAW_BODY_CHARS;
  return {
    key: invalidReceiptKey(message.messageType, receivedAt, message.messageId),
    record: {
      messageId: message.messageId,
      messageType: message.messageType,
      rawBody: truncated ? rawBody.slice(0, MAX_RAW_BODY_CHARS) : rawBody,
      ...(truncated ? { rawBodyTruncated: true, rawBodyLength: rawBody.length } : {}),
      reason,
      receivedAt,
      storedAt: stamp.storedAt,
      [TTL_ATTRIBUTE]: stamp.expiresAt,
    },
  };
}

/** A message's receipts as JSON text; a text saying why when JSON.stringify cannot write them (nested too deep for its recursion). */
function receiptsText(message: ReceiptMessage): string {
  try {
    return JSON.stringify(message.receipts.map((receipt) => receipt.raw));
  } catch (error) {
    return `[not kept: the receipts could not be written as JSON (${error instanceof Error ? error.name : 'error'})]`;
  }
}

/**
 * Why DynamoDB would refuse this content (nesting, number range, empty map keys, size), or
 * undefined. The nesting first: a walk that stops at MAX_DEPTH, before JSON.stringify recurses.
 */
export function unstorableReason(record: Record<string, unknown>): string | undefined {
  const problem = unstorableValue(record, 0);
  if (problem) return problem;
  let serialised: string;
  try {
    serialised = JSON.stringify(record);
  } catch {
    return 'not serialisable';
  }
  if (Buffer.byteLength(serialised) > MAX_ITEM_BYTES) return `larger than ${MAX_ITEM_BYTES} bytes`;
  return undefined;
}

function unstorableValue(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  if (typeof value === 'number') {
    // DynamoDB numbers: magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125, or zero.
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || (magnitude !== 0 && (magnitude < 1e-130 || magnitude >= 1e126))) return `number ${value} is out of range`;
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const entry of value) {
      const problem = unstorableValue(entry, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      if (key === '') return 'an empty attribute name';
      const problem = unstorableValue(entry, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

