/**
 * Receipt codes → the call's normalised status (design.md vocabulary), in one place. Codes and
 * their meanings: spec §5.6 (carrier table, doc 55085, and the smart status list).
 */
import type { CallStatus } from '../store/callStore.ts';

/**
 * `status_code` → status, per message type.
 *
 * - VoiceCallReport carries progress only (spec §5.3, §5.5): dialing/ringing states and the
 *   in-call states. Its "ended" code (200100) and anything else give no status: the outcome of a
 *   call is VoiceReport's to say, and a final status once set can never be replaced (same rank).
 * - VoiceReport is the final record (spec §5.3). Codes not listed here fall back to
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
 * `smart_status_code` → status (spec §5.6 smart status list): the secondary signal of a VoiceReport
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
  if (signals.duration !== undefined && signals.duration > 0) return 'completed';
  return 'failed';
}

/** Own keys only: a receipt saying `"status_code": "constructor"` must not find Object's prototype. */
function lookup<T>(table: Readonly<Record<string, T>> | undefined, key: string | undefined): T | undefined {
  return table !== undefined && key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
