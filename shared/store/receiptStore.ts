/**
 * Receipts in the calls table (design.md "Receipts"; layout in dynamoCallStore.ts):
 *
 *   pk = CALL#<callId>          sk = RECEIPT#<messageType>#<naturalKey>   one receipt
 *   pk = CALL#<callId>          sk = CALL                                 the call's status (forward only)
 *   pk = INVALID#<messageType>  sk = <enqueueTime ISO>#<messageId>        a body that could not be used, raw
 *
 * Keys are deterministic: a redelivered message (same MessageId) or the same receipt in another
 * message (same natural key, spec §5.5) overwrites its item instead of adding one. Every item
 * carries `expiresAt` in epoch SECONDS. Receipts go in BatchWriteItem chunks of 25, several at once;
 * call statuses go as conditional updates (forward only), up to 100 per TransactWriteItems request
 * (its Update actions are authorised as dynamodb:UpdateItem; there is no separate IAM action).
 * A message counts as stored only when all of its items and the status updates it implies are written.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { metrics as defaultMetrics, type MetricsRecorder } from '../metrics.ts';
import type { NormalisedReceipt } from '../receipts/normalise.ts';
import type { ReceiptMessage } from '../receipts/receiptMessage.ts';
import { STATUS_RANK, type CallStatus } from './callStore.ts';
import { CALL_SK, RECEIPT_SK_PREFIX, TTL_ATTRIBUTE, callPk, expiresAtSeconds, marshallItem } from './dynamoCallStore.ts';

export const INVALID_PK_PREFIX = 'INVALID#';
/** DynamoDB's BatchWriteItem limit. */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** BatchWriteItem requests in flight per storeBatch. */
export const DEFAULT_WRITE_CONCURRENCY = 8;
/** Status write requests (transactions of up to 100 calls) in flight per storeBatch. */
export const DEFAULT_STATUS_CONCURRENCY = 4;
/** Attempts per BatchWriteItem chunk (UnprocessedItems, throttling, 5xx) and per status update. */
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
/** DynamoDB's TransactWriteItems limit. */
export const TRANSACT_MAX_ITEMS = 100;
/** Transaction cancellation reasons worth sending the update again for. */
const RETRYABLE_CANCELLATIONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded', 'InternalServerError']);
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
  /** MessageIds whose items and status updates were all written: safe to delete from MNS. */
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
  statusConcurrency?: number;
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

/** The furthest status a batch holds for one call, and the messages whose receipts imply a status for it. */
interface StatusUpdate {
  callId: string;
  status: CallStatus;
  outId?: string;
  firstReceivedAt: string;
  messageIds: Set<string>;
}

type WriteOutcome = 'written' | 'failed' | 'rejected';

