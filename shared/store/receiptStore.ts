/**
 * Receipts in the calls table (design.md "Receipts"; layout in dynamoCallStore.ts):
 *
 *   pk = CALL#<callId>          sk = RECEIPT#<messageType>#<naturalKey>   one receipt
 *   pk = INVALID#<messageType>  sk = <enqueueTime ISO>#<messageId>        a body that could not be used, raw
 *
 * Keys are deterministic: a redelivered message (same MessageId) or the same receipt in another
 * message (same natural key, spec §5.5) overwrites its item instead of adding one. Every item
 * carries `expiresAt` in epoch SECONDS. Items go in BatchWriteItem chunks of 25, several at once,
 * and a message counts as stored when all of its items are written.
 *
 * Nothing else is written here: the receipt is the source of truth for the call's status. Reads
 * derive the status from the stored receipts (callStatus.ts), and the call item's `status` is a
 * projection applied behind them from the table's stream (statusProjection.ts, run by
 * publishEvents). A conditional status write per call on this path cost the drain more than half
 * its speed (README "Benchmarks"); storing unconditional puts only also keeps the poller's and the
 * push route's DynamoDB permission to BatchWriteItem.
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import type { NormalisedReceipt } from '../receipts/normalise.ts';
import type { ReceiptMessage } from '../receipts/receiptMessage.ts';
import { expiresAtSeconds, marshallItem } from './items.ts';
import { TTL_ATTRIBUTE, invalidReceiptKey, receiptKey, type ItemKey } from './keys.ts';
import { errorName, untilDeadline } from '../awsSdk.ts';
import { runLimited } from '../concurrency.ts';

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** BatchWriteItem requests in flight per storeBatch. */
export const DEFAULT_WRITE_CONCURRENCY = 8;
/** Attempts per BatchWriteItem chunk (UnprocessedItems, throttling, 5xx). */
export const DEFAULT_MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 1_000;
/** A request is not started with less time than this before the deadline. */
const MIN_REQUEST_MS = 200;
/** DynamoDB items are at most 400 KB; receipt content above this is stored as an invalid raw body instead. */
const MAX_ITEM_BYTES = 300 * 1024;
/** An invalid raw body is cut to this many characters (MNS bodies are at most 64 KB anyway). */
export const MAX_RAW_BODY_CHARS = 200_000;
/** DynamoDB nests documents at most 32 levels deep. */
const MAX_DEPTH = 30;
/** Errors a retry cannot fix. */
const PERMANENT_ERRORS = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ItemCollectionSizeLimitExceededException',
]);

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

/** Port for receipt persistence. */
export interface ReceiptStore {
  storeBatch(messages: readonly ReceiptMessage[], options?: StoreBatchOptions): Promise<StoreBatchResult>;
}

export interface DynamoReceiptStoreOptions {
  now?: () => number;
  writeConcurrency?: number;
  maxAttempts?: number;
  /** Where stored receipts are counted and their lag measured; the process-wide EMF recorder unless given. */
  metrics?: MetricsRecorder;
}

/** What a message contributes once stored: its receipts written as receipt items, and whether a raw body was kept as invalid. */
interface MessageTally {
  messageType: string;
  receipts: NormalisedReceipt[];
  invalid: boolean;
}

/** One item to put, and the messages that need it. */
interface PendingItem {
  key: string;
  item: Record<string, AttributeValue>;
  messageIds: Set<string>;
}

type WriteOutcome = 'written' | 'failed' | 'rejected';

