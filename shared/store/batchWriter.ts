/**
 * BatchWriteItem for many items: chunks of 25 (DynamoDB's limit), several in flight, each chunk
 * retried (UnprocessedItems, throttling, 5xx) with the bundle's backoff (shared/retry.ts) within the
 * deadline. An item DynamoDB refuses as such (ValidationException, which fails the whole request) is
 * found by writing the chunk's items one by one, and reported `rejected`: a retry would never help.
 * Never throws for a DynamoDB failure: every item ends `written`, `failed` (try again later) or
 * `rejected`.
 */
import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { errorName, untilDeadline } from '../awsSdk.ts';
import { runLimited } from '../concurrency.ts';
import { retryWithBackoff, type BackoffPolicy } from '../retry.ts';
import { marshallItem } from './items.ts';
import type { ItemKey } from './keys.ts';

/** DynamoDB's BatchWriteItem limit. */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** BatchWriteItem requests in flight per write. */
export const DEFAULT_WRITE_CONCURRENCY = 8;
/** Attempts per BatchWriteItem chunk. */
export const DEFAULT_MAX_ATTEMPTS = 6;
const BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 1_000 };
/** A request is not started with less time than this before the deadline. */
const MIN_REQUEST_MS = 200;
/** Errors a retry cannot fix. */
const PERMANENT_ERRORS = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ItemCollectionSizeLimitExceededException',
]);

/** One item to put. */
export interface PendingItem {
  /** Identifies the item within a write (see pendingKey). */
  key: string;
  item: Record<string, AttributeValue>;
}

export type WriteOutcome = 'written' | 'failed' | 'rejected';

export interface BatchWriterOptions {
  writeConcurrency?: number;
  maxAttempts?: number;
}

/** An item ready for BatchWriteItem, keyed so that the same table key twice is one item. */
export function pendingItem(key: ItemKey, record: Record<string, unknown>): PendingItem {
  return { key: pendingKey(key.pk, key.sk), item: marshallItem({ ...key, ...record }) };
}

export class BatchWriter {
  private readonly writeConcurrency: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    options: BatchWriterOptions = {},
  ) {
    this.writeConcurrency = Math.max(1, options.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  /** Writes `items` and says what became of each; the errors met are appended to `errors`. */
  async write<T extends PendingItem>(items: readonly T[], deadline: number, errors: unknown[]): Promise<Map<T, WriteOutcome>> {
    const outcomes = new Map<T, WriteOutcome>();
    const chunks: T[][] = [];
    for (let start = 0; start < items.length; start += BATCH_WRITE_MAX_ITEMS) chunks.push(items.slice(start, start + BATCH_WRITE_MAX_ITEMS));
    await runLimited(chunks, this.writeConcurrency, async (chunk) => {
      for (const [item, outcome] of await this.writeChunk(chunk, deadline, errors)) outcomes.set(item, outcome);
    });
    return outcomes;
  }

  /** One chunk; a chunk that holds an item DynamoDB refuses is split into single items to find it. */
  private async writeChunk<T extends PendingItem>(chunk: T[], deadline: number, errors: unknown[]): Promise<Map<T, WriteOutcome>> {
    const outcomes = new Map<T, WriteOutcome>();
    let remaining = chunk;
    let refused = false;
    try {
      await retryWithBackoff<void, unknown>(
        async () => {
          try {
            const output = await this.client.send(
              new BatchWriteItemCommand({ RequestItems: { [this.table]: remaining.map((pending) => putRequest(pending.item)) } }),
              untilDeadline(deadline),
            );
            const unprocessed = new Set((output.UnprocessedItems?.[this.table] ?? []).map((request) => keyOf(request)));
            for (const pending of remaining) if (!unprocessed.has(pending.key)) outcomes.set(pending, 'written');
            remaining = remaining.filter((pending) => unprocessed.has(pending.key));
            return remaining.length === 0 ? { ok: true, value: undefined } : { ok: false, error: undefined, retryable: true };
          } catch (error) {
            errors.push(error);
            if (isItemRejection(error)) {
              refused = true;
              return { ok: true, value: undefined };
            }
            return { ok: false, error, retryable: !isPermanent(error) };
          }
        },
        { maxAttempts: this.maxAttempts, backoff: BACKOFF, deadline, minAttemptMs: MIN_REQUEST_MS, deadlineError: () => undefined },
      );
    } catch {
      // Out of attempts or time, or a permanent error: what is left failed for now.
    }
    if (refused) {
      if (remaining.length === 1) {
        outcomes.set(remaining[0]!, 'rejected');
        return outcomes;
      }
      const singles = await Promise.all(remaining.map((pending) => this.writeChunk([pending], deadline, errors)));
      for (const single of singles) for (const [item, outcome] of single) outcomes.set(item, outcome);
      return outcomes;
    }
    for (const pending of remaining) outcomes.set(pending, 'failed');
    return outcomes;
  }
}

/** DynamoDB refused the content of an item (size, type, number range): that item can never be written. */
export function isItemRejection(error: unknown): boolean {
  return errorName(error) === 'ValidationException';
}

function isPermanent(error: unknown): boolean {
  return PERMANENT_ERRORS.has(errorName(error));
}

function putRequest(item: Record<string, AttributeValue>): WriteRequest {
  return { PutRequest: { Item: item } };
}

function keyOf(request: WriteRequest): string {
  const item = request.PutRequest?.Item;
  return pendingKey(item?.pk?.S ?? '', item?.sk?.S ?? '');
}

function pendingKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}
