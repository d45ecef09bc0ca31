/**
 * A large backlog (docs/receipts.md): 10,000 receipts of the three types over 3,400 calls,
 * drained by the pollReceipts handler (invoked again until the queues report empty, as the
 * one-minute schedule would), end with exactly 10,000 receipt items, each once, each with a TTL in
 * epoch seconds, every call at its final status (GET /calls/{callId}), and 10,000 messages deleted. No timing is
 * asserted; the duration is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enqueueReceipts,
  expectExactlyOnce,
  expectQueuesEmpty,
  itemsWithPrefix,
  pollUntilEmpty,
  startReceiptsBundle,
  statusesViaGet,
  sumStats,
  totals,
  uniquePrefix,
  type ReceiptsBundle,
} from './support.ts';

let bundle: ReceiptsBundle;

beforeAll(async () => {
  // Default 30 s visibility timeout: a healthy drain never sees a message twice.
  bundle = await startReceiptsBundle({ receiptDelayMs: 0 });
});
afterAll(async () => {
  await bundle?.stop();
});

const CALLS = 3_400;
const RECORDINGS = 3_200;

describe('a backlog of 10,000 receipts', () => {
  it('is drained into exactly 10,000 receipt items, each once, and the queues end empty', { timeout: 300_000 }, async () => {
    const prefix = uniquePrefix('bl');
    const callId = `${prefix}-{n}^9`;
    const sent = [
      // One final record per call, alternately answered and busy.
      ...enqueueReceipts(
        bundle.sandbox,
        'VoiceReport',
        [
          { call_id: callId, status_code: '200000', smart_status_code: 'ANSWERED', duration: '22', start_time: '2024-01-15 16:30:09' },
          { call_id: callId, status_code: '200002', smart_status_code: 'USER_BUSY', duration: '0' },
        ],
        CALLS,
      ),
      // One intermediate state per call, in another queue, so it races the final record.
      ...enqueueReceipts(
        bundle.sandbox,
        'VoiceCallReport',
        [
          { call_id: callId, status_code: '200101', status_time: '2024-01-15 16:30:01' },
          { call_id: callId, status_code: '200103', status_time: '2024-01-15 16:30:09', smart_status_code: 'ANSWERED' },
        ],
        CALLS,
      ),
      ...enqueueReceipts(
        bundle.sandbox,
        'VoiceRecordReport',
        [{ call_id: callId, status_code: '200000', duration: 22, record_file: 'https://sandbox-recordings.invalid/{n}.wav' }],
        RECORDINGS,
      ),
    ];
    expect(sent).toHaveLength(10_000);
    expect(new Set(sent.map(({ receipt }) => receipt.call_id)).size).toBe(CALLS);

    const started = performance.now();
    const { polls, stats } = await pollUntilEmpty(bundle, { remainingMs: 120_000, maxPolls: 20 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`backlog: 10,000 receipts drained in ${seconds.toFixed(1)} s over ${polls} invocation(s) (${Math.round(10_000 / seconds)} receipts/s)`);

    const items = await itemsWithPrefix(prefix);
    const receipts = items.filter((item) => String(item.sk).startsWith('RECEIPT#'));
    expect(receipts).toHaveLength(10_000);
    expectExactlyOnce(sent, items);

    // Every call ends at its VoiceReport's status (GET /calls/{callId}), whatever order the queues
    // were drained in. The poller writes receipts only: no call item (processCallChanges projects those).
    expect(items.filter((item) => item.sk === 'CALL')).toEqual([]);
    const callIds = [...new Set(sent.map(({ receipt }) => String(receipt.call_id)))];
    const statuses = await statusesViaGet(bundle, callIds);
    for (const callId of callIds) {
      const n = Number(/-(\d+)\^/.exec(callId)![1]);
      expect(statuses.get(callId), callId).toBe(n % 2 === 1 ? 'completed' : 'busy');
    }

    expectQueuesEmpty(bundle.sandbox, 10_000);
    expect(totals(bundle.sandbox).receivedTotal).toBe(10_000);
    expect(sumStats(stats, 'deleted')).toBe(10_000);
    expect(sumStats(stats, 'invalid')).toBe(0);
  });
});
