/**
 * Reads a secret from SSM Parameter Store (SecureString, decrypted) or Secrets Manager.
 *
 * The two reads are single signed HTTPS POSTs in the AWS JSON 1.1 protocol (shared/awsJson.ts),
 * sent instead of through @aws-sdk/client-ssm and @aws-sdk/client-secrets-manager: those clients
 * add about 250 KB to every bundle. test/unit/secrets proves the requests are the ones the official
 * clients send.
 */
import { awsErrorOf, awsJsonCaller, AwsRegionMissingError, AwsTransportError, isRetryableAwsFailure, type AwsCredentialSource, type AwsJsonCaller } from '../awsJson.ts';
import type { RemoteSecretSource } from '../config.ts';
import { SecretReadError } from '../errors.ts';
import { retryWithBackoff, type BackoffPolicy } from '../retry.ts';
import { describeSecretSource, type SecretReader } from './cache.ts';

/** Budget of one HTTPS attempt (connect, headers and body); GetParameter answers in tens of ms. */
export const SECRET_ATTEMPT_TIMEOUT_MS = 2_000;
/** Attempts per read, the first included; only network failures, 5xx and throttling are retried. */
export const SECRET_READ_ATTEMPTS = 2;

/** A short pause between attempts: a throttled or failing read is not sent again at once. */
const SECRET_READ_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 200 };

/** Reads the secret's text with the Lambda's own AWS credentials and region (see createAwsSecretReader). */
export function readSecret(source: RemoteSecretSource): Promise<string> {
  defaultReader ??= createAwsSecretReader();
  return defaultReader(source);
}

let defaultReader: SecretReader | undefined;

export interface AwsSecretReaderOptions {
  /** Default: AWS_REGION (set by Lambda), else AWS_DEFAULT_REGION. */
  region?: string;
  /**
   * Origin for both services (tests, LocalStack). Default: AWS_ENDPOINT_URL_SSM /
   * AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL like the SDK, else the regional endpoint.
   */
  endpoint?: string;
  /** Default: the SDK's default chain (Lambda: the execution role's keys in the environment). */
  credentials?: AwsCredentialSource;
  /** Budget of one HTTPS attempt. Default SECRET_ATTEMPT_TIMEOUT_MS. */
  attemptTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

/** The two reads: which service, which operation, and where the text is in its answer. */
const OPERATIONS = {
  ssm: {
    service: 'ssm',
    target: 'AmazonSSM.GetParameter',
    endpointVariable: 'AWS_ENDPOINT_URL_SSM',
    body: (source: Extract<RemoteSecretSource, { kind: 'ssm' }>) => ({ Name: source.name, WithDecryption: true }),
    text: (answer: Record<string, unknown>) => (answer.Parameter as Record<string, unknown> | undefined)?.Value,
  },
  secretsmanager: {
    service: 'secretsmanager',
    target: 'secretsmanager.GetSecretValue',
    endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
    body: (source: Extract<RemoteSecretSource, { kind: 'secretsmanager' }>) => ({ SecretId: source.secretId }),
    text: (answer: Record<string, unknown>) => answer.SecretString,
  },
} as const;

/**
 * A SecretReader speaking to SSM (`AmazonSSM.GetParameter`, WithDecryption) and Secrets Manager
 * (`secretsmanager.GetSecretValue`) over HTTPS, AWS JSON 1.1, SigV4-signed. Errors name the source
 * and AWS's error type; values never appear in errors or logs.
 */
export function createAwsSecretReader(options: AwsSecretReaderOptions = {}): SecretReader {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? SECRET_ATTEMPT_TIMEOUT_MS;
  const callers = new Map<RemoteSecretSource['kind'], AwsJsonCaller>();
  const callerFor = (kind: RemoteSecretSource['kind']): AwsJsonCaller => {
    let caller = callers.get(kind);
    if (!caller) {
      const { service, endpointVariable } = OPERATIONS[kind];
      caller = awsJsonCaller({ service, endpointVariable, jsonVersion: '1.1', region: options.region, endpoint: options.endpoint, credentials: options.credentials, env: options.env });
      callers.set(kind, caller);
    }
    return caller;
  };
  return async (source) => {
    const where = describeSecretSource(source);
    const operation = OPERATIONS[source.kind];
    const body = source.kind === 'ssm' ? OPERATIONS.ssm.body(source) : OPERATIONS.secretsmanager.body(source);
    const answer = await read(callerFor(source.kind), operation.target, body, where, attemptTimeoutMs);
    const text = operation.text(answer);
    if (typeof text !== 'string' || text === '') throw new SecretReadError(where, 'NoTextValue', 'holds no text value');
    return text;
  };
}

/** One read: up to SECRET_READ_ATTEMPTS signed POSTs; the answer's JSON object on HTTP 200. */
function read(call: AwsJsonCaller, target: string, body: unknown, where: string, attemptTimeoutMs: number): Promise<Record<string, unknown>> {
  return retryWithBackoff<Record<string, unknown>, SecretReadError>(
    async () => {
      let failure: SecretReadError;
      try {
        const answer = await call(target, body, { timeoutMs: attemptTimeoutMs });
        if (answer.status === 200 && answer.body) return { ok: true, value: answer.body };
        // AWS messages name the parameter, never its value.
        const { code, message, requestId } = awsErrorOf(answer);
        failure = new SecretReadError(where, code, `${code} (HTTP ${answer.status})${message ? `: ${message}` : ''}`, {
          httpStatus: answer.status,
          ...(requestId ? { requestId } : {}),
        });
      } catch (error) {
        if (error instanceof AwsRegionMissingError) throw new SecretReadError(where, 'MissingRegion', error.message);
        if (!(error instanceof AwsTransportError)) throw error;
        failure = new SecretReadError(where, error.code, error.message, { cause: error });
      }
      return { ok: false, error: failure, retryable: isRetryableAwsFailure(failure.details.httpStatus, failure.code) };
    },
    // No deadline here: the cache (cache.ts) bounds how long a caller waits; each attempt has its own timeout.
    { maxAttempts: SECRET_READ_ATTEMPTS, backoff: SECRET_READ_BACKOFF, deadlineError: (_attempts, last) => last! },
  );
}
