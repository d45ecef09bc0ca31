import { AlibabaRpcClient } from '../alibaba/rpcClient.ts';
import { assertReceiptQueuesConfigured, getConfig, type Config } from '../config.ts';
import { createCredentialsProvider } from '../secrets/alibabaCredentials.ts';
import { logger, type Logger } from '../logger.ts';
import { MnsQueueClient } from '../receipts/mnsClient.ts';
import { DYBASE_API_VERSION, ReceiptTokenProvider } from '../receipts/tokens.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoReceiptStore } from '../store/receiptStore.ts';

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

function buildReceiptsDependencies(config: Config): ReceiptsDependencies {
  assertReceiptQueuesConfigured(config);
  const dybase = new AlibabaRpcClient({
    endpoint: config.dybaseEndpoint,
    version: DYBASE_API_VERSION,
    signatureVersion: config.signatureVersion,
    credentials: createCredentialsProvider(config.credentialsSource),
  });
  return {
    queues: config.receiptQueues,
    tokens: new ReceiptTokenProvider(dybase),
    mns: new MnsQueueClient(config.mnsEndpoint),
    store: new DynamoReceiptStore(dynamoClient(config.dynamodbEndpoint), config.callsTable, config.receiptTtlDays),
    logger,
  };
}
