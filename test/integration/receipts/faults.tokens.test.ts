/**
 * Receipt tokens (docs/alibaba/receipts.md#flow step 4, docs/alibaba/receipts.md#querytokenformnsqueue, docs/alibaba/mns.md#errors; docs/receipts.md): QueryTokenForMnsQueue
 * credentials are cached per message type, replaced before their ExpireTime (China time), and
 * fetched again exactly once when MNS refuses them; a second refusal fails the invocation loudly.
 * Whatever happens to the token, no receipt is lost, none is stored twice, and no message is
 * deleted before it is stored.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  auditDeletes,
  enqueueCalls,
  enqueueReceipts,
  expectQueuesEmpty,
  expectStoredExactlyOnce,
  itemsWithPrefix,
  mnsAnswers,
  pollUntilEmpty,
  rejectionOf,
  startReceiptsBundle,
  statsOf,
  tokensIssued,
  totals,
  uniquePrefix,
  MESSAGE_TYPES,
  type ReceiptsBundle,
} from './support.ts';

let bundle: ReceiptsBundle;

beforeAll(async () => {
  // A short visibility timeout: messages stored but not deleted come back within the test.
  bundle = await startReceiptsBundle({ receiptDelayMs: 0, visibilityTimeoutMs: 1_500 });
});
afterAll(async () => {
  await bundle?.stop();
});
beforeEach(() => {
  bundle.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const tokenRequests = () => bundle.sandbox.control.requests().filter((request) => request.action === 'QueryTokenForMnsQueue');

describe('receipt token expiry', () => {
  it('a token that expired between two polls is refreshed once per queue, and nothing is lost', async () => {
    const audit = auditDeletes(bundle);
    const before = enqueueCalls(bundle.sandbox, uniquePrefix('tkA'), 5);
    await pollUntilEmpty(bundle);
    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 1, VoiceCallReport: 1, VoiceRecordReport: 1 });

    expect(bundle.sandbox.control.expireTokens()).toBe(3);
    const after = enqueueCalls(bundle.sandbox, uniquePrefix('tkB'), 5);
    const result = await bundle.poll();

    // Each queue: its cached token refused (the poller still thinks it has 10 minutes left, so
    // only MNS's refusal can trigger this), one new token, then drained in the same poll.
    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 2, VoiceCallReport: 2, VoiceRecordReport: 2 });
    expect(bundle.sandbox.control.tokens().filter((token) => token.expired)).toHaveLength(3);
    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ stored: 5, deleted: 5, stoppedBecause: 'empty' });
    await expectStoredExactlyOnce([...before, ...after]);
    expectQueuesEmpty(bundle.sandbox, 30);
    expect(audit.violations).toEqual([]);
  });

  it('a token expiring in the middle of a drain is refreshed once; the drain carries on and stores everything once', async () => {
    // A drain of 1,000 on a busy machine can outlast the default 30 s visibility timeout, and a
    // redelivered message would be received twice: this test is about tokens, so give it room.
    bundle.sandbox.control.setReceiptSettings({ visibilityTimeoutMs: 600_000 });
    const prefix = uniquePrefix('tkMid');
    const sent = enqueueReceipts(bundle.sandbox, 'VoiceReport', [{ call_id: `${prefix}-{n}^2`, status_code: '200003', smart_status_code: 'NO_ANSWER' }], 1_000);
    let expired = -1;
    // Right after the first BatchDeleteMessage of the drain, every token the sandbox issued expires.
    const audit = auditDeletes(bundle, {
      afterDelete: () => {
        if (expired < 0) expired = bundle.sandbox.control.expireTokens();
      },
    });

    const result = await bundle.poll(60_000);

    expect(expired).toBeGreaterThan(0);
    expect(statsOf(result.queues, 'VoiceReport')).toMatchObject({ received: 1_000, stored: 1_000, deleted: 1_000, stoppedBecause: 'empty' });
    // However many requests were in flight with the old token, one new token serves them all
    // (the 10-minute token was not due for a refresh: only MNS's refusal explains the second one).
    expect(tokensIssued(bundle.sandbox).VoiceReport).toBe(2);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(bundle.sandbox, 1_000);
    expect(audit.violations).toEqual([]);
  });

  it('a token close to its ExpireTime (China time) is replaced before MNS ever refuses it', async () => {
    // 4 s tokens: the poller refreshes once less than half the lifetime (2 s) remains.
    bundle.sandbox.control.setReceiptSettings({ tokenLifetimeMs: 4_000 });
    const first = enqueueCalls(bundle.sandbox, uniquePrefix('tkEarly'), 3);
    await pollUntilEmpty(bundle);
    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 1, VoiceCallReport: 1, VoiceRecordReport: 1 });

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const second = enqueueCalls(bundle.sandbox, uniquePrefix('tkEarly'), 3);
    await bundle.poll();

    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 2, VoiceCallReport: 2, VoiceRecordReport: 2 });
    expect(mnsAnswers(bundle.sandbox, 'BatchReceiveMessage', 'AccessDenied')).toEqual([]);
    await expectStoredExactlyOnce([...first, ...second]);
    expectQueuesEmpty(bundle.sandbox, 18);
  });

  it('QueryTokenForMnsQueue failing transiently while refreshing is retried: one token, nothing lost', async () => {
    const first = enqueueCalls(bundle.sandbox, uniquePrefix('tkRetry'), 2);
    await pollUntilEmpty(bundle);
    bundle.sandbox.control.expireTokens();
    bundle.sandbox.control.addFault({ target: 'token', error: { code: 'isp.SYSTEM_ERROR' }, count: 1 });
    const second = enqueueCalls(bundle.sandbox, uniquePrefix('tkRetry'), 2);

    const result = await bundle.poll();

    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ stored: 2, deleted: 2, stoppedBecause: 'empty' });
    expect(tokenRequests().filter((request) => request.fault)).toHaveLength(1);
    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 2, VoiceCallReport: 2, VoiceRecordReport: 2 });
    await expectStoredExactlyOnce([...first, ...second]);
    expectQueuesEmpty(bundle.sandbox, 12);
  });
});

describe('receipt tokens refused for good: the invocation fails loudly and nothing is deleted', () => {
  it('MNS refusing the refreshed token as well: ReceiptPollError naming every queue, nothing received or deleted; a later poll stores all once', async () => {
    const prefix = uniquePrefix('tkDeny');
    const sent = enqueueCalls(bundle.sandbox, prefix, 4);
    // Each queue: the first receive is refused, a new token is fetched, the receive is refused again.
    bundle.sandbox.control.addFault({ target: 'mns-receive', error: { code: 'AccessDenied' }, count: 6 });

    const error = await rejectionOf(bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures.map((failure: { messageType: string }) => failure.messageType).sort()).toEqual([...MESSAGE_TYPES].sort());
    for (const failure of error.failures) expect(failure.error).toMatchObject({ name: 'MnsError', kind: 'auth', code: 'AccessDenied' });
    expect(bundle.sandbox.control.faults()).toEqual([]);
    // Exactly one refresh per queue: the initial token and one more.
    expect(tokensIssued(bundle.sandbox)).toEqual({ VoiceReport: 2, VoiceCallReport: 2, VoiceRecordReport: 2 });
    expect(totals(bundle.sandbox)).toMatchObject({ visible: 12, inFlight: 0, receivedTotal: 0, deletedTotal: 0 });
    expect(mnsAnswers(bundle.sandbox, 'BatchDeleteMessage')).toEqual([]);
    expect(await itemsWithPrefix(prefix)).toEqual([]);

    await pollUntilEmpty(bundle);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(bundle.sandbox, 12);
  });

  it('QueryTokenForMnsQueue refused (RAM permission): ReceiptPollError, no MNS request at all; a later poll stores all once', async () => {
    const prefix = uniquePrefix('tkRam');
    const sent = enqueueCalls(bundle.sandbox, prefix, 3);
    bundle.sandbox.control.addFault({ target: 'token', error: { code: 'isp.RAM_PERMISSION_DENY' }, count: 3 });

    const error = await rejectionOf(bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toHaveLength(3);
    for (const failure of error.failures) expect(failure.error).toMatchObject({ code: 'isp.RAM_PERMISSION_DENY' });
    // Not retried: an account problem needs an operator.
    expect(tokenRequests()).toHaveLength(3);
    expect(bundle.sandbox.control.mnsRequests()).toEqual([]);
    expect(await itemsWithPrefix(prefix)).toEqual([]);

    await pollUntilEmpty(bundle);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(bundle.sandbox, 9);
  });

  it('BatchDeleteMessage refused twice: the queue fails loudly, its stored messages come back after the visibility timeout and stay one item each', async () => {
    const prefix = uniquePrefix('tkDel');
    const sent = enqueueReceipts(bundle.sandbox, 'VoiceReport', [{ call_id: `${prefix}-{n}^3`, status_code: '200002', smart_status_code: 'USER_BUSY' }], 8);
    const audit = auditDeletes(bundle);
    bundle.sandbox.control.addFault({ target: 'mns-delete', error: { code: 'AccessDenied' }, count: 2 });

    const error = await rejectionOf(bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toEqual([expect.objectContaining({ messageType: 'VoiceReport', error: expect.objectContaining({ kind: 'auth', code: 'AccessDenied' }) })]);
    expect(tokensIssued(bundle.sandbox).VoiceReport).toBe(2);
    // Still in the queue (in flight, or visible again: the idle queues' 2 s long polls outlast the 1.5 s visibility timeout).
    expect(totals(bundle.sandbox)).toMatchObject({ deletedTotal: 0, receivedTotal: 8 });
    expect(totals(bundle.sandbox).visible + totals(bundle.sandbox).inFlight).toBe(8);
    // Stored before the (refused) delete: the audit found every item in place.
    expect(audit.checked).toBe(16);
    expect(audit.violations).toEqual([]);
    await expectStoredExactlyOnce(sent);

    const { stats } = await pollUntilEmpty(bundle);
    expect(stats.flat().find((queue) => queue.messageType === 'VoiceReport' && queue.received > 0)).toMatchObject({ received: 8, stored: 8, deleted: 8 });
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(bundle.sandbox, 8);
    expect(totals(bundle.sandbox).receivedTotal).toBe(16);
    expect(audit.violations).toEqual([]);
  });
});
