/**
 * MNS misbehaving (docs/alibaba/mns.md#batchreceivemessage, docs/alibaba/mns.md#batchdeletemessage, docs/alibaba/mns.md#errors; docs/receipts.md): 5xx answers, dropped connections
 * and slow answers on BatchReceiveMessage and BatchDeleteMessage, and deletes that fail for some
 * handles. Transient failures are retried; a delete that finally fails leaves stored messages in
 * the queue, and their redelivery after the visibility timeout is deduplicated. After a final clean
 * poll: every receipt stored exactly once, the queues empty, no message ever deleted unstored.
 */
import { describe, expect, it } from 'vitest';
import {
  auditedReceiptsSuite,
  enqueueCalls,
  enqueueReceipts,
  expectQueuesEmpty,
  expectStoredExactlyOnce,
  mnsAnswers,
  pollUntilEmpty,
  rejectionOf,
  statsOf,
  sumStats,
  totals,
  uniquePrefix,
  MESSAGE_TYPES,
} from './support.ts';

// A short visibility timeout: messages stored but not deleted come back within the test.
const suite = auditedReceiptsSuite({ receiptDelayMs: 0, visibilityTimeoutMs: 1_500 });

const faultedRequests = (operation: 'BatchReceiveMessage' | 'BatchDeleteMessage') =>
  suite.bundle.sandbox.control.mnsRequests().filter((request) => request.operation === operation && request.fault);

describe('BatchReceiveMessage failing', () => {
  it('5xx answers (InternalError) are retried within the poll: everything stored once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('rx5'), 6);
    suite.bundle.sandbox.control.addFault({ target: 'mns-receive', error: { code: 'InternalError' }, count: 2 });

    const result = await suite.bundle.poll();

    expect(faultedRequests('BatchReceiveMessage')).toHaveLength(2);
    expect(mnsAnswers(suite.bundle.sandbox, 'BatchReceiveMessage', 'InternalError')).toHaveLength(2);
    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ stored: 6, deleted: 6, stoppedBecause: 'empty' });
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 18);
  });

  it('dropped connections (no answer at all) are retried within the poll: everything stored once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('rxDrop'), 6);
    suite.bundle.sandbox.control.addFault({ target: 'mns-receive', drop: true, count: 2 });

    const result = await suite.bundle.poll();

    expect(faultedRequests('BatchReceiveMessage')).toHaveLength(2);
    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ stored: 6, deleted: 6, stoppedBecause: 'empty' });
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 18);
  });

  it('5xx on every attempt: ReceiptPollError for each queue, nothing taken; the next poll stores everything once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('rx5all'), 4);
    // Three attempts per receive (the first and two retries), for each of the three queues.
    suite.bundle.sandbox.control.addFault({ target: 'mns-receive', error: { code: 'InternalError' }, count: 9 });

    const error = await rejectionOf(suite.bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toHaveLength(3);
    for (const failure of error.failures) expect(failure.error).toMatchObject({ kind: 'transient', code: 'InternalError' });
    expect(totals(suite.bundle.sandbox)).toMatchObject({ visible: 12, receivedTotal: 0, deletedTotal: 0 });

    await pollUntilEmpty(suite.bundle);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 12);
  });

  it('an answer slower than the client waits: the request is abandoned and retried; what it took comes back and is stored once', { timeout: 30_000 }, async () => {
    const sent = enqueueReceipts(suite.bundle.sandbox, 'VoiceCallReport', [{ call_id: `${uniquePrefix('rxSlow')}-{n}^4`, status_code: '200101', status_time: '2024-01-15 16:30:01' }], 10);
    // The first receive long-polls 2 s, so the client gives up after 5 s; this answer takes 6 s.
    suite.bundle.sandbox.control.addFault({ target: 'mns-receive', latencyMs: 6_000, count: 1 });

    await pollUntilEmpty(suite.bundle);

    expect(suite.bundle.sandbox.control.faults()).toEqual([]);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 10);
  });
});

