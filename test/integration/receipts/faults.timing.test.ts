/**
 * Time and order (docs/receipts.md): the Lambda deadline arriving in the middle of a drain,
 * two invocations overlapping on the same backlog, duplicate deliveries, and receipts arriving out
 * of order. The poller stops in time without deleting anything unstored, never stores a receipt
 * twice, and never moves a finished call backwards.
 */
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import {
  auditedReceiptsSuite,
  statusesViaGet,
  enqueueCalls,
  enqueueReceipts,
  expectExactlyOnce,
  expectQueuesEmpty,
  expectStoredExactlyOnce,
  getCall,
  itemsWithPrefix,
  placeCall,
  pollUntilEmpty,
  statsOf,
  sumStats,
  totals,
  uniquePrefix,
  MESSAGE_TYPES,
} from './support.ts';

const suite = auditedReceiptsSuite({ receiptDelayMs: 0, visibilityTimeoutMs: 5_000 });

describe('the Lambda deadline', () => {
  it('arriving mid-drain: the poll stops cleanly with "deadline" before the Lambda times out, deletes only what it stored, and the next poll finishes the rest', { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix('deadline');
    const sent = enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: `${prefix}-{n}^8`, status_code: '200000', duration: '22' }], 3_000);
    // 10 s left: after the handler's margin and the poller's per-round reserve, about half a
    // second to start rounds in, far too little for 3,000 receipts.
    const context = lambdaContext(10_000);

    const result = await suite.bundle.pollReceipts({}, context);

    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    const stats = statsOf(result.queues, 'VoiceReport');
    expect(stats.stoppedBecause).toBe('deadline');
    expect(stats.deleted).toBeGreaterThan(0);
    expect(stats.deleted).toBeLessThan(3_000);
    expect(stats.deleted).toBeLessThanOrEqual(stats.stored);
    const queues = totals(suite.bundle.sandbox);
    expect(queues.deletedTotal).toBe(stats.deleted);
    expect(queues.visible + queues.inFlight).toBe(3_000 - stats.deleted);

    await pollUntilEmpty(suite.bundle, { remainingMs: 120_000 });

    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 3_000);
  });

  it('too close to take a single round: nothing is received at all, every queue stops with "deadline"', async () => {
    enqueueCalls(suite.bundle.sandbox, uniquePrefix('noTime'), 5);
    const context = lambdaContext(5_000);

    const result = await suite.bundle.pollReceipts({}, context);

    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ received: 0, stoppedBecause: 'deadline' });
    expect(totals(suite.bundle.sandbox)).toMatchObject({ visible: 15, receivedTotal: 0 });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });
});

describe('overlapping invocations and duplicates', () => {
  it('two invocations draining the same backlog at once, with every receipt delivered twice: each stored exactly once, nothing lost', { timeout: 120_000 }, async () => {
    const prefix = uniquePrefix('overlap');
    const sent = enqueueCalls(suite.bundle.sandbox, prefix, 600);
    // Alibaba (or MNS) delivering the very same receipts again, as separate messages.
    enqueueCalls(suite.bundle.sandbox, prefix, 600);

    const [first, second] = await Promise.all([suite.bundle.poll(60_000), suite.bundle.poll(60_000)]);

    for (const queue of [...first.queues, ...second.queues]) expect(queue.stoppedBecause).not.toBe('error');
    expect(first.queues.reduce((sum, queue) => sum + queue.received, 0)).toBeGreaterThan(0);
    expect(second.queues.reduce((sum, queue) => sum + queue.received, 0)).toBeGreaterThan(0);
    await pollUntilEmpty(suite.bundle);

    const items = await itemsWithPrefix(prefix);
    expectExactlyOnce(sent, items);
    expect(items.filter((item) => String(item.sk).startsWith('RECEIPT#'))).toHaveLength(1_800);
    const callIds = [...new Set(sent.map(({ receipt }) => String(receipt.call_id)))];
    expect(callIds).toHaveLength(600);
    const statuses = await statusesViaGet(suite.bundle, callIds);
    for (const callId of callIds) expect(statuses.get(callId), callId).toBe('completed');
    expectQueuesEmpty(suite.bundle.sandbox, 3_600);
    expect(sumStats([first.queues, second.queues], 'notStored')).toBe(0);
  });
});

describe('receipts out of order', () => {
  it('intermediate states arriving after the final record, in a later poll: stored, but the call stays busy', async () => {
    const callId = `${uniquePrefix('late')}-1^9`;
    const final = enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: callId, status_code: '200002', smart_status_code: 'USER_BUSY', duration: '0' }]);
    await pollUntilEmpty(suite.bundle);
    expect((await getCall(suite.bundle, callId)).body.status).toBe('busy');

    const late = enqueueReceipts(suite.bundle.sandbox, 'VoiceCallReport', [
      { call_id: callId, status_code: '200101', status_time: '2024-01-15 16:30:01' },
      { call_id: callId, status_code: '200201', status_time: '2024-01-15 16:30:03' },
      { call_id: callId, status_code: '200103', status_time: '2024-01-15 16:30:09', smart_status_code: 'ANSWERED' },
    ]);
    await pollUntilEmpty(suite.bundle);

    const response = await getCall(suite.bundle, callId);
    expect(response.status, response.text).toBe(200);
    expect(response.body.status).toBe('busy');
    expect(response.body.receipts).toHaveLength(4);
    await expectStoredExactlyOnce([...final, ...late]);
  });

  it('final record and a late ringing state in the same poll, in either order: the call ends at the final status', async () => {
    const prefix = uniquePrefix('race');
    const finalFirst = `${prefix}-1^9`;
    const ringingFirst = `${prefix}-2^9`;
    const sent = [
      ...enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: finalFirst, status_code: '200000', smart_status_code: 'ANSWERED', duration: '22' }]),
      ...enqueueReceipts(suite.bundle.sandbox, 'VoiceCallReport', [
        { call_id: finalFirst, status_code: '200201', status_time: '2024-01-15 16:30:03' },
        { call_id: ringingFirst, status_code: '200201', status_time: '2024-01-15 16:30:03' },
      ]),
      ...enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: ringingFirst, status_code: '200003', smart_status_code: 'NO_ANSWER', duration: '0' }]),
    ];

    await pollUntilEmpty(suite.bundle);

    expect((await getCall(suite.bundle, finalFirst)).body.status).toBe('completed');
    expect((await getCall(suite.bundle, ringingFirst)).body.status).toBe('no-answer');
    await expectStoredExactlyOnce(sent);
  });

  it('a placed call that already completed: a late, re-sent dialling state does not move it back, and GET still shows the placed call', async () => {
    const callId = await placeCall(suite.bundle, { type: 'tts', calledNumber: '13900000010', ttsCode: 'TTS_123456789', outId: 'late-dial' });
    await pollUntilEmpty(suite.bundle);
    expect((await getCall(suite.bundle, callId)).body.status).toBe('completed');

    enqueueReceipts(suite.bundle.sandbox, 'VoiceCallReport', [{ call_id: callId, out_id: 'late-dial', status_code: '200101', status_time: '2024-01-15 23:59:59' }]);
    await pollUntilEmpty(suite.bundle);

    const response = await getCall(suite.bundle, callId);
    expect(response.body).toMatchObject({ callId, type: 'tts', outId: 'late-dial', status: 'completed' });
    // The sandbox's own four receipts (dialling, ringing, in call, final) and the late one.
    expect(response.body.receipts).toHaveLength(5);
  });
});
