import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { destroyPool, preconnect } from '../alibaba/pool.ts';
import { AlibabaRpcClient } from '../alibaba/rpcClient.ts';
import { assertReceiptQueuesConfigured, getConfig, type Config } from '../config.ts';
import { createCredentialsProvider } from '../secrets/alibabaCredentials.ts';
import { logger, type Logger } from '../logger.ts';
import { MnsQueueClient } from '../receipts/mnsClient.ts';
import { DYBASE_API_VERSION, ReceiptTokenProvider } from '../receipts/tokens.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoReceiptStore } from '../store/receiptStore.ts';
import type { CredentialsProvider } from '../secrets/alibabaCredentials.ts';
import type { MetricsRecorder } from '../metrics.ts';
import { warmUp, warmUpEnabled, WARM_UP_CREDENTIALS } from './warmUp.ts';

/** What the receipt poller needs (shared/receipts/poller.ts), built once per container. */
export interface ReceiptsDependencies {
  /** MessageType -> MNS queue name (RECEIPT_QUEUES). */
  queues: ReadonlyMap<string, string>;
  /** QueryTokenForMnsQueue on the dybaseapi endpoint; its token cache outlives invocations. */
  tokens: ReceiptTokenProvider;
  mns: MnsQueueClient;
  store: DynamoReceiptStore;
  logger: Logger;
}

/** The receipt poller's dependencies, built on first use (cold start) and reused by warm invocations. */
export function receiptsDependencies(config: Config = getConfig()): ReceiptsDependencies {
  cachedReceiptsDependencies ??= buildReceiptsDependencies(config);
  return cachedReceiptsDependencies;
}

let cachedReceiptsDependencies: ReceiptsDependencies | undefined;
/** The real Alibaba credentials, read ahead at init by warmUpReceipts. */
let credentials: CredentialsProvider | undefined;

function buildReceiptsDependencies(config: Config): ReceiptsDependencies {
  assertReceiptQueuesConfigured(config);
  credentials = createCredentialsProvider(config.credentialsSource);
  return assemble(config, { credentials, dynamo: dynamoClient(config.dynamodbEndpoint), logger });
}

/** The poller's parts on its clients: the real ones, or the init warm-up's throwaway ones. */
function assemble(
  config: Config,
  parts: { credentials: CredentialsProvider; dynamo: DynamoDBClient; logger: Logger; metrics?: MetricsRecorder },
): ReceiptsDependencies {
  const dybase = new AlibabaRpcClient({
    endpoint: config.dybaseEndpoint,
    version: DYBASE_API_VERSION,
    signatureVersion: config.signatureVersion,
    credentials: parts.credentials,
    ...(parts.metrics ? { logger: parts.logger, metrics: parts.metrics } : {}),
  });
  return {
    queues: config.receiptQueues,
    tokens: new ReceiptTokenProvider(dybase),
    mns: new MnsQueueClient(config.mnsEndpoint),
    store: new DynamoReceiptStore(parts.dynamo, config.callsTable, config.receiptTtlDays, parts.metrics ? { metrics: parts.metrics } : {}),
    logger: parts.logger,
  };
}

/** How long init waits for the Alibaba key pair when it is a secret (SSM, Secrets Manager). */
export const CREDENTIALS_PREFETCH_MS = 3_000;

/**
 * Init work of the poller (top-level await in its handler, in a Lambda container only): the
 * connections to dybaseapi and MNS opened (shared/alibaba/pool.ts preconnect), the Alibaba key pair
 * read ahead, and `operation` (a drain) run once against the warm-up's stand-in
 * (shared/runtime/warmUp.ts), whose queues hand out one receipt each. A failed read is left to the first poll.
 */
export async function warmUpReceipts(operation: (deps: ReceiptsDependencies) => Promise<unknown>, config: Config = getConfig()): Promise<void> {
  if (!warmUpEnabled()) return;
  // The token's and the first receive's connections, opened while the rest of init runs.
  preconnect(new URL(config.dybaseEndpoint).origin);
  preconnect(new URL(config.mnsEndpoint).origin);
  receiptsDependencies(config);
  await Promise.all([
    credentials?.({ deadline: Date.now() + CREDENTIALS_PREFETCH_MS }).catch(() => undefined),
    warmUp((target) => {
      target.onClose(() => destroyPool(target.origin));
      return operation(
        assemble(
          { ...config, dybaseEndpoint: target.origin, mnsEndpoint: target.origin },
          { credentials: () => Promise.resolve(WARM_UP_CREDENTIALS), dynamo: target.dynamo(), logger: target.logger, metrics: target.metrics },
        ),
      );
    }),
  ]);
}
