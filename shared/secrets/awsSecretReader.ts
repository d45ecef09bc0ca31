/**
 * Reads a secret from SSM Parameter Store (SecureString, decrypted) or Secrets Manager.
 *
 * The two reads are single signed HTTPS POSTs in the AWS JSON 1.1 protocol, sent here instead of
 * through @aws-sdk/client-ssm and @aws-sdk/client-secrets-manager: those clients add about 250 KB
 * to every bundle, while the SigV4 signer and the default credential chain used below are already
 * bundled by the DynamoDB client. test/integration/secrets proves the requests are the ones the
 * official clients send.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
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

/** Static or refreshable AWS credentials, as the SDK's credential providers resolve them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSecretReaderOptions {
  /** Default: AWS_REGION (set by Lambda), else AWS_DEFAULT_REGION. */
  region?: string;
  /**
   * Origin for both services (tests, LocalStack). Default: AWS_ENDPOINT_URL_SSM /
   * AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL like the SDK, else the regional endpoint.
   */
  endpoint?: string;
  /** Default: the SDK's default chain (Lambda: the execution role's keys in the environment). */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Budget of one HTTPS attempt. Default SECRET_ATTEMPT_TIMEOUT_MS. */
  attemptTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

interface Operation {
  /** SigV4 signing name and endpoint prefix. */
  service: 'ssm' | 'secretsmanager';
  target: string;
  body: Record<string, unknown>;
  endpointVariable: string;
  /** The text in the answer, undefined when it holds none (a binary secret). */
  text: (answer: Record<string, unknown>) => unknown;
}

/**
 * A SecretReader speaking to SSM (`AmazonSSM.GetParameter`, WithDecryption) and Secrets Manager
 * (`secretsmanager.GetSecretValue`) over HTTPS, AWS JSON 1.1, SigV4-signed. Errors name the source
 * and AWS's error type; values never appear in errors or logs.
 */
export function createAwsSecretReader(options: AwsSecretReaderOptions = {}): SecretReader {
  const env = options.env ?? process.env;
  const credentials = options.credentials ?? defaultProvider();
  const attemptTimeoutMs = options.attemptTimeoutMs ?? SECRET_ATTEMPT_TIMEOUT_MS;
  return async (source) => {
    const where = describeSecretSource(source);
    const operation: Operation =
      source.kind === 'ssm'
        ? {
            service: 'ssm',
            target: 'AmazonSSM.GetParameter',
            body: { Name: source.name, WithDecryption: true },
            endpointVariable: 'AWS_ENDPOINT_URL_SSM',
            text: (answer) => (answer.Parameter as Record<string, unknown> | undefined)?.Value,
          }
        : {
            service: 'secretsmanager',
            target: 'secretsmanager.GetSecretValue',
            body: { SecretId: source.secretId },
            endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
            text: (answer) => answer.SecretString,
          };
    const region = options.region ?? nonBlank(env.AWS_REGION) ?? nonBlank(env.AWS_DEFAULT_REGION);
    if (!region) throw new SecretReadError(where, 'MissingRegion', 'AWS_REGION is not set, so the endpoint is unknown');
    const endpoint =
      options.endpoint ??
      nonBlank(env[operation.endpointVariable]) ??
      nonBlank(env.AWS_ENDPOINT_URL) ??
      regionalEndpoint(operation.service, region);
    const signer = new SignatureV4({ service: operation.service, region, credentials, sha256: Sha256 });
    const answer = await send(signer, new URL(endpoint), operation, where, attemptTimeoutMs);
    const text = operation.text(answer);
    if (typeof text !== 'string' || text === '') throw new SecretReadError(where, 'NoTextValue', 'holds no text value');
    return text;
  };
}

/** AWS partitions whose DNS suffix is not amazonaws.com (the SDK's partitions.json). */
const PARTITION_SUFFIXES: ReadonlyArray<[RegExp, string]> = [
  [/^cn-/, 'amazonaws.com.cn'],
  [/^eusc-/, 'amazonaws.eu'],
  [/^us-isob-/, 'sc2s.sgov.gov'],
  [/^us-isof-/, 'csp.hci.ic.gov'],
  [/^us-iso-/, 'c2s.ic.gov'],
  [/^eu-isoe-/, 'cloud.adc-e.uk'],
];

