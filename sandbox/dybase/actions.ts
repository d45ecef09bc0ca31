/** The dybaseapi actions the sandbox serves: QueryTokenForMnsQueue (docs/alibaba/receipts.md#querytokenformnsqueue). */
import { chinaTime } from '../chinaTime.ts';
import type { ReceiptSettings } from '../config.ts';
import { invalidParameter } from '../rpc/errors.ts';
import { validatedAction, type ActionParamRules } from '../rpc/params.ts';
import type { RpcAction } from '../rpc/registry.ts';
import {
  DYBASEAPI,
  isVoiceMessageType,
  receiptQueueName,
  TOKEN_ACTION,
  VOICE_MESSAGE_TYPES,
  type VoiceMessageType,
} from './product.ts';
import type { TokenStore } from './tokens.ts';

export interface DybaseState {
  tokens: TokenStore;
  accountId: string;
  /** Read at each request: the token lifetime can change at run time. */
  settings: Readonly<ReceiptSettings>;
}

/**
 * docs/alibaba/receipts.md#querytokenformnsqueue. MessageType must be a Voice Service type; QueueName is optional, but when sent it
 * must be that type's queue on this account. Alibaba's exact answer to either mistake is unknown;
 * the sandbox answers the gateway's `InvalidParameter` (400) naming the expected value.
 */
const QUERY_TOKEN_FOR_MNS_QUEUE: ActionParamRules = {
  params: [
    {
      name: 'MessageType',
      type: 'String',
      required: true,
      check(value, name) {
        if (!isVoiceMessageType(value)) throw invalidParameter(name, `one of ${VOICE_MESSAGE_TYPES.join(', ')}, got ${value}`);
      },
    },
    { name: 'QueueName', type: 'String' },
    { name: 'OwnerId', type: 'Long' },
    { name: 'ResourceOwnerAccount', type: 'String' },
    { name: 'ResourceOwnerId', type: 'Long' },
  ],
};

export function dybaseActions(state: DybaseState): RpcAction[] {
  return [
    validatedAction(DYBASEAPI, TOKEN_ACTION, QUERY_TOKEN_FOR_MNS_QUEUE, ({ params, now }) => {
      // Checked by the rules above.
      const messageType = params.MessageType as VoiceMessageType;
      const queueName = receiptQueueName(state.accountId, messageType);
      if (params.QueueName !== undefined && params.QueueName !== queueName) {
        throw invalidParameter('QueueName', `${queueName} (the ${messageType} queue of this account), got ${params.QueueName}`);
      }
      const token = state.tokens.issue(messageType, queueName, now, state.settings.tokenLifetimeMs);
      return {
        MessageTokenDTO: {
          AccessKeyId: token.accessKeyId,
          AccessKeySecret: token.accessKeySecret,
          SecurityToken: token.securityToken,
          // docs/alibaba/receipts.md#querytokenformnsqueue: China time, second precision.
          CreateTime: chinaTime(token.createdAt),
          ExpireTime: chinaTime(token.expiresAt),
        },
      };
    }),
  ];
}
