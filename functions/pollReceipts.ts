import { ReceiptPollError } from '#shared/errors';
import { eventHandler } from '#shared/triggers/eventHandler';
import { metrics } from '#shared/metrics';
import { drainReceiptQueues, ROUND_OVERHEAD_MS, type QueueDrainStats } from '#shared/receipts/poller';
import { receiptsDependencies, warmUpReceipts } from '#shared/runtime/receipts';

const deps = receiptsDependencies();
// Init (a Lambda container only): the key pair read ahead and a poll's path run once at full CPU
// against an in-process stand-in whose queues hold one receipt each (shared/runtime/warmUp.ts).
await warmUpReceipts((warm) => drainReceiptQueues({ ...warm, deadline: Date.now() + ROUND_OVERHEAD_MS + 1_000, waitSeconds: 0 }));

/** Time kept back from the Lambda's remaining time: logging the stats, publishing metrics and returning. */
export const DEADLINE_MARGIN_MS = 1_500;

/**
 * Scheduled every minute, one at a time (docs/receipts.md): drains every RECEIPT_QUEUES queue
 * into the calls table until empty or until the time left cannot fit another round. Fails the
 * invocation (loudly) when a queue stopped on an error; nothing is lost either way, since only
 * stored messages are deleted.
 *
 * Metrics (no dimensions, so alarms select them by name): `PollDuration`, and `PollErrors`, the
 * number of queues that stopped on an error, written as 0 on a clean poll so an alarm on it sees
 * data every minute.
 */
export const handler = eventHandler(
  'pollReceipts',
  async (_event: unknown, { logger, deadline }): Promise<{ queues: QueueDrainStats[] }> => {
    const startedAt = Date.now();
    let stats: QueueDrainStats[];
    try {
      stats = await drainReceiptQueues({ ...deps, logger, deadline });
    } catch (error) {
      // drainReceiptQueues settles every queue itself; reaching here is a bug, still counted and loud.
      metrics.record('PollErrors', 1);
      throw error;
    } finally {
      metrics.record('PollDuration', Date.now() - startedAt);
    }
    const summary = stats.map(({ error, ...counts }) => counts);
    const failures = stats.filter((queue) => queue.stoppedBecause === 'error');
    metrics.record('PollErrors', failures.length);
    logger.info('receipt poll finished', { queues: summary, durationMs: Date.now() - startedAt });
    if (failures.length > 0) {
      throw new ReceiptPollError(failures.map(({ messageType, queue, error }) => ({ messageType, queue, error })));
    }
    return { queues: summary };
  },
  { deadlineMarginMs: DEADLINE_MARGIN_MS },
);
