/**
 * The status a call shows (GET /calls/{callId}) is a fold of its call item's status and its stored
 * receipts' statuses (shared/calls/status.ts). These properties pin down that it is the same
 * rule the forward-only conditional updates apply, and that it does not depend on order.
 *
 * The expected ranks are written out here, never read from the module's STATUS_RANK: a test that
 * takes the implementation's table as its oracle passes whatever the table says (two ranks swapped
 * included), see test/unit/literalExpectations.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, deriveCallStatus, isCallStatus, isFinalStatus, movesForward, STATUS_RANK, type CallStatus, type ReceiptStatusSource } from '#shared/calls/status';

/** docs/receipts.md#status: placed, then ringing, then in a call, then one of the final statuses. */
const RANK: Readonly<Record<CallStatus, number>> = {
  placed: 0,
  ringing: 1,
  'in-progress': 2,
  completed: 3,
  busy: 3,
  'no-answer': 3,
  failed: 3,
  cancelled: 3,
};
const STATUSES: CallStatus[] = ['placed', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'cancelled'];
const RECEIPT_STATUSES: CallStatus[] = ['ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'cancelled'];

/** Seconds of one minute as ISO times: collisions (the same storedAt) are likely, on purpose. */
const iso = fc.integer({ min: 0, max: 59 }).map((second) => `2026-11-24T15:41:${String(second).padStart(2, '0')}.000Z`);

const receipt: fc.Arbitrary<ReceiptStatusSource> = fc.record({
  status: fc.option(fc.constantFrom(...RECEIPT_STATUSES), { nil: undefined }),
  storedAt: iso,
  messageType: fc.constantFrom('VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'),
  naturalKey: fc.stringMatching(/^[a-z0-9]{1,6}$/),
});
/** A call's receipts: one item per natural key, as in the table. */
const receipts = fc.uniqueArray(receipt, { maxLength: 8, selector: (entry) => `${entry.messageType}#${entry.naturalKey}` });
const callItem = fc.option(fc.record({ status: fc.constantFrom(...STATUSES), updatedAt: iso }), { nil: undefined });

/**
 * What the conditional updates did before the fold existed: start from the call item's status and
 * apply each receipt in the order it was stored, only when it ranks strictly higher
 * (`attribute_not_exists(statusRank) OR statusRank < :rank`). Same-instant receipts go in key order.
 */
function sequentialConditionalUpdates(call: { status: CallStatus } | undefined, stored: readonly ReceiptStatusSource[]): CallStatus | undefined {
  let status = call?.status;
  const ordered = [...stored].sort((a, b) =>
    a.storedAt !== b.storedAt ? String(a.storedAt).localeCompare(String(b.storedAt)) : `${a.messageType}#${a.naturalKey}` < `${b.messageType}#${b.naturalKey}` ? -1 : 1,
  );
  for (const entry of ordered) {
    const next = entry.status as CallStatus | undefined;
    if (next !== undefined && (status === undefined || RANK[next] > RANK[status])) status = next;
  }
  return status;
}

describe('the status vocabulary and its ranks', () => {
  it('lists the statuses in rank order (the OpenAPI enum, docs/http-api.md)', () => {
    expect(CALL_STATUSES).toEqual(STATUSES);
  });

  it('ranks placed < ringing < in-progress < every final status', () => {
    expect(STATUS_RANK).toEqual(RANK);
  });

  it.each([
    ['placed', false],
    ['ringing', false],
    ['in-progress', false],
    ['completed', true],
    ['busy', true],
    ['no-answer', true],
    ['failed', true],
    ['cancelled', true],
  ] as const)('%s is final: %s', (status, final) => {
    expect(isFinalStatus(status)).toBe(final);
  });

  it('movesForward: only to a strictly higher rank; anything applies to a call with no status yet', () => {
    expect(movesForward('ringing', 'in-progress')).toBe(true);
    expect(movesForward('in-progress', 'ringing')).toBe(false);
    expect(movesForward('placed', 'ringing')).toBe(true);
    expect(movesForward('ringing', 'ringing')).toBe(false);
    expect(movesForward('in-progress', 'busy')).toBe(true);
    expect(movesForward('completed', 'failed')).toBe(false);
    expect(movesForward('cancelled', 'in-progress')).toBe(false);
    expect(movesForward(undefined, 'placed')).toBe(true);
    for (const current of STATUSES) {
      for (const next of STATUSES) expect(movesForward(current, next), `${current} → ${next}`).toBe(RANK[next] > RANK[current]);
    }
  });

  it('isCallStatus: our own status texts only, never a value that merely prints as one', () => {
    for (const status of STATUSES) expect(isCallStatus(status)).toBe(true);
    expect(isCallStatus('RINGING')).toBe(false);
    expect(isCallStatus('constructor')).toBe(false);
    expect(isCallStatus(['ringing'])).toBe(false);
    expect(isCallStatus({ toString: () => 'busy' })).toBe(false);
    expect(isCallStatus(3)).toBe(false);
    expect(isCallStatus(undefined)).toBe(false);
  });
});

describe('deriveCallStatus', () => {
  it('is the forward-only conditional update rule, applied in the order the receipts were stored', () => {
    fc.assert(
      fc.property(callItem, receipts, (call, stored) => {
        expect(deriveCallStatus(call, stored)?.status).toBe(sequentialConditionalUpdates(call, stored));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives the same status and time whatever order the receipts are read in', () => {
    fc.assert(
      fc.property(
        callItem,
        receipts.chain((stored) => fc.tuple(fc.constant(stored), fc.shuffledSubarray(stored, { minLength: stored.length, maxLength: stored.length }))),
        (call, [stored, permuted]) => {
          expect(deriveCallStatus(call, permuted)).toEqual(deriveCallStatus(call, stored));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('never moves backwards: a late receipt (stored after the others) keeps the status or moves it to a higher rank; a final status stays', () => {
    fc.assert(
      fc.property(callItem, receipts, receipt, (call, stored, extra) => {
        fc.pre(!stored.some((entry) => entry.messageType === extra.messageType && entry.naturalKey === extra.naturalKey));
        // After every generated time (they are all within 15:41).
        const late = { ...extra, storedAt: '2026-11-24T15:42:00.000Z' };
        const before = deriveCallStatus(call, stored)?.status;
        const after = deriveCallStatus(call, [...stored, late])?.status;
        if (before === undefined) return;
        expect(RANK[after!]).toBeGreaterThanOrEqual(RANK[before]);
        if (RANK[before] === 3) expect(after).toBe(before);
      }),
      { numRuns: 2_000 },
    );
  });

  it('whatever the order receipts arrive in, the status read after each one never goes down in rank', () => {
    fc.assert(
      fc.property(callItem, receipts, (call, stored) => {
        const ranks = stored.map((_, count) => deriveCallStatus(call, stored.slice(0, count + 1))?.status).map((status) => (status === undefined ? -1 : RANK[status]));
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }),
      { numRuns: 2_000 },
    );
  });

  it('a late ringing receipt does not move a completed call back', () => {
    const derived = deriveCallStatus({ status: 'placed', updatedAt: '2026-11-24T15:41:00.000Z' }, [
      { status: 'completed', storedAt: '2026-11-24T15:41:31.000Z', messageType: 'VoiceReport', naturalKey: 'c' },
      { status: 'ringing', storedAt: '2026-11-24T15:41:40.000Z', messageType: 'VoiceCallReport', naturalKey: 'c#200101' },
    ]);
    expect(derived).toEqual({ status: 'completed', updatedAt: '2026-11-24T15:41:31.000Z' });
  });

  it('a cancel recorded on the call item stays against a final receipt stored after it; a final receipt stored first is not replaced by it', () => {
    const voiceReport = { status: 'failed', storedAt: '2026-11-24T15:41:31.000Z', messageType: 'VoiceReport', naturalKey: 'c' };
    // cancelCall's conditional update landed first: the projection would refuse the receipt too.
    expect(deriveCallStatus({ status: 'cancelled', updatedAt: '2026-11-24T15:41:20.000Z' }, [voiceReport])).toEqual({
      status: 'cancelled',
      updatedAt: '2026-11-24T15:41:20.000Z',
    });
    // The receipt was projected first: cancelCall's update was refused, the call item holds the receipt's status.
    expect(deriveCallStatus({ status: 'failed', updatedAt: voiceReport.storedAt }, [voiceReport])?.status).toBe('failed');
  });

  it('updatedAt: the receipt that set the status, never before the call item was written; unchanged once projected', () => {
    const call = { status: 'placed', updatedAt: '2026-11-24T15:41:00.000Z' };
    const ringing = { status: 'ringing', storedAt: '2026-11-24T15:41:05.000Z', messageType: 'VoiceCallReport', naturalKey: 'a' };
    const busy = { status: 'busy', storedAt: '2026-11-24T15:41:20.000Z', messageType: 'VoiceReport', naturalKey: 'b' };
    expect(deriveCallStatus(call, [busy, ringing])).toEqual({ status: 'busy', updatedAt: busy.storedAt });
    // The projection writes the receipt's storedAt as the call item's updatedAt.
    expect(deriveCallStatus({ status: 'busy', updatedAt: busy.storedAt }, [busy, ringing])).toEqual({ status: 'busy', updatedAt: busy.storedAt });
    // A receipt stored before the placing write landed (a race): not before the call item's own time.
    expect(deriveCallStatus({ status: 'placed', updatedAt: '2026-11-24T15:41:30.000Z' }, [busy])).toEqual({ status: 'busy', updatedAt: '2026-11-24T15:41:30.000Z' });
  });

  it('a late ringing receipt does not move a call in progress back', () => {
    const derived = deriveCallStatus({ status: 'placed', updatedAt: '2026-11-24T15:41:00.000Z' }, [
      { status: 'in-progress', storedAt: '2026-11-24T15:41:10.000Z', messageType: 'VoiceCallReport', naturalKey: 'c#200103' },
      { status: 'ringing', storedAt: '2026-11-24T15:41:20.000Z', messageType: 'VoiceCallReport', naturalKey: 'c#200201' },
    ]);
    expect(derived).toEqual({ status: 'in-progress', updatedAt: '2026-11-24T15:41:10.000Z' });
    // Projected already: the call item holds in-progress, and the late ringing receipt changes nothing.
    expect(deriveCallStatus({ status: 'in-progress', updatedAt: '2026-11-24T15:41:10.000Z' }, [
      { status: 'ringing', storedAt: '2026-11-24T15:41:20.000Z', messageType: 'VoiceCallReport', naturalKey: 'c#200201' },
    ])).toEqual({ status: 'in-progress', updatedAt: '2026-11-24T15:41:10.000Z' });
  });

  it('updatedAt of a call known only from its receipts: when the winning receipt was stored', () => {
    const ringing = { status: 'ringing', storedAt: '2026-11-24T15:41:05.000Z', messageType: 'VoiceCallReport', naturalKey: 'a' };
    const busy = { status: 'busy', storedAt: '2026-11-24T15:41:20.000Z', messageType: 'VoiceReport', naturalKey: 'b' };
    expect(deriveCallStatus(undefined, [ringing])).toEqual({ status: 'ringing', updatedAt: ringing.storedAt });
    expect(deriveCallStatus(undefined, [ringing, busy])).toEqual({ status: 'busy', updatedAt: busy.storedAt });
    // A call item without a status (or without a time) is no time either.
    expect(deriveCallStatus({}, [busy])).toEqual({ status: 'busy', updatedAt: busy.storedAt });
    // Neither time known: undefined, never an empty text.
    expect(deriveCallStatus(undefined, [{ status: 'busy', messageType: 'VoiceReport', naturalKey: 'b' }])).toStrictEqual({ status: 'busy', updatedAt: undefined });
    expect(deriveCallStatus({ status: 'placed', updatedAt: '' }, [{ status: 'busy', storedAt: '', messageType: 'VoiceReport', naturalKey: 'b' }])).toStrictEqual({
      status: 'busy',
      updatedAt: undefined,
    });
  });

  it('between receipts of one rank, a receipt with a time was applied before one without (an unknown time counts as the latest)', () => {
    const timed = { status: 'ringing', storedAt: '2026-11-24T15:41:05.000Z', messageType: 'VoiceCallReport', naturalKey: 'b' };
    const untimed = { status: 'ringing', messageType: 'VoiceCallReport', naturalKey: 'a' };
    expect(deriveCallStatus(undefined, [untimed, timed])).toEqual({ status: 'ringing', updatedAt: timed.storedAt });
    expect(deriveCallStatus(undefined, [timed, untimed])).toEqual({ status: 'ringing', updatedAt: timed.storedAt });
  });

  it('between receipts of one rank stored at one instant, the smaller message type and key was applied first', () => {
    const at = '2026-11-24T15:41:05.000Z';
    const first = { status: 'busy', storedAt: at, messageType: 'VoiceReport', naturalKey: 'a' };
    const second = { status: 'failed', storedAt: at, messageType: 'VoiceReport', naturalKey: 'b' };
    const third = { status: 'completed', storedAt: at, messageType: 'VoiceReportX', naturalKey: 'a' };
    const call = { status: 'placed', updatedAt: '2026-11-24T15:41:00.000Z' };
    expect(deriveCallStatus(call, [second, first, third])).toEqual({ status: 'busy', updatedAt: at });
    expect(deriveCallStatus(call, [third, first, second])).toEqual({ status: 'busy', updatedAt: at });
    expect(deriveCallStatus(call, [third, second])).toEqual({ status: 'failed', updatedAt: at });
  });

  it('no status at all: a call known only from a recording', () => {
    expect(deriveCallStatus(undefined, [{ storedAt: '2026-11-24T15:41:05.000Z', messageType: 'VoiceRecordReport', naturalKey: 'a' }])).toBeUndefined();
  });

  it('ignores what is not a status (own keys only, never the prototype\'s)', () => {
    expect(deriveCallStatus({ status: 'constructor', updatedAt: 'x' }, [{ status: 'toString', storedAt: 'y' }, { status: 42, storedAt: 'z' }])).toBeUndefined();
  });
});
