/**
 * Call requests that arrive as messages (docs/triggers.md#calls-from-sqs, "Call requests from
 * EventBridge"): a POST /calls body plus an optional `idempotencyKey`, from the SQS queue
 * (functions/placeCallsFromQueue.ts) or an EventBridge rule (functions/placeCallFromEvent.ts).
 * Each is placed at most once per key (shared/calls/placement.ts: the `idempotencyKey`, else the message or
 * event id, so a redelivery places nothing).
 *
 * What a message can lead to:
 * - placed (or replayed): done;
 * - refused for good (malformed, invalid, Alibaba `rejected`, key reused for another request):
 *   kept as a REJECTED item with the reason and the raw body, and not delivered again;
 * - refused for flow control (the guard, or Alibaba's isv.BUSINESS_LIMIT_CONTROL): waits for its
 *   window — the trigger sends it back to the queue, delayed until the window opens
 *   (docs/flow-control.md#queued-requests-wait), so flow control alone never costs a delivery;
 * - failed for now (Alibaba throttling, `transient`, `account`, a duplicate still in flight, our
 *   own storage failing): handed back to the trigger, which delivers it again (SQS: after the
 *   visibility timeout, to the DLQ after the queue's maxReceiveCount; EventBridge: Lambda's
 *   asynchronous retries, then the on-failure destination);
 * - outcome unknown (sent, no answer, docs/alibaba/errors.md#gateway-codes): stored with the key and logged as an error, never
 *   delivered again, since a second attempt could place a second call.
 *
 * This module names what a message is, what can become of it (MessageVerdict) and what its handling
 * needs. Reading a message is messageReading.ts, placing it messagePlacing.ts, and what a failure
 * leads to messageFailures.ts. The triggers (shared/triggers/messageTriggers.ts) turn SQS records and
 * EventBridge events into messages, and send a message that must wait back to the queue
 * (shared/triggers/waitingQueue.ts).
 */
import type { FieldIssue } from '../errors.ts';
import type { Caller } from '../calls/callers.ts';
import type { PlacementDependencies } from '../calls/placement.ts';
import type { PlaceCallRequest } from '../calls/schemas.ts';
import type { CallRequestPlacementDependencies } from './service.ts';

/** Where a refused request came from; names its partition. */
export type RequestSource = 'sqs' | 'eventbridge';

export interface RejectedRequest {
  source: RequestSource;
  /** SQS messageId or EventBridge event id. */
  messageId: string;
  /** ISO-8601 UTC: when the queue or the bus received the request. */
  receivedAt: string;
  /** Why it was refused, for a person reading the item. */
  reason: string;
  /** `VALIDATION_FAILED`, `IDEMPOTENCY_CONFLICT`, or Alibaba's code (`isv.MOBILE_NUMBER_ILLEGAL`, ...). */
  code: string;
  /** The offending fields, for validation failures. */
  errors?: FieldIssue[];
  /** The request exactly as received (cut to MAX_REJECTED_BODY_CHARS). */
  body: string;
}

/** Port for recording refused requests (the DynamoDB adapter: shared/store/rejectedRequests.ts). */
export interface RejectedRequestStore {
  record(rejection: RejectedRequest): Promise<void>;
}

/** One request as its trigger delivered it. */
export interface PlacementMessage {
  source: RequestSource;
  /**
   * SQS messageId or EventBridge event id: the idempotency key unless the body names one. For a
   * message that waited for its flow-control window, the id (and source and time) of the message it
   * stands for.
   */
  messageId: string;
  /** ISO-8601 UTC: when the queue or the bus received it (kept by redeliveries). */
  receivedAt: string;
  /** Who sent it, as far as the queue or the bus tells: the owner of its `idempotencyKey`. */
  caller: Caller;
  /** The request as received, kept with a rejection. */
  rawBody: string;
  /** The POST /calls body plus optional `idempotencyKey`; throws ValidationError when unreadable. */
  read(): unknown;
}

export type MessageVerdict =
  | { verdict: 'placed'; callId: string; replayed: boolean }
  /** The message carried scheduling fields: it became (or, redelivered, already was) a call request. */
  | { verdict: 'requested'; requestId: string; replayed: boolean }
  | { verdict: 'unknown'; code: string; replayed: boolean }
  | { verdict: 'rejected'; code: string; reason: string }
  | { verdict: 'retry'; code: string; reason: string; error: unknown }
  /** Flow control: place it when its window opens, at `retryAt` (epoch ms), under the same `key`. */
  | { verdict: 'wait'; code: string; reason: string; retryAt: number; key: string; request: PlaceCallRequest; error: unknown };

/** What reading and placing a message needs; the triggers add the queue where a message waits (MessageTriggerDependencies). */
export interface PlacementMessageDependencies extends PlacementDependencies {
  rejections: RejectedRequestStore;
  /** Where a message with scheduling fields becomes a call request; without it such a message is refused. */
  callRequests?: CallRequestPlacementDependencies;
  /** Absolute epoch ms by which Alibaba must have answered. */
  deadline: number;
}
