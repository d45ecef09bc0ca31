import type { SecretSource } from './config.ts';

/** How long a fetched secret is trusted before it is read again, so a rotated value is picked up. */
export const SECRET_CACHE_MS = 5 * 60_000;

/** Returns the secret's current text. */
export type SecretProvider = () => Promise<string>;

export type SecretReader = (source: SecretSource) => Promise<string>;

/**
 * A cached reader of one SSM SecureString or Secrets Manager secret: the value is kept for
 * SECRET_CACHE_MS; concurrent callers share one in-flight read; a failed read is not cached.
 */
export function createSecretProvider(
  source: SecretSource,
  now: () => number = Date.now,
  read: SecretReader = readSecret,
): SecretProvider {
  let cached: { value: Promise<string>; expiresAt: number } | undefined;
  return () => {
    if (cached && cached.expiresAt > now()) return cached.value;
    const value = read(source);
    const entry = { value, expiresAt: now() + SECRET_CACHE_MS };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}

/** Where a secret lives, for error messages (never its value). */
export function describeSecretSource(source: SecretSource): string {
  return source.kind === 'ssm' ? `SSM parameter ${source.name}` : `secret ${source.secretId}`;
}

/** Reads the secret's text; `undefined` content (a binary secret, an empty parameter) is an error. */
export async function readSecret(source: SecretSource): Promise<string> {
  // Loaded on demand: local runs and the env source never pay for these clients at cold start.
  if (source.kind === 'ssm') {
    const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
    const output = await new SSMClient({}).send(new GetParameterCommand({ Name: source.name, WithDecryption: true }));
    return requireText(output.Parameter?.Value, source);
  }
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const output = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: source.secretId }));
  return requireText(output.SecretString, source);
}

function requireText(value: string | undefined, source: SecretSource): string {
  if (value === undefined || value === '') throw new Error(`${describeSecretSource(source)} holds no text value`);
  return value;
}
