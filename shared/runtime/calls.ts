import { createHmac } from 'node:crypto';
import { AlibabaRpcClient } from '../alibaba/rpcClient.ts';
import { VOICE_API_VERSION, VoiceApi } from '../alibaba/voiceApi.ts';
import type { CallsDependencies } from '../calls/service.ts';
import { getConfig, type Config } from '../config.ts';
import { createCredentialsProvider } from '../secrets/alibabaCredentials.ts';
import { logger } from '../logger.ts';
import { DynamoCallStore } from '../store/dynamoCallStore.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoFlowControlStore, numberHasher } from '../store/flowControlStore.ts';
import type { CredentialsProvider } from '../secrets/alibabaCredentials.ts';

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
    ...(windows ? { flowControl: { store: new DynamoFlowControlStore(client, config.callsTable, windows, flowControlHasher(credentials)), windows } } : {}),
  };
}

/** The purpose a hash key is derived for: a new purpose (or version) gives unrelated hashes. */
const FLOW_CONTROL_KEY_PURPOSE = 'aliyun-voice/flow-control/number/v1';

/**
 * The keyed hash of numbers in the flow-control items (docs/flow-control.md#privacy): its key is
 * derived from the Alibaba AccessKeySecret, a secret every placing function already holds, so no
 * other secret has to be kept. Rotating the key pair starts every number's history afresh; Alibaba's
 * own flow control, learnt from its answers, covers that moment.
 */
function flowControlHasher(credentials: CredentialsProvider): () => Promise<(number: string) => string> {
  let current: { secret: string; hash: (number: string) => string } | undefined;
  return async () => {
    const { accessKeySecret } = await credentials();
    if (current?.secret !== accessKeySecret) {
      current = { secret: accessKeySecret, hash: numberHasher(createHmac('sha256', accessKeySecret).update(FLOW_CONTROL_KEY_PURPOSE).digest()) };
    }
    return current.hash;
  };
}

