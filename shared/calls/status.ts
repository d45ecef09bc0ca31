/**
 * The call-status model, in one place: the vocabulary a call's status is written in, the progress
 * rank of each status and the forward-only rule built on it, the mapping from Alibaba's receipt
 * codes to a status, and the derivation of a call's status from its stored receipts. The store, the
 * receipts, the stream projection, the events, HTTP and the OpenAPI enum all use this module.
 *
 * Receipt codes and their meanings: docs/alibaba/receipts.md#status-codes. How a status is
 * derived, stored and projected: docs/receipts.md#status.
 */
import { nonEmptyText } from '../text.ts';

/** Every normalised call status, in rank order (GET /calls/{callId}, docs/http-api.md). */
export const CALL_STATUSES = ['placed', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'cancelled'] as const;

export type CallStatus = (typeof CALL_STATUSES)[number];

/**
 * Progress rank of each status: a status applies only when it moves the call forward, so a late or
 * out-of-order receipt never moves a finished call backwards, and a final status (rank 3) is never
 * replaced by another.
 */
export const STATUS_RANK: Readonly<Record<CallStatus, number>> = {
  placed: 0,
  ringing: 1,
  'in-progress': 2,
  completed: 3,
  busy: 3,
  'no-answer': 3,
  failed: 3,
  cancelled: 3,
};

/** The rank of the final statuses: the call is over, and nothing moves it again. */
export const FINAL_RANK = 3;

/** A value read from the table or a body is a status only when it is one of ours (own keys: never the prototype's). */
export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS_RANK, value);
}

/** Whether the call is over: completed, busy, no-answer, failed or cancelled. */
export function isFinalStatus(status: CallStatus): boolean {
  return STATUS_RANK[status] >= FINAL_RANK;
}

/**
 * The forward-only rule: `next` applies over `current` only when it ranks strictly higher (nothing
 * applies over a final status). The conditional writes of the store express the same rule as
 * `attribute_not_exists(statusRank) OR statusRank < :rank`.
 *
 * @example movesForward('ringing', 'busy') // true
 * @example movesForward('completed', 'failed') // false: a final status stays
 */
export function movesForward(current: CallStatus | undefined, next: CallStatus): boolean {
  return current === undefined || STATUS_RANK[next] > STATUS_RANK[current];
}

// ---------------------------------------------------------------------------------------------
// Receipt codes → status (docs/alibaba/receipts.md#status-codes)
// ---------------------------------------------------------------------------------------------

/**
 * `status_code` → status, per message type.
 *
 * - VoiceCallReport carries progress only (docs/alibaba/receipts.md#message-types, docs/alibaba/receipts.md#receipt-fields): dialing/ringing states and the
 *   in-call states. Its "ended" code (200100) and anything else give no status: the outcome of a
 *   call is VoiceReport's to say, and a final status once set can never be replaced (same rank).
 * - VoiceReport is the final record (docs/alibaba/receipts.md#message-types). Codes not listed here fall back to
 *   `smart_status_code`, then to `duration > 0` (talked, so completed), then to `failed`
 *   (see statusForReceipt).
 * - VoiceRecordReport gives no status.
 */
export const STATUS_BY_CODE: Readonly<Record<string, Readonly<Record<string, CallStatus>>>> = {
  VoiceCallReport: {
    '200101': 'ringing', // connecting (the caller, for two-leg calls)
    '200102': 'ringing', // caller connected, connecting the callee
    '200201': 'ringing', // callee ringing
    '200103': 'in-progress', // both connected, in call
    '300000': 'in-progress', // a DTMF key press: someone answered
  },
  VoiceReport: {
    '200000': 'completed', // listened to the whole message
    '200001': 'completed', // answered, hung up early
    '200008': 'completed', // answered, key-press timeout
    '200100': 'completed', // two-leg call ended
    '200002': 'busy',
    '200112': 'busy', // two-leg: callee busy
    '200003': 'no-answer', // rang, not answered
    '200113': 'no-answer', // two-leg: callee did not answer
    '200004': 'failed', // number invalid
    '200005': 'failed', // unreachable / rejected
    '200006': 'failed', // playback failed
    '200007': 'failed', // out of service area
    '200010': 'failed', // powered off
    '200011': 'failed', // suspended
    '200012': 'failed', // call restricted
    '200104': 'failed', // caller number restricted
    '200105': 'failed', // callee number restricted
    '200111': 'failed', // two-leg: callee rejected
    '200116': 'failed', // two-leg: callee number invalid
    '200117': 'failed', // displayed number not allowed
    '200118': 'failed', // supplier time-window restriction
    '200119': 'failed', // supplier frequency restriction
    '200120': 'failed', // two-leg: callee out of service area
    '200121': 'failed', // over the concurrency limit
    '200130': 'failed', // other
    // 9996 (call not established or already ended) is left to smart_status_code: CANCEL means the
    // call was cancelled; without it the fallback makes it failed.
    '999999': 'failed', // system error
    '500': 'failed', // carrier error
    '400': 'failed', // network element busy
    '482': 'failed', // callee unavailable
    '476': 'failed', // number reclaimed
  },
};

