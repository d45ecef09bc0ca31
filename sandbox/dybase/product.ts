/** dybaseapi, the Alicom product that hands out receipt-queue tokens (spec §1.1, §5.1-§5.3). */
import type { RpcProduct } from '../rpc/registry.ts';

export const DYBASEAPI: RpcProduct = {
  code: 'dybaseapi',
  hostId: 'dybaseapi.aliyuncs.com',
  version: '2017-05-25',
};

/** spec §5.2: the one dybaseapi action the receipts flow uses. */
export const TOKEN_ACTION = 'QueryTokenForMnsQueue';

/** spec §5.3: the Voice Service message types, one queue each. */
export const VOICE_MESSAGE_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const;
export type VoiceMessageType = (typeof VOICE_MESSAGE_TYPES)[number];

export function isVoiceMessageType(value: string): value is VoiceMessageType {
  return (VOICE_MESSAGE_TYPES as readonly string[]).includes(value);
}

/** spec §5.1: `Alicom-Queue-<accountId>-<MessageType>`, e.g. `Alicom-Queue-1234567890-VoiceReport`. */
export function receiptQueueName(accountId: string, messageType: VoiceMessageType): string {
  return `Alicom-Queue-${accountId}-${messageType}`;
}
