import type { Context } from 'aws-lambda';
import { ReceiptPollError } from '#shared/errors';
import { drainReceiptQueues, type QueueDrainStats } from '#shared/receipts/poller';
import { receiptsDependencies } from '#shared/receiptsRuntime';

const deps = receiptsDependencies();

/** Time kept back from the Lambda's remaining time: logging the stats and returning. */
export const DEADLINE_MARGIN_MS = 1_500;

/**
 * Scheduled every minute, one at a time (design.md "Receipts"): drains every RECEIPT_QUEUES queue
 * into the calls table until empty or until the time left cannot fit another round. Fails the
 * invocation (loudly) when a queue stopped on an error; nothing is lost either way, since only
 * stored messages are deleted.
 */
export async function handler(_event: unknown, context: Context): Promise<{ queues: QueueDrainStats[] }> {
  const logger = deps.logger.child({ invocationId: context.awsRequestId, function: 'pollReceipts' });
  const deadline = Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  const stats = await drainReceiptQueues({ ...deps, logger, deadline });
  const summary = stats.map(({ error, ...counts }) => counts);
  logger.info('receipt poll finished', { queues: summary });
  const failures = stats.filter((queue) => queue.stoppedBecause === 'error');
  if (failures.length > 0) {
    throw new ReceiptPollError(failures.map(({ messageType, queue, error }) => ({ messageType, queue, error })));
  }
  return { queues: summary };
}