export class DynamoReceiptStore implements ReceiptStore {
  private readonly now: () => number;
  private readonly writeConcurrency: number;
  private readonly maxAttempts: number;
  private readonly metrics: MetricsRecorder;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
    options: DynamoReceiptStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.writeConcurrency = Math.max(1, options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
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
    const items = new Map<string, PendingItem>();
    const byId = new Map(messages.map((message) => [message.messageId, message]));
    const errors: unknown[] = [];
    const tallies = new Map<string, MessageTally>();

    for (const message of messages) {
      const unstorable: string[] = [];
      const storable: NormalisedReceipt[] = [];
      for (const receipt of message.receipts) {
        const record = receiptRecord(message, receipt, stamp);
        const problem = unstorableReason(record);
        if (problem) {
          unstorable.push(`receipt for ${receipt.callId}: ${problem}`);
          continue;
        }
        storable.push(receipt);
        addItem(items, receiptKey(receipt.callId, receipt.messageType, receipt.naturalKey), record, message.messageId);
      }
      const reasons = [...(message.invalid ? [message.invalid.reason] : []), ...unstorable];
      const invalidBody = reasons.length > 0 || message.receipts.length === 0;
      if (invalidBody) {
        const invalid = invalidRecord(message, reasons.length > 0 ? reasons.join('; ') : 'no receipts in the body', stamp);
        addItem(items, invalid.key, invalid.record, message.messageId);
      }
      tallies.set(message.messageId, { messageType: message.messageType, receipts: storable, invalid: invalidBody });
    }

    const itemOutcomes = await this.writeItems([...items.values()], deadline, errors);

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
        const fallback = invalidRecord(message, reason, stamp);
        return [pendingItem(fallback.key, fallback.record, messageId)];
      });
      const outcomes = await this.writeItems(demoted, deadline, errors);
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

  /** BatchWriteItem in chunks of 25, `writeConcurrency` at once. */
  private async writeItems(items: PendingItem[], deadline: number, errors: unknown[]): Promise<Map<PendingItem, WriteOutcome>> {
    const outcomes = new Map<PendingItem, WriteOutcome>();
    const chunks: PendingItem[][] = [];
    for (let start = 0; start < items.length; start += BATCH_WRITE_MAX_ITEMS) chunks.push(items.slice(start, start + BATCH_WRITE_MAX_ITEMS));
    await runLimited(chunks, this.writeConcurrency, async (chunk) => {
      for (const [item, outcome] of await this.writeChunk(chunk, deadline, errors)) outcomes.set(item, outcome);
    });
    return outcomes;
  }

  /**
   * One chunk, retrying UnprocessedItems and retryable errors with backoff. A ValidationException
   * fails the whole request, so a chunk of several items is split into single items to find the one.
   */
  private async writeChunk(chunk: PendingItem[], deadline: number, errors: unknown[]): Promise<Map<PendingItem, WriteOutcome>> {
    const outcomes = new Map<PendingItem, WriteOutcome>();
    let remaining = chunk;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      if (attempt > this.maxAttempts || !(await this.backoff(attempt, deadline))) break;
      try {
        const output = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.table]: remaining.map((pending) => putRequest(pending.item)) } }),
          untilDeadline(deadline),
        );
        const unprocessed = new Set((output.UnprocessedItems?.[this.table] ?? []).map((request) => keyOf(request)));
        for (const pending of remaining) if (!unprocessed.has(pending.key)) outcomes.set(pending, 'written');
        remaining = remaining.filter((pending) => unprocessed.has(pending.key));
      } catch (error) {
        errors.push(error);
        if (!isItemRejection(error)) {
          if (isPermanent(error)) break;
          continue;
        }
        if (remaining.length === 1) {
          outcomes.set(remaining[0]!, 'rejected');
          return outcomes;
        }
        const singles = await Promise.all(remaining.map((pending) => this.writeChunk([pending], deadline, errors)));
        for (const single of singles) for (const [item, outcome] of single) outcomes.set(item, outcome);
        return outcomes;
      }
    }
    for (const pending of remaining) outcomes.set(pending, 'failed');
    return outcomes;
  }

  /** Waits before attempt n (none before the first); false when the deadline leaves no room for it. */
  private async backoff(attempt: number, deadline: number): Promise<boolean> {
    const delay = attempt === 1 ? 0 : Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 2));
    if (Date.now() + delay + MIN_REQUEST_MS > deadline) return false;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return true;
  }
}

/** The receipt's own times (spec §5.5), as normalise.ts leaves them. */
const RECEIPT_TIME_FIELDS = ['statusTime', 'endTime', 'startTime', 'ringTime', 'originateTime', 'recordBeginTime'] as const;
/** An instant with its offset: what normalise.ts makes of Alibaba's China time (`+08:00`, spec §5.4). Other text is not trusted as a time. */
const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * When the event a receipt reports happened, epoch ms: the latest of its times (a receipt is sent
 * after the last event it describes: `status_time` of an intermediate state, `end_time` of a
 * finished call, `originate_time` of one never connected). Undefined when it carries none.
 */
