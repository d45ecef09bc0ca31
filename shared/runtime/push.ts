import { getConfig, type Config } from '../config.ts';
import { warmUp, warmUpEnabled } from './warmUp.ts';
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

/** The push token the warm-up's stand-in request carries (never the real one). */
export const WARM_PUSH_TOKEN = 'warm-up';

/** How long init waits for the push token when it is a secret (SSM, Secrets Manager). */
export const PUSH_TOKEN_PREFETCH_MS = 3_000;

/**
 * Init work of the push route (top-level await in its handler, in a Lambda container only): reads
 * the push token ahead, since a secret read in the first request would spend a TLS handshake and an
 * AWS signature of Alibaba's 700 ms at a seventh of the CPU; and runs `operation`, the route's own
 * work, once against the stand-in (shared/runtime/warmUp.ts) with throwaway dependencies whose token
 * is WARM_PUSH_TOKEN. A failed read is left for the first request to retry, as without it.
 */
export async function warmUpPush(operation: (deps: ReceiptPushDependencies) => Promise<unknown>, config: Config = getConfig()): Promise<void> {
  if (!warmUpEnabled()) return;
  const deps = pushDependencies(config);
  await Promise.all([
    deps.pushToken({ deadline: Date.now() + PUSH_TOKEN_PREFETCH_MS }).catch(() => undefined),
    warmUp((target) =>
      operation({
        messageTypes: deps.messageTypes,
        store: new DynamoReceiptStore(target.dynamo(), config.callsTable, config.receiptTtlDays, { metrics: target.metrics }),
        pushToken: () => Promise.resolve(WARM_PUSH_TOKEN),
        logger: target.logger,
      }),
    ),
  ]);
}

function buildPushDependencies(config: Config): ReceiptPushDependencies {
  return {
    // The types the poller would read; push and polling deliver the same ones (docs/alibaba/receipts.md#message-types).
    messageTypes: new Set(config.receiptQueues.keys()),
    store: new DynamoReceiptStore(dynamoClient(config.dynamodbEndpoint), config.callsTable, config.receiptTtlDays),
    pushToken: createPushTokenProvider(config.receiptPushTokenSource),
    logger,
  };
}
