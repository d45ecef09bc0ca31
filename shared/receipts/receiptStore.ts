import type { ReceiptMessage } from './receiptMessage.ts';

/*
 * Where receipts are kept: the port the poller and the push route write through. The DynamoDB
 * adapter is shared/store/receiptStore.ts.
 */

export interface StoreBatchOptions {
  /** Absolute epoch ms: no request or backoff starts after it. */
  deadline?: number;
}

export interface StoreBatchResult {
  /** MessageIds whose items were all written: safe to delete from MNS. */
  stored: Set<string>;
  /** Some of the errors met (at most a few), for the log. */
  errors: unknown[];
}

/** Port for receipt persistence: stores the receipts of a batch of messages, each idempotently. */
export interface ReceiptStore {
  storeBatch(messages: readonly ReceiptMessage[], options?: StoreBatchOptions): Promise<StoreBatchResult>;
}