export function receiptEventTime(receipt: NormalisedReceipt): number | undefined {
  let latest: number | undefined;
  for (const field of RECEIPT_TIME_FIELDS) {
    const value = receipt[field];
    if (typeof value !== 'string' || !ZONED_INSTANT.test(value)) continue;
    const ms = Date.parse(value);
    if (Number.isFinite(ms) && (latest === undefined || ms > latest)) latest = ms;
  }
  return latest;
}

/** The attributes of a receipt item (without keys): normalised fields, the raw object, provenance, TTL. */
function receiptRecord(message: ReceiptMessage, receipt: NormalisedReceipt, stamp: { storedAt: string; expiresAt: number }): Record<string, unknown> {
  return {
    ...receipt,
    messageId: message.messageId,
    messageType: message.messageType,
    receivedAt: new Date(message.enqueueTime).toISOString(),
    storedAt: stamp.storedAt,
    [TTL_ATTRIBUTE]: stamp.expiresAt,
  };
}

/** The invalid item of a message: its raw body (or its receipts as JSON), the reason, TTL. */
function invalidRecord(message: ReceiptMessage, reason: string, stamp: { storedAt: string; expiresAt: number }) {
  const receivedAt = new Date(message.enqueueTime).toISOString();
  const rawBody = message.invalid?.rawBody ?? JSON.stringify(message.receipts.map((receipt) => receipt.raw));
  const truncated = rawBody.length > MAX_RAW_BODY_CHARS;
  return {
    key: invalidReceiptKey(message.messageType, receivedAt, message.messageId),
    record: {
      messageId: message.messageId,
      messageType: message.messageType,
      rawBody: truncated ? rawBody.slice(0, MAX_RAW_BODY_CHARS) : rawBody,
      ...(truncated ? { rawBodyTruncated: true, rawBodyLength: rawBody.length } : {}),
      reason,
      receivedAt,
      storedAt: stamp.storedAt,
      [TTL_ATTRIBUTE]: stamp.expiresAt,
    },
  };
}

function pendingItem(key: ItemKey, record: Record<string, unknown>, messageId: string): PendingItem {
  return { key: itemKey(key.pk, key.sk), item: marshallItem({ ...key, ...record }), messageIds: new Set([messageId]) };
}

/** Same key twice in one batch (a duplicate receipt): one item, needed by both messages (last content wins). */
function addItem(items: Map<string, PendingItem>, key: ItemKey, record: Record<string, unknown>, messageId: string): void {
  const next = pendingItem(key, record, messageId);
  const existing = items.get(next.key);
  if (existing) {
    existing.item = next.item;
    existing.messageIds.add(messageId);
  } else {
    items.set(next.key, next);
  }
}

function putRequest(item: Record<string, AttributeValue>): WriteRequest {
  return { PutRequest: { Item: item } };
}

function keyOf(request: WriteRequest): string {
  const item = request.PutRequest?.Item;
  return itemKey(item?.pk?.S ?? '', item?.sk?.S ?? '');
}

function itemKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

/** Why DynamoDB would refuse this content (size, nesting, number range, empty map keys), or undefined. */
export function unstorableReason(record: Record<string, unknown>): string | undefined {
  let serialised: string;
  try {
    serialised = JSON.stringify(record);
  } catch {
    return 'not serialisable';
  }
  if (Buffer.byteLength(serialised) > MAX_ITEM_BYTES) return `larger than ${MAX_ITEM_BYTES} bytes`;
  return unstorableValue(record, 0);
}

function unstorableValue(value: unknown, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
  if (typeof value === 'number') {
    // DynamoDB numbers: magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125, or zero.
    const magnitude = Math.abs(value);
    if (!Number.isFinite(value) || (magnitude !== 0 && (magnitude < 1e-130 || magnitude >= 1e126))) return `number ${value} is out of range`;
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const entry of value) {
      const problem = unstorableValue(entry, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) {
      if (key === '') return 'an empty attribute name';
      const problem = unstorableValue(entry, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}

function isPermanent(error: unknown): boolean {
  return PERMANENT_ERRORS.has(errorName(error));
}

/** DynamoDB refused the content of an item (size, type, number range): that item can never be written. */
function isItemRejection(error: unknown): boolean {
  return errorName(error) === 'ValidationException';
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return 'unknown error';
}