describe('BatchDeleteMessage failing', () => {
  it('a 5xx answer once is retried: everything deleted in the same poll, stored once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('del5'), 6);
    suite.bundle.sandbox.control.addFault({ target: 'mns-delete', error: { code: 'InternalError' }, count: 1 });

    const result = await suite.bundle.poll();

    expect(faultedRequests('BatchDeleteMessage')).toHaveLength(1);
    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ stored: 6, deleted: 6, deleteFailures: 0 });
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 18);
  });

  it.each([
    ['5xx answers (InternalError)', { error: { code: 'InternalError' } }],
    ['dropped connections', { drop: true }],
  ])('%s on every attempt: the queue fails loudly, its stored messages come back after the visibility timeout and stay one item each', async (_name, fault) => {
    const sent = enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: `${uniquePrefix('delAll')}-{n}^5`, status_code: '200000', duration: '9' }], 12);
    suite.bundle.sandbox.control.addFault({ target: 'mns-delete', count: 3, ...fault });

    const error = await rejectionOf(suite.bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toEqual([expect.objectContaining({ messageType: 'VoiceReport', error: expect.objectContaining({ kind: 'transient' }) })]);
    expect(faultedRequests('BatchDeleteMessage')).toHaveLength(3);
    expect(totals(suite.bundle.sandbox)).toMatchObject({ receivedTotal: 12, deletedTotal: 0 });
    // Stored before the delete was attempted.
    await expectStoredExactlyOnce(sent);

    const { stats } = await pollUntilEmpty(suite.bundle);

    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 12);
    expect(totals(suite.bundle.sandbox).receivedTotal).toBe(24);
    expect(sumStats(stats, 'deleted')).toBe(12);
  });

  it('a delete failing for some handles (ReceiptHandleError): counted, not fatal; those messages come back and stay one item each', async () => {
    const prefix = uniquePrefix('delPart');
    const sent = enqueueReceipts(
      suite.bundle.sandbox,
      'VoiceCallReport',
      [
        { call_id: `${prefix}-{n}^6`, status_code: '200101', status_time: '2024-01-15 16:30:01' },
        { call_id: `${prefix}-{n}^6`, status_code: '300000', status_time: '2024-01-15 16:30:12', dtmf: '{n}' },
      ],
      10,
    );
    // The 1st, 3rd, 5th, ... handle of the next delete fails and its message stays in the queue.
    suite.bundle.sandbox.control.addFault({ target: 'mns-delete', partial: true });

    const first = await suite.bundle.poll();

    expect(statsOf(first.queues, 'VoiceCallReport')).toMatchObject({ received: 10, stored: 10, deleted: 5, deleteFailures: 5, stoppedBecause: 'empty' });
    expect(totals(suite.bundle.sandbox).deletedTotal).toBe(5);

    const { stats } = await pollUntilEmpty(suite.bundle);

    expect(sumStats(stats, 'deleted')).toBe(5);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 10);
    expect(totals(suite.bundle.sandbox).receivedTotal).toBe(15);
  });

  it('many faults at once (receive 5xx and drops, delete 5xx, drops and partial failures): after a clean poll, all stored once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('mixed'), 40);
    const { addFault } = suite.bundle.sandbox.control;
    addFault({ target: 'mns-receive', error: { code: 'InternalError' }, count: 2 });
    addFault({ target: 'mns-receive', drop: true, count: 2 });
    addFault({ target: 'mns-delete', partial: true, count: 2 });
    addFault({ target: 'mns-delete', drop: true, count: 4 });
    addFault({ target: 'mns-delete', error: { code: 'ServiceUnavailable', httpStatus: 503 }, count: 3 });

    // Some queues may stop on an error in the first poll(s); every receipt must still arrive exactly once.
    for (let poll = 0; poll < 8 && suite.bundle.sandbox.control.faults().length > 0; poll++) await suite.bundle.poll().catch(() => undefined);
    expect(suite.bundle.sandbox.control.faults()).toEqual([]);
    await pollUntilEmpty(suite.bundle);

    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 120);
  });
});
