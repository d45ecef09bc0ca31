/**
 * Receipts in the calls table (docs/receipts.md; layout in dynamoCallStore.ts):
 *
 *   pk = CALL#<callId>          sk = RECEIPT#<messageType>#<naturalKey>   one receipt
 *   pk = INVALID#<messageType>  sk = <enqueueTime ISO>#<messageId>        a body that could not be used, raw
 *
 * Keys are deterministic: a redelivered message (same MessageId) or the same receipt in another
 * message (same natural key, docs/alibaba/receipts.md#receipt-fields) overwrites its item instead of adding one. Every item
 * carries `expiresAt` in epoch SECONDS. Items go in BatchWriteItem chunks of 25, several at once,
 * and a message counts as stored when all of its items are written.
 *
 * Nothing else is written here: the receipt is the source of truth for the call's status. Reads
 * derive the status from the stored receipts (callStatus.ts), and the call item's `status` is a
 * projection applied behind them from the table's stream (statusProjection.ts, run by
 * processCallChanges). A conditional status write per call on this path cost the drain more than half
 * its speed (docs/benchmarks.md); storing unconditional puts only also keeps the poller's and the
 * push route's DynamoDB permission to BatchWriteItem.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import type { NormalisedReceipt } from '../receipts/normalise.ts';
import type { ReceiptMessage } from '../receipts/receiptMessage.ts';
import type { ReceiptStore, StoreBatchOptions, StoreBatchResult } from '../receipts/receiptStore.ts';
import { BatchWriter, isItemRejection, pendingItem as writerItem, type BatchWriterOptions, type PendingItem } from './batchWriter.ts';
import { expiresAtSeconds } from './items.ts';
import { invalidItem, receiptEventTime, receiptItem, unstorableReason, type ItemRecord } from './receiptItems.ts';


export interface DynamoReceiptStoreOptions extends BatchWriterOptions {
  now?: () => number;
  /** Where stored receipts are counted and their lag measured; the process-wide EMF recorder unless given. */
  metrics?: MetricsRecorder;
}

/** What a message contributes once stored: its receipts written as receipt items, and whether a raw body was kept as invalid. */
interface MessageTally {
  messageType: string;
  receipts: NormalisedReceipt[];
  invalid: boolean;
}

/** An item to put, and the messages that need it. */
interface MessageItem extends PendingItem {
  messageIds: Set<string>;
}