/**
 * `smart_status_code` → status (docs/alibaba/receipts.md#status-codes smart status list): the secondary signal of a VoiceReport
 * whose `status_code` is missing or unknown. `CALL_FORWARDING`, `INTELLIGENT_ANSWER` and `OTHER(S)`
 * say nothing certain about the outcome and are not listed.
 */
export const STATUS_BY_SMART_CODE: Readonly<Record<string, CallStatus>> = {
  ANSWERED: 'completed',
  USER_BUSY: 'busy',
  NO_ANSWER: 'no-answer',
  NO_USER_RESPONDING: 'no-answer',
  CANCEL: 'cancelled',
  CALL_REJECTED: 'failed',
  INVALID_NUMBER: 'failed',
  POWERED_OFF: 'failed',
  SUSPEND: 'failed',
  UNAVAILABLE: 'failed',
  NETWORK_BUSY: 'failed',
  OPERATOR_BLOCK: 'failed',
  INCOMING_CALL_BARRED: 'failed',
};

/** Message types whose receipts are final call records (the fallback chain applies). */
const FINAL_RECORD_TYPES = new Set(['VoiceReport']);

export interface StatusSignals {
  statusCode?: string;
  smartStatusCode?: string;
  duration?: number;
}

/**
 * The normalised status a receipt implies, or undefined when it implies none.
 *
 * @example statusForReceipt('VoiceReport', { statusCode: '200002' }) // 'busy'
 * @example statusForReceipt('VoiceReport', { statusCode: '123', duration: 7 }) // 'completed'
 * @example statusForReceipt('VoiceCallReport', { statusCode: '200100' }) // undefined
 */
export function statusForReceipt(messageType: string, signals: StatusSignals): CallStatus | undefined {
  const byCode = lookup(lookup(STATUS_BY_CODE, messageType), signals.statusCode);
  if (byCode) return byCode;
  if (!FINAL_RECORD_TYPES.has(messageType)) return undefined;
  const bySmartCode = lookup(STATUS_BY_SMART_CODE, signals.smartStatusCode?.toUpperCase());
  if (bySmartCode) return bySmartCode;
  if ((signals.duration ?? 0) > 0) return 'completed';
  return 'failed';
}

