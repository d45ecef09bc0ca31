/**
 * A call's status, derived at read time (README "Receipts" → "Status").
 *
 * The stored receipts are the source of truth for a call's progress: the receipt writers (the MNS
 * poller and the HTTP push route) write receipt items and nothing else, so storing a receipt never
 * waits on a second, conditional write. GET /calls/{callId} reads the call's partition anyway and
 * folds the statuses found there:
 *
 *   - the call item's own `status`: `placed` (putPlacedCall), `cancelled` (cancelCall), or what the
 *     projection (statusProjection.ts, run by publishEvents from the table's stream) has applied;
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
import { STATUS_RANK, type CallStatus } from './callStore.ts';
import { nonEmptyText } from '../text.ts';

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

interface Candidate {
  status: CallStatus;
  rank: number;
  /** 0 for the call item (applied first), 1 for a receipt. */
  origin: 0 | 1;
  /** ISO-8601 UTC; '' when unknown (ordered after every time, see laterThan). */
  at: string;
  key: string;
}

/** A value read from the table is a status only when it is one of ours (own keys: never the prototype's). */
export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS_RANK, value);
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
  if (call && isCallStatus(call.status)) {
    best = { status: call.status, rank: STATUS_RANK[call.status], origin: 0, at: callUpdatedAt ?? '', key: '' };
  }
  for (const receipt of receipts) {
    if (!isCallStatus(receipt.status)) continue;
    const candidate: Candidate = {
      status: receipt.status,
      rank: STATUS_RANK[receipt.status],
      origin: 1,
      at: nonEmptyText(receipt.storedAt) ?? '',
      key: `${nonEmptyText(receipt.messageType) ?? ''}#${nonEmptyText(receipt.naturalKey) ?? ''}`,
    };
    if (!best || precedes(candidate, best)) best = candidate;
  }
  if (!best) return undefined;
  if (best.origin === 0) return { status: best.status, updatedAt: callUpdatedAt };
  const times = [best.at, callUpdatedAt].filter((value): value is string => value !== undefined && value !== '');
  return { status: best.status, updatedAt: times.sort().at(-1) };
}

/** Whether `a` wins over `b`: a higher rank; on equal rank, the one applied first. */
function precedes(a: Candidate, b: Candidate): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  if (a.origin !== b.origin) return a.origin < b.origin;
  if (a.at !== b.at) return laterThan(b.at, a.at);
  return a.key < b.key;
}

/** ISO-8601 UTC texts of one format compare as text; an unknown time ('') counts as the latest. */
function laterThan(x: string, y: string): boolean {
  if (x === '') return y !== '';
  if (y === '') return false;
  return x > y;
}