export class DynamoReceiptStore implements ReceiptStore {
  private readonly now: () => number;
  private readonly writer: BatchWriter;
  private readonly metrics: MetricsRecorder;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
    options: DynamoReceiptStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.writer = new BatchWriter(client, table, options);
    this.metrics = options.metrics ?? defaultMetrics;
  }

  /**
   * Writes the receipts (or raw invalid bodies) of `messages`. Never throws for a DynamoDB failure: the messages concerned are just not in `stored`, so they
   * stay in MNS and come back (and are written again, idempotently).
   */
  async storeBatch(messages: readonly ReceiptMessage[], options: StoreBatchOptions = {}): Promise<StoreBatchResult> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const nowMs = this.now();
    const storedAt = new Date(nowMs).toISOString();
    const stamp = { storedAt, expiresAt: expiresAtSeconds(storedAt, this.retentionDays) };
    const items = new Map<string, MessageItem>();
    const byId = new Map(messages.map((message) => [message.messageId, message]));
    const errors: unknown[] = [];
    const tallies = new Map<string, MessageTally>();

    for (const message of messages) {
      const unstorable: string[] = [];
      const storable: NormalisedReceipt[] = [];
      for (const receipt of message.receipts) {
        const item = receiptItem(message, receipt, stamp);
        const problem = unstorableReason(item.record);
        if (problem) {
          unstorable.push(`receipt for ${receipt.callId}: ${problem}`);
          continue;
        }
        storable.push(receipt);
        addItem(items, item, message.messageId);
      }
      const reasons = [...(message.invalid ? [message.invalid.reason] : []), ...unstorable];
      const invalidBody = reasons.length > 0 || message.receipts.length === 0;
      if (invalidBody) {
        addItem(items, invalidItem(message, reasons.length > 0 ? reasons.join('; ') : 'no receipts in the body', stamp), message.messageId);
      }
      tallies.set(message.messageId, { messageType: message.messageType, receipts: storable, invalid: invalidBody });
    }

    const itemOutcomes = await this.writer.write([...items.values()], deadline, errors);

    const failed = new Set<string>();
    const rejected = new Set<string>();
    for (const [item, outcome] of itemOutcomes) {
      for (const messageId of item.messageIds) {
        if (outcome === 'failed') failed.add(messageId);
        if (outcome === 'rejected') rejected.add(messageId);
      }
    }
    // DynamoDB refused an item as such (ValidationException): retrying would loop forever, so the
    // message is kept as an invalid raw body instead, exactly like an undecodable one.
    const demote = [...rejected].filter((messageId) => !failed.has(messageId));
    if (demote.length > 0) {
      const reason = `DynamoDB rejected an item: ${describe(errors.find(isItemRejection))}`;
      const demoted = demote.flatMap((messageId) => {
        const message = byId.get(messageId);
        // A message that already was an invalid body has nothing simpler to fall back to.
        if (!message || message.invalid || message.receipts.length === 0) return [];
        return [messageItem(invalidItem(message, reason, stamp), messageId)];
      });
      const outcomes = await this.writer.write(demoted, deadline, errors);
      const written = new Set([...outcomes].filter(([, outcome]) => outcome === 'written').flatMap(([item]) => [...item.messageIds]));
      for (const messageId of demote) {
        if (!written.has(messageId)) failed.add(messageId);
        // Stored as an invalid raw body in the end, not as receipts.
        const tally = tallies.get(messageId);
        if (tally) tallies.set(messageId, { ...tally, receipts: [], invalid: true });
      }
    }
    const stored = new Set(messages.map((message) => message.messageId).filter((messageId) => !failed.has(messageId)));
    this.observeStored(stored, tallies);
    return { stored, errors: errors.slice(0, 5) };
  }

  /**
   * Metrics of what this batch stored, by both callers (the MNS poller and the HTTP push route):
   * `ReceiptsStored` and `InvalidReceipts` per MessageType, and one `ReceiptLag` per receipt with a
   * usable time, measured to now (the writes are done: the receipt is readable).
   */
  private observeStored(stored: ReadonlySet<string>, tallies: ReadonlyMap<string, MessageTally>): void {
    const storedAtMs = this.now();
    const counts = new Map<string, { receipts: number; invalid: number }>();
    for (const messageId of stored) {
      const tally = tallies.get(messageId);
      if (!tally) continue;
      const count = counts.get(tally.messageType) ?? { receipts: 0, invalid: 0 };
      count.receipts += tally.receipts.length;
      if (tally.invalid) count.invalid += 1;
      counts.set(tally.messageType, count);
      for (const receipt of tally.receipts) {
        const eventTime = receiptEventTime(receipt);
        // Times are to the second and clocks differ a little: a receipt is never stored before it happened.
        if (eventTime !== undefined) this.metrics.record('ReceiptLag', Math.max(0, storedAtMs - eventTime));
      }
    }
    for (const [messageType, count] of counts) {
      if (count.receipts > 0) this.metrics.record('ReceiptsStored', count.receipts, { MessageType: messageType });
      if (count.invalid > 0) this.metrics.record('InvalidReceipts', count.invalid, { MessageType: messageType });
    }
  }
}

function messageItem(item: ItemRecord, messageId: string): MessageItem {
  return { ...writerItem(item.key, item.record), messageIds: new Set([messageId]) };
}

/** Same key twice in one batch (a duplicate receipt): one item, needed by both messages (last content wins). */
function addItem(items: Map<string, MessageItem>, item: ItemRecord, messageId: string): void {
  const next = messageItem(item, messageId);
  const existing = items.get(next.key);
  if (existing) {
    existing.item = next.item;
    existing.messageIds.add(messageId);
  } else {
    items.set(next.key, next);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return 'unknown error';
}
