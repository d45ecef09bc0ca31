/**
 * The SQS side of "queued requests wait for their window" (docs/flow-control.md#queued-requests-wait):
 * a request refused for flow control is sent back to the call-requests queue as a new message,
 * delayed until its window opens (SQS DelaySeconds, at most 15 minutes: a longer wait takes several
 * such hops), and the message it came in is then deleted like a handled one. Every hop is a new
 * message that SQS has received once, so the queue's maxReceiveCount never counts a wait, and the
 * dead-letter queue only ever sees real failures.
 *
 * The original message's identity travels in a message attribute (WAITING_ATTRIBUTE): its source,
 * id, receive time and caller. Its id is what a request without its own idempotencyKey is placed
 * under (the new message's id differs), its caller whose idempotencyKey it is (the new message's
 * sender is this bundle), and a rejection is recorded under both. The attribute is sealed with a key
 * derived from the stage's secret (shared/secrets/derivedKeys.ts): any producer can write the
 * attribute, none can make the bundle take another message's id or another caller's key.
 */
import { timingSafeEqual } from 'node:crypto';
import { awsErrorOf, awsJsonCaller, AwsRegionMissingError, AwsTransportError, isRetryableAwsFailure, type AwsJsonCaller } from '../awsJson.ts';
import type { RequestSource } from '../callRequests/messages.ts';
import type { Caller } from '../calls/callers.ts';
import { retryWithBackoff } from '../retry.ts';

/**
 * A request sent back to wait for its flow-control window (docs/flow-control.md#queued-requests-wait):
 * delivered again, as a new message, once `retryAt` has come, and placed under the same key.
 */
export interface WaitingPlacement {
  /** The message body to deliver again: a POST /calls body plus optional `idempotencyKey`. */
  body: string;
  /** The idempotency key it is placed under (the original message's). */
  key: string;
  /** Where the request first came from, its id and when it was received: a rejection names these. */
  source: RequestSource;
  messageId: string;
  receivedAt: string;
  /** Who sent it first: its idempotencyKey stays that caller's when it is delivered again. */
  caller: Caller;
  /** Epoch ms: when its window opens. */
  retryAt: number;
}

/** The first message a waiting one stands for (WaitingPlacement without its body, key and time). */
export type WaitingOrigin = Pick<WaitingPlacement, 'source' | 'messageId' | 'receivedAt' | 'caller'>;

/** Port of the queue that keeps waiting requests until their window opens (SqsWaitingQueue below). */
export interface WaitingQueue {
  sendBack(waiting: WaitingPlacement, options: { deadline: number }): Promise<void>;
  /**
   * The origin a delivered message's waiting attribute names, if this bundle sent it back (its seal
   * holds); undefined for any other message, whatever a producer wrote in that attribute.
   */
  originOf(attributeValue: string | undefined): Promise<WaitingOrigin | undefined>;
}

/** The message attribute that marks a waiting request (reserved: producers must not set it). */
export const WAITING_ATTRIBUTE = 'AliyunVoiceWaiting';
/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;
const ATTEMPT_TIMEOUT_MS = 2_000;
const SEND_ATTEMPTS = 3;

/** Sends waiting requests back to the queue at `queueUrl` with SQS SendMessage (JSON 1.0, signed). */
export class SqsWaitingQueue implements WaitingQueue {
  private readonly call: AwsJsonCaller;

  constructor(
    private readonly queueUrl: string,
    /** The keyed hash that seals the waiting attribute (derivedKeys.ts KEY_PURPOSES.waitingOrigin). */
    private readonly sealer: () => Promise<(text: string) => string>,
    options: { endpoint?: string; now?: () => number } = {},
  ) {
    this.call = awsJsonCaller({ service: 'sqs', jsonVersion: '1.0', endpointVariable: 'AWS_ENDPOINT_URL_SQS', ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  async sendBack(waiting: WaitingPlacement, options: { deadline: number }): Promise<void> {
    const origin: WaitingOrigin = { source: waiting.source, messageId: waiting.messageId, receivedAt: waiting.receivedAt, caller: waiting.caller };
    const seal = (await this.sealer())(originText(origin));
    const input = {
      QueueUrl: this.queueUrl,
      MessageBody: waiting.body,
      DelaySeconds: delaySecondsUntil(waiting.retryAt, this.now()),
      MessageAttributes: { [WAITING_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify({ ...origin, seal }) } },
    };
    await retryWithBackoff<void, Error>(
      async () => {
        try {
          const answer = await this.call('AmazonSQS.SendMessage', input, { timeoutMs: Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, options.deadline - Date.now())) });
          if (answer.status === 200) return { ok: true, value: undefined };
          const { code, message } = awsErrorOf(answer);
          return { ok: false, error: new Error(`SQS SendMessage failed: ${code} (HTTP ${answer.status})${message ? `: ${message}` : ''}`), retryable: isRetryableAwsFailure(answer.status, code) };
        } catch (error) {
          if (error instanceof AwsRegionMissingError || !(error instanceof AwsTransportError)) throw error;
          return { ok: false, error, retryable: true };
        }
      },
      {
        maxAttempts: SEND_ATTEMPTS,
        backoff: { baseMs: 50, capMs: 500 },
        deadline: options.deadline,
        minAttemptMs: 100,
        deadlineError: (_attempts, last) => last ?? new Error('SQS SendMessage: no time left before the deadline'),
      },
    );
  }

  async originOf(attributeValue: string | undefined): Promise<WaitingOrigin | undefined> {
    if (attributeValue === undefined) return undefined;
    return verifiedOrigin(attributeValue, await this.sealer());
  }
}

/** Whole seconds from `now` until `retryAt`, within SQS's 0-900. */
export function delaySecondsUntil(retryAt: number, now: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((retryAt - now) / 1000)));
}

/**
 * The origin a waiting attribute names when its seal holds (`hash` the sealing hash), else
 * undefined: a message whose attribute was written by anyone but this bundle is an ordinary message.
 */
export function verifiedOrigin(attributeValue: string | undefined, hash: (text: string) => string): WaitingOrigin | undefined {
  if (attributeValue === undefined || attributeValue.length > 2_048) return undefined;
  try {
    const value = JSON.parse(attributeValue) as Partial<WaitingOrigin> & { seal?: unknown };
    if (
      (value.source === 'sqs' || value.source === 'eventbridge') &&
      typeof value.messageId === 'string' &&
      /^[\x21-\x7e]{1,128}$/.test(value.messageId) &&
      typeof value.receivedAt === 'string' &&
      !Number.isNaN(Date.parse(value.receivedAt)) &&
      typeof value.caller === 'string' &&
      typeof value.seal === 'string'
    ) {
      const origin: WaitingOrigin = { source: value.source, messageId: value.messageId, receivedAt: value.receivedAt, caller: value.caller as Caller };
      const expected = Buffer.from(hash(originText(origin)));
      const given = Buffer.from(value.seal);
      if (given.length === expected.length && timingSafeEqual(given, expected)) return origin;
    }
  } catch {
    // Not JSON: not ours.
  }
  return undefined;
}

/** The text a seal is computed over: the origin's fields in a fixed order. */
function originText(origin: WaitingOrigin): string {
  return JSON.stringify([origin.source, origin.messageId, origin.receivedAt, origin.caller]);
}
