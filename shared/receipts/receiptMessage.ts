/**
 * One MNS message → what the store writes for it: its normalised receipts, and, when the body (or
 * part of it) cannot be decoded or validated, the raw body with the reason. Nothing is dropped.
 */
import { decodeMessageBody } from './decode.ts';
import type { MnsMessage } from './mnsAnswerXml.ts';
import { normaliseReceipt, type NormalisedReceipt } from './normalise.ts';

export interface ReceiptMessage {
  /** MNS MessageId: the correlation id in logs, and the key of an invalid body. */
  messageId: string;
  messageType: string;
  /** MNS EnqueueTime, epoch ms: fixed for the message, so keys built from it survive redelivery. */
  enqueueTime: number;
  receipts: NormalisedReceipt[];
  /** Set when the body, or some receipt in it, was unusable: stored raw as an invalid receipt. */
  invalid?: { rawBody: string; reason: string };
}

/**
 * Decodes and normalises a message body (docs/alibaba/receipts.md#body-encoding, docs/alibaba/receipts.md#receipt-fields). A body that decodes to an array with
 * some unusable entries keeps the usable ones and also carries the raw body as invalid.
 */
export function receiptMessageFrom(messageType: string, message: Pick<MnsMessage, 'messageId' | 'enqueueTime' | 'body'>): ReceiptMessage {
  const base = { messageId: message.messageId, messageType, enqueueTime: message.enqueueTime };
  const decoded = decodeMessageBody(message.body);
  if (!decoded.ok) return { ...base, receipts: [], invalid: { rawBody: message.body, reason: decoded.reason } };

  const receipts: NormalisedReceipt[] = [];
  const problems: string[] = [];
  decoded.receipts.forEach((raw, index) => {
    const result = normaliseReceipt(messageType, raw);
    if (result.ok) receipts.push(result.receipt);
    else problems.push(decoded.receipts.length === 1 ? result.reason : `receipt ${index}: ${result.reason}`);
  });
  if (problems.length === 0) return { ...base, receipts };
  return { ...base, receipts, invalid: { rawBody: message.body, reason: problems.join('; ') } };
}