/** `https://ssm.eu-west-1.amazonaws.com`, `https://secretsmanager.cn-north-1.amazonaws.com.cn`. */
export function regionalEndpoint(service: string, region: string): string {
  const suffix = PARTITION_SUFFIXES.find(([pattern]) => pattern.test(region))?.[1] ?? 'amazonaws.com';
  return `https://${service}.${region}.${suffix}`;
}

/** One read: up to SECRET_READ_ATTEMPTS signed POSTs; the answer's JSON object on HTTP 200. */
async function send(
  signer: SignatureV4,
  url: URL,
  operation: Operation,
  where: string,
  attemptTimeoutMs: number,
): Promise<Record<string, unknown>> {
  const body = JSON.stringify(operation.body);
  return retryWithBackoff<Record<string, unknown>, SecretReadError>(
    async () => {
      // Signed per attempt: X-Amz-Date must be fresh, and refreshed credentials are picked up.
      const signed = await signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': operation.target,
        },
        body,
      });
      // fetch sets Host itself, from the same URL that was signed.
      const { host: _host, ...headers } = signed.headers;
      let failure: SecretReadError;
      try {
        const response = await fetch(new URL('/', url), {
          method: 'POST',
          headers,
          body,
          // AWS never redirects these calls: a redirect would carry the signed request, session
          // token included, to another host. It is an error answer (HTTP_3xx) instead.
          redirect: 'manual',
          signal: AbortSignal.timeout(attemptTimeoutMs),
        });
        const text = await response.text();
        const answer = parseObject(text);
        if (response.status === 200 && answer) return { ok: true, value: answer };
        failure = awsError(where, response.status, answer, response.headers);
      } catch (error) {
        const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
        const code = timedOut ? 'RequestTimeout' : networkCode(error);
        failure = new SecretReadError(where, code, `no answer from ${url.host} (${code})`, { cause: error });
      }
      return { ok: false, error: failure, retryable: isRetryable(failure) };
    },
    // No deadline here: the cache (cache.ts) bounds how long a caller waits; each attempt has its own timeout.
    { maxAttempts: SECRET_READ_ATTEMPTS, backoff: SECRET_READ_BACKOFF, deadlineError: (_attempts, last) => last! },
  );
}

const RETRYABLE_TYPES = new Set(['ThrottlingException', 'TooManyRequestsException', 'InternalServerError', 'InternalServiceError', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout']);

function isRetryable(error: SecretReadError): boolean {
  const status = error.details.httpStatus;
  return status === undefined || status >= 500 || status === 429 || RETRYABLE_TYPES.has(error.code);
}

/**
 * AWS JSON 1.1 errors: `{"__type": "ParameterNotFound", "message": "..."}`. The type may carry a
 * namespace (`com.amazonaws.ssm#ParameterNotFound`) or a suffix after `:`; `x-amzn-errortype` is
 * the fallback. AWS messages name the parameter, never its value.
 */
function awsError(where: string, status: number, answer: Record<string, unknown> | undefined, headers: Headers): SecretReadError {
  const rawType = (typeof answer?.__type === 'string' ? answer.__type : undefined) ?? headers.get('x-amzn-errortype') ?? undefined;
  const code = rawType ? rawType.split('#').pop()!.split(':')[0]! : `HTTP_${status}`;
  const message = typeof answer?.message === 'string' ? answer.message : typeof answer?.Message === 'string' ? answer.Message : undefined;
  const requestId = headers.get('x-amzn-requestid') ?? undefined;
  return new SecretReadError(where, code, `${code} (HTTP ${status})${message ? `: ${message}` : ''}`, {
    httpStatus: status,
    ...(requestId ? { requestId } : {}),
  });
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** fetch wraps network failures in `TypeError: fetch failed` with the socket error as its cause. */
function networkCode(error: unknown): string {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return 'NetworkError';
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA256 for the signer, on node:crypto (the SDK's own Node hash does the same). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

