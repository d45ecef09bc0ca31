/** The sandbox's Alicom receipt queues: one per Voice Service message type (docs/alibaba/receipts.md#flow, docs/alibaba/receipts.md#message-types). */
import { receiptQueueName, VOICE_MESSAGE_TYPES, type VoiceMessageType } from '../dybase/product.ts';
import { MessageQueue } from './queue.ts';

/** docs/alibaba/receipts.md#body-encoding: a message body is the receipt JSON, UTF-8, Base64-encoded. */
export function encodeReceipt(receipt: unknown): string {
  return encodeReceiptJson(JSON.stringify(receipt));
}

/** The same, for receipt JSON already written out. */
export function encodeReceiptJson(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64');
}

export class ReceiptQueues {
  private readonly byType: ReadonlyMap<VoiceMessageType, MessageQueue>;
  private readonly byName: ReadonlyMap<string, MessageQueue>;

  constructor(readonly accountId: string) {
    this.byType = new Map(VOICE_MESSAGE_TYPES.map((type) => [type, new MessageQueue(receiptQueueName(accountId, type))]));
    this.byName = new Map([...this.byType.values()].map((queue) => [queue.name, queue]));
  }

  forType(messageType: VoiceMessageType): MessageQueue {
    return this.byType.get(messageType)!;
  }

  byQueueName(name: string): MessageQueue | undefined {
    return this.byName.get(name);
  }

  /** Message type and queue, in VOICE_MESSAGE_TYPES order. */
  entries(): [VoiceMessageType, MessageQueue][] {
    return [...this.byType.entries()];
  }

  /** Encodes the receipt as Alibaba does (docs/alibaba/receipts.md#body-encoding) and enqueues it in its type's queue. */
  enqueueReceipt(messageType: VoiceMessageType, receipt: Readonly<Record<string, unknown>>, now: number): string {
    return this.forType(messageType).enqueue(encodeReceipt(receipt), now);
  }

  clear(): void {
    for (const queue of this.byType.values()) queue.clear();
  }
}
