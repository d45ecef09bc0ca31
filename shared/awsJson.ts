/**
 * One signed call to an AWS service in its JSON protocol (SSM, Secrets Manager: JSON 1.1; SQS:
 * JSON 1.0), sent with fetch and signed with the SigV4 signer and the default credential chain that
 * the DynamoDB client already bundles, instead of adding a service's whole SDK client (about 100-250
 * KB each) for one operation. The callers map answers and errors to their own vocabulary and retry
 * through shared/retry.ts.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** Static or refreshable AWS credentials, as the SDK's credential providers resolve them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsCredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

type Env = Readonly<Record<string, string | undefined>>;

/** Where and as whom one AWS service is called. */
export interface AwsJsonServiceOptions {
  /** SigV4 signing name and endpoint prefix: `ssm`, `secretsmanager`, `sqs`, `scheduler`. */
  service: string;
  /** `1.0` (SQS) or `1.1` (SSM, Secrets Manager). */
  jsonVersion: '1.0' | '1.1';
  /** The SDK's endpoint override variable for the service, e.g. AWS_ENDPOINT_URL_SSM. */
  endpointVariable: string;
  /** Default: AWS_REGION (set by Lambda), else AWS_DEFAULT_REGION. */
  region?: string;
  /** Origin (tests, local stand-ins). Default: endpointVariable, AWS_ENDPOINT_URL, else the regional endpoint. */
  endpoint?: string;
  /** Default: the SDK's default chain (Lambda: the execution role's keys in the environment). */
  credentials?: AwsCredentialSource;
  env?: Env;
}

/** What one call got back: the status, the JSON object of the body (if it is one), the headers. */
export interface AwsJsonAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
  headers: Headers;
}

/** No answer came (DNS, refused, reset, timeout): `code` is the socket's error code or `RequestTimeout`. */
export class AwsTransportError extends Error {
  override readonly name = 'AwsTransportError';
  constructor(
    readonly code: string,
    readonly host: string,
    options: { cause?: unknown } = {},
  ) {
    super(`no answer from ${host} (${code})`, options);
  }
}

/** The service's endpoint could not be resolved: no region is configured. */
export class AwsRegionMissingError extends Error {
  override readonly name = 'AwsRegionMissingError';
  constructor() {
    super('AWS_REGION is not set, so the endpoint is unknown');
  }
}

/** Calls one operation: `target` is the X-Amz-Target (`AmazonSSM.GetParameter`), `body` its JSON input. */
export type AwsJsonCaller = (target: string, body: unknown, options: { timeoutMs: number }) => Promise<AwsJsonAnswer>;

/** Calls one REST-JSON operation (EventBridge Scheduler): a method, a path (and query), a JSON body. */
export type AwsRestCaller = (
  request: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; query?: Record<string, string>; body?: unknown },
  options: { timeoutMs: number },
) => Promise<AwsJsonAnswer>;

/**
 * A caller for one service in the target-based JSON protocol (SSM, Secrets Manager, SQS). The
 * region and endpoint are resolved on the first call (they may be missing where the service is
 * never used); every call is signed afresh (X-Amz-Date, refreshed credentials).
 */
export function awsJsonCaller(options: AwsJsonServiceOptions): AwsJsonCaller {
  const send = signedSender(options);
  return (target, body, { timeoutMs }) =>
    send({ method: 'POST', path: '/', query: {}, headers: { 'content-type': `application/x-amz-json-${options.jsonVersion}`, 'x-amz-target': target }, body: JSON.stringify(body) }, timeoutMs);
}

/** A caller for one service in the REST-JSON protocol (EventBridge Scheduler), signed like awsJsonCaller. */
export function awsRestCaller(options: Omit<AwsJsonServiceOptions, 'jsonVersion'>): AwsRestCaller {
  const send = signedSender(options);
  return ({ method, path, query, body }, { timeoutMs }) =>
    send({ method, path, query: query ?? {}, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, timeoutMs);
}

interface UnsignedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Signs and sends one request to the service. Redirects are never followed: an AWS endpoint never
 * redirects, and a signed request must not be replayed to wherever a redirect points.
 */
function signedSender(options: Omit<AwsJsonServiceOptions, 'jsonVersion'>): (request: UnsignedRequest, timeoutMs: number) => Promise<AwsJsonAnswer> {
  const env = options.env ?? process.env;
  const credentials = options.credentials ?? defaultProvider();
  let resolved: { signer: SignatureV4; url: URL } | undefined;
  return async (request, timeoutMs) => {
    if (!resolved) {
      const region = options.region ?? nonBlank(env.AWS_REGION) ?? nonBlank(env.AWS_DEFAULT_REGION);
      if (!region) throw new AwsRegionMissingError();
      const endpoint = options.endpoint ?? nonBlank(env[options.endpointVariable]) ?? nonBlank(env.AWS_ENDPOINT_URL) ?? regionalEndpoint(options.service, region);
      resolved = { signer: new SignatureV4({ service: options.service, region, credentials, sha256: Sha256 }), url: new URL(endpoint) };
    }
    const { signer, url } = resolved;
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: request.path,
      query: request.query,
      headers: { host: url.host, ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    // fetch sets Host itself, from the same URL that was signed.
    const { host: _host, ...headers } = signed.headers;
    const target = new URL(request.path, url);
    for (const [name, value] of Object.entries(request.query)) target.searchParams.set(name, value);
    try {
      const response = await fetch(target, {
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, body: parseObject(await response.text()), headers: response.headers };
    } catch (error) {
      const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      throw new AwsTransportError(timedOut ? 'RequestTimeout' : networkCode(error), url.host, { cause: error });
    }
  };
}

/**
 * AWS JSON errors: `{"__type": "ParameterNotFound", "message": "..."}`. The type may carry a
 * namespace (`com.amazonaws.ssm#ParameterNotFound`) or a suffix after `:`; `x-amzn-errortype` is the
 * fallback; without either, `HTTP_<status>`.
 */
export function awsErrorOf(answer: AwsJsonAnswer): { code: string; message: string | undefined; requestId: string | undefined } {
  const rawType = (typeof answer.body?.__type === 'string' ? answer.body.__type : undefined) ?? answer.headers.get('x-amzn-errortype') ?? undefined;
  const code = rawType ? rawType.split('#').pop()!.split(':')[0]! : `HTTP_${answer.status}`;
  const message = typeof answer.body?.message === 'string' ? answer.body.message : typeof answer.body?.Message === 'string' ? answer.body.Message : undefined;
  return { code, message, requestId: answer.headers.get('x-amzn-requestid') ?? undefined };
}

const RETRYABLE_TYPES = new Set(['ThrottlingException', 'TooManyRequestsException', 'InternalServerError', 'InternalServiceError', 'InternalFailure', 'ServiceUnavailable', 'RequestTimeout', 'RequestThrottled']);

/** Whether a failed call may succeed if sent again: no answer, 5xx, 429, or a throttling / internal error type. */
export function isRetryableAwsFailure(status: number | undefined, code: string): boolean {
  return status === undefined || status >= 500 || status === 429 || RETRYABLE_TYPES.has(code);
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
