/**
 * What authorises a request: nothing (`npm start`), a JWT bearer token (a stage with httpAuth=jwt),
 * or an AWS Signature Version 4 for `execute-api` (a stage with httpAuth=iam, the default).
 *
 * The signing modules are loaded on the first signed request only, so a client that sends tokens (or
 * nothing) never loads the AWS credential chain.
 */

/** AWS credentials, as the AWS SDK's credential providers return them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Returns current credentials; called for every signed request, so it should cache (the SDK's do). */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * - `'sigv4'`: sign every request for `execute-api` with the default AWS credential chain (or
 *   `credentials`);
 * - `{ token }`: send `Authorization: Bearer <token>`; a function is asked before every attempt, so
 *   it can hand out a refreshed token;
 * - `'none'`: no authorization (`npm start`, where no route checks it).
 */
export type Auth = 'sigv4' | 'none' | { token: string | (() => string | Promise<string>) };

/** One attempt as it will be sent. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The headers to add to one attempt (signed per attempt: X-Amz-Date must be fresh). */
export type Authoriser = (request: OutgoingRequest) => Promise<Record<string, string>>;

/** The service name API Gateway signs under. */
export const EXECUTE_API_SERVICE = 'execute-api';

export function createAuthoriser(auth: Auth, options: { region?: string; credentials?: AwsCredentials | AwsCredentialsProvider }): Authoriser {
  if (auth === 'none') return async () => ({});
  if (auth === 'sigv4') {
    if (!options.region) throw new TypeError("auth 'sigv4' needs a region: pass `region`, set AWS_REGION, or use an execute-api URL");
    return sigV4Authoriser(options.region, options.credentials);
  }
  if (typeof auth === 'object' && auth !== null && (typeof auth.token === 'string' || typeof auth.token === 'function')) {
    const { token } = auth;
    return async () => ({ authorization: `Bearer ${typeof token === 'function' ? await token() : token}` });
  }
  throw new TypeError("auth must be 'sigv4', 'none' or { token }");
}

/**
 * The region of an execute-api URL (`https://{apiId}.execute-api.{region}.amazonaws.com`), else
 * AWS_REGION / AWS_DEFAULT_REGION.
 */
export function regionOf(baseUrl: URL, env: Record<string, string | undefined> = globalThis.process?.env ?? {}): string | undefined {
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(baseUrl.hostname)?.[1];
  return fromHost ?? (env.AWS_REGION?.trim() || undefined) ?? (env.AWS_DEFAULT_REGION?.trim() || undefined);
}

function sigV4Authoriser(region: string, credentials: AwsCredentials | AwsCredentialsProvider | undefined): Authoriser {
  let signer: Promise<import('@smithy/signature-v4').SignatureV4> | undefined;
  const load = async () => {
    const [{ SignatureV4 }, { Hash }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]);
    const provider: AwsCredentialsProvider =
      credentials === undefined
        ? (await import('@aws-sdk/credential-provider-node')).defaultProvider()
        : typeof credentials === 'function'
          ? credentials
          : async () => credentials;
    // uriEscapePath (the default): every path segment encoded once more in the canonical request, as
    // API Gateway expects of every service but S3.
    return new SignatureV4({ service: EXECUTE_API_SERVICE, region, credentials: provider, sha256: Hash.bind(null, 'sha256') });
  };

  return async ({ method, url, headers, body }) => {
    signer ??= load().catch((error: unknown) => {
      signer = undefined;
      throw error;
    });
    const signed = await (await signer).sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: queryRecord(url.searchParams),
      headers: { ...headers, host: url.host },
      ...(body === undefined ? {} : { body }),
    });
    // fetch sets Host itself, from the very URL that was signed.
    const { host: _host, ...added } = signed.headers;
    return added;
  };
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const previous = record[name];
    record[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return record;
}
