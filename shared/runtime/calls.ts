import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { destroyPool, preconnect } from '../alibaba/pool.ts';
import { AlibabaRpcClient } from '../alibaba/rpcClient.ts';
import { VOICE_API_VERSION, VoiceApi } from '../alibaba/voiceApi.ts';
import type { CallsDependencies } from '../calls/service.ts';
import { getConfig, type Config } from '../config.ts';
import { createCredentialsProvider, type CredentialsProvider } from '../secrets/alibabaCredentials.ts';
import { logger, type Logger } from '../logger.ts';
import type { MetricsRecorder } from '../metrics.ts';
import { DynamoCallStore } from '../store/dynamoCallStore.ts';
import { dynamoClient } from '../store/dynamoClient.ts';
import { DynamoFlowControlStore } from '../store/flowControlStore.ts';
import { KEY_PURPOSES, keyedHasher } from '../secrets/derivedKeys.ts';
import { warmUp, warmUpEnabled, WARM_UP_CREDENTIALS, type WarmUpTarget } from './warmUp.ts';

/**
 * The composition root of the call functions: configuration, credentials, Alibaba and DynamoDB
 * clients, built once per container (cold start) and reused by every invocation. Handlers call this
 * at module scope, so a bad configuration fails the cold start loudly, naming the variable. The
 * receipt poller has its own root (receipts.ts), so these bundles carry none of its code.
 */
export function callsDependencies(config: Config = getConfig()): CallsDependencies {
  if (!cachedDependencies) {
    credentials = createCredentialsProvider(config.credentialsSource);
    cachedDependencies = buildDependencies(config, { credentials, dynamo: dynamoClient(config.dynamodbEndpoint), logger });
  }
  return cachedDependencies;
}

let cachedDependencies: CallsDependencies | undefined;

/**
 * The container's one provider of the Alibaba key pair (and its cache): the calls' client signs with
 * it, and the keys derived from its secret (shared/secrets/derivedKeys.ts) come from it, so a
 * container reads the secret once whatever uses it.
 */
export function alibabaCredentials(config: Config = getConfig()): CredentialsProvider {
  callsDependencies(config);
  return credentials!;
}
/** The real Alibaba credentials, read ahead at init by warmUpCalls. */
let credentials: CredentialsProvider | undefined;

/** What differs between the real dependencies and the init warm-up's throwaway ones. */
interface Parts {
  credentials: CredentialsProvider;
  dynamo: DynamoDBClient;
  logger: Logger;
  metrics?: MetricsRecorder;
}

function buildDependencies(config: Config, parts: Parts): CallsDependencies {
  const rpc = new AlibabaRpcClient({
    endpoint: config.voiceEndpoint,
    version: VOICE_API_VERSION,
    signatureVersion: config.signatureVersion,
    credentials: parts.credentials,
    ...(parts.metrics ? { logger: parts.logger, metrics: parts.metrics } : {}),
  });
  const windows = config.flowControlWindows;
  return {
    voice: new VoiceApi(rpc),
    store: new DynamoCallStore(parts.dynamo, config.callsTable, config.receiptTtlDays),
    logger: parts.logger,
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
    ...(windows
      ? { flowControl: { store: new DynamoFlowControlStore(parts.dynamo, config.callsTable, windows, keyedHasher(parts.credentials, KEY_PURPOSES.flowControlNumber)), windows } }
      : {}),
  };
}

/**
 * Throwaway call dependencies against the warm-up's stand-in (shared/runtime/warmUp.ts): the same
 * clients and store as callsDependencies(), signing with the warm-up's made-up key pair.
 */
export function warmCallsDependencies(config: Config, target: WarmUpTarget): CallsDependencies {
  target.onClose(() => destroyPool(target.origin));
  return buildDependencies(
    { ...config, voiceEndpoint: target.origin },
    { credentials: () => Promise.resolve(WARM_UP_CREDENTIALS), dynamo: target.dynamo(), logger: target.logger, metrics: target.metrics },
  );
}

/** How long init waits for the Alibaba key pair when it is a secret (SSM, Secrets Manager). */
export const CREDENTIALS_PREFETCH_MS = 3_000;

/**
 * Init work of a call function (top-level await in its handler, in a Lambda container only): opens
 * the connection to Alibaba (shared/alibaba/pool.ts preconnect), reads the Alibaba key pair ahead (a secret read costs the first request a TLS handshake and the AWS
 * signature at a seventh of the CPU otherwise), then runs `operation`, the function's own work, once
 * against the stand-in. A failed read is left for the first request to retry, as without it.
 */
export function warmUpCalls(operation: (deps: CallsDependencies) => Promise<unknown>, config: Config = getConfig()): Promise<void> {
  return warmUpWithCredentials(config, (target) => operation(warmCallsDependencies(config, target)));
}

/** warmUpCalls() for another root built on the call dependencies (the placement functions'). */
export async function warmUpWithCredentials(config: Config, work: (target: WarmUpTarget) => Promise<unknown>): Promise<void> {
  if (!warmUpEnabled()) return;
  preconnect(new URL(config.voiceEndpoint).origin);
  callsDependencies(config);
  await Promise.all([credentials?.({ deadline: Date.now() + CREDENTIALS_PREFETCH_MS }).catch(() => undefined), warmUp(work)]);
}
