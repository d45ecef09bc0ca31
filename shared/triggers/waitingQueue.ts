/**
 * The SQS side of "queued requests wait for their window" (docs/flow-control.md#queued-requests-wait):
 * a request refused for flow control is sent back to the call-requests queue as a new message,
 * delayed until its window opens (SQS DelaySeconds, at most 15 minutes: a longer wait takes several
 * such hops), and the message it came in is then deleted like a handled one. Every hop is a new
 * message that SQS has received once, so the queue's maxReceiveCount never counts a wait, and the
 * dead-letter queue only ever sees real failures.
 *
 * The original message's identity travels in a message attribute (WAITING_ATTRIBUTE): its source,
 * id and receive time. Its id is what a request without its own idempotencyKey is placed under (the
 * new message's id differs), and what a rejection is recorded under.
 */
import { awsErrorOf, awsJsonCaller, AwsRegionMissingError, AwsTransportError, isRetryableAwsFailure, type AwsJsonCaller } from '../awsJson.ts';
import type { RequestSource, WaitingPlacement, WaitingQueue } from '../callRequests/messages.ts';
import { retryWithBackoff } from '../retry.ts';

/** The message attribute that marks a waiting request (reserved: producers must not set it). */
export const WAITING_ATTRIBUTE = 'AliyunVoiceWaiting';
/** SQS's longest message delay. */
export const MAX_DELAY_SECONDS = 900;
const ATTEMPT_TIMEOUT_MS = 2_000;
const SEND_ATTEMPTS = 3;

/** What the waiting attribute says about the message it stands for. */
export interface WaitingOrigin {
  source: RequestSource;
  messageId: string;
  receivedAt: string;
}

/** Sends waiting requests back to the queue at `queueUrl` with SQS SendMessage (JSON 1.0, signed). */
export class SqsWaitingQueue implements WaitingQueue {
  private readonly call: AwsJsonCaller;

  constructor(
    private readonly queueUrl: string,
    options: { endpoint?: string; now?: () => number } = {},
  ) {
    this.call = awsJsonCaller({ service: 'sqs', jsonVersion: '1.0', endpointVariable: 'AWS_ENDPOINT_URL_SQS', ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.now = options.now ?? Date.now;
  }

  private readonly now: () => number;

  async sendBack(waiting: WaitingPlacement, options: { deadline: number }): Promise<void> {
    const origin: WaitingOrigin = { source: waiting.source, messageId: waiting.messageId, receivedAt: waiting.receivedAt };
    const input = {
      QueueUrl: this.queueUrl,
      MessageBody: waiting.body,
      DelaySeconds: delaySecondsUntil(waiting.retryAt, this.now()),
      MessageAttributes: { [WAITING_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify(origin) } },
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
}

/** Whole seconds from `now` until `retryAt`, within SQS's 0-900. */
export function delaySecondsUntil(retryAt: number, now: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((retryAt - now) / 1000)));
}

/** The origin a waiting message carries, or undefined for an ordinary message (or an unreadable attribute). */
export function waitingOriginOf(attributeValue: string | undefined): WaitingOrigin | undefined {
  if (attributeValue === undefined) return undefined;
  try {
    const value = JSON.parse(attributeValue) as Partial<WaitingOrigin>;
    // A producer setting this attribute by hand can name another message's id (as the implicit key
    // of its own request), never a client's idempotency key: those travel in the body.
    if (
      (value.source === 'sqs' || value.source === 'eventbridge') &&
      typeof value.messageId === 'string' &&
      /^[\x21-\x7e]{1,128}$/.test(value.messageId) &&
      typeof value.receivedAt === 'string' &&
      !Number.isNaN(Date.parse(value.receivedAt))
    ) {
      return { source: value.source, messageId: value.messageId, receivedAt: value.receivedAt };
    }
  } catch {
    // Not ours: treated as an ordinary message.
  }
  return undefined;
}
