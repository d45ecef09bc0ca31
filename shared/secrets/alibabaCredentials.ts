import type { SecretSource } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '../localDefaults.ts';
import { readSecret } from './awsSecretReader.ts';
import { createSecretProvider, describeSecretSource, type SecretReader, type SecretRequestOptions } from './cache.ts';
import type { AlibabaCredentials } from '../signing/index.ts';

/** `deadline` (epoch ms) bounds the wait for a remote read; see createSecretProvider. */
export type CredentialsProvider = (options?: SecretRequestOptions) => Promise<AlibabaCredentials>;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Returns a provider of Alibaba credentials for the configured source. Remote values are read and
 * cached by cache.ts (5 minutes, the previous value served up to 15 minutes longer when a
 * read fails), then parsed as the key-pair document.
 */
export function createCredentialsProvider(
  source: SecretSource,
  env: Env = process.env,
  now: () => number = Date.now,
  read: SecretReader = readSecret,
): CredentialsProvider {
  if (source.kind === 'env') {
    const fromEnv = credentialsFromEnv(env);
    return () => Promise.resolve(fromEnv);
  }
  const secret = createSecretProvider(source, read, { now });
  return async (options) => parseCredentialsDocument(await secret(options), describeSecretSource(source));
}

function credentialsFromEnv(env: Env): AlibabaCredentials {
  const accessKeyId = env.ALIYUN_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.ALIYUN_ACCESS_KEY_SECRET?.trim();
  if (!accessKeyId && !accessKeySecret) {
    return { accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET };
  }
  if (!accessKeyId) throw new ConfigError('ALIYUN_ACCESS_KEY_ID', 'is required when ALIYUN_ACCESS_KEY_SECRET is set');
  if (!accessKeySecret) throw new ConfigError('ALIYUN_ACCESS_KEY_SECRET', 'is required when ALIYUN_ACCESS_KEY_ID is set');
  return { accessKeyId, accessKeySecret };
}

/** The stored value is `{"accessKeyId":"LTAI...","accessKeySecret":"..."}`. Never echo it in errors. */
export function parseCredentialsDocument(value: string | undefined, where: string): AlibabaCredentials {
  let document: unknown;
  try {
    document = value === undefined ? undefined : JSON.parse(value);
  } catch {
    document = undefined;
  }
  const record = document as { accessKeyId?: unknown; accessKeySecret?: unknown } | undefined;
  if (
    typeof record?.accessKeyId !== 'string' ||
    typeof record.accessKeySecret !== 'string' ||
    record.accessKeyId === '' ||
    record.accessKeySecret === ''
  ) {
    throw new ConfigError(
      'ALIYUN_CREDENTIALS_PARAM',
      `${where} must hold JSON {"accessKeyId": "...", "accessKeySecret": "..."}`,
    );
  }
  return { accessKeyId: record.accessKeyId, accessKeySecret: record.accessKeySecret };
}
