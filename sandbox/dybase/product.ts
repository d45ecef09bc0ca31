/** dybaseapi, the Alicom product that hands out receipt-queue tokens (docs/alibaba/rpc.md#endpoints, docs/alibaba/receipts.md#flow, docs/alibaba/receipts.md#message-types). */
import type { RpcProduct } from '../rpc/registry.ts';

export const DYBASEAPI: RpcProduct = {
  code: 'dybaseapi',
  hostId: 'dybaseapi.aliyuncs.com',
  version: '2017-05-25',
};

/** docs/alibaba/receipts.md#querytokenformnsqueue: the one dybaseapi action the receipts flow uses. */
export const TOKEN_ACTION = 'QueryTokenForMnsQueue';

/** docs/alibaba/receipts.md#message-types: the Voice Service message types, one queue each. */
export const VOICE_MESSAGE_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const;
export type VoiceMessageType = (typeof VOICE_MESSAGE_TYPES)[number];

export function isVoiceMessageType(value: string): value is VoiceMessageType {
  return (VOICE_MESSAGE_TYPES as readonly string[]).includes(value);
}

/** docs/alibaba/receipts.md#flow: `Alicom-Queue-<accountId>-<MessageType>`, e.g. `Alicom-Queue-1234567890-VoiceReport`. */
export function receiptQueueName(accountId: string, messageType: VoiceMessageType): string {
  return `Alicom-Queue-${accountId}-${messageType}`;
}
