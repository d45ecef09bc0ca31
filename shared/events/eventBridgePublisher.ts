/**
 * Publishes entries with EventBridge PutEvents: at most 10 entries and 256 KB a request, requests
 * in parallel, and only the entries EventBridge reports as failed sent again, with bounded jittered
 * backoff within the deadline. What still failed is returned, never thrown, so the caller can report
 * exactly those records (functions/processCallChanges.ts: ReportBatchItemFailures).
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { errorName, untilDeadline } from '../awsSdk.ts';
import { runLimited } from '../concurrency.ts';
import { retryWithBackoff, type BackoffPolicy } from '../retry.ts';

/** PutEvents accepts 1-10 entries a request (EventBridge quotas). */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * Bytes of entries per request. EventBridge long allowed 256 KB per PutEvents request; it now takes
 * more in some regions, but 256 KB is accepted everywhere and by every target downstream.
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Requests in flight at once: a stream batch of 100 records is 10 requests, sent in 3 rounds. */
export const DEFAULT_CONCURRENCY = 4;
/** Attempts per request (the first and the retries of its failed entries). */
export const DEFAULT_MAX_ATTEMPTS = 5;
const BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 2_000 };
/** No request is started with less time than this before the deadline. */
const MIN_REQUEST_MS = 300;

/**
 * Per-entry ErrorCodes worth sending again (PutEventsResultEntry: "Retryable errors include
 * InternalFailure, ThrottlingException"). The others (AccessDeniedException, InvalidArgument,
 * MalformedDetail, NotAuthorizedFor...) would fail the same way until an operator acts.
 */
const RETRYABLE_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);
/** Whole-request errors a retry cannot fix (bus missing, access denied, a request the API refuses). */
const PERMANENT_REQUEST_ERRORS = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'NotAuthorized',
]);

/** One event to put; `id` is the caller's handle for it (a stream record's position). */
export interface OutgoingEntry {
  id: string;
  source: string;
  detailType: string;
  /** JSON object text. */
  detail: string;
  time?: Date;
}

export interface PublishFailure {
  /** EventBridge's per-entry ErrorCode, the request's error name, or `EntryTooLarge` / `DeadlineExceeded`. */
  code: string;
  message: string;
}

export interface PublishResult {
  published: number;
  /** By entry id: the entries not published. */
  failed: Map<string, PublishFailure>;
}

/** Port for publishing; `EventBridgePublisher` is the adapter, tests may use a fake. */
export interface EventPublisher {
  publish(entries: readonly OutgoingEntry[], options?: { deadline?: number }): Promise<PublishResult>;
}

export interface EventBridgePublisherOptions {
  concurrency?: number;
  maxAttempts?: number;
}

export class EventBridgePublisher implements EventPublisher {
  private readonly concurrency: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly client: EventBridgeClient,
    /** Bus name or ARN (EVENT_BUS_NAME). */
    private readonly busName: string,
    options: EventBridgePublisherOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  }

  async publish(entries: readonly OutgoingEntry[], options: { deadline?: number } = {}): Promise<PublishResult> {
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const failed = new Map<string, PublishFailure>();
    const sendable: OutgoingEntry[] = [];
    for (const entry of entries) {
      if (entrySize(entry) > PUT_EVENTS_MAX_BYTES) {
        failed.set(entry.id, { code: 'EntryTooLarge', message: `entry of ${entrySize(entry)} bytes exceeds the ${PUT_EVENTS_MAX_BYTES}-byte PutEvents limit` });
      } else {
        sendable.push(entry);
      }
    }
    let published = 0;
    await runLimited(packRequests(sendable), this.concurrency, async (request) => {
      const outcome = await this.putWithRetries(request, deadline);
      published += request.length - outcome.size;
      for (const [id, failure] of outcome) failed.set(id, failure);
    });
    return { published, failed };
  }

  /** One request's entries; the retries carry only the entries still unpublished. Returns those that never were. */
  private async putWithRetries(request: OutgoingEntry[], deadline: number): Promise<Map<string, PublishFailure>> {
    const failed = new Map<string, PublishFailure>();
    let pending = request;
    // Out of time: the entries keep the last failure seen (DeadlineExceeded when never sent).
    let lastFailure: PublishFailure = { code: 'DeadlineExceeded', message: 'no time left to publish before the Lambda deadline' };
    try {
      await retryWithBackoff<void, PublishFailure>(
        async () => {
          let results;
          try {
            const output = await this.client.send(new PutEventsCommand({ Entries: pending.map((entry) => this.requestEntry(entry)) }), untilDeadline(deadline));
            results = output.Entries ?? [];
          } catch (error) {
            lastFailure = { code: errorName(error), message: errorMessage(error) };
            return { ok: false, error: lastFailure, retryable: !PERMANENT_REQUEST_ERRORS.has(lastFailure.code) };
          }
          const retry: OutgoingEntry[] = [];
          pending.forEach((entry, index) => {
            const result = results[index];
            if (result?.EventId && !result.ErrorCode) return;
            // No result for an entry (a malformed answer) counts as a retryable failure of that entry.
            const failure = { code: result?.ErrorCode ?? 'MissingResult', message: result?.ErrorMessage ?? 'PutEvents returned no result for this entry' };
            if (result?.ErrorCode && !RETRYABLE_ENTRY_ERRORS.has(result.ErrorCode)) failed.set(entry.id, failure);
            else {
              lastFailure = failure;
              retry.push(entry);
            }
          });
          pending = retry;
          return pending.length === 0 ? { ok: true, value: undefined } : { ok: false, error: lastFailure, retryable: true };
        },
        { maxAttempts: this.maxAttempts, backoff: BACKOFF, deadline, minAttemptMs: MIN_REQUEST_MS, deadlineError: () => lastFailure },
      );
    } catch {
      // Out of attempts or time, or a request EventBridge refuses for good: what is pending failed.
    }
    for (const entry of pending) failed.set(entry.id, lastFailure);
    return failed;
  }

  private requestEntry(entry: OutgoingEntry): PutEventsRequestEntry {
    return { EventBusName: this.busName, Source: entry.source, DetailType: entry.detailType, Detail: entry.detail, Time: entry.time };
  }
}

/**
 * An entry's size as EventBridge counts it ("Calculating PutEvents event entry size"): 14 bytes
 * for Time when set, plus the UTF-8 bytes of Source, DetailType and Detail.
 */
export function entrySize(entry: OutgoingEntry): number {
  return (entry.time ? 14 : 0) + Buffer.byteLength(entry.source) + Buffer.byteLength(entry.detailType) + Buffer.byteLength(entry.detail);
}

/** Groups entries, in order, into requests of at most 10 entries and 256 KB (each entry fits alone). */
export function packRequests(entries: readonly OutgoingEntry[]): OutgoingEntry[][] {
  const requests: OutgoingEntry[][] = [];
  let current: OutgoingEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length > 0 && (current.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500);
}
