/**
 * The receipt queues as placed calls feed them (voice/lifecycle.ts), with push delivery beside:
 * each receipt is handed to the pusher when push is on, and enqueued unless push replaces the
 * queues. Receipts enqueued by hand through the control API are never pushed.
 */
import type { VoiceMessageType } from '../dybase/product.ts';
import { ReceiptQueues } from '../mns/queues.ts';
import type { ReceiptPusher } from './pusher.ts';

export class PushingReceiptQueues extends ReceiptQueues {
  constructor(
    accountId: string,
    private readonly pusher: ReceiptPusher,
  ) {
    super(accountId);
  }

  /** Returns the MNS MessageId, or '' when the receipt was only pushed. */
  override enqueueReceipt(messageType: VoiceMessageType, receipt: Readonly<Record<string, unknown>>, now: number): string {
    if (this.pusher.enabled) this.pusher.push(messageType, receipt);
    return this.pusher.keepsQueues ? super.enqueueReceipt(messageType, receipt, now) : '';
  }
}
