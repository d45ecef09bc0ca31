import type { CredentialsSource } from './config.ts';
import { ConfigError } from './errors.ts';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from './localDefaults.ts';
import type { AlibabaCredentials } from './signing/index.ts';

/** How long a fetched key pair is trusted before it is read again, so a rotated key is picked up. */
export const CREDENTIALS_CACHE_MS = 5 * 60_000;

export type CredentialsProvider = () => Promise<AlibabaCredentials>;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Returns a provider of Alibaba credentials for the configured source. Remote values are cached for
 * CREDENTIALS_CACHE_MS; concurrent callers share one in-flight read; a failed read is not cached.
 */
export function createCredentialsProvider(
  source: CredentialsSource,
  env: Env = process.env,
  now: () => number = Date.now,
  read: (source: RemoteCredentialsSource) => Promise<AlibabaCredentials> = readRemote,
): CredentialsProvider {
  if (source.kind === 'env') {
    const fromEnv = credentialsFromEnv(env);
    return () => Promise.resolve(fromEnv);
  }
  let cached: { value: Promise<AlibabaCredentials>; expiresAt: number } | undefined;
  return () => {
    if (cached && cached.expiresAt > now()) return cached.value;
    const value = read(source);
    const entry = { value, expiresAt: now() + CREDENTIALS_CACHE_MS };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
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

export type RemoteCredentialsSource = Exclude<CredentialsSource, { kind: 'env' }>;

async function readRemote(source: RemoteCredentialsSource): Promise<AlibabaCredentials> {
  // Loaded on demand: local runs and the env source never pay for these clients at cold start.
  if (source.kind === 'ssm') {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const output = await new SSMClient({}).send(new GetParameterCommand({ Name: source.name, WithDecryption: true }));
    return parseCredentialsDocument(output.Parameter?.Value, `SSM parameter ${source.name}`);
  }
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const output = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: source.secretId }));
  return parseCredentialsDocument(output.SecretString, `secret ${source.secretId}`);
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
