import { AlibabaRpcClient } from './alibaba/rpcClient.ts';
import { VOICE_API_VERSION, VoiceApi } from './alibaba/voiceApi.ts';
import type { CallsDependencies } from './calls/service.ts';
import { assertReceiptQueuesConfigured, getConfig, type Config } from './config.ts';
import { createCredentialsProvider } from './credentials.ts';
import { logger } from './logger.ts';
import { DynamoCallStore } from './store/dynamoCallStore.ts';
import { dynamoClient } from './store/dynamoClient.ts';
import { MnsQueueClient } from './receipts/mnsClient.ts';
import { DYBASE_API_VERSION, ReceiptTokenProvider } from './receipts/tokens.ts';
import { DynamoReceiptStore } from './store/receiptStore.ts';
import type { Logger } from './logger.ts';

/**
 * The composition root: configuration, credentials, Alibaba and DynamoDB clients, built once per
 * container (cold start) and reused by every invocation. Handlers call this at module scope, so a bad
 * configuration fails the cold start loudly, naming the variable.
 */
export function callsDependencies(config: Config = getConfig()): CallsDependencies {
  cachedDependencies ??= buildDependencies(config);
  return cachedDependencies;
}

let cachedDependencies: CallsDependencies | undefined;

function buildDependencies(config: Config): CallsDependencies {
  const credentials = createCredentialsProvider(config.credentialsSource);
  const rpc = new AlibabaRpcClient({
    endpoint: config.voiceEndpoint,
    version: VOICE_API_VERSION,
    signatureVersion: config.signatureVersion,
    credentials,
  });
  return {
    voice: new VoiceApi(rpc),
    store: new DynamoCallStore(dynamoClient(config.dynamodbEndpoint), config.callsTable, config.receiptTtlDays),
    logger,
  };
}

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
