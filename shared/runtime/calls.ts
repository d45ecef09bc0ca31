import { AlibabaRpcClient } from '../alibaba/rpcClient.ts';
import { VOICE_API_VERSION, VoiceApi } from '../alibaba/voiceApi.ts';
import type { CallsDependencies } from '../calls/service.ts';
import { getConfig, type Config } from '../config.ts';
import { createCredentialsProvider } from '../secrets/alibabaCredentials.ts';
import { logger } from '../logger.ts';
import { DynamoCallStore } from '../store/dynamoCallStore.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoFlowControlStore } from '../store/flowControlStore.ts';
import { KEY_PURPOSES, keyedHasher } from '../secrets/derivedKeys.ts';

/**
 * The composition root of the call functions: configuration, credentials, Alibaba and DynamoDB
 * clients, built once per container (cold start) and reused by every invocation. Handlers call this
 * at module scope, so a bad configuration fails the cold start loudly, naming the variable. The
 * receipt poller has its own root (receipts.ts), so these bundles carry none of its code.
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
  const client = dynamoClient(config.dynamodbEndpoint);
  const windows = config.flowControlWindows;
  return {
    voice: new VoiceApi(rpc),
    store: new DynamoCallStore(client, config.callsTable, config.receiptTtlDays),
    logger,
    ...(windows ? { flowControl: { store: new DynamoFlowControlStore(client, config.callsTable, windows, keyedHasher(credentials, KEY_PURPOSES.flowControlNumber)), windows } } : {}),
  };
}
