/**
 * Enqueueing messages by hand (control API): receipts of any shape, or raw bodies for poison
 * messages, in bulk.
 */
import { ControlInputError } from '../controlErrors.ts';
import { isVoiceMessageType, VOICE_MESSAGE_TYPES, type VoiceMessageType } from '../dybase/product.ts';
import type { MessageQueue } from './queue.ts';
import { encodeReceiptJson, type ReceiptQueues } from './queues.ts';
import { isXmlText } from './xml.ts';

/** The body of `POST /__sandbox/messages`, and the argument of `control.enqueue`. */
export interface EnqueueSpec {
  /** The queue, by name or by message type: exactly one of the two. */
  queue?: string;
  messageType?: VoiceMessageType;
  /** Message bodies exactly as given (not encoded): for bodies Alibaba would never send. */
  bodies?: string[];
  /** Receipts, each JSON-serialised and Base64-encoded as Alibaba does (docs/alibaba/receipts.md#body-encoding). */
  receipts?: Record<string, unknown>[];
  /**
   * How many messages; default one per body or receipt. Messages cycle through the list, and
   * every `{n}` in a body or in a receipt's text becomes the message's number (1, 2, ...), so
   * `{receipts: [{call_id: 'bulk-{n}', ...}], count: 10000}` makes 10,000 distinct receipts.
   */
  count?: number;
}

export interface EnqueueResult {
  queue: string;
  enqueued: number;
  /** In enqueue order. */
  messageIds: string[];
}

/** Far above any test's need; keeps a typo from eating the machine's memory. */
export const MAX_ENQUEUE_COUNT = 100_000;

const NUMBER_PLACEHOLDER = '{n}';

/** Checks `input` (throws ControlInputError naming the problem), then enqueues every message. */
export function enqueueMessages(queues: ReceiptQueues, input: unknown, now: number): EnqueueResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ControlInputError('the body must be a JSON object: {queue | messageType, bodies | receipts, count?}');
  }
  const spec = input as Record<string, unknown>;
  const queue = queueOf(queues, spec);
  const templates = templatesOf(spec);
  const count = spec.count ?? templates.length;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_ENQUEUE_COUNT) {
    throw new ControlInputError(`count must be an integer from 1 to ${MAX_ENQUEUE_COUNT}`);
  }
  const numbered = templates.map((template) => template.includes(NUMBER_PLACEHOLDER));
  const messageIds: string[] = [];
  for (let index = 0; index < (count as number); index += 1) {
    const slot = index % templates.length;
    const text = numbered[slot] ? templates[slot]!.replaceAll(NUMBER_PLACEHOLDER, String(index + 1)) : templates[slot]!;
    messageIds.push(queue.enqueue(spec.receipts !== undefined ? encodeReceiptJson(text) : text, now));
  }
  return { queue: queue.name, enqueued: messageIds.length, messageIds };
}

function queueOf(queues: ReceiptQueues, spec: Record<string, unknown>): MessageQueue {
  const { queue, messageType } = spec;
  if ((queue === undefined) === (messageType === undefined)) throw new ControlInputError('give exactly one of queue and messageType');
  if (messageType !== undefined) {
    if (typeof messageType !== 'string' || !isVoiceMessageType(messageType)) {
      throw new ControlInputError(`messageType must be one of ${VOICE_MESSAGE_TYPES.join(', ')}`);
    }
    return queues.forType(messageType);
  }
  const found = typeof queue === 'string' ? queues.byQueueName(queue) : undefined;
  if (!found) {
    const names = queues.entries().map(([, candidate]) => candidate.name);
    throw new ControlInputError(`queue must be one of ${names.join(', ')}`);
  }
  return found;
}

/** The texts to cycle through: raw bodies, or receipts as JSON text (placeholders still in). */
function templatesOf(spec: Record<string, unknown>): string[] {
  const { bodies, receipts } = spec;
  if ((bodies === undefined) === (receipts === undefined)) throw new ControlInputError('give exactly one of bodies and receipts');
  if (bodies !== undefined) {
    if (!Array.isArray(bodies) || bodies.length === 0 || bodies.some((body) => typeof body !== 'string')) {
      throw new ControlInputError('bodies must be a non-empty array of strings');
    }
    // MNS carries bodies in XML: a character XML cannot hold could never be delivered.
    if (bodies.some((body) => !isXmlText(body as string))) {
      throw new ControlInputError('bodies may not contain characters XML 1.0 cannot carry (control characters, lone surrogates)');
    }
    return bodies as string[];
  }
  if (!Array.isArray(receipts) || receipts.length === 0) throw new ControlInputError('receipts must be a non-empty array of objects');
  return receipts.map((receipt) => {
    if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt)) {
      throw new ControlInputError('receipts must be a non-empty array of objects');
    }
    return JSON.stringify(receipt);
  });
}
