import { getConfig, type Config } from '../config.ts';
import { logger } from '../logger.ts';
import { createPushTokenProvider, type ReceiptPushDependencies } from '../receipts/push.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoReceiptStore } from '../store/receiptStore.ts';

/**
 * The composition root of the receipt push route (functions/pushReceipts.ts): the accepted message
 * types, the receipt store and the push token, built once per container (cold start). It builds
 * nothing of the poller (no Alibaba RPC client, no MNS client), so the push bundle carries none of
 * that code. A missing RECEIPT_PUSH_TOKEN fails the cold start, naming the variable.
 */
export function pushDependencies(config: Config = getConfig()): ReceiptPushDependencies {
  cachedPushDependencies ??= buildPushDependencies(config);
  return cachedPushDependencies;
}

let cachedPushDependencies: ReceiptPushDependencies | undefined;

function buildPushDependencies(config: Config): ReceiptPushDependencies {
  return {
    // The types the poller would read; push and polling deliver the same ones (docs/alibaba/receipts.md#message-types).
    messageTypes: new Set(config.receiptQueues.keys()),
    store: new DynamoReceiptStore(dynamoClient(config.dynamodbEndpoint), config.callsTable, config.receiptTtlDays),
    pushToken: createPushTokenProvider(config.receiptPushTokenSource),
    logger,
  };
}