/** Own keys only: a receipt saying `"status_code": "constructor"` must not find Object's prototype. */
function lookup<T>(table: Readonly<Record<string, T>> | undefined, key: string | undefined): T | undefined {
  return table !== undefined && key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

// ---------------------------------------------------------------------------------------------
// A call's status, derived from its stored receipts at read time
// ---------------------------------------------------------------------------------------------
/*
 * docs/receipts.md#status.
 *
 * The stored receipts are the source of truth for a call's progress: the receipt writers (the MNS
 * poller and the HTTP push route) write receipt items and nothing else, so storing a receipt never
 * waits on a second, conditional write. GET /calls/{callId} reads the call's partition anyway and
 * folds the statuses found there:
 *
 *   - the call item's own `status`: `placed` (putPlacedCall), `cancelled` (cancelCall), or what the
 *     projection (statusProjection.ts, run by processCallChanges from the table's stream) has applied;
 *   - the normalised `status` of every stored receipt.
 *
 * The fold applies the rule the conditional updates apply (STATUS_RANK, forward only): the highest
 * rank wins; between equal ranks, what was applied first stays. "First" is, in this order:
 *   1. the call item's status: whatever it holds was applied before any receipt the projection has
 *      not yet applied (a cancel that landed on the call item, or a receipt's status already
 *      projected), and the projection's condition would refuse those receipts too;
 *   2. then the receipt stored first (`storedAt`), and on the same instant the smaller
 *      `<messageType>#<naturalKey>`, so that every pair of candidates is ordered.
 * A total order makes the fold a maximum over a set: it does not depend on the order the receipts
 * were stored, read or listed in. Adding a receipt can therefore only keep the result or move it to
 * a higher rank, so a late or out-of-order receipt never moves a finished call backwards, and two
 * final statuses never replace each other (a call has one VoiceReport, its only final receipt).
 */

/** The call item's fields the fold reads (absent for a call known only from its receipts). */
export interface CallStatusSource {
  status?: unknown;
  updatedAt?: unknown;
}

/** A stored receipt's fields the fold reads. */
export interface ReceiptStatusSource {
  status?: unknown;
  storedAt?: unknown;
  messageType?: unknown;
  naturalKey?: unknown;
}

export interface DerivedStatus {
  status: CallStatus;
  /**
   * When the call reached `status`: the call item's `updatedAt` when its own status wins (the
   * projection writes the receipt's `storedAt` there, so the value stays the same once projected);
   * when a receipt not yet projected wins, the later of its `storedAt` and the call item's
   * `updatedAt` (a call is never updated before it was last written). Undefined when neither is known.
   */
  updatedAt: string | undefined;
}

/** A stored receipt's status, with what orders it among receipts of the same rank. */
interface Candidate {
  status: CallStatus;
  rank: number;
  /** ISO-8601 UTC; '' when unknown (ordered after every time, see laterThan). */
  at: string;
  key: string;
}

/**
 * The call's status: the fold of the call item's status and every receipt's (see the module
 * comment), or undefined when none of them implies one (a call known only from a recording).
 *
 * @example deriveCallStatus({ status: 'placed', updatedAt: 't0' }, [{ status: 'ringing', storedAt: 't1' }, { status: 'busy', storedAt: 't2' }])
 *   // { status: 'busy', updatedAt: 't2' }
 * @example deriveCallStatus({ status: 'completed', updatedAt: 't1' }, [{ status: 'ringing', storedAt: 't9' }])
 *   // { status: 'completed', updatedAt: 't1' }: a late receipt changes nothing
 */
export function deriveCallStatus(call: CallStatusSource | undefined, receipts: readonly ReceiptStatusSource[]): DerivedStatus | undefined {
  const callUpdatedAt = nonEmptyText(call?.updatedAt);
  let best: Candidate | undefined;
  for (const receipt of receipts) {
    if (!isCallStatus(receipt.status)) continue;
    const candidate: Candidate = {
      status: receipt.status,
      rank: STATUS_RANK[receipt.status],
      at: nonEmptyText(receipt.storedAt) ?? '',
      key: `${nonEmptyText(receipt.messageType) ?? ''}#${nonEmptyText(receipt.naturalKey) ?? ''}`,
    };
    if (!best || precedes(candidate, best)) best = candidate;
  }
  // The call item's status was applied before any receipt: it wins over the receipts of its rank.
  if (call && isCallStatus(call.status) && (!best || STATUS_RANK[call.status] >= best.rank)) {
    return { status: call.status, updatedAt: callUpdatedAt };
  }
  if (!best) return undefined;
  const times = [best.at, callUpdatedAt].filter((value): value is string => value !== undefined && value !== '');
  return { status: best.status, updatedAt: times.sort().at(-1) };
}

/** Whether receipt `a` wins over receipt `b`: a higher rank; on equal rank, the one applied first. */
function precedes(a: Candidate, b: Candidate): boolean {
  return a.rank > b.rank || (a.rank === b.rank && appliedBefore(a, b));
}

/** Of two receipts, the one stored first; on the same instant, the smaller key. */
function appliedBefore(a: Candidate, b: Candidate): boolean {
  if (a.at !== b.at) return laterThan(b.at, a.at);
  return a.key < b.key;
}

/** ISO-8601 UTC texts of one format compare as text; an unknown time ('') counts as the latest. */
function laterThan(x: string, y: string): boolean {
  if (x === '') return y !== '';
  if (y === '') return false;
  return x > y;
}