export class DynamoReceiptStore implements ReceiptStore {
  private readonly now: () => number;
  private readonly writeConcurrency: number;
  private readonly statusConcurrency: number;
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
    this.statusConcurrency = Math.max(1, options.statusConcurrency ?? DEFAULT_STATUS_CONCURRENCY);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.metrics = options.metrics ?? defaultMetrics;
  }

  /**
   * Writes the receipts (or raw invalid bodies) of `messages` and advances their calls' statuses.
   * Never throws for a DynamoDB failure: the messages concerned are just not in `stored`, so they
   * stay in MNS and come back (and are written again, idempotently).
   */
  async storeBatch(messages: readonly ReceiptMessage[], options: StoreBatchOptions = {}): Promise<StoreBatchResult> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const nowMs = this.now();
    const storedAt = new Date(nowMs).toISOString();
    const stamp = { storedAt, expiresAt: expiresAtSeconds(storedAt, this.retentionDays) };
    const items = new Map<string, PendingItem>();
    const updates = new Map<string, StatusUpdate>();
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
        addItem(items, callPk(receipt.callId), `${RECEIPT_SK_PREFIX}${receipt.messageType}#${receipt.naturalKey}`, record, message.messageId);
        if (receipt.status) addStatus(updates, receipt, message);
      }
      const reasons = [...(message.invalid ? [message.invalid.reason] : []), ...unstorable];
      const invalidBody = reasons.length > 0 || message.receipts.length === 0;
      if (invalidBody) {
        const invalid = invalidRecord(message, reasons.length > 0 ? reasons.join('; ') : 'no receipts in the body', stamp);
        addItem(items, invalid.pk, invalid.sk, invalid.record, message.messageId);
      }
      tallies.set(message.messageId, { messageType: message.messageType, receipts: storable, invalid: invalidBody });
    }

    const [itemOutcomes, statusFailures] = await Promise.all([
      this.writeItems([...items.values()], deadline, errors),
      this.updateStatuses([...updates.values()], stamp.storedAt, stamp.expiresAt, deadline, errors),
    ]);

    const failed = new Set<string>(statusFailures);
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
        return [pendingItem(fallback.pk, fallback.sk, fallback.record, messageId)];
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
          sendOptions(deadline),
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

  /**
   * Conditional status writes for the calls of a batch; returns the messageIds whose status could
   * not be written. Calls are grouped into TransactWriteItems requests of up to 100 conditional
   * updates: each keeps its own condition, and DynamoDB Local, like DynamoDB, answers one request
   * of 100 far faster than 100 requests. A transaction is all-or-nothing, so when DynamoDB cancels
   * one its CancellationReasons say which updates to send again: `ConditionalCheckFailed` means
   * the call is already as far or further (done, success); `None` (cancelled only because of
   * another) and conflicts or throttling are sent again; anything else fails that update.
   */
  private async updateStatuses(updates: StatusUpdate[], at: string, expiresAt: number, deadline: number, errors: unknown[]): Promise<string[]> {
    const failed: string[] = [];
    const groups: StatusUpdate[][] = [];
    for (let start = 0; start < updates.length; start += TRANSACT_MAX_ITEMS) groups.push(updates.slice(start, start + TRANSACT_MAX_ITEMS));
    await runLimited(groups, this.statusConcurrency, async (group) => {
      for (const update of await this.advanceCallStatuses(group, at, expiresAt, deadline, errors)) failed.push(...update.messageIds);
    });
    return failed;
  }

  /** Returns the updates that could not be written. */
  private async advanceCallStatuses(group: StatusUpdate[], at: string, expiresAt: number, deadline: number, errors: unknown[]): Promise<StatusUpdate[]> {
    let pending = group;
    const rejected: StatusUpdate[] = [];
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt++) {
      if (!(await this.backoff(attempt, deadline))) break;
      try {
        if (pending.length === 1) {
          await this.client.send(new UpdateItemCommand(this.statusUpdateInput(pending[0]!, at, expiresAt)), sendOptions(deadline));
        } else {
          await this.client.send(
            new TransactWriteItemsCommand({ TransactItems: pending.map((update) => ({ Update: this.statusUpdateInput(update, at, expiresAt) })) }),
            sendOptions(deadline),
          );
        }
        return rejected;
      } catch (error) {
        // The call is already as far or further: nothing to do, and that is success.
        if (isConditionFailure(error)) return rejected;
        if (errorName(error) !== 'TransactionCanceledException') {
          errors.push(error);
          if (isPermanent(error)) break;
          continue;
        }
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        const next: StatusUpdate[] = [];
        let contended = false;
        pending.forEach((update, index) => {
          const code = reasons[index]?.Code ?? 'None';
          if (code === 'ConditionalCheckFailed') return;
          if (code === 'None') next.push(update);
          else if (RETRYABLE_CANCELLATIONS.has(code)) {
            contended = true;
            next.push(update);
          } else rejected.push(update);
        });
        if (contended || rejected.length > 0) errors.push(error);
        pending = next;
      }
    }
    return [...rejected, ...pending];
  }

  /**
   * Moves the call to `update.status` only if that is further than where it is (STATUS_RANK), so a
   * late or out-of-order receipt never moves it backwards. Creates a status-only call item for a
   * call this bundle did not place (putPlacedCall later fills in its own fields and keeps the status).
   */
  private statusUpdateInput(update: StatusUpdate, at: string, expiresAt: number) {
    const values: Record<string, unknown> = {
      ':status': update.status,
      ':rank': STATUS_RANK[update.status],
      ':at': at,
      ':callId': update.callId,
      ':firstSeen': update.firstReceivedAt,
      ':ttl': expiresAt,
    };
    const assignments = [
      '#status = :status',
      'statusRank = :rank',
      'updatedAt = :at',
      'callId = if_not_exists(callId, :callId)',
      // For a call placed elsewhere: when it was first heard of. putPlacedCall overwrites it.
      'createdAt = if_not_exists(createdAt, :firstSeen)',
      '#ttl = if_not_exists(#ttl, :ttl)',
    ];
    if (update.outId !== undefined) {
      values[':outId'] = update.outId;
      assignments.push('outId = if_not_exists(outId, :outId)');
    }
    return {
      TableName: this.table,
      Key: { pk: { S: callPk(update.callId) }, sk: { S: CALL_SK } },
      UpdateExpression: `SET ${assignments.join(', ')}`,
      ConditionExpression: 'attribute_not_exists(statusRank) OR statusRank < :rank',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: marshallItem(values),
    };
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
    pk: `${INVALID_PK_PREFIX}${message.messageType}`,
    sk: `${receivedAt}#${message.messageId}`,
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

function pendingItem(pk: string, sk: string, record: Record<string, unknown>, messageId: string): PendingItem {
  return { key: itemKey(pk, sk), item: marshallItem({ pk, sk, ...record }), messageIds: new Set([messageId]) };
}

/** Same key twice in one batch (a duplicate receipt): one item, needed by both messages (last content wins). */
function addItem(items: Map<string, PendingItem>, pk: string, sk: string, record: Record<string, unknown>, messageId: string): void {
  const next = pendingItem(pk, sk, record, messageId);
  const existing = items.get(next.key);
  if (existing) {
    existing.item = next.item;
    existing.messageIds.add(messageId);
  } else {
    items.set(next.key, next);
  }
}

/** Keeps the furthest status per call; on equal rank the first one seen stays (as in the table). */
function addStatus(updates: Map<string, StatusUpdate>, receipt: NormalisedReceipt, message: ReceiptMessage): void {
  const status = receipt.status!;
  const receivedAt = new Date(message.enqueueTime).toISOString();
  const existing = updates.get(receipt.callId);
  if (!existing) {
    updates.set(receipt.callId, {
      callId: receipt.callId,
      status,
      outId: receipt.outId,
      firstReceivedAt: receivedAt,
      messageIds: new Set([message.messageId]),
    });
    return;
  }
  existing.messageIds.add(message.messageId);
  if (STATUS_RANK[status] > STATUS_RANK[existing.status]) existing.status = status;
  existing.outId ??= receipt.outId;
  if (receivedAt < existing.firstReceivedAt) existing.firstReceivedAt = receivedAt;
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

function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || errorName(error) === 'ConditionalCheckFailedException';
}

function isPermanent(error: unknown): boolean {
  return PERMANENT_ERRORS.has(errorName(error) ?? '');
}

/** DynamoDB refused the content of an item (size, type, number range): that item can never be written. */
function isItemRejection(error: unknown): boolean {
  return errorName(error) === 'ValidationException';
}

/** Bounds one request by the deadline (aborting it leaves its messages unstored, never half-counted). */
function sendOptions(deadline: number): { abortSignal?: AbortSignal } {
  return Number.isFinite(deadline) ? { abortSignal: AbortSignal.timeout(Math.max(1, Math.floor(deadline - Date.now()))) } : {};
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return 'unknown error';
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
