/**
 * Call requests refused for good (docs/triggers.md#calls-from-sqs, "Call requests from
 * EventBridge"): a queued message or an event whose body is not a valid POST /calls request, or
 * that Alibaba rejected. They are kept in the calls table instead of being retried or dropped, so
 * nothing is lost silently:
 *
 *   pk = REJECTED#<source>   sk = <receivedAt ISO>#<messageId or event id>
 *
 * `receivedAt` is when the queue or the bus received the request (SQS SentTimestamp, the event's
 * `time`), which a redelivery keeps: a redelivered request overwrites its item instead of adding
 * one. Every item carries `expiresAt` (epoch SECONDS), like every item of the table.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RejectedRequest, RejectedRequestStore } from '../callRequests/messages.ts';
import { expiresAtSeconds, marshallItem } from './items.ts';
import { TTL_ATTRIBUTE, rejectedRequestKey } from './keys.ts';
/** A stored body is cut to this many characters (like the receipts' invalid raw bodies). */
export const MAX_REJECTED_BODY_CHARS = 200_000;
/**
 * Field issues kept with a refusal (the first ones), and the reason's length: a body of thousands
 * of unknown fields names each, and the item must stay within DynamoDB's 400 KB, or the refusal
 * could not be recorded and the message would end in the dead-letter queue instead.
 */
export const MAX_REJECTED_ERRORS = 100;
export const MAX_REJECTED_REASON_CHARS = 2_000;
/** ...and to this many UTF-8 bytes, so the item stays under DynamoDB's 400 KB whatever the script. */
const MAX_REJECTED_BODY_BYTES = 300 * 1024;

export class DynamoRejectedRequestStore implements RejectedRequestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes (or, for a redelivery, rewrites) the request's item. */
  async record(rejection: RejectedRequest): Promise<void> {
    const { source, messageId, receivedAt, reason, code, errors = [], body } = rejection;
    const stored = cutBody(body);
    const truncated = stored.length < body.length;
    // Retention counts from now, not from receivedAt: a request redelivered for days must not be
    // written already expired.
    const storedAt = new Date(this.now()).toISOString();
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: marshallItem({
          ...rejectedRequestKey(source, receivedAt, messageId),
          source,
          messageId,
          receivedAt,
          storedAt,
          reason: reason.length > MAX_REJECTED_REASON_CHARS ? `${reason.slice(0, MAX_REJECTED_REASON_CHARS - 1).toWellFormed()}…` : reason,
          code,
          ...(errors.length > 0 ? { errors: errors.slice(0, MAX_REJECTED_ERRORS).map(({ path, message }) => ({ path, message })) } : {}),
          ...(errors.length > MAX_REJECTED_ERRORS ? { errorCount: errors.length } : {}),
          body: stored,
          ...(truncated ? { bodyTruncated: true, bodyLength: body.length } : {}),
          [TTL_ATTRIBUTE]: expiresAtSeconds(storedAt, this.retentionDays),
        }),
      }),
    );
  }
}

/**
 * The body as stored: at most MAX_REJECTED_BODY_CHARS characters and MAX_REJECTED_BODY_BYTES bytes,
 * never ending in half a character (DynamoDB refuses strings that are not valid UTF-8).
 */
function cutBody(body: string): string {
  let text = body.length > MAX_REJECTED_BODY_CHARS ? body.slice(0, MAX_REJECTED_BODY_CHARS) : body;
  if (Buffer.byteLength(text, 'utf8') > MAX_REJECTED_BODY_BYTES) {
    // Decoding a cut byte sequence ends in U+FFFD where a character was split: drop it.
    text = Buffer.from(text, 'utf8').subarray(0, MAX_REJECTED_BODY_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  }
  return text.toWellFormed();
}
