/**
 * The calls table's key layout, in one place (docs/receipts.md#table-design). Every item of the
 * table is addressed here; nothing else in the bundle spells a key prefix.
 *
 *   pk = CALL#<callId>             sk = CALL                               the call
 *   pk = CALL#<callId>             sk = RECEIPT#<messageType>#<naturalKey> one of its receipts
 *   pk = INVALID#<messageType>     sk = <receivedAt ISO>#<messageId>       a receipt body that could not be used, raw
 *   pk = REJECTED#<source>         sk = <receivedAt ISO>#<messageId>       a queued or event request refused for good
 *   pk = FLOW#<keyed hash>         sk = FLOW                               a number's recent placements (flowControlStore.ts)
 *   pk = REQUEST#<requestId>       sk = REQUEST                            a call request (callRequestStore.ts)
 *
 * The sparse index `due` (dueShard, dueAt) holds the call requests waiting for something: the
 * sweeper's work list.
 *
 * Keys are deterministic, so a redelivery overwrites its item instead of adding one. Every item
 * carries TTL_ATTRIBUTE in epoch SECONDS.
 */

/** The table's TTL attribute (epoch seconds; a millisecond value would never expire). */
export const TTL_ATTRIBUTE = 'expiresAt';

const CALL_PK_PREFIX = 'CALL#';
export const CALL_SK = 'CALL';
export const RECEIPT_SK_PREFIX = 'RECEIPT#';
const INVALID_PK_PREFIX = 'INVALID#';
const REJECTED_PK_PREFIX = 'REJECTED#';
const FLOW_PK_PREFIX = 'FLOW#';
const FLOW_SK = 'FLOW';
const REQUEST_PK_PREFIX = 'REQUEST#';
export const REQUEST_SK = 'REQUEST';

/** The index of call requests by when they are due (serverless.yml CallsTable, GlobalSecondaryIndexes). */
export const DUE_INDEX = 'due';
/** Partitions of the due index; a request's is fixed by its id. */
export const DUE_SHARDS = 8;

/** A table key. */
export type ItemKey = {
  pk: string;
  sk: string;
};

/** The partition of one call: its call item and its receipts. */
export const callPk = (callId: string): string => `${CALL_PK_PREFIX}${callId}`;

export const callKey = (callId: string): ItemKey => ({ pk: callPk(callId), sk: CALL_SK });

export const receiptKey = (callId: string, messageType: string, naturalKey: string): ItemKey => ({
  pk: callPk(callId),
  sk: `${RECEIPT_SK_PREFIX}${messageType}#${naturalKey}`,
});

export const invalidReceiptKey = (messageType: string, receivedAt: string, messageId: string): ItemKey => ({
  pk: `${INVALID_PK_PREFIX}${messageType}`,
  sk: `${receivedAt}#${messageId}`,
});

export const rejectedRequestPk = (source: string): string => `${REJECTED_PK_PREFIX}${source}`;

export const rejectedRequestKey = (source: string, receivedAt: string, messageId: string): ItemKey => ({
  pk: rejectedRequestPk(source),
  sk: `${receivedAt}#${messageId}`,
});

/** A number's flow-control history, named by the keyed hash of the number (never the number). */
export const flowControlKey = (numberHash: string): ItemKey => ({ pk: `${FLOW_PK_PREFIX}${numberHash}`, sk: FLOW_SK });

export const callRequestKey = (requestId: string): ItemKey => ({ pk: `${REQUEST_PK_PREFIX}${requestId}`, sk: REQUEST_SK });

/** The due-index partition of a request: a stable spread of ids over DUE_SHARDS. */
export function dueShardOf(requestId: string): string {
  let hash = 0;
  for (let index = 0; index < requestId.length; index++) hash = (hash * 31 + requestId.charCodeAt(index)) >>> 0;
  return `DUE#${hash % DUE_SHARDS}`;
}

/** What a key of the table names: a call item, one receipt, a call request, or something else. */
export type CallItemKind =
  | { kind: 'call'; callId: string }
  | { kind: 'request'; requestId: string }
  | { kind: 'receipt'; callId: string; messageType: string; /** `<messageType>#<naturalKey>`. */ typeAndKey: string }
  | { kind: 'other' };

/**
 * Reads a key back (stream records, query results).
 *
 * @example parseKey('CALL#1^2', 'RECEIPT#VoiceReport#1^2') // { kind: 'receipt', callId: '1^2', messageType: 'VoiceReport', typeAndKey: 'VoiceReport#1^2' }
 */
export function parseKey(pk: string | undefined, sk: string | undefined): CallItemKind {
  if (pk?.startsWith(REQUEST_PK_PREFIX) && sk === REQUEST_SK) return { kind: 'request', requestId: pk.slice(REQUEST_PK_PREFIX.length) };
  if (pk === undefined || sk === undefined || !pk.startsWith(CALL_PK_PREFIX)) return { kind: 'other' };
  const callId = pk.slice(CALL_PK_PREFIX.length);
  if (sk === CALL_SK) return { kind: 'call', callId };
  if (sk.startsWith(RECEIPT_SK_PREFIX)) {
    const typeAndKey = sk.slice(RECEIPT_SK_PREFIX.length);
    return { kind: 'receipt', callId, messageType: typeAndKey.split('#')[0]!, typeAndKey };
  }
  return { kind: 'other' };
}
